package cartola

import (
	"errors"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
)

// numStyle is how a column writes its numbers.
type numStyle uint8

const (
	styleUnknown numStyle = iota
	styleComma            // 1.234.567,89 — the Chilean way
	stylePoint            // 1,234,567.89
)

// Bounds on one amount: no card charge needs more, and they keep a hostile
// file from building huge decimals.
const (
	maxIntDigits  = 15
	maxFracDigits = 6
)

var (
	errMontoVacio   = errors.New("monto vacío")
	errMontoFormato = errors.New("monto inválido")
	errMontoSigno   = errors.New("monto con más de un signo")
	errMontoMiles   = errors.New("separador de miles mal puesto")
	errMontoGrande  = errors.New("monto demasiado grande")
	errMontoDecimal = errors.New("monto con demasiados decimales")
)

// currencyMarks are the symbols an amount cell may carry, longest first so
// "US$" is not read as "$". A bare "$" says nothing: in Chile it is the peso
// sign, and a USD statement may use it too.
var currencyMarks = []struct{ mark, moneda string }{
	{"clp$", "CLP"}, {"usd$", "USD"},
	{"us$", "USD"}, {"u$s", "USD"}, {"usd", "USD"}, {"clp", "CLP"}, {"ch$", "CLP"},
	{"$", ""},
}

// amountParts is an amount cell taken apart: body keeps only digits, '.'
// and ','.
type amountParts struct {
	body   string
	neg    bool
	moneda string // from a symbol in the cell, or ""
}

// splitAmount strips blanks, currency symbols and the sign from a cell:
// "$ 12.990", "US$ -12.50", "(1.000)", "1.000-", "−5.000".
func splitAmount(s string) (amountParts, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f':
		case r == '\u2212' || r == '\u2013': // minus sign, en dash
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	var p amountParts
	if t == "" {
		return p, errMontoVacio
	}
	signs := 0
	if len(t) >= 2 && t[0] == '(' && t[len(t)-1] == ')' {
		p.neg, signs = true, 1
		t = t[1 : len(t)-1]
	}
	// Sign and symbol may come in either order on either side.
	for changed := true; changed; {
		changed = false
		if t != "" && (t[0] == '-' || t[0] == '+') {
			p.neg = p.neg || t[0] == '-'
			signs++
			t, changed = t[1:], true
		}
		if t != "" && t[len(t)-1] == '-' {
			p.neg = true
			signs++
			t, changed = t[:len(t)-1], true
		}
		for _, m := range currencyMarks {
			if len(t) >= len(m.mark) && strings.EqualFold(t[:len(m.mark)], m.mark) {
				t, changed = t[len(m.mark):], true
			} else if len(t) >= len(m.mark) && strings.EqualFold(t[len(t)-len(m.mark):], m.mark) {
				t, changed = t[:len(t)-len(m.mark)], true
			} else {
				continue
			}
			if m.moneda != "" {
				p.moneda = m.moneda
			}
			break
		}
	}
	if signs > 1 {
		return p, errMontoSigno
	}
	if t == "" || !isDigit(t[0]) || !isDigit(t[len(t)-1]) {
		return p, errMontoFormato
	}
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) && t[i] != '.' && t[i] != ',' {
			return p, errMontoFormato
		}
	}
	p.body = t
	return p, nil
}

// evidence tells which style one number body proves, if any. "1.234.567",
// "12.345,60" and "1234,5" prove styleComma; "1,234.50" and "12.50" prove
// stylePoint; "1.234" and "1,234" prove nothing, and neither does a
// malformed number such as "12,34,5".
func evidence(body string) numStyle {
	s := claimedStyle(body)
	if s != styleUnknown {
		if _, err := parseBody(body, s); err != nil {
			return styleUnknown
		}
	}
	return s
}

