package cartola

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Dates outside these years are typos, not card charges.
const (
	minYear = 1970
	maxYear = 2100
)

var (
	errFechaVacia      = errors.New("fecha vacía")
	errFechaFormato    = errors.New("fecha con formato no reconocido (se espera dd/mm/aaaa o aaaa-mm-dd)")
	errFechaInexistent = errors.New("fecha inexistente")
	errFechaRango      = errors.New("año fuera de rango")
)

// months maps Spanish and English month names and abbreviations, folded.
var months = map[string]time.Month{
	"ene": 1, "enero": 1, "jan": 1, "january": 1,
	"feb": 2, "febrero": 2, "february": 2,
	"mar": 3, "marzo": 3, "march": 3,
	"abr": 4, "abril": 4, "apr": 4, "april": 4,
	"may": 5, "mayo": 5,
	"jun": 6, "junio": 6, "june": 6,
	"jul": 7, "julio": 7, "july": 7,
	"ago": 8, "agosto": 8, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "set": 9, "septiembre": 9, "setiembre": 9, "september": 9,
	"oct": 10, "octubre": 10, "october": 10,
	"nov": 11, "noviembre": 11, "november": 11,
	"dic": 12, "diciembre": 12, "dec": 12, "december": 12,
}

// parseFecha reads a statement date as UTC midnight: dd/mm/yyyy, dd-mm-yyyy,
// dd.mm.yyyy, dd/mm/yy, yyyy-mm-dd (or yyyy/mm/dd), one-digit day and month,
// a month name ("15-mar-2024"), and a trailing time of day, which is dropped.
// Day first always: Chilean banks never write mm/dd. Two-digit years are
// 2000–2069 and 1970–1999.
func parseFecha(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errFechaVacia
	}
	// "15/03/2024 14:22:05", "2024-03-15T14:22:05Z".
	if i := strings.LastIndexAny(s, " T"); i > 0 && looksLikeTime(s[i+1:]) {
		s = strings.TrimSpace(s[:i])
	}
	at := strings.IndexAny(s, "/-. ")
	if at <= 0 {
		return time.Time{}, errFechaFormato
	}
	parts := strings.Split(s, s[at:at+1])
	if len(parts) != 3 {
		return time.Time{}, errFechaFormato
	}
	var ys, ms, ds string
	if len(parts[0]) == 4 {
		ys, ms, ds = parts[0], parts[1], parts[2]
	} else {
		ds, ms, ys = parts[0], parts[1], parts[2]
	}
	if len(ds) < 1 || len(ds) > 2 || !allDigits(ds) ||
		(len(ys) != 2 && len(ys) != 4) || !allDigits(ys) {
		return time.Time{}, errFechaFormato
	}
	var m time.Month
	if len(ms) >= 1 && len(ms) <= 2 && allDigits(ms) {
		n, _ := strconv.Atoi(ms)
		m = time.Month(n)
	} else if mm, ok := months[fold(ms)]; ok {
		m = mm
	} else {
		return time.Time{}, errFechaFormato
	}
	d, _ := strconv.Atoi(ds)
	y, _ := strconv.Atoi(ys)
	if len(ys) == 2 {
		if y < 70 {
			y += 2000
		} else {
			y += 1900
		}
	}
	if y < minYear || y > maxYear {
		return time.Time{}, errFechaRango
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return time.Time{}, errFechaInexistent
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// looksLikeTime reports whether s starts like a time of day: "9:05",
// "14:22:05", "14:22:05Z".
func looksLikeTime(s string) bool {
	c := strings.IndexByte(s, ':')
	return (c == 1 || c == 2) && allDigits(s[:c]) && len(s) >= c+3 && allDigits(s[c+1:c+3])
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
