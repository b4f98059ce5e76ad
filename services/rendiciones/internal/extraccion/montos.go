package extraccion

import (
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

var errMonto = errors.New("monto ilegible")

// currencyMarks are stripped before reading the digits, longest first.
var currencyMarks = []string{"US$", "U$S", "USD", "CLP", "$"}

// parseMonto reads an amount as printed on Chilean documents and returns it
// exactly. Thousands and decimal separators are told apart by position:
//
//   - both '.' and ',' present: the last one is the decimal mark
//     ("1.234,50" and "1,234.50" are both 1234.50);
//   - one kind repeated ("1.234.567", "1,234,567"): thousands;
//   - a single separator followed by exactly three digits ("119.000",
//     "1,500"): thousands, because CLP has no decimals and three-decimal
//     money does not occur on invoices;
//   - otherwise the single separator is the decimal mark ("12,5", "99.90").
//
// Currency marks ($, US$, USD, CLP), spaces, a trailing ".-" and a sign or
// parentheses for negatives are accepted. Anything else is an error.
func parseMonto(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, strings.TrimSpace(s[1:len(s)-1])
	}
	if strings.HasPrefix(s, "-") {
		neg, s = !neg, strings.TrimSpace(s[1:])
	}
	for _, m := range currencyMarks {
		if len(s) >= len(m) && strings.EqualFold(s[:len(m)], m) {
			s = strings.TrimSpace(s[len(m):])
			break
		}
	}
	for _, m := range currencyMarks {
		if len(s) >= len(m) && strings.EqualFold(s[len(s)-len(m):], m) {
			s = strings.TrimSpace(s[:len(s)-len(m)])
			break
		}
	}
	if strings.HasPrefix(s, "-") {
		neg, s = !neg, strings.TrimSpace(s[1:])
	}
	// "$5.990.-" and "$5.990,-" are old-fashioned ways to write whole pesos.
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "-"), "."), ",")
	if s == "" || len(s) > 64 {
		return decimal.Decimal{}, errMonto
	}
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c != '.' && c != ',':
			return decimal.Decimal{}, errMonto
		}
	}
	// No document carries more than a few trillion; longer runs of digits
	// are a barcode or a bank account, not money.
	if digits > 20 {
		return decimal.Decimal{}, errMonto
	}
	if s[0] < '0' || s[0] > '9' || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return decimal.Decimal{}, errMonto
	}
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	var intPart, frac string
	var thousands byte
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec := max(lastDot, lastComma)
		intPart, frac = s[:dec], s[dec+1:]
		thousands = '.'
		if s[dec] == '.' {
			thousands = ','
		}
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		if lastComma >= 0 {
			sep = ','
		}
		parts := strings.Split(s, string(sep))
		if len(parts) > 2 || (len(parts[1]) == 3 && len(parts[0]) <= 3 && parts[0][0] != '0') {
			intPart, thousands = s, sep
		} else {
			intPart, frac = parts[0], parts[1]
		}
	default:
		intPart = s
	}
	if strings.ContainsAny(frac, ".,") {
		return decimal.Decimal{}, errMonto
	}
	if thousands != 0 && strings.IndexByte(intPart, thousands) >= 0 {
		groups := strings.Split(intPart, string(thousands))
		for i, g := range groups {
			if g == "" || len(g) > 3 || (i > 0 && len(g) != 3) || (i == 0 && g[0] == '0') {
				return decimal.Decimal{}, errMonto
			}
		}
		intPart = strings.Join(groups, "")
	}
	if strings.ContainsAny(intPart, ".,") {
		return decimal.Decimal{}, errMonto
	}
	num := intPart
	if frac != "" {
		num += "." + frac
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return decimal.Decimal{}, errMonto
	}
	if neg {
		d = d.Neg()
	}
	return d, nil
}

// formatMontoCL prints d the Chilean way: "1.234.567" or "1.234,5". It is
// the inverse of parseMonto for values with at most two decimals.
func formatMontoCL(d decimal.Decimal) string {
	neg := d.IsNegative()
	s := d.Abs().String()
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// esSoloMonto reports whether s is nothing but one amount ("$ 119.000").
func esSoloMonto(s string) (decimal.Decimal, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Decimal{}, false
	}
	d, err := parseMonto(s)
	return d, err == nil
}
