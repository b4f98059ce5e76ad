package rut

import (
	"errors"
	"testing"
)

func TestCheckDigitVectors(t *testing.T) {
	// Vectors from cordada/lib-cl-sii-python (see shared/reference/expenses.md).
	vectors := map[int]string{76555835: "2", 76177907: "9", 76369187: "K", 77879240: "0", 96874030: "K", 60910000: "1", 11111111: "1"}
	for body, want := range vectors {
		if got := CheckDigit(body); got != want {
			t.Errorf("CheckDigit(%d) = %s, want %s", body, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, canon, display string
		err                      error
	}{
		{"con puntos y guion", "96.874.030-K", "96874030-K", "96.874.030-K", nil},
		{"k minuscula sin puntos", "96874030-k", "96874030-K", "96.874.030-K", nil},
		{"sin guion", "768691870", "", "", ErrCheckDigit},
		{"sin guion valido", "96874030K", "96874030-K", "96.874.030-K", nil},
		{"espacios", "  76.555.835-2 ", "76555835-2", "76.555.835-2", nil},
		{"cuerpo corto", "1-9", "1-9", "1-9", nil},
		{"digito malo", "76.555.835-3", "", "", ErrCheckDigit},
		{"vacio", "", "", "", ErrFormat},
		{"letras", "abc", "", "", ErrFormat},
		{"K en el cuerpo", "7K555835-2", "", "", ErrFormat},
		{"puntos mal puestos", "7.6555.835-2", "", "", ErrFormat},
		{"cero inicial", "076555835-2", "", "", ErrFormat},
		{"dos guiones", "76-555835-2", "", "", ErrFormat},
		{"demasiado largo", "1234567890-1", "", "", ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Parse(%q) err = %v, want %v", tc.in, err, tc.err)
			}
			if err != nil {
				return
			}
			if r.String() != tc.canon || r.Display() != tc.display {
				t.Errorf("Parse(%q) = %s / %s, want %s / %s", tc.in, r, r.Display(), tc.canon, tc.display)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"96.874.030-K", "76555835-2", "1-9", "K", "", "..-", "12.345.678-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		// A valid RUT round-trips through both of its printed forms.
		for _, form := range []string{r.String(), r.Display()} {
			r2, err := Parse(form)
			if err != nil || r2 != r {
				t.Fatalf("Parse(%q) ok as %v, but its form %q gives %v, %v", s, r, form, r2, err)
			}
		}
		if CheckDigit(r.Body) != r.DV {
			t.Fatalf("accepted wrong digit: %q", s)
		}
	})
}
