package extraccion

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"ecosystem/pkg/shared/rut"
	"ecosystem/services/rendiciones/internal/muestras/hoja"
)

// Builders of real PDFs for the tests, in several layouts Chilean issuers
// use. Core fonts go through fpdf's cp1252 translator so accents survive.

// rutDe returns a valid RUT for body in display form ("76.123.456-0").
func rutDe(body int) string {
	return rut.RUT{Body: body, DV: rut.CheckDigit(body)}.Display()
}

// canon returns the canonical form of a valid RUT for body.
func canon(body int) string {
	return rut.RUT{Body: body, DV: rut.CheckDigit(body)}.String()
}

func nuevaHoja(wmm, hmm float64) *hoja.Hoja { return hoja.New(wmm, hmm) }

// pdfDe finishes a test document.
func pdfDe(t testing.TB, h *hoja.Hoja) []byte {
	t.Helper()
	b, err := h.Bytes()
	if err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return b
}

// pdfFactura33 is the classic layout: issuer top left in a big font, the
// SII box top right, receiver under it with its RUT on the same line as
// "SEÑOR(ES)", an items table with codes, totals at the bottom right.
func pdfFactura33(t testing.TB) []byte {
	h := nuevaHoja(210, 297)
	h.Fuente("B", 15)
	h.En(10, 12, 110, "COMERCIAL LOS ANDES SPA", "L")
	h.Fuente("", 9)
	h.En(10, 19, 110, "Giro: Venta al por mayor de artículos de oficina", "L")
	h.En(10, 24, 110, "Casa Matriz: Av. Providencia 1234, Providencia, Santiago", "L")
	h.En(10, 29, 110, "Fono: +56 2 2345 6789 - ventas@losandes.cl", "L")
	h.Caja(135, 10, 65, 28)
	h.Fuente("B", 11)
	h.En(135, 12, 65, "R.U.T.: "+rutDe(76123456), "C")
	h.En(135, 19, 65, "FACTURA ELECTRÓNICA", "C")
	h.En(135, 26, 65, "N° 4567", "C")
	h.Fuente("", 8)
	h.En(135, 40, 65, "S.I.I. - SANTIAGO CENTRO", "C")

	h.Fuente("", 9)
	h.En(10, 48, 100, "Fecha Emisión: 15 de marzo de 2026", "L")
	h.En(10, 55, 110, "SEÑOR(ES): CONSTRUCTORA DEL SUR LIMITADA", "L")
	h.En(125, 55, 70, "R.U.T.: "+rutDe(77654321), "L")
	h.En(10, 60, 110, "GIRO: Construcción de edificios", "L")
	h.En(125, 60, 70, "COMUNA: Concepción", "L")
	h.En(10, 65, 110, "DIRECCIÓN: Los Carrera 455", "L")
	h.En(125, 65, 70, "Fecha Vencimiento: 14/04/2026", "L")

	xs := []float64{10, 40, 120, 145, 170}
	ws := []float64{28, 78, 23, 23, 28}
	h.Fuente("B", 9)
	h.Fila(75, xs, ws, "LLRRR", "Código", "Descripción", "Cantidad", "Precio Unit.", "Total")
	h.Fuente("", 9)
	h.Fila(82, xs, ws, "LLRRR", "ART-001", "Resma papel carta 500 hojas", "10", "3.500", "35.000")
	h.Fila(88, xs, ws, "LLRRR", "ART-017", "Archivador palanca lomo ancho", "5", "2.990", "14.950")
	h.Fila(94, xs, ws, "LLRRR", "SRV-9", "Despacho a obra", "1", "50.050", "50.050")

	h.Fuente("", 10)
	h.En(130, 110, 35, "MONTO NETO", "L")
	h.En(165, 110, 33, "$ 100.000", "R")
	h.En(130, 116, 35, "IVA 19%", "L")
	h.En(165, 116, 33, "$ 19.000", "R")
	h.Fuente("B", 10)
	h.En(130, 122, 35, "TOTAL", "L")
	h.En(165, 122, 33, "$ 119.000", "R")
	h.Fuente("", 7)
	h.En(10, 130, 80, "Timbre Electrónico SII", "L")
	h.En(10, 134, 100, "Res. 80 de 2014 - Verifique documento: www.sii.cl", "L")
	return pdfDe(t, h)
}

