package cartola

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

const card = "0190f3a2-7c1e-7d4b-9a61-3b2c1d0e9f88"

func fingerprints(t *testing.T, file string) map[string]Row {
	t.Helper()
	st, err := Parse(open(t, file))
	if err != nil {
		t.Fatalf("Parse(%s): %v", file, err)
	}
	if len(st.Rejected) > 0 {
		t.Fatalf("Parse(%s) rejected %v", file, st.Rejected)
	}
	fps := map[string]Row{}
	for _, r := range st.Rows {
		fp := r.Fingerprint(card)
		if prev, dup := fps[fp]; dup {
			t.Fatalf("%s: lines %d and %d share a fingerprint", file, prev.Line, r.Line)
		}
		fps[fp] = r
	}
	return fps
}

func TestFingerprintReimport(t *testing.T) {
	first, second := fingerprints(t, "marzo.csv"), fingerprints(t, "marzo.csv")
	if len(first) != 5 || len(second) != len(first) {
		t.Fatalf("got %d and %d fingerprints, want 5 each", len(first), len(second))
	}
	for fp := range first {
		if _, ok := second[fp]; !ok {
			t.Errorf("re-import of marzo.csv lost fingerprint %s", fp)
		}
	}
}

// abril.csv repeats the last days of marzo.csv, exported differently
// (UTF-8, commas, "dd-mm-yyyy", another header, other spacing and case):
// exactly those rows, both identical coffees included, must match.
func TestFingerprintOverlap(t *testing.T) {
	marzo, abril := fingerprints(t, "marzo.csv"), fingerprints(t, "abril.csv")
	var overlap []string
	for fp, r := range abril {
		if _, ok := marzo[fp]; ok {
			overlap = append(overlap, r.Fecha.Format("01-02")+" "+r.Descripcion)
		}
	}
	if len(overlap) != 3 {
		t.Fatalf("overlap = %q; want the 30/03 restaurant and both 31/03 coffees", overlap)
	}
	for _, r := range abril {
		if r.Descripcion == "CLÍNICA DENTAL" {
			if _, ok := marzo[r.Fingerprint(card)]; ok {
				t.Error("installment 04/12 matched 03/12: cuotas must count")
			}
		}
	}
}

func TestFingerprint(t *testing.T) {
	base := Row{
		Fecha:       time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC),
		Descripcion: "CAFÉ CENTRAL",
		Monto:       decimal.RequireFromString("2500"),
		Moneda:      "CLP",
		Cuotas:      "1/1",
	}
	fp := base.Fingerprint(card)
	same := []struct {
		name string
		edit func(*Row)
	}{
		{"línea distinta", func(r *Row) { r.Line = 99 }},
		{"ceros decimales", func(r *Row) { r.Monto = decimal.RequireFromString("2500.00") }},
		{"mayúsculas, tildes y espacios", func(r *Row) { r.Descripcion = " cafe   Central " }},
		{"puntuación", func(r *Row) { r.Descripcion = "CAFÉ-CENTRAL." }},
		{"cuotas con ceros", func(r *Row) { r.Cuotas = "01/01" }},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.edit(&r)
			if r.Fingerprint(card) != fp {
				t.Error("fingerprint changed")
			}
		})
	}
	differ := []struct {
		name string
		edit func(*Row)
		card string
	}{
		{"otra tarjeta", func(*Row) {}, "otra"},
		{"otra fecha", func(r *Row) { r.Fecha = r.Fecha.AddDate(0, 0, 1) }, card},
		{"otro monto", func(r *Row) { r.Monto = decimal.RequireFromString("2500.01") }, card},
		{"abono", func(r *Row) { r.Monto = r.Monto.Neg() }, card},
		{"otra moneda", func(r *Row) { r.Moneda = "USD" }, card},
		{"otra cuota", func(r *Row) { r.Cuotas = "2/3" }, card},
		{"con referencia", func(r *Row) { r.Referencia = "123" }, card},
		{"segunda ocurrencia", func(r *Row) { r.Occurrence = 1 }, card},
	}
	for _, tt := range differ {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.edit(&r)
			if r.Fingerprint(tt.card) == fp {
				t.Error("fingerprint did not change")
			}
		})
	}
	// Stored fingerprints must stay valid: changing the normalization needs
	// a new fingerprintVersion, not a silent change of this value.
	if want := "265d5855a25f3d09"; !strings.HasPrefix(fp, want) {
		t.Errorf("fingerprint = %s, want prefix %s", fp, want)
	}
}

func TestCuotasKey(t *testing.T) {
	tests := map[string]string{
		"":        "",
		"01/12":   "1/12",
		"1/12":    "1/12",
		"1 de 12": "1/12",
		"00":      "0",
		"Cuota 3": "3",
	}
	for in, want := range tests {
		if got := cuotasKey(in); got != want {
			t.Errorf("cuotasKey(%q) = %q, want %q", in, got, want)
		}
	}
}
