package extraccion

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"
)

func extraerLocal(t testing.TB, data []byte, mime string) (Result, error) {
	t.Helper()
	return NewLocal(LocalConfig{}).Extract(context.Background(), Input{
		File: bytes.NewReader(data), Size: int64(len(data)), MIME: mime, TenantID: "t1",
	})
}

// compararExtraccion reports every field that differs, so one run shows the
// whole picture of a layout instead of the first mismatch.
func compararExtraccion(t *testing.T, got, want Extraccion) {
	t.Helper()
	campos := []struct {
		nombre    string
		got, want string
	}{
		{"tipo_documento", string(got.TipoDocumento), string(want.TipoDocumento)},
		{"rut_emisor", got.RutEmisor, want.RutEmisor},
		{"razon_social_emisor", got.RazonSocialEmisor, want.RazonSocialEmisor},
		{"rut_receptor", got.RutReceptor, want.RutReceptor},
		{"razon_social_receptor", got.RazonSocialReceptor, want.RazonSocialReceptor},
		{"folio", got.Folio, want.Folio},
		{"fecha_emision", got.FechaEmision, want.FechaEmision},
		{"moneda", got.Moneda, want.Moneda},
		{"monto_neto", nd(got.MontoNeto), nd(want.MontoNeto)},
		{"monto_iva", nd(got.MontoIVA), nd(want.MontoIVA)},
		{"monto_exento", nd(got.MontoExento), nd(want.MontoExento)},
		{"monto_total", nd(got.MontoTotal), nd(want.MontoTotal)},
		{"motor", got.Motor, want.Motor},
	}
	for _, c := range campos {
		if c.got != c.want {
			t.Errorf("%s = %q, quiero %q", c.nombre, c.got, c.want)
		}
	}
	if len(got.Items) != len(want.Items) {
		t.Errorf("items: %d, quiero %d: %+v", len(got.Items), len(want.Items), got.Items)
		return
	}
	for i := range want.Items {
		g, w := got.Items[i], want.Items[i]
		if g.Codigo != w.Codigo || g.Descripcion != w.Descripcion || nd(g.Cantidad) != nd(w.Cantidad) ||
			nd(g.PrecioUnitario) != nd(w.PrecioUnitario) || nd(g.Monto) != nd(w.Monto) {
			t.Errorf("item %d = %s, quiero %s", i, itemStr(g), itemStr(w))
		}
	}
}

// nd prints a nullable decimal so 1000 and 1000.00 compare equal.
func nd(d decimal.NullDecimal) string {
	if !d.Valid {
		return "null"
	}
	return d.Decimal.String()
}

func itemStr(it Item) string {
	return fmt.Sprintf("{%q %q cant=%s pu=%s monto=%s}", it.Codigo, it.Descripcion, nd(it.Cantidad), nd(it.PrecioUnitario), nd(it.Monto))
}

func TestLocalExtraeDocumentos(t *testing.T) {
	casos := []struct {
		nombre   string
		pdf      func(testing.TB) []byte
		esperado Extraccion
	}{
		{"factura 33 con tabla de ítems y códigos", pdfFactura33, esperadoFactura33()},
		{"factura exenta 34 con receptor antes del emisor", pdfFacturaExenta34, esperadoFacturaExenta34()},
		{"boleta 39 con IVA incluido", pdfBoleta39, esperadoBoleta39()},
		{"nota de crédito 61 en dólares con receptor arriba", pdfNotaCredito61, esperadoNotaCredito61()},
		{"ticket de supermercado angosto", pdfTicket, esperadoTicket()},
		{"factura con totales en columnas y emisor etiquetado", pdfFacturaColumnas, esperadoFacturaColumnas()},
		{"factura con fuente TrueType embebida", pdfFacturaUTF8, esperadoFacturaUTF8()},
		{"factura del sistema del SII con acuse de recibo", pdfFacturaSII, esperadoFacturaSII()},
		{"guía de despacho de sistema en modo texto", func(testing.TB) []byte { return pdfGuiaTextoPlano() }, esperadoGuiaTextoPlano()},
		{"boleta con palabras sueltas en TJ y fecha en palabras", func(testing.TB) []byte { return pdfBoletaKerning() }, esperadoBoletaKerning()},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			res, err := extraerLocal(t, c.pdf(t), MIMEPDF)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			compararExtraccion(t, res.Extraccion, c.esperado)
			if len(res.Extraccion.Advertencias) != 0 {
				t.Errorf("advertencias inesperadas: %q", res.Extraccion.Advertencias)
			}
			if res.Usage != (Usage{}) {
				t.Errorf("el motor local no gasta tokens: %+v", res.Usage)
			}
		})
	}
}

