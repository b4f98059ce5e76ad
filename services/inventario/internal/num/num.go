// Package num holds inventario's exact decimals: how they are read from JSON
// (a string or a number, never through float64), the scale each kind keeps,
// and how they are written back (a string with that fixed scale).
//
// Scales, chosen once for the whole service:
//
//	Cantidad  4 decimals  quantities, stock_minimo           NUMERIC(18,4)
//	Costo     6 decimals  unit costs and the weighted average NUMERIC(20,6)
//	Monto     2 decimals  amounts (valor) and precio_venta   NUMERIC(20,2)
//
// Input with more decimals than its scale is rejected, not rounded, so what a
// client sends is exactly what is stored. Computed values (the weighted
// average, a value = quantity × cost) are rounded half away from zero, which
// for the non-negative numbers stored here is half-up, the same rule as
// Postgres' round(numeric).
package num

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// Scales of the three kinds.
const (
	ScaleCantidad int32 = 4
	ScaleCosto    int32 = 6
	ScaleMonto    int32 = 2
)

// Max is the largest magnitude accepted on input: NUMERIC(18,4) holds 14
// integer digits, and products of quantities and costs must still fit.
var Max = decimal.New(1, 12) // 1e12

// Raw is a decimal as it arrived in JSON: a string or a number token, kept
// verbatim. Its UnmarshalJSON never fails so that the validation step, which
// knows the field name, reports the error (httpx.Bind would otherwise answer
// a generic "JSON inválido").
type Raw struct {
	text  string
	set   bool // the field was present and not null
	wrong bool // present but neither a string nor a number
}

// UnmarshalJSON keeps the token.
func (r *Raw) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*r = Raw{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			*r = Raw{set: true, wrong: true}
			return nil
		}
		*r = Raw{text: s, set: true}
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*r = Raw{text: string(b), set: true}
	default:
		*r = Raw{set: true, wrong: true}
	}
	return nil
}

// MarshalJSON writes the token back as a string (used to fingerprint requests).
func (r Raw) MarshalJSON() ([]byte, error) {
	if !r.set {
		return []byte("null"), nil
	}
	return json.Marshal(r.text)
}

// RawOf builds a Raw from a decimal (for Go callers of the services).
func RawOf(d decimal.Decimal) Raw { return Raw{text: d.String(), set: true} }

// IsSet reports whether the field was sent (and not null).
func (r Raw) IsSet() bool { return r.set }

// Rules constrain Parse.
type Rules struct {
	Scale     int32
	AllowZero bool // zero passes (default: must be > 0)
	AllowNeg  bool
}

// Parse reads r under rules. On failure it returns a message for the field.
func (r Raw) Parse(rules Rules) (decimal.Decimal, string) {
	if r.wrong {
		return decimal.Zero, "debe ser un número decimal (texto o número)"
	}
	d, err := decimal.NewFromString(r.text)
	if err != nil {
		return decimal.Zero, "no es un número decimal válido"
	}
	if !d.Round(rules.Scale).Equal(d) {
		return decimal.Zero, fmt.Sprintf("admite a lo más %d decimales", rules.Scale)
	}
	if d.Abs().GreaterThanOrEqual(Max) {
		return decimal.Zero, "es demasiado grande"
	}
	switch {
	case d.IsNegative() && !rules.AllowNeg:
		if rules.AllowZero {
			return decimal.Zero, "no puede ser negativo"
		}
		return decimal.Zero, "debe ser mayor que cero"
	case d.IsZero() && !rules.AllowZero:
		return decimal.Zero, "debe ser mayor que cero"
	}
	return d.Round(rules.Scale), ""
}

// Cantidad is a quantity written with 4 decimals.
type Cantidad struct{ decimal.Decimal }

// Costo is a unit cost written with 6 decimals.
type Costo struct{ decimal.Decimal }

// Monto is an amount of money written with 2 decimals.
type Monto struct{ decimal.Decimal }

// C, K and M wrap a decimal in its kind, rounding to the kind's scale.
func C(d decimal.Decimal) Cantidad { return Cantidad{d.Round(ScaleCantidad)} }
func K(d decimal.Decimal) Costo    { return Costo{d.Round(ScaleCosto)} }
func M(d decimal.Decimal) Monto    { return Monto{d.Round(ScaleMonto)} }

// Valor is the value of q units at unit cost c, rounded to cents.
func Valor(q decimal.Decimal, c decimal.Decimal) Monto { return M(q.Mul(c)) }

func (c Cantidad) MarshalJSON() ([]byte, error) { return fixed(c.Decimal, ScaleCantidad), nil }
func (c Costo) MarshalJSON() ([]byte, error)    { return fixed(c.Decimal, ScaleCosto), nil }
func (c Monto) MarshalJSON() ([]byte, error)    { return fixed(c.Decimal, ScaleMonto), nil }

func (c *Cantidad) UnmarshalJSON(b []byte) error { return unquote(b, &c.Decimal) }
func (c *Costo) UnmarshalJSON(b []byte) error    { return unquote(b, &c.Decimal) }
func (c *Monto) UnmarshalJSON(b []byte) error    { return unquote(b, &c.Decimal) }

// ScanNumeric lets pgx scan a NUMERIC straight into the kinds.
func (c *Cantidad) ScanNumeric(n pgtype.Numeric) error { return scan(n, &c.Decimal) }
func (c *Costo) ScanNumeric(n pgtype.Numeric) error    { return scan(n, &c.Decimal) }
func (c *Monto) ScanNumeric(n pgtype.Numeric) error    { return scan(n, &c.Decimal) }

func fixed(d decimal.Decimal, scale int32) []byte {
	s := d.StringFixed(scale)
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func unquote(b []byte, d *decimal.Decimal) error {
	return d.UnmarshalJSON(b) // accepts "1.5" and 1.5 without going through float64
}

// ScanDecimal converts a pgx NUMERIC into a decimal, exactly.
func ScanDecimal(n pgtype.Numeric) (decimal.Decimal, error) {
	var d decimal.Decimal
	err := scan(n, &d)
	return d, err
}

func scan(n pgtype.Numeric, d *decimal.Decimal) error {
	switch {
	case !n.Valid:
		return errors.New("num: NULL numeric")
	case n.NaN || n.InfinityModifier != pgtype.Finite:
		return errors.New("num: non-finite numeric")
	}
	*d = decimal.NewFromBigInt(n.Int, n.Exp)
	return nil
}

// PG passes a decimal to pgx for a NUMERIC parameter: as its exact text,
// which pgx sends in text format. pgx's binary NUMERIC encoder normalises
// through big.Int exponentiation and costs about three times as much.
func PG(d decimal.Decimal) string { return d.String() }
