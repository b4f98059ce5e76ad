// Package rut parses and validates Chilean RUTs (Rol Único Tributario) with the
// módulo 11 check digit. Canonical form: digits, hyphen, check digit, no dots,
// uppercase K ("76123456-K"); display form adds thousands dots.
package rut

import (
	"errors"
	"strconv"
	"strings"
)

// ErrFormat and ErrCheckDigit tell a malformed RUT from one whose digit is wrong.
var (
	ErrFormat     = errors.New("formato de RUT inválido")
	ErrCheckDigit = errors.New("dígito verificador de RUT incorrecto")
)

// RUT is a parsed, valid RUT.
type RUT struct {
	Body int    // the number without check digit
	DV   string // "0".."9" or "K"
}

// String returns the canonical form "76123456-K".
func (r RUT) String() string { return strconv.Itoa(r.Body) + "-" + r.DV }

// Display returns the form with thousands dots: "76.123.456-K".
func (r RUT) Display() string {
	s := strconv.Itoa(r.Body)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String() + "-" + r.DV
}

// CheckDigit computes the módulo 11 digit for a body: weights 2..7 from the right.
func CheckDigit(body int) string {
	sum, w := 0, 2
	for n := body; n > 0; n /= 10 {
		sum += (n % 10) * w
		w++
		if w > 7 {
			w = 2
		}
	}
	switch r := 11 - sum%11; r {
	case 11:
		return "0"
	case 10:
		return "K"
	default:
		return strconv.Itoa(r)
	}
}

// Parse accepts "76.123.456-K", "76123456-k", "76123456K" and surrounding
// spaces. The body has 1 to 8 digits (9 with a leading zero is rejected as
// format noise). It returns ErrFormat or ErrCheckDigit on failure.
func Parse(s string) (RUT, error) {
	r, err := parseLoose(s)
	if err != nil {
		return RUT{}, err
	}
	if CheckDigit(r.Body) != r.DV {
		return r, ErrCheckDigit
	}
	return r, nil
}

// ParseUnchecked parses the format only, leaving the check digit unverified;
// extraction uses it to keep a RUT printed with a wrong digit and warn about it.
func ParseUnchecked(s string) (RUT, error) { return parseLoose(s) }

func parseLoose(s string) (RUT, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 16 {
		return RUT{}, ErrFormat
	}
	var digits strings.Builder
	dots := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c == '.':
			dots = true
		case c == '-' && i == len(s)-2:
		case (c == 'k' || c == 'K') && i == len(s)-1:
			digits.WriteByte('K')
		default:
			return RUT{}, ErrFormat
		}
	}
	d := digits.String()
	if len(d) < 2 || len(d) > 9 {
		return RUT{}, ErrFormat
	}
	bodyStr, dv := d[:len(d)-1], d[len(d)-1:]
	if strings.Contains(bodyStr, "K") || bodyStr[0] == '0' {
		return RUT{}, ErrFormat
	}
	if dots && !validDots(s) {
		return RUT{}, ErrFormat
	}
	body, err := strconv.Atoi(bodyStr)
	if err != nil {
		return RUT{}, ErrFormat
	}
	return RUT{Body: body, DV: dv}, nil
}

// validDots checks that dots, when present, group the body by thousands.
func validDots(s string) bool {
	body := s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		body = s[:i]
	} else {
		body = s[:len(s)-1]
	}
	groups := strings.Split(body, ".")
	for i, g := range groups {
		if g == "" || len(g) > 3 || (i > 0 && len(g) != 3) {
			return false
		}
	}
	return true
}

// Normalize returns the canonical form of a valid RUT or an error.
func Normalize(s string) (string, error) {
	r, err := Parse(s)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

// Valid reports whether s is a well-formed RUT with a correct check digit.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}
