package cartola

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name   string
		s      string
		style  numStyle
		want   string // decimal, "" when an error is expected
		moneda string
		err    error
	}{
		{"entero", "12990", styleUnknown, "12990", "", nil},
		{"miles con punto", "1.234.567", styleUnknown, "1234567", "", nil},
		{"coma decimal", "12.345,50", styleUnknown, "12345.5", "", nil},
		{"negativo", "-1.000", styleUnknown, "-1000", "", nil},
		{"signo al final", "1.000-", styleUnknown, "-1000", "", nil},
		{"paréntesis", "(1.000)", styleUnknown, "-1000", "", nil},
		{"signo menos unicode", "−5.000", styleUnknown, "-5000", "", nil},
		{"signo más", "+5.000", styleUnknown, "5000", "", nil},
		{"peso con espacio", "$ 12.990", styleUnknown, "12990", "", nil},
		{"signo tras el peso", "$-12.990", styleUnknown, "-12990", "", nil},
		{"espacio no separable", "12\u00a0990", styleUnknown, "12990", "", nil},
		{"dólar con punto decimal", "US$ 12.50", styleUnknown, "12.5", "USD", nil},
		{"USD al final", "12,50 USD", styleUnknown, "12.5", "USD", nil},
		{"CLP al inicio", "CLP 1.000", styleUnknown, "1000", "CLP", nil},
		{"punto decimal", "1234.50", styleUnknown, "1234.5", "", nil},
		{"miles con coma y punto decimal", "1,234.50", styleUnknown, "1234.5", "", nil},
		{"miles con coma", "1,234,567", styleUnknown, "1234567", "", nil},
		{"coma decimal sola", "1234,5", styleUnknown, "1234.5", "", nil},
		{"cero a la izquierda es decimal", "0.500", styleUnknown, "0.5", "", nil},
		{"cuatro cifras antes es decimal", "1234.567", styleUnknown, "1234.567", "", nil},
		{"ambiguo punto, estilo chileno", "1.234", styleUnknown, "1234", "", nil},
		{"ambiguo punto, columna con coma decimal", "1.234", styleComma, "1234", "", nil},
		{"ambiguo punto, columna con punto decimal", "1.234", stylePoint, "1.234", "", nil},
		{"ambiguo coma, estilo chileno", "1,234", styleUnknown, "1.234", "", nil},
		{"ambiguo coma, columna con punto decimal", "1,234", stylePoint, "1234", "", nil},
		{"exactitud", "0,1", styleUnknown, "0.1", "", nil},
		{"quince dígitos", "999.999.999.999.999", styleUnknown, "999999999999999", "", nil},

		{"vacío", "  ", styleUnknown, "", "", errMontoVacio},
		{"texto", "abc", styleUnknown, "", "", errMontoFormato},
		{"solo signo", "-", styleUnknown, "", "", errMontoFormato},
		{"dos signos", "(-1.000)", styleUnknown, "", "", errMontoSigno},
		{"signo fuera del paréntesis", "-(1.000)", styleUnknown, "", "", errMontoFormato},
		{"signo a ambos lados", "-1.000-", styleUnknown, "", "", errMontoSigno},
		{"grupos mal puestos", "1.23.456", styleUnknown, "", "", errMontoMiles},
		{"grupo inicial largo", "1234.567.890", styleUnknown, "", "", errMontoMiles},
		{"dos decimales", "1,234,5", styleUnknown, "", "", errMontoMiles},
		{"decimal repetido", "1.234,5,6", styleUnknown, "", "", errMontoFormato},
		{"termina en separador", "1.000,", styleUnknown, "", "", errMontoFormato},
		{"empieza con separador", ",50", styleUnknown, "", "", errMontoFormato},
		{"letras en medio", "1O.000", styleUnknown, "", "", errMontoFormato},
		{"exponente", "1e5", styleUnknown, "", "", errMontoFormato},
		{"dieciséis dígitos", "1234567890123456", styleUnknown, "", "", errMontoGrande},
		{"siete decimales", "1,1234567", styleUnknown, "", "", errMontoDecimal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, moneda, err := parseAmount(tt.s, tt.style)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("parseAmount(%q) = %v, %v; want error %v", tt.s, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseAmount(%q): %v", tt.s, err)
			}
			if !got.Equal(decimal.RequireFromString(tt.want)) || moneda != tt.moneda {
				t.Errorf("parseAmount(%q) = %s %q; want %s %q", tt.s, got, moneda, tt.want, tt.moneda)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	tests := []struct {
		body string
		want numStyle
	}{
		{"1.234.567", styleComma},
		{"12.345,60", styleComma},
		{"1234,5", styleComma},
		{"1,234.50", stylePoint},
		{"12.50", stylePoint},
		{"1,234,567", stylePoint},
		{"1.234", styleUnknown},
		{"1,234", styleUnknown},
		{"1234", styleUnknown},
		{"12,34,5", styleUnknown}, // malformed: proves nothing
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			if got := evidence(tt.body); got != tt.want {
				t.Errorf("evidence(%q) = %d, want %d", tt.body, got, tt.want)
			}
		})
	}
}

// FuzzParseAmount: any cell is read or refused without panic, and every
// amount written the way Chilean or US exports write it reads back exactly.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1.234.567", "12.345,50", "-1.000", "(1.000)", "$ 12.990", "US$ 12.50", "1,234.50", "1.234", "abc", ""} {
		f.Add(s, uint8(0), int64(123456789), uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, style uint8, units int64, scale uint8) {
		st := numStyle(style % 3)
		if d, _, err := parseAmount(s, st); err == nil {
			if d.Exponent() < -maxFracDigits || len(d.Abs().Truncate(0).String()) > maxIntDigits {
				t.Fatalf("parseAmount(%q) = %s: out of bounds", s, d)
			}
		}

		d := decimal.New(units, -int32(scale%(maxFracDigits+1)))
		if len(d.Abs().Truncate(0).String()) > maxIntDigits {
			return
		}
		for _, w := range []struct {
			text  string
			style numStyle
		}{
			{format(d, ".", ","), styleComma},
			{format(d, ".", ","), styleUnknown},
			{format(d, ",", "."), stylePoint},
			{format(d, "", "."), stylePoint},
		} {
			got, _, err := parseAmount(w.text, w.style)
			if err != nil || !got.Equal(d) {
				t.Fatalf("%s written %q (style %d) read back as %s, %v", d, w.text, w.style, got, err)
			}
		}
	})
}

// format writes d with the given thousands and decimal separators.
func format(d decimal.Decimal, thousands, dec string) string {
	s := d.Abs().String()
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if d.IsNegative() {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	return b.String()
}