func TestLocalArchivosMalos(t *testing.T) {
	factura := pdfFactura33(t)
	protegido := func(t testing.TB) []byte {
		p := fpdf.New("P", "mm", "A4", "")
		p.SetProtection(fpdf.CnProtectPrint, "secreta", "dueño")
		p.AddPage()
		p.SetFont("Helvetica", "", 12)
		p.Cell(100, 10, "FACTURA ELECTRONICA N 1")
		var b bytes.Buffer
		if err := p.Output(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	casos := []struct {
		nombre     string
		data       []byte
		mime       string
		code       string
		permanente bool
	}{
		{"archivo de 0 bytes", nil, MIMEPDF, CodeArchivoVacio, true},
		{"PDF truncado a la mitad", factura[:len(factura)/2], MIMEPDF, CodePDFInvalido, true},
		{"PDF sin el final", factura[:len(factura)-40], MIMEPDF, CodePDFInvalido, true},
		{"solo el encabezado", []byte("%PDF-1.4\n%%EOF\n"), MIMEPDF, CodePDFInvalido, true},
		{"basura con MIME de PDF", bytes.Repeat([]byte("no soy un pdf "), 100), MIMEPDF, CodePDFInvalido, true},
		{"PDF sin texto (rectángulo e imagen)", pdfSinTexto(t), MIMEPDF, CodeSinTexto, true},
		{"imagen JPEG", bytesJPEG(t), MIMEJPEG, CodeSinTexto, true},
		{"imagen PNG", bytesPNG(t), MIMEPNG, CodeSinTexto, true},
		{"PDF con contraseña de apertura", protegido(t), MIMEPDF, CodePDFProtegido, true},
		{"tipo no soportado", []byte("hola"), "text/plain", CodeTipoNoSoportado, true},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			_, err := extraerLocal(t, c.data, c.mime)
			if err == nil {
				t.Fatal("quiero un error")
			}
			if got := Code(err); got != c.code {
				t.Errorf("Code = %q, quiero %q (%v)", got, c.code, err)
			}
			if got := IsPermanent(err); got != c.permanente {
				t.Errorf("IsPermanent = %v, quiero %v", got, c.permanente)
			}
		})
	}
}

func TestLocalPDFVersion2(t *testing.T) {
	// The PDF library only admits "%PDF-1.x"; a 2.0 header must still work.
	data := pdfBoleta39(t)
	data = append([]byte("%PDF-2.0"), data[8:]...)
	res, err := extraerLocal(t, data, MIMEPDF)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	compararExtraccion(t, res.Extraccion, esperadoBoleta39())
}

func TestLocalMultipagina(t *testing.T) {
	data := pdfMultipagina(t, 3)
	t.Run("todas las páginas", func(t *testing.T) {
		res, err := extraerLocal(t, data, MIMEPDF)
		if err != nil {
			t.Fatal(err)
		}
		ex := res.Extraccion
		if len(ex.Items) != 90 {
			t.Fatalf("items = %d, quiero 90", len(ex.Items))
		}
		if it := ex.Items[89]; it.Codigo != "P-0090" || it.Descripcion != "Producto número 90" || nd(it.Monto) != "1000" {
			t.Errorf("último ítem = %s", itemStr(it))
		}
		if nd(ex.MontoNeto) != "90000" || nd(ex.MontoIVA) != "17100" || nd(ex.MontoTotal) != "107100" {
			t.Errorf("montos = %s %s %s", nd(ex.MontoNeto), nd(ex.MontoIVA), nd(ex.MontoTotal))
		}
		if ex.RutEmisor != canon(76543210) || ex.Folio != "98765" || ex.FechaEmision != "2026-03-02" {
			t.Errorf("cabecera = %s %s %s", ex.RutEmisor, ex.Folio, ex.FechaEmision)
		}
		if len(ex.Advertencias) != 0 {
			t.Errorf("advertencias: %q", ex.Advertencias)
		}
	})
	t.Run("con límite de páginas no inventa el total", func(t *testing.T) {
		res, err := NewLocal(LocalConfig{MaxPages: 2}).Extract(context.Background(),
			Input{File: bytes.NewReader(data), Size: int64(len(data)), MIME: MIMEPDF})
		if err != nil {
			t.Fatal(err)
		}
		ex := res.Extraccion
		if ex.MontoTotal.Valid {
			t.Errorf("monto_total = %s, quiero null", nd(ex.MontoTotal))
		}
		for _, want := range []string{"solo se leyeron las primeras 2", "no se encontró el monto total"} {
			if !contieneAdvertencia(ex.Advertencias, want) {
				t.Errorf("falta la advertencia %q en %q", want, ex.Advertencias)
			}
		}
	})
}

