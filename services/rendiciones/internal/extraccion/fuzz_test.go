package extraccion

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/rut"
	"ecosystem/services/rendiciones/internal/extraccion/pdftext"
)

// The parsers read untrusted text: they must never panic, and what they
// accept must survive a round trip through the way Chilean documents print.

func FuzzParseMonto(f *testing.F) {
	for _, s := range []string{"$ 1.234.567", "1.234,50", "US$ 1,234.50", "(12.000)", "$5.990.-", "0,5", "1.2.3", "", "$", "-", "9999999999999999999999.99"} {
		f.Add(s, int64(119000), uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, pesos int64, centavos uint8) {
		if d, err := parseMonto(s); err == nil {
			if !strings.ContainsAny(s, "0123456789") {
				t.Fatalf("parseMonto(%q) = %s sin dígitos", s, d)
			}
			// Up to two decimals the Chilean print form reads back the same;
			// three decimals print like thousands, which is the documented
			// ambiguity.
			if d.Exponent() >= -2 {
				back, err := parseMonto(formatMontoCL(d))
				if err != nil || !back.Equal(d) {
					t.Fatalf("ida y vuelta de %q: %s → %q → %s (%v)", s, d, formatMontoCL(d), back, err)
				}
			}
		}
		v := decimal.New(pesos%1_000_000_000_000_000, 0).Add(decimal.New(int64(centavos%100), -2))
		for _, form := range []string{formatMontoCL(v), "$ " + formatMontoCL(v), "US$" + formatMontoCL(v)} {
			back, err := parseMonto(form)
			if err != nil || !back.Equal(v) {
				t.Fatalf("parseMonto(%q) = %s, %v; quiero %s", form, back, err, v)
			}
		}
	})
}

func FuzzEncontrarFecha(f *testing.F) {
	for _, s := range []string{"15/03/2026", "Fecha Emisión: 15 de marzo de 2026", "2026-03-15", "15-mar-26", "31/02/2026", "Res. 80 de 2014", "1.234.567"} {
		f.Add(s, uint16(2026), uint8(3), uint8(15), uint8(0))
	}
	nombres := []string{"", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
	f.Fuzz(func(t *testing.T, s string, y uint16, m, d, forma uint8) {
		if fe, ok := encontrarFecha(s); ok {
			if _, err := time.Parse("2006-01-02", fe.String()); err != nil {
				t.Fatalf("encontrarFecha(%q) = %s inválida", s, fe)
			}
		}
		want, ok := nuevaFecha(1990+int(y)%110, time.Month(1+m%12), 1+int(d)%28)
		if !ok {
			return
		}
		var txt string
		switch forma % 5 {
		case 0:
			txt = pad2(want.D) + "/" + pad2(int(want.M)) + "/" + itoa(want.Y)
		case 1:
			txt = itoa(want.D) + "-" + itoa(int(want.M)) + "-" + itoa(want.Y)
		case 2:
			txt = want.String()
		case 3:
			txt = itoa(want.D) + " de " + nombres[want.M] + " de " + itoa(want.Y)
		case 4:
			txt = pad2(want.D) + "." + pad2(int(want.M)) + "." + itoa(want.Y)
		}
		got, ok := encontrarFecha("Fecha Emisión: " + txt + " hora 12:00")
		if !ok || got != want {
			t.Fatalf("encontrarFecha(%q) = %v %v, quiero %v", txt, got, ok, want)
		}
	})
}

func FuzzEncontrarRUTs(f *testing.F) {
	for _, s := range []string{"R.U.T.: 76.123.456-0", "96874030-k", "RUT 7.654.321-6 y 77.654.321-7", "2026-03-15", "1234567890-1", "--", ""} {
		f.Add(s, 76123456)
	}
	f.Fuzz(func(t *testing.T, s string, body int) {
		for _, h := range encontrarRUTs(s) {
			if h.Start < 0 || h.End > len(s) || h.Start >= h.End {
				t.Fatalf("posición fuera de rango en %q: %+v", s, h)
			}
			r, err := rut.ParseUnchecked(rutLimpio.Replace(s[h.Start:h.End]))
			if err != nil || r != h.RUT {
				t.Fatalf("el texto hallado %q no es el RUT %s", s[h.Start:h.End], h.RUT)
			}
			if h.DVValido != (rut.CheckDigit(h.RUT.Body) == h.RUT.DV) {
				t.Fatalf("DVValido incoherente para %s", h.RUT)
			}
		}
		if body < 0 {
			body = -body
		}
		body = 1_000_000 + body%99_000_000
		r := rut.RUT{Body: body, DV: rut.CheckDigit(body)}
		for _, form := range []string{r.Display(), r.String(), strings.ToLower(r.String())} {
			hs := encontrarRUTs(s + " RUT: " + form + " ")
			if len(hs) == 0 || hs[len(hs)-1].RUT != r || !hs[len(hs)-1].DVValido {
				t.Fatalf("no se halló %s en %q: %+v", form, s+" RUT: "+form, hs)
			}
		}
	})
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

// FuzzAnalizar runs the document heuristics over arbitrary text laid out as
// lines ("\n") and cells ("|"), with sizes and positions taken from the
// input: whatever a PDF says, the parser must not panic.
func FuzzAnalizar(f *testing.F) {
	f.Add("COMERCIAL SPA|R.U.T.: 76.123.456-0\nGiro: x|FACTURA ELECTRÓNICA\n|N° 12\nSeñor(es): CLIENTE|RUT: 77.654.321-7\nCódigo|Descripción|Cant.|Precio|Total\nA1|Cosa|2|1.000|2.000\nNeto|IVA|Total\n2.000|380|2.380", uint8(10))
	f.Add("TICKET N° 1\n2 X $990\nLECHE|1.980\nTOTAL|$1.980\nReferencia: Factura N° 9 del 01/01/2026", uint8(3))
	f.Fuzz(func(t *testing.T, s string, semilla uint8) {
		if len(s) > 4000 {
			return
		}
		doc := &pdftext.Document{NumPages: 2}
		for pi, pagina := range strings.Split(s, "\f") {
			pg := pdftext.Page{Number: pi + 1, Width: 100 + float64(semilla)*3, Height: 800}
			for li, linea := range strings.Split(pagina, "\n") {
				l := pdftext.Line{Page: pi + 1, Y: 800 - float64(li)*float64(1+semilla%20)}
				for ci, celda := range strings.Split(linea, "|") {
					x := float64(ci*(40+int(semilla))) + float64(len(celda)%7)
					size := float64(1 + (int(semilla)+ci)%16)
					l.Cells = append(l.Cells, pdftext.Cell{X: x, EndX: x + float64(len(celda))*size/2, FontSize: size, Text: celda})
				}
				pg.Lines = append(pg.Lines, l)
			}
			doc.Pages = append(doc.Pages, pg)
		}
		ex := analizar(doc)
		Validate(&ex)
		if !ex.TipoDocumento.Valid() || ex.Items == nil {
			t.Fatalf("extracción inválida: %+v", ex)
		}
	})
}
