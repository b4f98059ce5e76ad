// Package muestras makes real sample documents — PDFs in the layouts Chilean
// issuers use, a scan without text, images — with the fields the extraction
// should find in them. The end-to-end tests upload them through the API and
// the benchmark measures the local engine on them; nothing in the service
// imports it.
package muestras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/rut"
	"ecosystem/services/rendiciones/internal/extraccion"
	"ecosystem/services/rendiciones/internal/muestras/hoja"
)

// Muestra is a sample document and what a correct extraction finds in it.
type Muestra struct {
	Nombre   string
	PDF      []byte
	Esperado extraccion.Extraccion // Advertencias and Motor left empty
}

// RUT returns the canonical valid RUT for body ("76123456-0").
func RUT(body int) string { return rut.RUT{Body: body, DV: rut.CheckDigit(body)}.String() }

func display(body int) string { return rut.RUT{Body: body, DV: rut.CheckDigit(body)}.Display() }

func dec(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

// nuevaHoja starts a sample page; variant n > 0 makes another file (other
// bytes, other SHA-256) with the same printed content: a re-export.
func nuevaHoja(wmm, hmm float64, variante int) *hoja.Hoja {
	h := hoja.New(wmm, hmm)
	h.P.SetCreator("ecosystem muestras", true)
	if variante > 0 {
		h.P.SetSubject(fmt.Sprintf("copia %d", variante), true)
	}
	return h
}

// pdf finishes a sample.
func pdf(h *hoja.Hoja) []byte {
	b, err := h.Bytes()
	if err != nil {
		panic(fmt.Sprintf("muestras: fpdf: %v", err)) // only a bug in this file gets here
	}
	return b
}

// Todas returns every PDF layout with text.
func Todas() []Muestra {
	return []Muestra{Factura(), FacturaExenta(), Boleta(), NotaCredito(), Ticket()}
}

// Factura, FacturaExenta, Boleta, NotaCredito and Ticket are the layouts.
func Factura() Muestra       { return factura(0) }
func FacturaExenta() Muestra { return facturaExenta(0) }
func Boleta() Muestra        { return boleta(0) }
func NotaCredito() Muestra   { return notaCredito(0) }
func Ticket() Muestra        { return ticket(0) }

// Copia returns the sample m as a different file (other bytes, other
// SHA-256) with the same printed content; n > 0 numbers the copies.
func Copia(m Muestra, n int) Muestra {
	builders := map[string]func(int) Muestra{"factura": factura, "factura_exenta": facturaExenta,
		"boleta": boleta, "nota_credito": notaCredito, "ticket": ticket}
	return builders[m.Nombre](n)
}

// factura: issuer top left in a large font, the SII box top right, the
// receiver below with its RUT on the "Señor(es)" line, coded items, totals
// bottom right.
func factura(v int) Muestra {
	h := nuevaHoja(210, 297, v)
	h.Fuente("B", 15)
	h.En(10, 12, 110, "FERRETERÍA EL CANELO SPA", "L")
	h.Fuente("", 9)
	h.En(10, 19, 110, "Giro: Venta de artículos de ferretería y materiales", "L")
	h.En(10, 24, 110, "Casa Matriz: Av. Matta 890, Santiago", "L")
	h.P.Rect(135, 10, 65, 28, "D")
	h.Fuente("B", 11)
	h.En(135, 12, 65, "R.U.T.: "+display(76354771), "C")
	h.En(135, 19, 65, "FACTURA ELECTRÓNICA", "C")
	h.En(135, 26, 65, "N° 20871", "C")
	h.Fuente("", 8)
	h.En(135, 40, 65, "S.I.I. - SANTIAGO SUR", "C")
	h.Fuente("", 9)
	h.En(10, 48, 100, "Fecha Emisión: 03 de abril de 2026", "L")
	h.En(10, 55, 110, "SEÑOR(ES): INMOBILIARIA LOS ROBLES LIMITADA", "L")
	h.En(125, 55, 70, "R.U.T.: "+display(78234561), "L")
	h.En(10, 60, 110, "GIRO: Actividades inmobiliarias", "L")
	h.En(10, 65, 110, "DIRECCIÓN: Apoquindo 3000, Las Condes", "L")
	xs := []float64{10, 40, 120, 145, 170}
	ws := []float64{28, 78, 23, 23, 28}
	h.Fuente("B", 9)
	h.Fila(75, xs, ws, "LLRRR", "Código", "Descripción", "Cantidad", "Precio Unit.", "Total")
	h.Fuente("", 9)
	h.Fila(82, xs, ws, "LLRRR", "CEM-25", "Cemento saco 25 kg", "20", "4.590", "91.800")
	h.Fila(88, xs, ws, "LLRRR", "FIE-10", "Fierro estriado 10 mm", "12", "6.350", "76.200")
	h.Fuente("", 10)
	h.En(130, 104, 35, "MONTO NETO", "L")
	h.En(165, 104, 33, "$ 168.000", "R")
	h.En(130, 110, 35, "IVA 19%", "L")
	h.En(165, 110, 33, "$ 31.920", "R")
	h.Fuente("B", 10)
	h.En(130, 116, 35, "TOTAL", "L")
	h.En(165, 116, 33, "$ 199.920", "R")
	h.Fuente("", 7)
	h.En(10, 126, 100, "Timbre Electrónico SII - Res. 80 de 2014 - Verifique documento: www.sii.cl", "L")
	return Muestra{Nombre: "factura", PDF: pdf(h), Esperado: extraccion.Extraccion{
		TipoDocumento: extraccion.TipoFactura, RutEmisor: RUT(76354771), RazonSocialEmisor: "FERRETERÍA EL CANELO SPA",
		RutReceptor: RUT(78234561), RazonSocialReceptor: "INMOBILIARIA LOS ROBLES LIMITADA",
		Folio: "20871", FechaEmision: "2026-04-03", Moneda: extraccion.MonedaCLP,
		MontoNeto: dec("168000"), MontoIVA: dec("31920"), MontoTotal: dec("199920"),
		Items: []extraccion.Item{
			{Codigo: "CEM-25", Descripcion: "Cemento saco 25 kg", Cantidad: dec("20"), PrecioUnitario: dec("4590"), Monto: dec("91800")},
			{Codigo: "FIE-10", Descripcion: "Fierro estriado 10 mm", Cantidad: dec("12"), PrecioUnitario: dec("6350"), Monto: dec("76200")},
		},
	}}
}

// facturaExenta puts the receiver block first, then a labelled issuer block;
// the title shares its line with the folio.
func facturaExenta(v int) Muestra {
	h := nuevaHoja(216, 279, v)
	h.Fuente("B", 10)
	h.En(10, 10, 100, "DATOS DEL RECEPTOR", "L")
	h.Fuente("", 9)
	h.En(10, 16, 120, "Cliente: Colegio San Andrés Limitada", "L")
	h.En(10, 21, 120, "RUT Cliente: "+display(79712345), "L")
	h.En(10, 26, 120, "Dirección: Los Leones 455, Providencia", "L")
	h.Fuente("B", 10)
	h.En(10, 38, 100, "EMISOR", "L")
	h.Fuente("", 9)
	h.En(10, 44, 120, "Razón Social: Capacitaciones Andinas E.I.R.L.", "L")
	h.En(10, 49, 120, "RUT: "+display(76432109), "L")
	h.En(10, 54, 120, "Giro: Servicios de capacitación", "L")
	h.Fuente("B", 11)
	h.En(10, 64, 120, "FACTURA NO AFECTA O EXENTA ELECTRÓNICA", "L")
	h.En(150, 64, 50, "Folio: 1544", "R")
	h.Fuente("", 9)
	h.En(10, 70, 80, "Fecha: 2026-04-07", "L")
	xs := []float64{10, 120, 150, 175}
	ws := []float64{100, 25, 25, 28}
	h.Fuente("B", 9)
	h.Fila(80, xs, ws, "LRRR", "Detalle", "Cant.", "P. Unitario", "Monto")
	h.Fuente("", 9)
	h.Fila(86, xs, ws, "LRRR", "Taller de primeros auxilios", "1", "380.000", "380.000")
	h.En(120, 100, 40, "Monto Exento:", "L")
	h.En(160, 100, 40, "$ 380.000", "R")
	h.En(120, 106, 40, "Total:", "L")
	h.En(160, 106, 40, "$ 380.000", "R")
	return Muestra{Nombre: "factura_exenta", PDF: pdf(h), Esperado: extraccion.Extraccion{
		TipoDocumento: extraccion.TipoFacturaExenta, RutEmisor: RUT(76432109), RazonSocialEmisor: "Capacitaciones Andinas E.I.R.L.",
		RutReceptor: RUT(79712345), RazonSocialReceptor: "Colegio San Andrés Limitada",
		Folio: "1544", FechaEmision: "2026-04-07", Moneda: extraccion.MonedaCLP,
		MontoExento: dec("380000"), MontoTotal: dec("380000"),
		Items: []extraccion.Item{
			{Descripcion: "Taller de primeros auxilios", Cantidad: dec("1"), PrecioUnitario: dec("380000"), Monto: dec("380000")},
		},
	}}
}

// boleta is a narrow boleta with an items table without codes and the
// legal "El IVA de esta boleta es" line.
func boleta(v int) Muestra {
	h := nuevaHoja(110, 200, v)
	h.Fuente("B", 13)
	h.En(5, 6, 100, "Cafetería Don Tito SpA", "C")
	h.Fuente("", 8)
	h.En(5, 12, 100, "Café y repostería - Merced 380, Santiago", "C")
	h.P.Rect(20, 19, 70, 22, "D")
	h.Fuente("B", 10)
	h.En(20, 20, 70, "R.U.T.: "+display(77123450), "C")
	h.En(20, 27, 70, "BOLETA ELECTRÓNICA", "C")
	h.En(20, 34, 70, "N° 558901", "C")
	h.Fuente("", 8)
	h.En(5, 44, 100, "Fecha: 08-04-2026   Hora: 09:12", "L")
	xs := []float64{5, 20, 65, 85}
	ws := []float64{14, 44, 19, 20}
	h.Fuente("B", 8)
	h.Fila(52, xs, ws, "LLRR", "Cant.", "Descripción", "Precio", "Total")
	h.Fuente("", 8)
	h.Fila(57, xs, ws, "LLRR", "2", "Café cortado", "2.200", "4.400")
	h.Fila(62, xs, ws, "LLRR", "1", "Medialuna", "1.500", "1.500")
	h.Fuente("B", 10)
	h.En(50, 72, 25, "Total:", "L")
	h.En(75, 72, 30, "$ 5.900", "R")
	h.Fuente("", 8)
	h.En(5, 80, 100, "El IVA de esta boleta es: $ 942", "L")
	h.En(5, 86, 100, "Timbre Electrónico SII - Res. 99 de 2014", "L")
	return Muestra{Nombre: "boleta", PDF: pdf(h), Esperado: extraccion.Extraccion{
		TipoDocumento: extraccion.TipoBoleta, RutEmisor: RUT(77123450), RazonSocialEmisor: "Cafetería Don Tito SpA",
		Folio: "558901", FechaEmision: "2026-04-08", Moneda: extraccion.MonedaCLP,
		MontoIVA: dec("942"), MontoTotal: dec("5900"),
		Items: []extraccion.Item{
			{Descripcion: "Café cortado", Cantidad: dec("2"), PrecioUnitario: dec("2200"), Monto: dec("4400")},
			{Descripcion: "Medialuna", Cantidad: dec("1"), PrecioUnitario: dec("1500"), Monto: dec("1500")},
		},
	}}
}

// notaCredito opens with the receiver block on the left while the SII box
// sits on the right; the issuer comes below; it cites the factura it
// corrects and has a zero-padded folio.
func notaCredito(v int) Muestra {
	h := nuevaHoja(210, 297, v)
	h.Fuente("", 9)
	h.En(10, 12, 110, "Señor(es): INMOBILIARIA LOS ROBLES LIMITADA", "L")
	h.En(10, 17, 110, "RUT: "+display(78234561), "L")
	h.En(10, 22, 110, "Dirección: Apoquindo 3000", "L")
	h.P.Rect(135, 10, 65, 28, "D")
	h.Fuente("B", 11)
	h.En(135, 12, 65, "R.U.T.: "+display(76354771), "C")
	h.En(135, 19, 65, "NOTA DE CRÉDITO ELECTRÓNICA", "C")
	h.En(135, 26, 65, "N° 000077", "C")
	h.Fuente("B", 12)
	h.En(10, 44, 120, "FERRETERÍA EL CANELO SPA", "L")
	h.Fuente("", 9)
	h.En(10, 50, 120, "Giro: Venta de artículos de ferretería", "L")
	h.En(10, 55, 120, "Fecha de Emisión: 10/04/2026", "L")
	h.En(10, 63, 190, "Referencia: Factura Electrónica N° 20871 del 03/04/2026 - Devolución de mercadería", "L")
	xs := []float64{10, 35, 125, 150, 175}
	ws := []float64{23, 88, 23, 23, 25}
	h.Fuente("B", 9)
	h.Fila(72, xs, ws, "LLRRR", "Código", "Descripción", "Cantidad", "P. Unitario", "Monto")
	h.Fuente("", 9)
	h.Fila(78, xs, ws, "LLRRR", "CEM-25", "Cemento saco 25 kg (devolución)", "2", "4.590", "9.180")
	h.En(130, 92, 35, "Neto", "L")
	h.En(165, 92, 35, "$ 9.180", "R")
	h.En(130, 98, 35, "IVA (19%)", "L")
	h.En(165, 98, 35, "$ 1.744", "R")
	h.En(130, 104, 35, "Total", "L")
	h.En(165, 104, 35, "$ 10.924", "R")
	return Muestra{Nombre: "nota_credito", PDF: pdf(h), Esperado: extraccion.Extraccion{
		TipoDocumento: extraccion.TipoNotaCredito, RutEmisor: RUT(76354771), RazonSocialEmisor: "FERRETERÍA EL CANELO SPA",
		RutReceptor: RUT(78234561), RazonSocialReceptor: "INMOBILIARIA LOS ROBLES LIMITADA",
		Folio: "77", FechaEmision: "2026-04-10", Moneda: extraccion.MonedaCLP,
		MontoNeto: dec("9180"), MontoIVA: dec("1744"), MontoTotal: dec("10924"),
		Items: []extraccion.Item{
			{Codigo: "CEM-25", Descripcion: "Cemento saco 25 kg (devolución)", Cantidad: dec("2"), PrecioUnitario: dec("4590"), Monto: dec("9180")},
		},
	}}
}

// ticket is an 80 mm store ticket: no labels for the issuer, a quantity
// line before its item, amounts in their own column.
func ticket(v int) Muestra {
	h := nuevaHoja(80, 160, v)
	h.Fuente("B", 10)
	h.En(4, 5, 72, "MINIMARKET LA ESQUINA LTDA", "C")
	h.Fuente("", 8)
	h.En(4, 10, 72, "RUT "+display(77654329), "C")
	h.En(4, 14, 72, "Pedro de Valdivia 120, Ñuñoa", "C")
	h.En(4, 20, 72, "TICKET N° 004512", "L")
	h.En(4, 24, 72, "09.04.2026 18:05  Caja 1", "L")
	h.En(4, 28, 72, "------------------------------------------", "L")
	h.En(4, 32, 50, "3 X $650", "L")
	h.En(4, 36, 50, "AGUA MINERAL 500 ML", "L")
	h.En(50, 36, 26, "1.950", "R")
	h.En(4, 40, 50, "GALLETAS AVENA", "L")
	h.En(50, 40, 26, "1.290", "R")
	h.En(4, 44, 72, "------------------------------------------", "L")
	h.Fuente("B", 9)
	h.En(4, 48, 40, "TOTAL", "L")
	h.En(44, 48, 32, "$3.240", "R")
	h.Fuente("", 8)
	h.En(4, 52, 40, "EFECTIVO", "L")
	h.En(44, 52, 32, "$5.000", "R")
	h.En(4, 56, 40, "VUELTO", "L")
	h.En(44, 56, 32, "$1.760", "R")
	return Muestra{Nombre: "ticket", PDF: pdf(h), Esperado: extraccion.Extraccion{
		TipoDocumento: extraccion.TipoTicket, RutEmisor: RUT(77654329), RazonSocialEmisor: "MINIMARKET LA ESQUINA LTDA",
		Folio: "4512", FechaEmision: "2026-04-09", Moneda: extraccion.MonedaCLP,
		MontoTotal: dec("3240"),
		Items: []extraccion.Item{
			{Descripcion: "AGUA MINERAL 500 ML", Cantidad: dec("3"), PrecioUnitario: dec("650"), Monto: dec("1950")},
			{Descripcion: "GALLETAS AVENA", Monto: dec("1290")},
		},
	}}
}

// Multipagina is a factura whose items run over paginas pages (30 lines a
// page), for measuring throughput.
func Multipagina(paginas int) []byte {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(hoja.Fecha)
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
		cell(135, 12, 65, "R.U.T.: "+display(76543210), "C")
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
		for r := range 30 {
			n++
			for i, v := range []string{fmt.Sprintf("P-%04d", n), fmt.Sprintf("Producto número %d", n), "1", "1.000", "1.000"} {
				cell(xs[i], 50+float64(r)*7, ws[i], v, "LLRRR"[i:i+1])
			}
		}
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		panic(fmt.Sprintf("muestras: fpdf: %v", err))
	}
	return b.Bytes()
}