func esperadoFactura33() Extraccion {
	return Extraccion{
		TipoDocumento: TipoFactura, RutEmisor: canon(76123456), RazonSocialEmisor: "COMERCIAL LOS ANDES SPA",
		RutReceptor: canon(77654321), RazonSocialReceptor: "CONSTRUCTORA DEL SUR LIMITADA",
		Folio: "4567", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
		MontoNeto: dec("100000"), MontoIVA: dec("19000"), MontoTotal: dec("119000"),
		Items: []Item{
			{Codigo: "ART-001", Descripcion: "Resma papel carta 500 hojas", Cantidad: dec("10"), PrecioUnitario: dec("3500"), Monto: dec("35000")},
			{Codigo: "ART-017", Descripcion: "Archivador palanca lomo ancho", Cantidad: dec("5"), PrecioUnitario: dec("2990"), Monto: dec("14950")},
			{Codigo: "SRV-9", Descripcion: "Despacho a obra", Cantidad: dec("1"), PrecioUnitario: dec("50050"), Monto: dec("50050")},
		},
		Motor: MotorLocal,
	}
}

// pdfFacturaExenta34 puts the receiver block first, then a labelled issuer
// block; the title and the folio share a line; totals are "label: $ value".
func pdfFacturaExenta34(t testing.TB) []byte {
	h := nuevaHoja(216, 279) // carta
	h.Fuente("B", 10)
	h.En(10, 10, 100, "DATOS DEL RECEPTOR", "L")
	h.Fuente("", 9)
	h.En(10, 16, 120, "Cliente: Minera Escondida Ltda.", "L")
	h.En(10, 21, 120, "RUT Cliente: "+rutDe(79587210), "L")
	h.En(10, 26, 120, "Dirección: Av. Grecia 750, Antofagasta", "L")
	h.Fuente("B", 10)
	h.En(10, 38, 100, "EMISOR", "L")
	h.Fuente("", 9)
	h.En(10, 44, 120, "Razón Social: Servicios Integrales Pérez E.I.R.L.", "L")
	h.En(10, 49, 120, "RUT: "+rutDe(76555835), "L")
	h.En(10, 54, 120, "Giro: Asesorías en capacitación", "L")
	h.Fuente("B", 11)
	h.En(10, 64, 120, "FACTURA NO AFECTA O EXENTA ELECTRÓNICA", "L")
	h.En(150, 64, 50, "Folio: 889", "R")
	h.Fuente("", 9)
	h.En(10, 70, 80, "Fecha: 2026-03-15", "L")
	h.En(120, 70, 80, "Forma de pago: Crédito 30 días", "L")

	xs := []float64{10, 120, 150, 175}
	ws := []float64{100, 25, 25, 28}
	h.Fuente("B", 9)
	h.Fila(80, xs, ws, "LRRR", "Detalle", "Cant.", "P. Unitario", "Monto")
	h.Fuente("", 9)
	h.Fila(86, xs, ws, "LRRR", "Curso de seguridad en faenas mineras", "2", "100.000", "200.000")
	h.Fila(92, xs, ws, "LRRR", "Material didáctico", "25", "2.000", "50.000")

	h.En(120, 106, 40, "Monto Exento:", "L")
	h.En(160, 106, 40, "$ 250.000", "R")
	h.En(120, 112, 40, "Total:", "L")
	h.En(160, 112, 40, "$ 250.000", "R")
	return pdfDe(t, h)
}

func esperadoFacturaExenta34() Extraccion {
	return Extraccion{
		TipoDocumento: TipoFacturaExenta, RutEmisor: canon(76555835), RazonSocialEmisor: "Servicios Integrales Pérez E.I.R.L.",
		RutReceptor: canon(79587210), RazonSocialReceptor: "Minera Escondida Ltda.",
		Folio: "889", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
		MontoExento: dec("250000"), MontoTotal: dec("250000"),
		Items: []Item{
			{Descripcion: "Curso de seguridad en faenas mineras", Cantidad: dec("2"), PrecioUnitario: dec("100000"), Monto: dec("200000")},
			{Descripcion: "Material didáctico", Cantidad: dec("25"), PrecioUnitario: dec("2000"), Monto: dec("50000")},
		},
		Motor: MotorLocal,
	}
}

