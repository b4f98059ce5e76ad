package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

func generar(t testing.TB, fn func(p *fpdf.Fpdf, tr func(string) string)) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetAutoPageBreak(false, 0)
	p.AddPage()
	p.SetFont("Helvetica", "", 10)
	fn(p, p.UnicodeTranslatorFromDescriptor(""))
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func leer(t testing.TB, data []byte) *Document {
	t.Helper()
	d, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return d
}

func textos(d *Document) []string {
	var out []string
	for _, l := range d.Lines() {
		out = append(out, l.Text())
	}
	return out
}

func TestReadLineasYCeldas(t *testing.T) {
	data := generar(t, func(p *fpdf.Fpdf, tr func(string) string) {
		p.SetFont("Helvetica", "B", 14)
		p.SetXY(10, 10)
		p.Cell(100, 8, tr("COMERCIAL ÑANDÚ SPA"))
		p.SetFont("Helvetica", "", 10)
		p.SetXY(140, 10) // same baseline, another column
		p.Cell(50, 8, "R.U.T.: 76.123.456-0")
		p.SetXY(10, 30)
		p.Cell(20, 6, "Monto")
		p.SetXY(20.8, 30) // the next word a space width later, as a separate run
		p.Cell(20, 6, "Neto")
	})
	d := leer(t, data)
	if d.NumPages != 1 || len(d.Pages) != 1 || d.Pages[0].Width < 595 || d.Pages[0].Width > 596 {
		t.Fatalf("páginas = %d/%d, ancho %.1f", d.NumPages, len(d.Pages), d.Pages[0].Width)
	}
	lines := d.Lines()
	if len(lines) != 2 {
		t.Fatalf("líneas = %q", textos(d))
	}
	first := lines[0]
	if len(first.Cells) != 2 || first.Cells[0].Text != "COMERCIAL ÑANDÚ SPA" || first.Cells[1].Text != "R.U.T.: 76.123.456-0" {
		t.Errorf("primera línea = %+v", first.Cells)
	}
	if first.Cells[0].FontSize != 14 || first.Cells[1].FontSize != 10 {
		t.Errorf("tamaños = %.1f %.1f", first.Cells[0].FontSize, first.Cells[1].FontSize)
	}
	if first.Cells[1].X < 390 || first.Cells[1].X > 400 {
		t.Errorf("x de la segunda celda = %.1f, quiero ~396 (140 mm)", first.Cells[1].X)
	}
	if got := lines[1].Text(); got != "Monto Neto" {
		t.Errorf("palabras contiguas = %q, quiero %q", got, "Monto Neto")
	}
	if got := first.Text(); got != "COMERCIAL ÑANDÚ SPA  R.U.T.: 76.123.456-0" {
		t.Errorf("Text() = %q", got)
	}
}

func TestReadPlantillas(t *testing.T) {
	// fpdf templates become form XObjects drawn with "Do": their text counts.
	data := generar(t, func(p *fpdf.Fpdf, tr func(string) string) {
		tpl := p.CreateTemplate(func(tp *fpdf.Tpl) {
			tp.SetFont("Helvetica", "", 10)
			tp.Text(20, 20, "Texto dentro de una plantilla")
		})
		p.UseTemplate(tpl)
	})
	if got := strings.Join(textos(leer(t, data)), "|"); !strings.Contains(got, "Texto dentro de una plantilla") {
		t.Errorf("líneas = %q", got)
	}
}