// SinTexto is a PDF with only shapes and an image, like a scan.
func SinTexto() []byte {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.Rect(20, 20, 100, 60, "D")
	var img bytes.Buffer
	if err := png.Encode(&img, imagen(60, 40)); err != nil {
		panic(err)
	}
	p.RegisterImageOptionsReader("escaneo", fpdf.ImageOptions{ImageType: "PNG"}, &img)
	p.ImageOptions("escaneo", 20, 100, 80, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PNG is a small PNG image.
func PNG() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, imagen(40, 30)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// JPEG is a small JPEG photo.
func JPEG() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, imagen(40, 30), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func imagen(w, h int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 6), 120, 255})
		}
	}
	return m
}

// Diferencias describes how got differs from want in the fields a sample
// fixes (everything but Advertencias and Motor); "" when it matches.
func Diferencias(want, got extraccion.Extraccion) string {
	want.Advertencias, got.Advertencias = nil, nil
	want.Motor, got.Motor = "", ""
	a, _ := json.MarshalIndent(normal(want), "", "  ")
	b, _ := json.MarshalIndent(normal(got), "", "  ")
	if bytes.Equal(a, b) {
		return ""
	}
	return fmt.Sprintf("extraction differs\nwant: %s\ngot:  %s", a, b)
}

// normal makes decimals compare by value ("1000" = "1000.00").
func normal(ex extraccion.Extraccion) extraccion.Extraccion {
	n := func(d decimal.NullDecimal) decimal.NullDecimal {
		if d.Valid {
			d.Decimal = decimal.RequireFromString(d.Decimal.String())
		}
		return d
	}
	ex.MontoNeto, ex.MontoIVA, ex.MontoExento, ex.MontoTotal = n(ex.MontoNeto), n(ex.MontoIVA), n(ex.MontoExento), n(ex.MontoTotal)
	items := make([]extraccion.Item, len(ex.Items))
	for i, it := range ex.Items {
		it.Cantidad, it.PrecioUnitario, it.Monto = n(it.Cantidad), n(it.PrecioUnitario), n(it.Monto)
		items[i] = it
	}
	ex.Items = items
	return ex
}
