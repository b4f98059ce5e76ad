package extraccion

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// facturaValida is a complete, consistent factura.
func facturaValida() Extraccion {
	return Extraccion{
		TipoDocumento: TipoFactura, RutEmisor: canon(76123456), RazonSocialEmisor: "COMERCIAL LOS ANDES SPA",
		Folio: "4567", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
		MontoNeto: dec("100000"), MontoIVA: dec("19000"), MontoTotal: dec("119000"), Motor: MotorLocal,
	}
}

func TestValidate(t *testing.T) {
	casos := []struct {
		nombre  string
		cambiar func(*Extraccion)
		quiero  []string // fragments of the expected warnings; nil means none
	}{
		{"factura consistente", func(*Extraccion) {}, nil},
		{"RUT con dígito verificador incorrecto", func(e *Extraccion) { e.RutEmisor = "76123456-5" },
			[]string{"dígito verificador del RUT del emisor (76.123.456-5) es incorrecto; debería ser 0"}},
		{"RUT del receptor con formato inválido", func(e *Extraccion) { e.RutReceptor = "12-X" },
			[]string{"RUT del receptor (12-X) no tiene un formato válido"}},
		{"la suma no da el total", func(e *Extraccion) { e.MontoTotal = dec("120000") },
			[]string{"neto + IVA + exento (119.000) no coincide con el total (120.000)"}},
		{"IVA distinto del 19 %", func(e *Extraccion) { e.MontoIVA = dec("18000"); e.MontoTotal = dec("118000") },
			[]string{"el IVA (18.000) no corresponde al 19 % del neto (100.000); debería ser 19.000"}},
		{"IVA redondeado dentro de la tolerancia", func(e *Extraccion) {
			e.MontoNeto, e.MontoIVA, e.MontoTotal = dec("168068"), dec("31932"), dec("200000")
		}, nil},
		{"IVA con redondeo SII", func(e *Extraccion) {
			// 10.003 × 0,19 = 1.900,57 → 1.901
			e.MontoNeto, e.MontoIVA, e.MontoTotal = dec("10003"), dec("1899"), dec("11902")
		}, []string{"debería ser 1.901"}},
		{"neto, exento e IVA suman el total", func(e *Extraccion) {
			e.MontoExento, e.MontoTotal = dec("5000"), dec("124000")
		}, nil},
		{"faltan los datos clave", func(e *Extraccion) {
			e.RutEmisor, e.RazonSocialEmisor, e.Folio, e.FechaEmision = "", "", "", ""
			e.MontoTotal.Valid = false
		}, []string{"no se encontró el RUT del emisor", "no se encontró la razón social", "no se encontró el folio",
			"no se encontró la fecha de emisión", "no se encontró el monto total"}},
		{"tipo desconocido", func(e *Extraccion) { e.TipoDocumento = TipoOtro }, []string{"no se reconoció el tipo de documento"}},
		{"fecha inválida", func(e *Extraccion) { e.FechaEmision = "2026-02-30" }, []string{"no es una fecha válida"}},
		{"factura exenta con IVA", func(e *Extraccion) {
			e.TipoDocumento, e.MontoNeto = TipoFacturaExenta, dec("0")
			e.MontoExento, e.MontoIVA, e.MontoTotal = dec("100000"), dec("19000"), dec("119000")
		}, []string{"una factura exenta no debería tener IVA", "no corresponde al 19 % del neto"}},
		{"boleta con IVA incluido correcto", func(e *Extraccion) {
			e.TipoDocumento, e.MontoNeto = TipoBoleta, dec("0")
			e.MontoNeto.Valid = false
			e.MontoIVA, e.MontoTotal = dec("956"), dec("5990")
		}, nil},
		{"boleta con IVA incluido incorrecto", func(e *Extraccion) {
			e.TipoDocumento = TipoBoleta
			e.MontoNeto.Valid = false
			e.MontoIVA, e.MontoTotal = dec("1138"), dec("5990")
		}, []string{"no corresponde al 19 % incluido en el total (5.990); debería ser 956"}},
		{"dólares con centavos", func(e *Extraccion) {
			e.Moneda = MonedaUSD
			e.MontoNeto, e.MontoIVA, e.MontoTotal = dec("1000.50"), dec("190.10"), dec("1190.60")
		}, nil},
		{"ticket sin folio no avisa", func(e *Extraccion) { e.TipoDocumento, e.Folio = TipoTicket, "" }, nil},
		{"monto negativo", func(e *Extraccion) {
			e.MontoNeto, e.MontoIVA, e.MontoTotal = dec("-100000"), dec("-19000"), dec("-119000")
		}, []string{"el monto neto es negativo", "el monto total es negativo"}},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			ex := facturaValida()
			c.cambiar(&ex)
			Validate(&ex)
			if c.quiero == nil && len(ex.Advertencias) > 0 {
				t.Fatalf("advertencias inesperadas: %q", ex.Advertencias)
			}
			for _, q := range c.quiero {
				if !contieneAdvertencia(ex.Advertencias, q) {
					t.Errorf("falta %q en %q", q, ex.Advertencias)
				}
			}
			// Validate is idempotent: a second run adds nothing.
			n := len(ex.Advertencias)
			Validate(&ex)
			if len(ex.Advertencias) != n {
				t.Errorf("la segunda validación duplicó advertencias: %q", ex.Advertencias)
			}
		})
	}
}