func claimedStyle(body string) numStyle {
	dot, comma := strings.LastIndexByte(body, '.'), strings.LastIndexByte(body, ',')
	switch {
	case dot >= 0 && comma >= 0:
		if comma > dot {
			return styleComma
		}
		return stylePoint
	case dot < 0 && comma < 0:
		return styleUnknown
	}
	sep, at := byte('.'), dot
	if comma >= 0 {
		sep, at = ',', comma
	}
	if strings.Count(body, string(sep)) > 1 {
		// Repeated: a thousands separator, so the other one is decimal.
		if sep == '.' {
			return styleComma
		}
		return stylePoint
	}
	if ambiguous(body[:at], body[at+1:]) {
		return styleUnknown
	}
	if sep == '.' {
		return stylePoint
	}
	return styleComma
}

// ambiguous reports whether a single separator between intPart and frac
// could be a thousands separator: three digits after it and a valid leading
// group before it.
func ambiguous(intPart, frac string) bool {
	return len(frac) == 3 && validLead(intPart)
}

// validLead reports whether s can open a thousands-grouped number.
func validLead(s string) bool {
	return len(s) >= 1 && len(s) <= 3 && s[0] != '0' && allDigits(s)
}

// parseAmount reads an amount cell. Numbers that spell out their own style
// are read that way; an ambiguous "1.234" or "1,234" follows style, the
// column's style learned from all its values, and, when the file never
// tells, the Chilean convention (dot for thousands, comma for decimals).
// The moneda returned comes from a symbol in the cell ("US$"), or "".
func parseAmount(s string, style numStyle) (decimal.Decimal, string, error) {
	p, err := splitAmount(s)
	if err != nil {
		return decimal.Decimal{}, "", err
	}
	d, err := parseBody(p.body, style)
	if err != nil {
		return decimal.Decimal{}, "", err
	}
	if p.neg {
		d = d.Neg()
	}
	return d, p.moneda, nil
}

// parseBody reads an unsigned number of digits, '.' and ','.
func parseBody(body string, style numStyle) (decimal.Decimal, error) {
	dot, comma := strings.LastIndexByte(body, '.'), strings.LastIndexByte(body, ',')
	var intPart, frac string
	var err error
	switch {
	case dot >= 0 && comma >= 0:
		dec, thou := byte(','), byte('.')
		if dot > comma {
			dec, thou = '.', ','
		}
		at := strings.LastIndexByte(body, dec)
		if strings.IndexByte(body, dec) != at {
			return decimal.Decimal{}, errMontoFormato
		}
		intPart, frac = body[:at], body[at+1:]
		if intPart, err = ungroup(intPart, thou); err != nil {
			return decimal.Decimal{}, err
		}
	case dot < 0 && comma < 0:
		intPart = body
	default:
		sep, at := byte('.'), dot
		if comma >= 0 {
			sep, at = ',', comma
		}
		thousands := strings.Count(body, string(sep)) > 1
		if !thousands && ambiguous(body[:at], body[at+1:]) {
			if sep == '.' {
				thousands = style != stylePoint
			} else {
				thousands = style == stylePoint
			}
		}
		if thousands {
			if intPart, err = ungroup(body, sep); err != nil {
				return decimal.Decimal{}, err
			}
		} else {
			intPart, frac = body[:at], body[at+1:]
		}
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return decimal.Decimal{}, errMontoFormato
	}
	if len(strings.TrimLeft(intPart, "0")) > maxIntDigits {
		return decimal.Decimal{}, errMontoGrande
	}
	if len(frac) > maxFracDigits {
		return decimal.Decimal{}, errMontoDecimal
	}
	text := intPart
	if frac != "" {
		text += "." + frac
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, errMontoFormato
	}
	return d, nil
}

// ungroup removes thousands separators after checking the groups: 1–3
// digits, then groups of exactly 3. "1.23.456" is an error, not 123456.
func ungroup(s string, sep byte) (string, error) {
	groups := strings.Split(s, string(sep))
	if !validLead(groups[0]) {
		return "", errMontoMiles
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return "", errMontoMiles
		}
	}
	return strings.Join(groups, ""), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