func TestReadVariasPaginasYLimite(t *testing.T) {
	p := fpdf.New("P", "mm", "A4", "")
	for i := 1; i <= 5; i++ {
		p.AddPage()
		p.SetFont("Helvetica", "", 10)
		p.Text(20, 20, "Pagina "+string(rune('0'+i)))
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	d, err := Read(context.Background(), bytes.NewReader(b.Bytes()), int64(b.Len()), Options{MaxPages: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d.NumPages != 5 || len(d.Pages) != 3 || d.Pages[2].Lines[0].Text() != "Pagina 3" || d.Pages[2].Lines[0].Page != 3 {
		t.Errorf("NumPages %d, leídas %d: %q", d.NumPages, len(d.Pages), textos(d))
	}
}

func TestReadErrores(t *testing.T) {
	valido := generar(t, func(p *fpdf.Fpdf, tr func(string) string) { p.Text(20, 20, "hola") })
	casos := []struct {
		nombre string
		data   []byte
		quiero error
		motivo string
	}{
		{"vacío", nil, ErrInvalid, ""},
		{"no es PDF", []byte(strings.Repeat("x", 200)), ErrInvalid, ""},
		{"truncado", valido[:len(valido)/2], ErrInvalid, ""},
		{"xref apuntando a basura", bytes.Replace(valido, []byte("xref"), []byte("xxxx"), 1), ErrInvalid, ""},
		// These would make the library allocate gigabytes before reading a thing.
		{"subsección de xref gigante", bytes.Replace(valido, []byte("xref\n0 "), []byte("xref\n999999990 "), 1), ErrInvalid, "desproporcionad"},
		{"/Size gigante en el trailer", regexpReplace(valido, `/Size \d+`, "/Size 987654321"), ErrInvalid, "desproporcionad"},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			_, err := Read(context.Background(), bytes.NewReader(c.data), int64(len(c.data)), Options{})
			if !errors.Is(err, c.quiero) || !strings.Contains(fmt.Sprint(err), c.motivo) {
				t.Errorf("err = %v, quiero %v (%s)", err, c.quiero, c.motivo)
			}
		})
	}
}

func regexpReplace(b []byte, expr, repl string) []byte {
	return regexp.MustCompile(expr).ReplaceAll(b, []byte(repl))
}

func TestReadSinTexto(t *testing.T) {
	data := generar(t, func(p *fpdf.Fpdf, tr func(string) string) { p.Rect(10, 10, 50, 50, "F") })
	d := leer(t, data)
	if d.TextChars() != 0 || len(d.Lines()) != 0 {
		t.Errorf("texto en un PDF sin texto: %q", textos(d))
	}
}

func TestReadCancelado(t *testing.T) {
	data := generar(t, func(p *fpdf.Fpdf, tr func(string) string) { p.Text(20, 20, "hola") })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, bytes.NewReader(data), int64(len(data)), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestHeaderFix(t *testing.T) {
	data := generar(t, func(p *fpdf.Fpdf, tr func(string) string) { p.Text(20, 20, "version dos") })
	v2 := append([]byte("%PDF-2.0"), data[8:]...)
	if got := strings.Join(textos(leer(t, v2)), ""); got != "version dos" {
		t.Errorf("texto = %q", got)
	}
}

func TestSplitWide(t *testing.T) {
	r := run{x: 0, endX: 100, size: 10, text: "Neto:     110.000"}
	parts := splitWide(r)
	if len(parts) != 2 || parts[0].text != "Neto:" || parts[1].text != "110.000" || parts[1].x <= parts[0].endX {
		t.Errorf("splitWide = %+v", parts)
	}
	if got := splitWide(run{text: "una sola frase"}); len(got) != 1 {
		t.Errorf("sin espacios dobles = %+v", got)
	}
}

// FuzzRead feeds mutated PDFs to the reader: it must return a document or
// an error, never panic, and never run away with the time.
func FuzzRead(f *testing.F) {
	f.Add(generar(f, func(p *fpdf.Fpdf, tr func(string) string) {
		p.Text(20, 20, "Factura 123")
		p.Rect(10, 10, 50, 50, "D")
	}))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d, err := Read(ctx, bytes.NewReader(data), int64(len(data)), Options{MaxPages: 5})
		if err == nil && d == nil {
			t.Fatal("sin documento ni error")
		}
	})
}

func TestColaFinalTrasEOF(t *testing.T) {
	base := generar(t, func(p *fpdf.Fpdf, tr func(string) string) {
		p.SetXY(10, 10)
		p.Cell(100, 8, "FACTURA ELECTRONICA N 123")
	})
	tests := []struct {
		name string
		tail string
	}{
		{"NULs", "\x00\x00\x00\x00"},
		{"comentario", "\n% agregado por el escáner\n"},
		{"basura", "garbage after the end"},
		{"solo espacios", "\n\n  \n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := append(append([]byte{}, base...), tc.tail...)
			doc, err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), Options{})
			if err != nil {
				t.Fatalf("PDF with trailing %q: %v", tc.tail, err)
			}
			if len(doc.Pages) == 0 {
				t.Fatal("no pages")
			}
		})
	}
}