func TestValidateNoCambiaValores(t *testing.T) {
	ex := facturaValida()
	ex.RutEmisor, ex.MontoTotal = "76123456-5", dec("1")
	Validate(&ex)
	if ex.RutEmisor != "76123456-5" || nd(ex.MontoTotal) != "1" {
		t.Errorf("Validate cambió valores: %s %s", ex.RutEmisor, nd(ex.MontoTotal))
	}
	Validate(nil) // must not panic
}

func TestClasificacionDeErrores(t *testing.T) {
	casos := []struct {
		nombre     string
		err        error
		code       string
		permanente bool
	}{
		{"nil", nil, "", false},
		{"sin texto", permanente(CodeSinTexto, "x", nil), CodeSinTexto, true},
		{"envuelto", fmt.Errorf("job: %w", reintentable(CodeGeminiLimite, "x", nil)), CodeGeminiLimite, false},
		{"contexto cancelado", context.Canceled, CodeCancelado, false},
		{"plazo vencido", fmt.Errorf("x: %w", context.DeadlineExceeded), CodeTiempoAgotado, false},
		{"error ajeno", errors.New("disco lleno"), CodeDesconocido, false},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			if got := Code(c.err); got != c.code {
				t.Errorf("Code = %q, quiero %q", got, c.code)
			}
			if got := IsPermanent(c.err); got != c.permanente {
				t.Errorf("IsPermanent = %v, quiero %v", got, c.permanente)
			}
		})
	}
	e := permanente(CodePDFInvalido, "dañado", errors.New("causa"))
	if !strings.Contains(e.Error(), "causa") || !errors.Is(e, e.Err) {
		t.Errorf("Error() = %q: debe incluir y envolver la causa", e.Error())
	}
}

func TestTipoPorCodigoSII(t *testing.T) {
	casos := map[int]TipoDocumento{33: TipoFactura, 34: TipoFacturaExenta, 39: TipoBoleta, 41: TipoBoleta,
		52: TipoGuiaDespacho, 56: TipoNotaDebito, 61: TipoNotaCredito, 110: TipoFactura}
	for code, want := range casos {
		if got, ok := TipoPorCodigoSII(code); !ok || got != want {
			t.Errorf("TipoPorCodigoSII(%d) = %q, quiero %q", code, got, want)
		}
	}
	if _, ok := TipoPorCodigoSII(99); ok {
		t.Error("99 no es un código SII")
	}
}