// pdfBoleta39 is a half-width boleta: name on top, SII box, an items table
// without codes, the total and the legal "El IVA de esta boleta es" line.
func pdfBoleta39(t testing.TB) []byte {
	h := nuevaHoja(110, 200)
	h.Fuente("B", 13)
	h.En(5, 6, 100, "Panadería La Espiga SpA", "C")
	h.Fuente("", 8)
	h.En(5, 12, 100, "Elaboración y venta de pan - Los Aromos 221, Ñuñoa", "C")
	h.Caja(20, 19, 70, 22)
	h.Fuente("B", 10)
	h.En(20, 20, 70, "R.U.T.: "+rutDe(77879240), "C")
	h.En(20, 27, 70, "BOLETA ELECTRÓNICA", "C")
	h.En(20, 34, 70, "N° 123456", "C")
	h.Fuente("", 8)
	h.En(5, 44, 100, "Fecha: 15-03-2026   Hora: 08:41", "L")

	xs := []float64{5, 20, 65, 85}
	ws := []float64{14, 44, 19, 20}
	h.Fuente("B", 8)
	h.Fila(52, xs, ws, "LLRR", "Cant.", "Descripción", "Precio", "Total")
	h.Fuente("", 8)
	h.Fila(57, xs, ws, "LLRR", "1", "Marraqueta kg", "2.400", "2.400")
	h.Fila(62, xs, ws, "LLRR", "3", "Berlín crema", "1.190", "3.570")
	h.Fila(67, xs, ws, "LLRR", "1", "Bolsa", "20", "20")
	h.Fuente("B", 10)
	h.En(50, 76, 25, "Total:", "L")
	h.En(75, 76, 30, "$ 5.990", "R")
	h.Fuente("", 8)
	h.En(5, 84, 100, "El IVA de esta boleta es: $ 956", "L")
	h.En(5, 90, 100, "Timbre Electrónico SII - Res. 99 de 2014", "L")
	return pdfDe(t, h)
}

func esperadoBoleta39() Extraccion {
	return Extraccion{
		TipoDocumento: TipoBoleta, RutEmisor: canon(77879240), RazonSocialEmisor: "Panadería La Espiga SpA",
		Folio: "123456", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
		MontoIVA: dec("956"), MontoTotal: dec("5990"),
		Items: []Item{
			{Descripcion: "Marraqueta kg", Cantidad: dec("1"), PrecioUnitario: dec("2400"), Monto: dec("2400")},
			{Descripcion: "Berlín crema", Cantidad: dec("3"), PrecioUnitario: dec("1190"), Monto: dec("3570")},
			{Descripcion: "Bolsa", Cantidad: dec("1"), PrecioUnitario: dec("20"), Monto: dec("20")},
		},
		Motor: MotorLocal,
	}
}

// pdfNotaCredito61 starts with the receiver block on the left while the SII
// box sits on the right of the same lines; the issuer comes below. It is in
// USD with Chilean separators, cites the factura it corrects and has a
// zero-padded folio.
func pdfNotaCredito61(t testing.TB) []byte {
	h := nuevaHoja(210, 297)
	h.Fuente("", 9)
	h.En(10, 12, 110, "Señor(es): COMERCIAL LOS ANDES SPA", "L")
	h.En(10, 17, 110, "RUT: "+rutDe(76123456), "L")
	h.En(10, 22, 110, "Dirección: Av. Providencia 1234", "L")
	h.Caja(135, 10, 65, 28)
	h.Fuente("B", 11)
	h.En(135, 12, 65, "R.U.T.: "+rutDe(96874030), "C")
	h.En(135, 19, 65, "NOTA DE CRÉDITO ELECTRÓNICA", "C")
	h.En(135, 26, 65, "N° 000321", "C")

	h.Fuente("B", 12)
	h.En(10, 44, 120, "IMPORTADORA PACÍFICO S.A.", "L")
	h.Fuente("", 9)
	h.En(10, 50, 120, "Giro: Importación de maquinaria", "L")
	h.En(10, 55, 120, "Fecha de Emisión: 20/03/2026", "L")
	h.En(120, 55, 80, "Moneda: USD", "L")
	h.En(10, 63, 190, "Referencia: Factura Electrónica N° 4567 del 01/03/2026 - Corrige montos", "L")

	xs := []float64{10, 35, 125, 150, 175}
	ws := []float64{23, 88, 23, 23, 25}
	h.Fuente("B", 9)
	h.Fila(72, xs, ws, "LLRRR", "Código", "Descripción", "Cantidad", "P. Unitario", "Monto")
	h.Fuente("", 9)
	h.Fila(78, xs, ws, "LLRRR", "BMB-20", "Bomba centrífuga 2 HP (devolución)", "2", "US$ 500,00", "US$ 1.000,00")

	h.En(130, 92, 35, "Neto", "L")
	h.En(165, 92, 35, "US$ 1.000,00", "R")
	h.En(130, 98, 35, "IVA (19%)", "L")
	h.En(165, 98, 35, "US$ 190,00", "R")
	h.En(130, 104, 35, "Total", "L")
	h.En(165, 104, 35, "US$ 1.190,00", "R")
	return pdfDe(t, h)
}