func contieneAdvertencia(advs []string, parte string) bool {
	for _, a := range advs {
		if strings.Contains(a, parte) {
			return true
		}
	}
	return false
}

func TestLocalSinTotal(t *testing.T) {
	h := nuevaHoja(210, 297)
	h.En(10, 10, 100, "COMERCIAL SIN TOTAL SPA", "L")
	h.En(130, 10, 70, "R.U.T.: "+rutDe(76111111), "C")
	h.En(130, 16, 70, "FACTURA ELECTRÓNICA", "C")
	h.En(130, 22, 70, "N° 77", "C")
	h.En(10, 30, 100, "Fecha Emisión: 01/02/2026", "L")
	h.En(10, 40, 100, "Monto Neto: $ 10.000", "L")
	res, err := extraerLocal(t, pdfDe(t, h), MIMEPDF)
	if err != nil {
		t.Fatal(err)
	}
	if res.Extraccion.MontoTotal.Valid {
		t.Errorf("inventó un total: %s", nd(res.Extraccion.MontoTotal))
	}
	for _, want := range []string{"no se encontró el monto total", "la factura no muestra el IVA"} {
		if !contieneAdvertencia(res.Extraccion.Advertencias, want) {
			t.Errorf("falta %q en %q", want, res.Extraccion.Advertencias)
		}
	}
}

func TestLocalRUTConDigitoErroneo(t *testing.T) {
	h := nuevaHoja(210, 297)
	h.Fuente("B", 14)
	h.En(10, 10, 100, "FERRETERÍA EL CLAVO LTDA", "L")
	h.Fuente("", 10)
	h.En(130, 10, 70, "R.U.T.: 76.123.456-5", "C") // the right digit is 0
	h.En(130, 16, 70, "FACTURA ELECTRÓNICA", "C")
	h.En(130, 22, 70, "N° 12", "C")
	h.En(10, 30, 100, "Fecha Emisión: 01/02/2026", "L")
	h.En(120, 40, 40, "Neto", "L")
	h.En(160, 40, 30, "10.000", "R")
	h.En(120, 46, 40, "IVA", "L")
	h.En(160, 46, 30, "1.800", "R")
	h.En(120, 52, 40, "Total", "L")
	h.En(160, 52, 30, "12.000", "R")
	res, err := extraerLocal(t, pdfDe(t, h), MIMEPDF)
	if err != nil {
		t.Fatal(err)
	}
	ex := res.Extraccion
	if ex.RutEmisor != "76123456-5" {
		t.Errorf("rut_emisor = %q: se conserva tal como está impreso", ex.RutEmisor)
	}
	for _, want := range []string{"dígito verificador del RUT del emisor", "no coincide con el total", "no corresponde al 19 %"} {
		if !contieneAdvertencia(ex.Advertencias, want) {
			t.Errorf("falta %q en %q", want, ex.Advertencias)
		}
	}
}

func TestLocalNoEntraEnPanicoConPDFsDañados(t *testing.T) {
	base := pdfFactura33(t)
	ctx := context.Background()
	eng := NewLocal(LocalConfig{})
	// Deterministic corruption: truncations and byte flips across the file.
	for i := 0; i < 300; i++ {
		data := append([]byte(nil), base...)
		switch i % 3 {
		case 0:
			data = data[:(i*7919)%len(data)]
		case 1:
			for k := 0; k < 20; k++ {
				data[(i*104729+k*7)%len(data)] ^= byte(i + k)
			}
		case 2:
			p := (i * 31337) % len(data)
			data = append(data[:p], data[min(p+500, len(data)):]...)
		}
		res, err := eng.Extract(ctx, Input{File: bytes.NewReader(data), Size: int64(len(data)), MIME: MIMEPDF})
		if err != nil && Code(err) == CodeDesconocido {
			t.Errorf("mutación %d: error sin clasificar: %v", i, err)
		}
		if err == nil && res.Extraccion.Motor != MotorLocal {
			t.Errorf("mutación %d: resultado sin motor", i)
		}
	}
}

