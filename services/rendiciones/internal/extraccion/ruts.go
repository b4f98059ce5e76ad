package extraccion

import (
	"regexp"
	"strings"

	"ecosystem/pkg/shared/rut"
)

// rutRe finds RUT-looking tokens: a 7–8 digit body (with or without
// thousands dots), a hyphen and a check digit. Shorter bodies are left out:
// they collide with phone and reference numbers and no company has one.
// The delimiters are matched by hand because Go's regexp has no look-behind.
var rutRe = regexp.MustCompile(`(?i)(?:^|[^\d.\-])((?:\d{1,2}\.\d{3}\.\d{3}|\d{7,8})\s?[-‐‑–]\s?[\dk])(?:$|[^\dA-Za-z\-])`)

// rutLimpio removes the spaces and typographic dashes rut.Parse rejects.
var rutLimpio = strings.NewReplacer(" ", "", "‐", "-", "‑", "-", "–", "-")

// rutHallado is one RUT found in a text.
type rutHallado struct {
	Start, End int     // byte offsets of the RUT in the text
	RUT        rut.RUT // parsed without checking the digit
	DVValido   bool    // the printed check digit is right
}

// encontrarRUTs returns every RUT in s, in order. A RUT printed with a wrong
// check digit is kept (DVValido false) so Validate can warn about it instead
// of silently dropping the issuer.
func encontrarRUTs(s string) []rutHallado {
	var out []rutHallado
	for _, m := range rutRe.FindAllStringSubmatchIndex(s, -1) {
		raw := s[m[2]:m[3]]
		r, err := rut.ParseUnchecked(rutLimpio.Replace(raw))
		if err != nil || r.Body < 1_000_000 {
			continue
		}
		out = append(out, rutHallado{Start: m[2], End: m[3], RUT: r, DVValido: rut.CheckDigit(r.Body) == r.DV})
	}
	return out
}

// normalizarRUT returns the canonical form of a RUT written in any usual way,
// and whether its check digit is right. ok is false when s is not a RUT.
func normalizarRUT(s string) (canon string, dvValido, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false, false
	}
	if hs := encontrarRUTs(s); len(hs) == 1 && strings.TrimSpace(s[:hs[0].Start]) == "" {
		return hs[0].RUT.String(), hs[0].DVValido, true
	}
	r, err := rut.ParseUnchecked(rutLimpio.Replace(s))
	if err != nil {
		return "", false, false
	}
	return r.String(), rut.CheckDigit(r.Body) == r.DV, true
}