func esperadoNotaCredito61() Extraccion {
	return Extraccion{
		TipoDocumento: TipoNotaCredito, RutEmisor: canon(96874030), RazonSocialEmisor: "IMPORTADORA PACÍFICO S.A.",
		RutReceptor: canon(76123456), RazonSocialReceptor: "COMERCIAL LOS ANDES SPA",
		Folio: "321", FechaEmision: "2026-03-20", Moneda: MonedaUSD,
		MontoNeto: dec("1000"), MontoIVA: dec("190"), MontoTotal: dec("1190"),
		Items: []Item{
			{Codigo: "BMB-20", Descripcion: "Bomba centrífuga 2 HP (devolución)", Cantidad: dec("2"), PrecioUnitario: dec("500"), Monto: dec("1000")},
		},
		Motor: MotorLocal,
	}
}

// pdfTicket is an 80 mm store ticket: no "Emisor" label, few labels, a
// quantity line before its item and amounts in their own column.
func pdfTicket(t testing.TB) []byte {
	h := nuevaHoja(80, 160)
	h.Fuente("B", 10)
	h.En(4, 5, 72, "SUPERMERCADO EL ALBA LTDA", "C")
	h.Fuente("", 8)
	h.En(4, 10, 72, "RUT "+rutDe(77888999), "C")
	h.En(4, 14, 72, "Av. Alemania 742, Temuco", "C")
	h.En(4, 20, 72, "TICKET N° 000456", "L")
	h.En(4, 24, 72, "15.03.2026 12:34  Caja 3", "L")
	h.En(4, 28, 72, "------------------------------------------", "L")
	h.En(4, 32, 50, "2 X $990", "L")
	h.En(4, 36, 50, "LECHE ENTERA 1L", "L")
	h.En(50, 36, 26, "1.980", "R")
	h.En(4, 40, 50, "PAN AMASADO 1 KG", "L")
	h.En(50, 40, 26, "1.990", "R")
	h.En(4, 44, 72, "------------------------------------------", "L")
	h.Fuente("B", 9)
	h.En(4, 48, 40, "TOTAL", "L")
	h.En(44, 48, 32, "$3.970", "R")
	h.Fuente("", 8)
	h.En(4, 52, 40, "EFECTIVO", "L")
	h.En(44, 52, 32, "$5.000", "R")
	h.En(4, 56, 40, "VUELTO", "L")
	h.En(44, 56, 32, "$1.030", "R")
	return pdfDe(t, h)
}

func esperadoTicket() Extraccion {
	return Extraccion{
		TipoDocumento: TipoTicket, RutEmisor: canon(77888999), RazonSocialEmisor: "SUPERMERCADO EL ALBA LTDA",
		Folio: "456", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
		MontoTotal: dec("3970"),
		Items: []Item{
			{Descripcion: "LECHE ENTERA 1L", Cantidad: dec("2"), PrecioUnitario: dec("990"), Monto: dec("1980")},
			{Descripcion: "PAN AMASADO 1 KG", Monto: dec("1990")},
		},
		Motor: MotorLocal,
	}
}

// pdfFacturaColumnas is a factura whose issuer block is labelled "Emisor",
// whose type comes from a bare "FACTURA" and the SII code, whose totals are
// in columns (labels over values) and whose receiver block comes first.
func pdfFacturaColumnas(t testing.TB) []byte {
	h := nuevaHoja(210, 297)
	h.Fuente("", 9)
	h.En(10, 10, 90, "Facturar a:", "L")
	h.En(10, 15, 90, "Razón Social: Hotel Bahía Azul Limitada", "L")
	h.En(10, 20, 90, "R.U.T.: "+rutDe(78901234), "L")
	h.En(110, 10, 90, "Emisor: Transportes Rápidos del Norte SpA", "L")
	h.En(110, 15, 90, "RUT Emisor: "+rutDe(76987654), "L")
	h.Fuente("B", 14)
	h.En(10, 32, 190, "FACTURA", "C")
	h.Fuente("", 9)
	h.En(10, 39, 190, "Tipo DTE: 33   Folio: 10025   Fecha Emisión: 2026-03-15", "C")

	xs := []float64{10, 30, 130, 150, 175}
	ws := []float64{18, 98, 18, 23, 25}
	h.Fuente("B", 9)
	h.Fila(50, xs, ws, "LLRRR", "Ítem", "Descripción", "Cant.", "Precio", "Valor")
	h.Fuente("", 9)
	h.Fila(56, xs, ws, "LLRRR", "1", "Flete Santiago - Antofagasta, carga", "1", "840.000", "840.000")
	h.En(30, 61, 98, "refrigerada, 12 pallets", "L")
	h.Fila(67, xs, ws, "LLRRR", "2", "Seguro de carga", "1", "60.000", "60.000")

	xs2 := []float64{90, 130, 165}
	ws2 := []float64{35, 33, 33}
	h.Fuente("B", 9)
	h.Fila(80, xs2, ws2, "RRR", "Neto", "IVA", "Total")
	h.Fuente("", 9)
	h.Fila(86, xs2, ws2, "RRR", "900.000", "171.000", "1.071.000")
	return pdfDe(t, h)
}

