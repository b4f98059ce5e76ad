package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"ecosystem/pkg/shared/rut"
)

// linea is one item of a generated document.
type linea struct {
	Codigo, Descripcion    string
	Cantidad, PrecioUnidad int
}

// documento describes a Chilean factura to print.
type documento struct {
	Emisor      string
	RutEmisor   int // body; the check digit is computed
	Folio       int
	Fecha       string // as printed, e.g. "03 de abril de 2026"
	Receptor    string
	RutReceptor int
	Lineas      []linea
}

// pdf prints d as a real PDF with a text layer, laid out like the facturas
// the local engine reads: issuer top left, SII box top right, the buyer
// below, a coded items table, neto, IVA 19 % and total. The dates inside the
// file are fixed, so the same document is the same bytes.
func (d documento) pdf(t testing.TB) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	fixed := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	p.SetCatalogSort(true) // fonts in a fixed order: same document, same bytes
	p.SetCreationDate(fixed)
	p.SetModificationDate(fixed)
	p.SetMargins(8, 8, 8)
	p.SetAutoPageBreak(false, 0)
	p.AddPage()
	tr := p.UnicodeTranslatorFromDescriptor("")
	at := func(x, y, w float64, s, align string) {
		p.SetXY(x, y)
		p.CellFormat(w, 6, tr(s), "", 0, align, false, 0, "")
	}
	display := func(body int) string { return rut.RUT{Body: body, DV: rut.CheckDigit(body)}.Display() }
	p.SetFont("Helvetica", "B", 15)
	at(10, 12, 120, d.Emisor, "L")
	p.Rect(135, 10, 65, 28, "D")
	p.SetFont("Helvetica", "B", 11)
	at(135, 12, 65, "R.U.T.: "+display(d.RutEmisor), "C")
	at(135, 19, 65, "FACTURA ELECTRÓNICA", "C")
	at(135, 26, 65, fmt.Sprintf("N° %d", d.Folio), "C")
	p.SetFont("Helvetica", "", 9)
	at(10, 48, 100, "Fecha Emisión: "+d.Fecha, "L")
	at(10, 55, 110, "SEÑOR(ES): "+d.Receptor, "L")
	at(125, 55, 70, "R.U.T.: "+display(d.RutReceptor), "L")
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
	for i, l := range d.Lineas {
		m := l.Cantidad * l.PrecioUnidad
		neto += m
		row(82+float64(i)*6, l.Codigo, l.Descripcion, fmt.Sprint(l.Cantidad), miles(l.PrecioUnidad), miles(m))
	}
	iva := (neto*19 + 50) / 100
	y := 90 + float64(len(d.Lineas))*6
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

// facturaCompra is a supplier's invoice to the demo tenant with these lines.
func facturaCompra(t testing.TB, folio int, lineas []linea) []byte {
	return documento{Emisor: "DISTRIBUIDORA EL ROBLE SPA", RutEmisor: 76354771, Folio: folio, Fecha: "03 de abril de 2026",
		Receptor: "DEMO SPA", RutReceptor: 76543210, Lineas: lineas}.pdf(t)
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

// ejemplos are the sample documents the README's walk-throughs upload
// (docs/ejemplos). The card receipts match the charges of
// docs/ejemplos/cartola-marzo.csv, so conciliation pairs them.
func ejemplos(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"factura-compra.pdf": facturaCompra(t, 20871, []linea{
			{"CEM-25", "Cemento saco 25 kg", 20, 4590},
			{"FIE-10", "Fierro estriado 10 mm", 12, 6350},
			{"CLA-3", "Clavo 3 pulgadas (kg)", 5, 1890},
		}),
		"copec.pdf": documento{Emisor: "COMPAÑIA DE PETROLEOS DE CHILE COPEC S.A.", RutEmisor: 99520000, Folio: 88123,
			Fecha: "01 de marzo de 2024", Receptor: "DEMO SPA", RutReceptor: 76543210,
			Lineas: []linea{{"DIE", "Petróleo diésel", 1, 30244}}}.pdf(t),
		"farmacia.pdf": documento{Emisor: "FARMACIAS AHUMADA S.A.", RutEmisor: 93767000, Folio: 551200,
			Fecha: "02 de marzo de 2024", Receptor: "DEMO SPA", RutReceptor: 76543210,
			Lineas: []linea{{"BOT", "Botiquín de primeros auxilios", 1, 10374}}}.pdf(t),
		"hotel.pdf": documento{Emisor: "HOTEL DIEGO DE ALMAGRO SPA", RutEmisor: 76123456, Folio: 4410,
			Fecha: "05 de marzo de 2024", Receptor: "DEMO SPA", RutReceptor: 76543210,
			Lineas: []linea{{"HAB", "Habitación doble, 1 noche", 1, 74790}}}.pdf(t),
	}
}

// TestEjemplosAlDia keeps docs/ejemplos in step with the generator:
// UPDATE_EJEMPLOS=1 go test ./e2e -run TestEjemplosAlDia rewrites them.
func TestEjemplosAlDia(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "docs", "ejemplos")
	for name, want := range ejemplos(t) {
		path := filepath.Join(dir, name)
		if os.Getenv("UPDATE_EJEMPLOS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale: run UPDATE_EJEMPLOS=1 go test ./e2e -run TestEjemplosAlDia", path)
		}
	}
}
