package cartola

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"ecosystem/services/rendiciones/internal/pan"
)

// FuzzParse: no input panics Parse, and what it returns holds together:
// accepted rows have a real date and an amount within bounds, every line
// number (accepted or rejected) lies after the header and within the file,
// in order, and fingerprints are unique within the statement.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"Fecha;Descripción;Monto\n01/03/2024;\"A\nB\";1.000\n",
		"Fecha,Detalle,Cargo,Abono\n2024-03-01,X,1,\n2024-03-01,X,1,\n",
		"Fecha\tGlosa\tMonto $\tMonto US$\n01.03.2024\tA\t\t1,50\n",
		"\xEF\xBB\xBFFecha;Glosa;Importe;Moneda;Cuotas;Referencia\r\n1/3/24;A;(1.000);US$;1/2;9\r\nTotal;;1\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse(bytes.NewReader(data))
		if err != nil {
			if st != nil {
				t.Fatal("error with a statement")
			}
			return
		}
		// An upper bound on physical lines, whatever the encoding.
		lines := bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}) + 1
		if st.HeaderLine < 1 || st.HeaderLine > lines {
			t.Fatalf("header line %d outside 1..%d", st.HeaderLine, lines)
		}
		prev := st.HeaderLine
		seen := map[string]bool{}
		for _, r := range st.Rows {
			if r.Line <= prev || r.Line > lines {
				t.Fatalf("row line %d after %d, file has ≤ %d lines", r.Line, prev, lines)
			}
			prev = r.Line
			checkFecha(t, r.Descripcion, r.Fecha)
			if r.Monto.Exponent() < -maxFracDigits || len(r.Monto.Abs().Truncate(0).String()) > maxIntDigits+1 {
				t.Fatalf("line %d: monto %s out of bounds", r.Line, r.Monto)
			}
			if r.Moneda != "CLP" && r.Moneda != "USD" {
				t.Fatalf("line %d: moneda %q", r.Line, r.Moneda)
			}
			if r.Descripcion == "" || pan.Find(r.Descripcion) || pan.Find(r.Referencia) {
				t.Fatalf("line %d: descripcion %q, referencia %q", r.Line, r.Descripcion, r.Referencia)
			}
			fp := r.Fingerprint("card")
			if seen[fp] {
				t.Fatalf("line %d: fingerprint repeated", r.Line)
			}
			seen[fp] = true
		}
		prev = st.HeaderLine
		for _, e := range st.Rejected {
			if e.Line < prev || e.Line <= st.HeaderLine || e.Line > lines {
				t.Fatalf("rejected line %d after %d, header %d, file has ≤ %d lines", e.Line, prev, st.HeaderLine, lines)
			}
			prev = e.Line
			switch e.Field {
			case "fecha", "descripcion", "monto", "cargo", "abono", "moneda", "linea":
			default:
				t.Fatalf("rejected line %d: field %q", e.Line, e.Field)
			}
			if e.Msg == "" || pan.Find(e.Msg) {
				t.Fatalf("rejected line %d: message %q", e.Line, e.Msg)
			}
		}
	})
}
