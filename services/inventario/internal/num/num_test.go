package num

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	cantidad := Rules{Scale: ScaleCantidad}
	conteo := Rules{Scale: ScaleCantidad, AllowZero: true}
	tests := []struct {
		name  string
		json  string
		rules Rules
		want  string // "" when it must fail
	}{
		{"texto", `"12.5"`, cantidad, "12.5"},
		{"número", `12.5`, cantidad, "12.5"},
		{"ceros a la derecha no cuentan como decimales", `"1.50000000"`, cantidad, "1.5"},
		{"cuatro decimales", `0.0001`, cantidad, "0.0001"},
		{"cinco decimales", `0.00001`, cantidad, ""},
		{"sin pasar por float64", `"0.1000"`, cantidad, "0.1"},
		{"exponente", `1e3`, cantidad, "1000"},
		{"cero rechazado", `0`, cantidad, ""},
		{"cero admitido en un conteo", `"0"`, conteo, "0"},
		{"negativo", `-1`, conteo, ""},
		{"demasiado grande", `"1000000000000"`, cantidad, ""},
		{"no numérico", `"doce"`, cantidad, ""},
		{"NaN", `"NaN"`, cantidad, ""},
		{"booleano", `true`, cantidad, ""},
		{"objeto", `{}`, cantidad, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Raw
			if err := json.Unmarshal([]byte(tc.json), &r); err != nil {
				t.Fatalf("UnmarshalJSON must not fail (the field name is reported later): %v", err)
			}
			d, msg := r.Parse(tc.rules)
			switch {
			case tc.want == "" && msg == "":
				t.Fatalf("accepted %s as %s", tc.json, d)
			case tc.want != "" && msg != "":
				t.Fatalf("rejected %s: %s", tc.json, msg)
			case tc.want != "" && !d.Equal(decimal.RequireFromString(tc.want)):
				t.Fatalf("parsed %s as %s, want %s", tc.json, d, tc.want)
			}
		})
	}
	var r Raw
	_ = json.Unmarshal([]byte(`null`), &r)
	if r.IsSet() {
		t.Fatal("null counts as absent")
	}
}

func TestFixedScales(t *testing.T) {
	d := decimal.RequireFromString("1234.5")
	for _, tc := range []struct {
		v    any
		want string
	}{
		{C(d), `"1234.5000"`},
		{K(d), `"1234.500000"`},
		{M(decimal.RequireFromString("0.125")), `"0.13"`}, // half away from zero
		{M(decimal.RequireFromString("-0.125")), `"-0.13"`},
		{Valor(decimal.RequireFromString("3"), decimal.RequireFromString("1.666667")), `"5.00"`},
	} {
		b, _ := json.Marshal(tc.v)
		if string(b) != tc.want {
			t.Errorf("%v → %s, want %s", tc.v, b, tc.want)
		}
	}
	var c Cantidad
	if err := json.Unmarshal([]byte(`"7.2500"`), &c); err != nil || c.String() != "7.25" {
		t.Fatalf("unmarshal: %v %v", c, err)
	}
}
