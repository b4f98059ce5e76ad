package cartola

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestParseFecha(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want string // YYYY-MM-DD, "" when an error is expected
		err  error
	}{
		{"barra", "15/03/2024", "2024-03-15", nil},
		{"guion", "15-03-2024", "2024-03-15", nil},
		{"punto", "15.03.2024", "2024-03-15", nil},
		{"año corto", "15/03/24", "2024-03-15", nil},
		{"año corto del siglo pasado", "31/12/99", "1999-12-31", nil},
		{"iso", "2024-03-15", "2024-03-15", nil},
		{"iso con barra", "2024/03/15", "2024-03-15", nil},
		{"un dígito", "5/3/2024", "2024-03-05", nil},
		{"con hora", "15/03/2024 14:22", "2024-03-15", nil},
		{"con segundos", "15/03/2024 14:22:05", "2024-03-15", nil},
		{"iso con hora", "2024-03-15T14:22:05Z", "2024-03-15", nil},
		{"mes abreviado", "15-mar-2024", "2024-03-15", nil},
		{"mes en mayúsculas", "15-DIC-24", "2024-12-15", nil},
		{"mes con nombre y espacios", "1 septiembre 2024", "2024-09-01", nil},
		{"mes en inglés", "15-Aug-2024", "2024-08-15", nil},
		{"bisiesto", "29/02/2024", "2024-02-29", nil},
		{"espacios alrededor", "  15/03/2024 ", "2024-03-15", nil},

		{"vacía", "", "", errFechaVacia},
		{"no bisiesto", "29/02/2023", "", errFechaInexistent},
		{"31 de abril", "31/04/2024", "", errFechaInexistent},
		{"mes 13", "01/13/2024", "", errFechaInexistent},
		{"día cero", "00/01/2024", "", errFechaInexistent},
		{"estilo estadounidense", "03/15/2024", "", errFechaInexistent},
		{"año fuera de rango", "15/03/1900", "", errFechaRango},
		{"año lejano", "15/03/2999", "", errFechaRango},
		{"separadores mezclados", "15/03-2024", "", errFechaFormato},
		{"sin separador", "15032024", "", errFechaFormato},
		{"año de tres cifras", "15/03/202", "", errFechaFormato},
		{"texto", "ayer", "", errFechaFormato},
		{"mes desconocido", "15-xyz-2024", "", errFechaFormato},
		{"signo", "+1/03/2024", "", errFechaFormato},
		{"día de tres cifras", "015/03/2024", "", errFechaFormato},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFecha(tt.s)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("parseFecha(%q) = %v, %v; want error %v", tt.s, got, err, tt.err)
				}
				return
			}
			if err != nil || got.Format("2006-01-02") != tt.want {
				t.Fatalf("parseFecha(%q) = %v, %v; want %s", tt.s, got, err, tt.want)
			}
		})
	}
}

// FuzzParseFecha: any cell is read or refused without panic; what is read
// is a real calendar day at UTC midnight; and every real day in range,
// written in each supported form, reads back as itself.
func FuzzParseFecha(f *testing.F) {
	for _, s := range []string{"15/03/2024", "2024-03-15", "15.03.24", "29/02/2023", "15-mar-2024", "x"} {
		f.Add(s, 2024, 3, 15)
	}
	f.Fuzz(func(t *testing.T, s string, y, m, d int) {
		if got, err := parseFecha(s); err == nil {
			checkFecha(t, s, got)
		}

		if y < 0 || y > 9999 || m < 0 || m > 99 || d < 0 || d > 99 {
			return
		}
		valid := y >= minYear && y <= maxYear && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, time.Month(m))
		for _, s := range []string{
			fmt.Sprintf("%02d/%02d/%04d", d, m, y),
			fmt.Sprintf("%d-%d-%04d", d, m, y),
			fmt.Sprintf("%02d.%02d.%04d", d, m, y),
			fmt.Sprintf("%04d-%02d-%02d", y, m, d),
		} {
			got, err := parseFecha(s)
			if valid != (err == nil) {
				t.Fatalf("parseFecha(%q) = %v, %v; valid date: %v", s, got, err, valid)
			}
			if valid && (got.Year() != y || int(got.Month()) != m || got.Day() != d) {
				t.Fatalf("parseFecha(%q) = %v", s, got)
			}
		}
	})
}

// checkFecha fails unless got is a UTC midnight within the accepted years.
func checkFecha(t *testing.T, s string, got time.Time) {
	t.Helper()
	if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
		t.Fatalf("%q read as %v: not UTC midnight", s, got)
	}
	if got.Year() < minYear || got.Year() > maxYear {
		t.Fatalf("%q read as %v: year out of range", s, got)
	}
}
