package e2e

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/go-pdf/fpdf"
)

// linea is one item of a generated purchase invoice.
type linea struct {
	Codigo, Descripcion    string
	Cantidad, PrecioUnidad int
}

// facturaCompra is a supplier's factura electrónica as a real PDF with a
// text layer, laid out like the ones the local engine reads: issuer top
// left, SII box top right, the buyer below, a coded items table, totals.
func facturaCompra(t *testing.T, folio int, lineas []linea) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(8, 8, 8)
	p.SetAutoPageBreak(false, 0)
	p.AddPage()
	tr := p.UnicodeTranslatorFromDescriptor("")
	at := func(x, y, w float64, s, align string) {
		p.SetXY(x, y)
		p.CellFormat(w, 6, tr(s), "", 0, align, false, 0, "")
	}
	p.SetFont("Helvetica", "B", 15)
	at(10, 12, 110, "DISTRIBUIDORA EL ROBLE SPA", "L")
	p.SetFont("Helvetica", "", 9)
	at(10, 19, 110, "Giro: Venta al por mayor de materiales de construcción", "L")
	p.Rect(135, 10, 65, 28, "D")
	p.SetFont("Helvetica", "B", 11)
	at(135, 12, 65, "R.U.T.: 76.354.771-K", "C")
	at(135, 19, 65, "FACTURA ELECTRÓNICA", "C")
	at(135, 26, 65, fmt.Sprintf("N° %d", folio), "C")
	p.SetFont("Helvetica", "", 9)
	at(10, 48, 100, "Fecha Emisión: 03 de abril de 2026", "L")
	at(10, 55, 110, "SEÑOR(ES): DEMO SPA", "L")
	at(125, 55, 70, "R.U.T.: 76.543.210-3", "L")
	xs := []float64{10, 40, 120, 145, 170}
	ws := []float64{28, 78, 23, 23, 28}
	row := func(y float64, vals ...string) {
		for i, v := range vals {
			align := "R"
			if i < 2 {
				align = "L"
			}
			at(xs[i], y, ws[i], v, align)
		}
	}
	p.SetFont("Helvetica", "B", 9)
	row(75, "Código", "Descripción", "Cantidad", "Precio Unit.", "Total")
	p.SetFont("Helvetica", "", 9)
	neto := 0
	for i, l := range lineas {
		m := l.Cantidad * l.PrecioUnidad
		neto += m
		row(82+float64(i)*6, l.Codigo, l.Descripcion, fmt.Sprint(l.Cantidad), miles(l.PrecioUnidad), miles(m))
	}
	iva := (neto*19 + 50) / 100
	y := 90 + float64(len(lineas))*6
	p.SetFont("Helvetica", "", 10)
	at(130, y, 35, "MONTO NETO", "L")
	at(165, y, 33, "$ "+miles(neto), "R")
	at(130, y+6, 35, "IVA 19%", "L")
	at(165, y+6, 33, "$ "+miles(iva), "R")
	p.SetFont("Helvetica", "B", 10)
	at(130, y+12, 35, "TOTAL", "L")
	at(165, y+12, 33, "$ "+miles(neto+iva), "R")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// miles formats with Chilean thousands dots.
func miles(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	return string(out)
}
