package extraccion

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/rut"
)

// tasaIVA is Chile's VAT rate.
var tasaIVA = decimal.RequireFromString("0.19")

// Validate checks an extraction and appends its warnings (Spanish, for the
// person who reviews the document) to Advertencias: a RUT whose check digit
// is wrong, neto + IVA + exento ≠ total, IVA ≠ 19 % of neto, missing key
// fields. It never changes the extracted values and never adds the same
// warning twice, so it can run again after a manual correction (reset
// Advertencias first to drop the old ones).
func Validate(ex *Extraccion) {
	if ex == nil {
		return
	}
	if ex.Items == nil {
		ex.Items = []Item{}
	}
	if ex.Advertencias == nil {
		ex.Advertencias = []string{}
	}
	add := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if !slices.Contains(ex.Advertencias, msg) {
			ex.Advertencias = append(ex.Advertencias, msg)
		}
	}

	for _, c := range []struct{ quien, valor string }{{"emisor", ex.RutEmisor}, {"receptor", ex.RutReceptor}} {
		if c.valor == "" {
			continue
		}
		r, err := rut.ParseUnchecked(c.valor)
		switch {
		case err != nil:
			add("el RUT del %s (%s) no tiene un formato válido", c.quien, c.valor)
		case rut.CheckDigit(r.Body) != r.DV:
			add("el dígito verificador del RUT del %s (%s) es incorrecto; debería ser %s", c.quien, r.Display(), rut.CheckDigit(r.Body))
		}
	}

	if !ex.TipoDocumento.Valid() || ex.TipoDocumento == TipoOtro {
		add("no se reconoció el tipo de documento")
	}
	if ex.RutEmisor == "" {
		add("no se encontró el RUT del emisor")
	}
	if ex.RazonSocialEmisor == "" {
		add("no se encontró la razón social del emisor")
	}
	if ex.Folio == "" && ex.TipoDocumento != TipoTicket {
		add("no se encontró el folio del documento")
	}
	if ex.FechaEmision == "" {
		add("no se encontró la fecha de emisión")
	} else if _, ok := normalizarFecha(ex.FechaEmision); !ok {
		add("la fecha de emisión %q no es una fecha válida", ex.FechaEmision)
	}
	if !ex.MontoTotal.Valid {
		add("no se encontró el monto total; hay que ingresarlo a mano")
	}
	if ex.Moneda != MonedaCLP && ex.Moneda != MonedaUSD {
		add("moneda no reconocida: %q", ex.Moneda)
	}

	// CLP amounts are whole pesos; USD ones have cents.
	tol := decimal.NewFromInt(1)
	decimales := int32(0)
	if ex.Moneda == MonedaUSD {
		tol = decimal.RequireFromString("0.01")
		decimales = 2
	}
	neto, iva, exento, total := ex.MontoNeto, ex.MontoIVA, ex.MontoExento, ex.MontoTotal

	switch ex.TipoDocumento {
	case TipoFactura:
		if !neto.Valid && !exento.Valid {
			add("la factura no muestra monto neto")
		}
		if neto.Valid && !iva.Valid {
			add("la factura no muestra el IVA")
		}
	case TipoFacturaExenta:
		if iva.Valid && !iva.Decimal.IsZero() {
			add("una factura exenta no debería tener IVA (%s)", formatMontoCL(iva.Decimal))
		}
	}

	// neto + IVA + exento = total, when the parts are there. The check is
	// exact: SII amounts are integers that must add up; any other tax
	// (ILA, impuesto específico) also shows up here, which is worth a look.
	if total.Valid && (neto.Valid || exento.Valid) {
		suma := decimal.Zero
		for _, p := range []decimal.NullDecimal{neto, iva, exento} {
			if p.Valid {
				suma = suma.Add(p.Decimal)
			}
		}
		if !suma.Equal(total.Decimal) {
			add("neto + IVA + exento (%s) no coincide con el total (%s)", formatMontoCL(suma), formatMontoCL(total.Decimal))
		}
	}

	// IVA = round(neto × 0.19), as the SII computes it; ±1 peso covers
	// documents that round per line.
	if neto.Valid && iva.Valid {
		esperado := neto.Decimal.Mul(tasaIVA).Round(decimales)
		if iva.Decimal.Sub(esperado).Abs().GreaterThan(tol) {
			add("el IVA (%s) no corresponde al 19 %% del neto (%s); debería ser %s",
				formatMontoCL(iva.Decimal), formatMontoCL(neto.Decimal), formatMontoCL(esperado))
		}
	}
	// A boleta shows the IVA included in the total: IVA = total − total/1.19.
	if !neto.Valid && !exento.Valid && iva.Valid && total.Valid {
		netoImplicito := total.Decimal.Div(decimal.RequireFromString("1.19")).Round(decimales)
		esperado := total.Decimal.Sub(netoImplicito)
		if iva.Decimal.Sub(esperado).Abs().GreaterThan(tol) {
			add("el IVA (%s) no corresponde al 19 %% incluido en el total (%s); debería ser %s",
				formatMontoCL(iva.Decimal), formatMontoCL(total.Decimal), formatMontoCL(esperado))
		}
	}
	for _, a := range []struct {
		n string
		v decimal.NullDecimal
	}{{"neto", neto}, {"IVA", iva}, {"exento", exento}, {"total", total}} {
		if a.v.Valid && a.v.Decimal.IsNegative() {
			add("el monto %s es negativo (%s)", a.n, formatMontoCL(a.v.Decimal))
		}
	}
}
