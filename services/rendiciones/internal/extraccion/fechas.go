package extraccion

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var meses = map[string]time.Month{
	"enero": 1, "ene": 1, "febrero": 2, "feb": 2, "marzo": 3, "mar": 3,
	"abril": 4, "abr": 4, "mayo": 5, "may": 5, "junio": 6, "jun": 6,
	"julio": 7, "jul": 7, "agosto": 8, "ago": 8, "septiembre": 9, "setiembre": 9,
	"sep": 9, "sept": 9, "set": 9, "octubre": 10, "oct": 10, "noviembre": 11,
	"nov": 11, "diciembre": 12, "dic": 12,
}

// The date forms seen on Chilean documents. Digits are delimited by hand
// (Go's regexp has no look-behind) so "12015/03/2026" is not a date.
var (
	fechaISORe   = regexp.MustCompile(`(?:^|[^\d])((\d{4})[-/.](\d{1,2})[-/.](\d{1,2}))(?:$|[^\d])`)
	fechaDMYRe   = regexp.MustCompile(`(?:^|[^\d.,])((\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2}))(?:$|[^\d.,])`)
	fechaTextoRe = regexp.MustCompile(`(?i)(?:^|[^\d])((\d{1,2})(?:\s+de)?[\s\-/.]*` +
		`(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|` +
		`sept|ene|feb|mar|abr|may|jun|jul|ago|sep|set|oct|nov|dic)\.?(?:\s+del?)?[\s\-/.,]*(\d{4}))(?:$|[^\d])`)
)

// fecha is a calendar date without time zone.
type fecha struct {
	Y int
	M time.Month
	D int
}

func (f fecha) String() string {
	return strconv.Itoa(f.Y) + "-" + pad2(int(f.M)) + "-" + pad2(f.D)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// nuevaFecha validates a date; years outside 1990..2100 are OCR noise or
// something else (a phone number, a resolution number).
func nuevaFecha(y int, m time.Month, d int) (fecha, bool) {
	if y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return fecha{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m {
		return fecha{}, false // 31/02
	}
	return fecha{y, m, d}, true
}

// encontrarFecha returns the first valid date in s in any of the usual forms:
// "15/03/2026", "15-03-2026", "15.03.26", "2026-03-15", "15 de marzo de 2026",
// "15-mar-2026". Day-first is assumed for numeric dates, as in Chile.
func encontrarFecha(s string) (fecha, bool) {
	best, bestPos := fecha{}, -1
	consider := func(pos int, f fecha) {
		if bestPos < 0 || pos < bestPos {
			best, bestPos = f, pos
		}
	}
	for _, m := range fechaISORe.FindAllStringSubmatchIndex(s, -1) {
		y, _ := strconv.Atoi(s[m[4]:m[5]])
		mo, _ := strconv.Atoi(s[m[6]:m[7]])
		d, _ := strconv.Atoi(s[m[8]:m[9]])
		if f, ok := nuevaFecha(y, time.Month(mo), d); ok {
			consider(m[2], f)
			break
		}
	}
	for _, m := range fechaDMYRe.FindAllStringSubmatchIndex(s, -1) {
		d, _ := strconv.Atoi(s[m[4]:m[5]])
		mo, _ := strconv.Atoi(s[m[6]:m[7]])
		ys := s[m[8]:m[9]]
		y, _ := strconv.Atoi(ys)
		if len(ys) == 2 {
			y += 2000
		}
		if f, ok := nuevaFecha(y, time.Month(mo), d); ok {
			consider(m[2], f)
			break
		}
	}
	for _, m := range fechaTextoRe.FindAllStringSubmatchIndex(s, -1) {
		d, _ := strconv.Atoi(s[m[4]:m[5]])
		mo := meses[strings.ToLower(s[m[6]:m[7]])]
		y, _ := strconv.Atoi(s[m[8]:m[9]])
		if f, ok := nuevaFecha(y, mo, d); ok {
			consider(m[2], f)
			break
		}
	}
	return best, bestPos >= 0
}

// normalizarFecha accepts "YYYY-MM-DD" or any form encontrarFecha knows and
// returns the canonical form.
func normalizarFecha(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if f, ok := nuevaFecha(t.Year(), t.Month(), t.Day()); ok {
			return f.String(), true
		}
		return "", false
	}
	f, ok := encontrarFecha(s)
	if !ok {
		return "", false
	}
	return f.String(), true
}