func esperadoFacturaColumnas() Extraccion {
	return Extraccion{
		TipoDocumento: TipoFactura, RutEmisor: canon(76987654), RazonSocialEmisor: "Transportes Rápidos del Norte SpA",
		RutReceptor: canon(78901234), RazonSocialReceptor: "Hotel Bahía Azul Limitada",
		Folio: "10025", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
		MontoNeto: dec("900000"), MontoIVA: dec("171000"), MontoTotal: dec("1071000"),
		Items: []Item{
			{Descripcion: "Flete Santiago - Antofagasta, carga refrigerada, 12 pallets", Cantidad: dec("1"), PrecioUnitario: dec("840000"), Monto: dec("840000")},
			{Descripcion: "Seguro de carga", Cantidad: dec("1"), PrecioUnitario: dec("60000"), Monto: dec("60000")},
		},
		Motor: MotorLocal,
	}
}

// pdfMultipagina is a factura whose items run over several pages, repeating
// the issuer header and the table header on each; the totals are on the last.
func pdfMultipagina(t testing.TB, paginas int) []byte {
	p := fpdf.New("P", "mm", "A4", "")
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetAutoPageBreak(false, 0)
	xs := []float64{10, 40, 120, 145, 170}
	ws := []float64{28, 78, 23, 23, 28}
	cell := func(x, y, w float64, s, a string) {
		p.SetXY(x, y)
		p.CellFormat(w, 6, tr(s), "", 0, a, false, 0, "")
	}
	n := 0
	for pg := 1; pg <= paginas; pg++ {
		p.AddPage()
		p.SetFont("Helvetica", "B", 14)
		cell(10, 12, 110, "DISTRIBUIDORA AUSTRAL LTDA", "L")
		p.SetFont("Helvetica", "B", 10)
		cell(135, 12, 65, "R.U.T.: "+rutDe(76543210), "C")
		cell(135, 18, 65, "FACTURA ELECTRÓNICA", "C")
		cell(135, 24, 65, "N° 98765", "C")
		p.SetFont("Helvetica", "", 9)
		cell(10, 30, 100, "Fecha Emisión: 02/03/2026", "L")
		cell(10, 36, 100, fmt.Sprintf("Página %d de %d", pg, paginas), "L")
		p.SetFont("Helvetica", "B", 9)
		for i, v := range []string{"Código", "Descripción", "Cantidad", "Precio Unit.", "Total"} {
			cell(xs[i], 44, ws[i], v, "LLRRR"[i:i+1])
		}
		p.SetFont("Helvetica", "", 9)
		for r := 0; r < 30; r++ {
			n++
			y := 50 + float64(r)*7
			vals := []string{fmt.Sprintf("P-%04d", n), fmt.Sprintf("Producto número %d", n), "1", "1.000", "1.000"}
			for i, v := range vals {
				cell(xs[i], y, ws[i], v, "LLRRR"[i:i+1])
			}
		}
	}
	neto := n * 1000
	iva := neto * 19 / 100
	cell(130, 265, 35, "MONTO NETO", "L")
	cell(165, 265, 33, "$ "+formatMontoCL(decInt(neto)), "R")
	cell(130, 271, 35, "IVA 19%", "L")
	cell(165, 271, 33, "$ "+formatMontoCL(decInt(iva)), "R")
	cell(130, 277, 35, "TOTAL", "L")
	cell(165, 277, 33, "$ "+formatMontoCL(decInt(neto+iva)), "R")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return b.Bytes()
}

// pdfSinTexto draws only shapes and an image: what a scanner produces.
func pdfSinTexto(t testing.TB) []byte {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.Rect(20, 20, 100, 60, "D")
	p.Line(20, 20, 120, 80)
	var img bytes.Buffer
	if err := png.Encode(&img, imagen(60, 40)); err != nil {
		t.Fatal(err)
	}
	p.RegisterImageOptionsReader("escaneo", fpdf.ImageOptions{ImageType: "PNG"}, &img)
	p.ImageOptions("escaneo", 20, 100, 80, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func imagen(w, h int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 6), 120, 255})
		}
	}
	return m
}

func bytesPNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, imagen(30, 20)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func bytesJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, imagen(30, 20), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fuenteUTF8 finds DejaVuSansCondensed.ttf in fpdf's module directory, to
// produce a PDF with a composite (Identity-H) font as most real invoices
// have. Tests using it skip when the module source is not available.
func fuenteUTF8(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/go-pdf/fpdf").Output()
	if err != nil {
		t.Skipf("no se encontró el módulo fpdf: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "font", "DejaVuSansCondensed.ttf")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no está la fuente %s", path)
	}
	return path
}

