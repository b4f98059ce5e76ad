package extraccion

import (
	"testing"
)

func TestParseMonto(t *testing.T) {
	casos := []struct {
		nombre, entrada, quiero string
		err                     bool
	}{
		{"pesos con puntos de miles", "$ 1.234.567", "1234567", false},
		{"total pegado al signo", "$119.000", "119000", false},
		{"miles sin signo", "119.000", "119000", false},
		{"dólares estilo chileno", "US$ 1.234,50", "1234.5", false},
		{"dólares estilo estadounidense", "USD 1,234.50", "1234.5", false},
		{"decimal con coma", "1234,5", "1234.5", false},
		{"decimal con punto", "99.90", "99.9", false},
		{"coma de miles", "1,500", "1500", false},
		{"entero pelado", "5990", "5990", false},
		{"cero decimal", "0,5", "0.5", false},
		{"cero con tres decimales no es miles", "0.500", "0.5", false},
		{"negativo", "-$ 5.000", "-5000", false},
		{"negativo entre paréntesis", "(12.000)", "-12000", false},
		{"pesos a la antigua", "$5.990.-", "5990", false},
		{"CLP al final", "10.000 CLP", "10000", false},
		{"miles mal agrupados", "1.23.456", "", true},
		{"texto", "doce mil", "", true},
		{"vacío", "", "", true},
		{"solo signo", "$", "", true},
		{"separador colgando", "1.234.", "1234", false},
		{"dos decimales distintos", "1.234,56,7", "", true},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			d, err := parseMonto(c.entrada)
			if c.err {
				if err == nil {
					t.Fatalf("parseMonto(%q) = %s, quiero error", c.entrada, d)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseMonto(%q): %v", c.entrada, err)
			}
			if d.String() != c.quiero {
				t.Errorf("parseMonto(%q) = %s, quiero %s", c.entrada, d, c.quiero)
			}
		})
	}
}

func TestEncontrarFecha(t *testing.T) {
	casos := []struct {
		nombre, entrada, quiero string
	}{
		{"barra", "Fecha: 15/03/2026", "2026-03-15"},
		{"guion", "15-03-2026", "2026-03-15"},
		{"puntos y año corto", "15.03.26 12:34", "2026-03-15"},
		{"ISO", "Fecha Emisión: 2026-03-15", "2026-03-15"},
		{"en palabras", "Santiago, 15 de marzo de 2026", "2026-03-15"},
		{"en palabras con del", "1 de Septiembre del 2025", "2025-09-01"},
		{"mes abreviado", "15-mar-2026", "2026-03-15"},
		{"mes abreviado con espacios", "05 DIC 2025", "2025-12-05"},
		{"la primera de dos", "Emisión 01/02/2026 Vence 01/03/2026", "2026-02-01"},
		{"día imposible", "31/02/2026", ""},
		{"RUT no es fecha", "76.123.456-0", ""},
		{"monto no es fecha", "$ 1.234.567", ""},
		{"resolución del SII no es fecha", "Res. 80 de 2014", ""},
		{"año absurdo", "15/03/1850", ""},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			f, ok := encontrarFecha(c.entrada)
			got := ""
			if ok {
				got = f.String()
			}
			if got != c.quiero {
				t.Errorf("encontrarFecha(%q) = %q, quiero %q", c.entrada, got, c.quiero)
			}
		})
	}
}

func TestEncontrarRUTs(t *testing.T) {
	casos := []struct {
		nombre, entrada string
		quiero          []string
		dvValido        []bool
	}{
		{"con puntos", "R.U.T.: 76.123.456-0", []string{"76123456-0"}, []bool{true}},
		{"sin puntos y k minúscula", "rut 96874030-k", []string{"96874030-K"}, []bool{true}},
		{"dígito incorrecto se conserva", "RUT 76.123.456-5", []string{"76123456-5"}, []bool{false}},
		{"guion con espacios", "RUT: 77.879.240 - 0", []string{"77879240-0"}, []bool{true}},
		{"siete dígitos", "RUT 7.654.321-6", []string{"7654321-6"}, []bool{true}},
		{"dos en una línea", "76.123.456-0  Cliente 77.654.321-7", []string{"76123456-0", "77654321-7"}, []bool{true, true}},
		{"fecha ISO no es RUT", "2026-03-15", nil, nil},
		{"teléfono no es RUT", "+56 2 2345 6789", nil, nil},
		{"monto no es RUT", "$ 1.234.567", nil, nil},
		{"parte de un número largo", "1234567890-1", nil, nil},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			hs := encontrarRUTs(c.entrada)
			if len(hs) != len(c.quiero) {
				t.Fatalf("encontrarRUTs(%q) = %v, quiero %v", c.entrada, hs, c.quiero)
			}
			for i, h := range hs {
				if h.RUT.String() != c.quiero[i] || h.DVValido != c.dvValido[i] {
					t.Errorf("hallazgo %d = %s (dv válido %v), quiero %s (%v)", i, h.RUT, h.DVValido, c.quiero[i], c.dvValido[i])
				}
			}
		})
	}
}

func TestNormalizarFolio(t *testing.T) {
	for entrada, quiero := range map[string]string{"000456": "456", "4567": "4567", "0": "0", "A-12": "A-12", " 12 ": "12", "": ""} {
		if got := normalizarFolio(entrada); got != quiero {
			t.Errorf("normalizarFolio(%q) = %q, quiero %q", entrada, got, quiero)
		}
	}
}

func TestParesEnLinea(t *testing.T) {
	casos := []struct {
		nombre, linea string
		quiero        map[kindMonto]string
		cierre        bool
	}{
		{"tres en una línea", "Neto: 100.000  IVA 19%: 19.000  Total: 119.000", map[kindMonto]string{kNeto: "100000", kIVA: "19000", kTotal: "119000"}, false},
		{"IVA incluido en el total", "Total (IVA incluido): $ 10.000", map[kindMonto]string{kTotal: "10000"}, true},
		{"frase legal de la boleta", "El IVA de esta boleta es: $1.596", map[kindMonto]string{kIVA: "1596"}, false},
		{"total en dólares", "Total en Dólares: 1.190,50", map[kindMonto]string{kTotal: "1190.5"}, true},
		{"total US$", "TOTAL US$ 2,500.00", map[kindMonto]string{kTotal: "2500"}, true},
		{"total neto no es total", "Total Neto $ 50.000", map[kindMonto]string{kNeto: "50000"}, false},
		{"subtotal no es total", "Subtotal $ 50.000", map[kindMonto]string{kSubtotal: "50000"}, true},
		{"total de ítems no es un monto pero cierra la tabla", "Total ítems: 3", nil, true},
		{"palabra que contiene iva", "Privada 1234", nil, false},
		{"descripción de ítem con neto", "Ajuste neto 3 horas", nil, false},
		{"descuento como ítem no cierra la tabla", "Descuento comercial  1  -5.000", nil, false},
		{"monto exento", "Monto Exento: $ 250.000", map[kindMonto]string{kExento: "250000"}, false},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			pares, _, cierre := paresEnLinea(c.linea, 0)
			if cierre != c.cierre {
				t.Errorf("cierre = %v, quiero %v", cierre, c.cierre)
			}
			got := map[kindMonto]string{}
			for _, p := range pares {
				got[p.tipo] = p.v.String()
			}
			if len(got) != len(c.quiero) {
				t.Fatalf("paresEnLinea(%q) = %v, quiero %v", c.linea, got, c.quiero)
			}
			for k, v := range c.quiero {
				if got[k] != v {
					t.Errorf("%v = %q, quiero %q", k, got[k], v)
				}
			}
		})
	}
}
