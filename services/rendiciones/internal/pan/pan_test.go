package pan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestLuhn(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		want   bool
	}{
		{"visa de prueba", "4111111111111111", true},
		{"visa 4012", "4012888888881881", true},
		{"visa 13 dígitos", "4222222222222", true},
		{"mastercard", "5555555555554444", true},
		{"mastercard 5105", "5105105105105100", true},
		{"amex 15 dígitos", "378282246310005", true},
		{"amex 3714", "371449635398431", true},
		{"discover", "6011111111111117", true},
		{"diners 14 dígitos", "30569309025904", true},
		{"jcb", "3530111333300000", true},
		{"19 dígitos", "6212345678901234569", true},
		{"ejemplo clásico", "79927398713", true},
		{"último dígito malo", "4111111111111112", false},
		{"secuencia", "1234567890123456", false},
		{"ejemplo clásico malo", "79927398710", false},
		{"vacío", "", false},
		{"un dígito", "0", false},
		{"con espacios", "4111 1111 1111 1111", false},
		{"con letras", "41111111111111a1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Luhn(tt.digits); got != tt.want {
				t.Errorf("Luhn(%q) = %v, want %v", tt.digits, got, tt.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want bool
	}{
		// Card numbers, however written.
		{"corrido", "4111111111111111", true},
		{"en texto", "mi tarjeta es 4111111111111111, gracias", true},
		{"grupos con espacio", "4111 1111 1111 1111", true},
		{"grupos con guion", "4111-1111-1111-1111", true},
		{"grupos mixtos", "4111-1111 1111-1111", true},
		{"espacio no separable", "4111\u00a01111\u00a01111\u00a01111", true},
		{"amex 4-6-5", "3782 822463 10005", true},
		{"diners 4-6-4", "3056 930902 5904", true},
		{"19 dígitos 4-4-4-4-3", "6212 3456 7890 1234 569", true},
		{"13 dígitos", "4222222222222", true},
		{"pegado a letras", "TC4111111111111111", true},
		{"seguido de un año", "4111 1111 1111 1111 2024", true},
		{"tras un número corto", "nro 12 4111111111111111", true},
		{"al final de una frase", "Tarjeta 4111111111111111.", true},
		{"con signo", "-4111111111111111", true},

		// Things that are not card numbers.
		{"vacío", "", false},
		{"no pasa luhn", "4111111111111112", false},
		{"rut con puntos", "76.123.456-K", false},
		{"rut sin puntos", "76123456-0", false},
		{"fecha", "15-03-2024", false},
		{"dos fechas que suman luhn", "15-03-2024 03-03-2024", false},
		{"monto con miles", "$ 4.111.111.111.111.111", false},
		{"monto con decimales", "4111111111111111,50", false},
		{"monto con punto decimal", "4111111111111111.50", false},
		{"fracción", "0.4111111111111111", false},
		{"teléfono", "+56 9 1234 5678", false},
		{"12 dígitos", "411111111111", false},
		{"20 dígitos", "41111111111111110000", false},
		{"últimos 4", "**** **** **** 1111", false},
		{"enmascarada", "4111 11XX XXXX 1111", false},
		{"separador doble", "4111  1111  1111  1111", false},
		{"miles con espacio", "1 234 567 890 102", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Find(tt.s); got != tt.want {
				t.Errorf("Find(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want string
	}{
		{"sin tarjeta", "alias Visa corporativa 1111", "alias Visa corporativa 1111"},
		{"corrida", "pan=4111111111111111 ok", "pan=" + Redacted + " ok"},
		{"agrupada", "num 4111-1111-1111-1111.", "num " + Redacted + "."},
		{"dos tarjetas", "4111111111111111 y 5555 5555 5555 4444", Redacted + " y " + Redacted},
		{"con año pegado", "4111 1111 1111 1111 2025", Redacted + " 2025"},
		// "1111 1111 1111 2024" passes Luhn too: the overlap is redacted whole.
		{"solapadas", "4111 1111 1111 1111 2024", Redacted},
		{"rut intacto", "rut 76.123.456-K", "rut 76.123.456-K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.s); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestContainsInJSON(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantPath  string
		wantFound bool
	}{
		{"sin tarjeta", `{"alias":"Visa 1111","ultimos_4":"1111","banco":"BCI"}`, "", false},
		{"en alias", `{"banco":"BCI","alias":"4111 1111 1111 1111"}`, "alias", true},
		{"número desnudo", `{"numero":4111111111111111}`, "numero", true},
		{"número con exponente", `{"numero":4.111111111111111e15}`, "numero", true},
		{"número negativo", `{"numero":-4111111111111111}`, "numero", true},
		{"número con fracción", `{"monto":4111111111111111.5}`, "", false},
		{"número grande sin luhn", `{"monto":1234567890123456}`, "", false},
		{"cero con exponente", `{"monto":0e15}`, "", false},
		{"exponente enorme", `{"monto":1e999999999999}`, "", false},
		{"en arreglo anidado", `{"items":[{"descripcion":"ok"},{"descripcion":"x"},{"descripcion":"pago 4111-1111-1111-1111"}]}`, "items[2].descripcion", true},
		{"arreglo en la raíz", `["a", "b", "4111111111111111"]`, "[2]", true},
		{"string en la raíz", `"4111111111111111"`, "", true},
		{"en una clave", `{"meta":{"4111111111111111":"x"}}`, "meta", true},
		{"clave con espacios", `{"meta":{"a b":"4111111111111111"}}`, `meta["a b"]`, true},
		{"escapado unicode", `{"alias":"\u0034111111111111111"}`, "alias", true},
		{"primer hallazgo", `{"a":"5555555555554444","b":"4111111111111111"}`, "a", true},
		{"tras valores varios", `{"a":true,"b":null,"c":[1,2,{"d":[]}],"e":"4111111111111111"}`, "e", true},
		{"inválido tras el hallazgo", `{"alias": 4111111111111111`, "alias", true},
		{"inválido antes del hallazgo", `{"alias" 4111111111111111}`, "", true},
		{"json inválido sin tarjeta", `{"alias": `, "", false},
		{"vacío", ``, "", false},
		{"muy anidado", strings.Repeat("[", 300) + `"4111111111111111"` + strings.Repeat("]", 300), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, found := ContainsInJSON([]byte(tt.body))
			if path != tt.wantPath || found != tt.wantFound {
				t.Errorf("ContainsInJSON(%s) = (%q, %v), want (%q, %v)", tt.body, path, found, tt.wantPath, tt.wantFound)
			}
		})
	}
}

// FuzzFind checks that the three views agree: whatever Find sees, Redact
// removes, and a body holding the text as a JSON string is caught too.
func FuzzFind(f *testing.F) {
	for _, s := range []string{
		"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111 2024",
		"76.123.456-K", "15-03-2024 03-03-2024", "3782 822463 10005", "x", "",
		"4111111111111111,50", "1 234 567 890 102",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		found := Find(s)
		red := Redact(s)
		if found != (red != s) {
			t.Fatalf("Find(%q) = %v but Redact gave %q", s, found, red)
		}
		if Find(red) {
			t.Fatalf("Redact(%q) = %q still holds a PAN", s, red)
		}
		body := []byte(`{"k":` + jsonQuote(s) + `}`)
		if path, inJSON := ContainsInJSON(body); inJSON != found || (found && path != "k") {
			t.Fatalf("ContainsInJSON(%s) = (%q, %v), Find = %v", body, path, inJSON, found)
		}
	})
}

// FuzzContainsInJSON feeds arbitrary bodies: no panic, and the path named in a
// hit never carries a card number itself.
func FuzzContainsInJSON(f *testing.F) {
	for _, s := range []string{
		`{"alias":"4111 1111 1111 1111"}`, `{"n":4111111111111111}`, `[1,2,{"a":[3]}]`,
		`{"4111111111111111":{"x":1}}`, `{"a b":"x"}`, `1e5`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		path, found := ContainsInJSON(body)
		if !found && path != "" {
			t.Fatalf("no hit but path %q", path)
		}
		if Find(path) {
			t.Fatalf("path %q carries a PAN", path)
		}
	})
}

// jsonQuote writes s as a JSON string. Invalid UTF-8 becomes U+FFFD, which
// cannot change what Find sees: it reads only ASCII digits and separators.
func jsonQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// A UUID's hex groups are sometimes all digits; no UUID may ever be taken
// for a card number (ids travel in paths and bodies everywhere).
func TestUUIDsNuncaSonPAN(t *testing.T) {
	for _, s := range []string{
		"01a22147-7123-9456-1234567abcde", // 4+4+7 Luhn-sized run glued to hex letters
		"01a22147-0123-7123-9456-abcdef123456",
		"a2214795-4567-8123-4567-890123456789",
	} {
		if Find(s) {
			t.Errorf("Find(%q) took a UUID for a card number", s)
		}
	}
	for i := 0; i < 200000; i++ {
		u := uuid.New().String()
		if i%2 == 0 {
			u = uuid.Must(uuid.NewV7()).String()
		}
		if Find(u) {
			t.Fatalf("Find(%q) took a UUID for a card number", u)
		}
		if path, found := ContainsInJSON([]byte(`{"titular_id":"` + u + `"}`)); found {
			t.Fatalf("ContainsInJSON flagged %s in %s", u, path)
		}
	}
}