// pdfFacturaUTF8 is a factura written with an embedded TrueType font, so
// the text goes through a ToUnicode CMap instead of WinAnsi.
func pdfFacturaUTF8(t testing.TB) []byte {
	font := fuenteUTF8(t)
	p := fpdf.New("P", "mm", "A4", "")
	ttf, err := os.ReadFile(font)
	if err != nil {
		t.Skipf("fuente ilegible: %v", err)
	}
	p.AddUTF8FontFromBytes("dejavu", "", ttf)
	p.SetAutoPageBreak(false, 0)
	p.AddPage()
	cell := func(x, y, w float64, size float64, s, a string) {
		p.SetFont("dejavu", "", size)
		p.SetXY(x, y)
		p.CellFormat(w, 6, s, "", 0, a, false, 0, "")
	}
	cell(10, 12, 110, 15, "Óptica Visión Ñuñoa Limitada", "L")
	cell(10, 19, 110, 9, "Giro: Venta de lentes ópticos", "L")
	cell(135, 12, 65, 10, "R.U.T.: "+rutDe(77111222), "C")
	cell(135, 18, 65, 10, "FACTURA ELECTRÓNICA", "C")
	cell(135, 24, 65, 10, "Nº 5001", "C")
	cell(10, 34, 100, 9, "Fecha Emisión: 5 de enero de 2026", "L")
	cell(10, 40, 100, 9, "Señor(es): Clínica Santa María S.A.", "L")
	cell(110, 40, 90, 9, "R.U.T.: "+rutDe(90753000), "L")
	xs := []float64{10, 40, 120, 145, 170}
	ws := []float64{28, 78, 23, 23, 28}
	for i, v := range []string{"Código", "Descripción", "Cantidad", "Precio Unit.", "Total"} {
		cell(xs[i], 50, ws[i], 9, v, "LLRRR"[i:i+1])
	}
	for i, v := range []string{"LNT-5", "Lentes ópticos multifocales", "2", "84.034", "168.068"} {
		cell(xs[i], 56, ws[i], 9, v, "LLRRR"[i:i+1])
	}
	cell(130, 70, 35, 10, "Neto:", "L")
	cell(165, 70, 33, 10, "$168.068", "R")
	cell(130, 76, 35, 10, "I.V.A. 19%:", "L")
	cell(165, 76, 33, 10, "$31.933", "R")
	cell(130, 82, 35, 10, "Total a pagar:", "L")
	cell(165, 82, 33, 10, "$200.001", "R")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func esperadoFacturaUTF8() Extraccion {
	return Extraccion{
		TipoDocumento: TipoFactura, RutEmisor: canon(77111222), RazonSocialEmisor: "Óptica Visión Ñuñoa Limitada",
		RutReceptor: canon(90753000), RazonSocialReceptor: "Clínica Santa María S.A.",
		Folio: "5001", FechaEmision: "2026-01-05", Moneda: MonedaCLP,
		MontoNeto: dec("168068"), MontoIVA: dec("31933"), MontoTotal: dec("200001"),
		Items: []Item{
			{Codigo: "LNT-5", Descripcion: "Lentes ópticos multifocales", Cantidad: dec("2"), PrecioUnitario: dec("84034"), Monto: dec("168068")},
		},
		Motor: MotorLocal,
	}
}

// pdfCrudo assembles a one-page PDF around a hand-written content stream,
// the way text-mode invoicing systems write them: one string per line,
// columns aligned with spaces, T* line breaks, TJ kerning. F1 is Helvetica,
// F2 Courier, both WinAnsi.
func pdfCrudo(contenido string, ancho, alto int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>", ancho, alto))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(contenido)+1, contenido))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// win1252 encodes s for a WinAnsi string literal.
func win1252(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 128:
			b.WriteRune(r)
		case r < 256:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// pdfGuiaTextoPlano is a guía de despacho printed by a text-mode system in
// Courier: every line one string, columns padded with spaces.
func pdfGuiaTextoPlano() []byte {
	lineas := []string{
		"FERRETERIA Y MATERIALES DON TITO LTDA.          R.U.T.: " + rutDe(78345678),
		"Giro: Venta de materiales de construccion        GUIA DE DESPACHO ELECTRONICA",
		"Av. Balmaceda 1500, La Serena                    Nro. 004410",
		"",
		"Fecha Emision: 03-03-2026",
		"Senor(es): Inmobiliaria Costa Norte SpA          RUT: " + rutDe(76222333),
		"",
		"Codigo      Descripcion                      Cantidad   Precio Unit.      Total",
		"CEM-25      Cemento saco 25 kg                     10          4.500     45.000",
		"FIE-8       Fierro estriado 8 mm x 6 m             20          3.250     65.000",
		"",
		"                                              Neto:                     110.000",
		"                                              IVA 19%:                   20.900",
		"                                              Total:                    130.900",
	}
	var c strings.Builder
	c.WriteString("BT /F2 8 Tf 10 TL 30 560 Td\n")
	for _, l := range lineas {
		fmt.Fprintf(&c, "(%s) Tj T*\n", win1252(l))
	}
	c.WriteString("ET")
	return pdfCrudo(c.String(), 612, 600)
}

func esperadoGuiaTextoPlano() Extraccion {
	return Extraccion{
		TipoDocumento: TipoGuiaDespacho, RutEmisor: canon(78345678), RazonSocialEmisor: "FERRETERIA Y MATERIALES DON TITO LTDA.",
		RutReceptor: canon(76222333), RazonSocialReceptor: "Inmobiliaria Costa Norte SpA",
		Folio: "4410", FechaEmision: "2026-03-03", Moneda: MonedaCLP,
		MontoNeto: dec("110000"), MontoIVA: dec("20900"), MontoTotal: dec("130900"),
		Items: []Item{
			{Codigo: "CEM-25", Descripcion: "Cemento saco 25 kg", Cantidad: dec("10"), PrecioUnitario: dec("4500"), Monto: dec("45000")},
			{Codigo: "FIE-8", Descripcion: "Fierro estriado 8 mm x 6 m", Cantidad: dec("20"), PrecioUnitario: dec("3250"), Monto: dec("65000")},
		},
		Motor: MotorLocal,
	}
}

// pdfBoletaKerning writes words as separate TJ elements with kerning gaps,
// with a "1 Tf" font scaled through the text matrix, as some PDF libraries
// do; the receipt has no table and gives the date in words.
func pdfBoletaKerning() []byte {
	tj := func(x, y float64, size float64, partes ...string) string {
		var arr strings.Builder
		for i, p := range partes {
			if i > 0 {
				arr.WriteString(" -280 ")
			}
			fmt.Fprintf(&arr, "(%s)", win1252(p))
		}
		return fmt.Sprintf("BT /F1 1 Tf %g 0 0 %g %g %g Tm [%s] TJ ET\n", size, size, x, y, arr.String())
	}
	var c strings.Builder
	c.WriteString(tj(20, 560, 12, "Café", "Literario", "SpA"))
	c.WriteString(tj(20, 545, 9, "R.U.T.:", rutDe(76789012)))
	c.WriteString(tj(20, 532, 9, "BOLETA", "ELECTRÓNICA", "N°", "88123"))
	c.WriteString(tj(20, 519, 9, "Emitida", "el", "7", "de", "febrero", "de", "2026"))
	c.WriteString(tj(20, 500, 9, "Capuccino", "grande"))
	c.WriteString(tj(150, 500, 9, "3.200"))
	c.WriteString(tj(20, 488, 9, "Croissant"))
	c.WriteString(tj(150, 488, 9, "1.800"))
	c.WriteString(tj(20, 470, 10, "TOTAL"))
	c.WriteString(tj(150, 470, 10, "$", "5.000"))
	c.WriteString(tj(20, 455, 8, "El", "IVA", "de", "esta", "boleta", "es:", "$798"))
	return pdfCrudo(c.String(), 220, 600)
}

func esperadoBoletaKerning() Extraccion {
	return Extraccion{
		TipoDocumento: TipoBoleta, RutEmisor: canon(76789012), RazonSocialEmisor: "Café Literario SpA",
		Folio: "88123", FechaEmision: "2026-02-07", Moneda: MonedaCLP,
		MontoIVA: dec("798"), MontoTotal: dec("5000"),
		Items: []Item{
			{Descripcion: "Capuccino grande", Monto: dec("3200")},
			{Descripcion: "Croissant", Monto: dec("1800")},
		},
		Motor: MotorLocal,
	}
}

// pdfFacturaSII mimics the SII's own invoicing system: receiver data in a
// grid of label and value cells, extra tax and discount columns, an
// "impuesto adicional" line in the totals, and the "acuse de recibo" block
// with empty R.U.T. and Fecha labels at the bottom.
func pdfFacturaSII(t testing.TB) []byte {
	h := nuevaHoja(216, 330) // oficio
	h.Fuente("B", 12)
	h.En(10, 10, 115, "SOCIEDAD AGRÍCOLA LOS ROBLES LIMITADA", "L")
	h.Fuente("", 8)
	h.En(10, 16, 115, "Giro: Cultivo de frutales en árbol", "L")
	h.En(10, 20, 115, "Camino a Melipilla Km 30, Padre Hurtado", "L")
	h.En(10, 24, 115, "eMail: contacto@losrobles.cl", "L")
	h.Caja(140, 8, 66, 26)
	h.Fuente("B", 12)
	h.En(140, 10, 66, "R.U.T.:"+rutDe(76555444), "C")
	h.En(140, 18, 66, "FACTURA ELECTRONICA", "C")
	h.En(140, 26, 66, "Nº 000789", "C")
	h.Fuente("B", 9)
	h.En(140, 35, 66, "S.I.I. - MAIPU", "C")
	h.Fuente("", 9)
	h.En(10, 42, 100, "Fecha Emision: 2 de Enero del 2026", "L")
	h.Caja(10, 48, 196, 24)
	h.Fila(49, []float64{11, 36, 130, 150}, []float64{24, 92, 19, 50}, "LLLL", "SEÑOR(ES):", "Frutícola Exportadora del Valle S.A.", "R.U.T.:", rutDe(96555111))
	h.Fila(55, []float64{11, 36, 130, 150}, []float64{24, 92, 19, 50}, "LLLL", "GIRO:", "Exportación de fruta fresca", "COMUNA:", "Rancagua")
	h.Fila(61, []float64{11, 36, 130, 150}, []float64{24, 92, 19, 50}, "LLLL", "DIRECCION:", "Ruta 5 Sur Km 85", "CIUDAD:", "Rancagua")
	h.Fila(66, []float64{11, 36, 130, 150}, []float64{24, 92, 19, 50}, "LLLL", "CONTACTO:", "", "TIPO DE COMPRA:", "Del giro")

	xs := []float64{10, 35, 105, 125, 150, 168, 182}
	ws := []float64{24, 68, 19, 24, 17, 13, 24}
	h.Fuente("B", 8)
	h.Fila(78, xs, ws, "LLRRRRR", "Codigo", "Descripcion", "Cantidad", "Precio", "%Impto Adic.", "%Desc.", "Valor")
	h.Fuente("", 8)
	h.Fila(84, xs, ws, "LLRRRRR", "MZ-FUJI", "Manzana Fuji calibre 100, caja 18 kg", "100", "9.500", "0", "0", "950.000")
	h.Fila(89, xs, ws, "LLRRRRR", "PR-PKH", "Pera Packham, caja 18 kg", "40", "7.500", "0", "0", "300.000")

	h.Fuente("", 8)
	h.En(10, 104, 80, "Forma de Pago: Contado", "L")
	h.En(130, 104, 40, "MONTO NETO", "L")
	h.En(170, 104, 36, "$ 1.250.000", "R")
	h.En(130, 109, 40, "I.V.A. 19%", "L")
	h.En(170, 109, 36, "$ 237.500", "R")
	h.En(130, 114, 40, "IMPUESTO ADICIONAL", "L")
	h.En(170, 114, 36, "$ 0", "R")
	h.En(130, 119, 40, "TOTAL", "L")
	h.En(170, 119, 36, "$ 1.487.500", "R")
	h.En(10, 126, 80, "Timbre Electrónico SII", "L")
	h.En(10, 130, 100, "Res. 80 de 2014 Verifique documento: www.sii.cl", "L")
	h.Fuente("B", 8)
	h.En(110, 140, 96, "ACUSE DE RECIBO", "C")
	h.Fuente("", 8)
	h.En(110, 145, 48, "Nombre:", "L")
	h.En(158, 145, 48, "R.U.T.:", "L")
	h.En(110, 150, 48, "Fecha:", "L")
	h.En(158, 150, 48, "Recinto:", "L")
	h.En(110, 158, 96, "CEDIBLE", "R")
	return pdfDe(t, h)
}

func esperadoFacturaSII() Extraccion {
	return Extraccion{
		TipoDocumento: TipoFactura, RutEmisor: canon(76555444), RazonSocialEmisor: "SOCIEDAD AGRÍCOLA LOS ROBLES LIMITADA",
		RutReceptor: canon(96555111), RazonSocialReceptor: "Frutícola Exportadora del Valle S.A.",
		Folio: "789", FechaEmision: "2026-01-02", Moneda: MonedaCLP,
		MontoNeto: dec("1250000"), MontoIVA: dec("237500"), MontoTotal: dec("1487500"),
		Items: []Item{
			{Codigo: "MZ-FUJI", Descripcion: "Manzana Fuji calibre 100, caja 18 kg", Cantidad: dec("100"), PrecioUnitario: dec("9500"), Monto: dec("950000")},
			{Codigo: "PR-PKH", Descripcion: "Pera Packham, caja 18 kg", Cantidad: dec("40"), PrecioUnitario: dec("7500"), Monto: dec("300000")},
		},
		Motor: MotorLocal,
	}
}