func TestLocalContextoCancelado(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := pdfFactura33(t)
	_, err := NewLocal(LocalConfig{}).Extract(ctx, Input{File: bytes.NewReader(data), Size: int64(len(data)), MIME: MIMEPDF})
	if Code(err) != CodeCancelado || IsPermanent(err) {
		t.Errorf("err = %v (code %q): quiero cancelado reintentable", err, Code(err))
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	_, err = NewLocal(LocalConfig{}).Extract(ctx2, Input{File: bytes.NewReader(data), Size: int64(len(data)), MIME: MIMEPDF})
	if Code(err) != CodeTiempoAgotado || IsPermanent(err) {
		t.Errorf("err = %v (code %q): quiero tiempo_agotado reintentable", err, Code(err))
	}
}

func TestExtraccionJSON(t *testing.T) {
	res, err := extraerLocal(t, pdfBoleta39(t), MIMEPDF)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Extraccion)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"tipo_documento":"boleta"`, `"rut_emisor":"77879240-0"`, `"monto_total":"5990"`,
		`"monto_neto":null`, `"fecha_emision":"2026-03-15"`, `"advertencias":[]`, `"motor":"local"`,
		`"precio_unitario":"1190"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("falta %s en %s", want, s)
		}
	}
	var back Extraccion
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	compararExtraccion(t, back, res.Extraccion)
}

func BenchmarkLocalEngine(b *testing.B) {
	const paginas = 20
	data := pdfMultipagina(b, paginas)
	eng := NewLocal(LocalConfig{})
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		res, err := eng.Extract(ctx, Input{File: bytes.NewReader(data), Size: int64(len(data)), MIME: MIMEPDF})
		if err != nil || len(res.Extraccion.Items) != paginas*30 {
			b.Fatalf("err=%v items=%d", err, len(res.Extraccion.Items))
		}
	}
	b.ReportMetric(float64(b.N*paginas)/time.Since(start).Seconds(), "pages/s")
}

func TestLocalArchivoGrandeNoSeCargaEnMemoria(t *testing.T) {
	// A scan-sized photo inside the PDF: the engine must read the text
	// through ReadAt without pulling the image stream into memory.
	rng := rand.New(rand.NewSource(1))
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1600))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Intn(256))
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	h := nuevaHoja(210, 297)
	h.En(10, 10, 100, "BOLETA ELECTRÓNICA N° 10", "L")
	h.En(10, 16, 100, "RUT "+rutDe(76123456), "L")
	h.En(10, 22, 100, "Total: $ 1.000", "L")
	h.P.RegisterImageOptionsReader("foto", fpdf.ImageOptions{ImageType: "JPG"}, &jb)
	h.P.ImageOptions("foto", 10, 40, 150, 0, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	data := pdfDe(t, h)
	if len(data) < 3<<20 {
		t.Fatalf("el PDF de prueba pesa solo %d bytes", len(data))
	}
	runtime.GC()
	var antes, despues runtime.MemStats
	runtime.ReadMemStats(&antes)
	res, err := extraerLocal(t, data, MIMEPDF)
	runtime.ReadMemStats(&despues)
	if err != nil {
		t.Fatal(err)
	}
	if nd(res.Extraccion.MontoTotal) != "1000" {
		t.Errorf("monto_total = %s", nd(res.Extraccion.MontoTotal))
	}
	if asignado := despues.TotalAlloc - antes.TotalAlloc; asignado > uint64(len(data))/4 {
		t.Errorf("asignó %d bytes para un PDF de %d: no debe cargar el archivo", asignado, len(data))
	}
}

func TestLocalPDFConCifradoNoSoportado(t *testing.T) {
	// fpdf protects with 40-bit RC4, which the PDF library opens but
	// decrypts wrongly; the result must say "protected", not "corrupt".
	p := fpdf.New("P", "mm", "A4", "")
	p.SetProtection(fpdf.CnProtectPrint, "", "clave-del-dueño")
	p.AddPage()
	p.SetFont("Helvetica", "", 11)
	p.Text(20, 20, "BOLETA ELECTRONICA N 55")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	_, err := extraerLocal(t, b.Bytes(), MIMEPDF)
	if Code(err) != CodePDFProtegido || !IsPermanent(err) {
		t.Errorf("err = %v (%q): quiero pdf_protegido permanente", err, Code(err))
	}
}
