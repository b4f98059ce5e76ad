package extraccion

import (
	"regexp"
	"strings"
)

// This file reads the header fields: folio, issue date and currency.

// The folio forms: "N° 4567", "Nº 000321", "Folio: 889", "Nro. 10".
var (
	folioRe      = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:folio|n[°ºo]\.?|nro\.?|n[uú]mero|num\.?|#)\s*(?:de\s+)?(?:folio|documento|doc\.?)?\s*[:.]?\s*(?:n[°º]\.?\s*)?(\d{1,12})(?:$|[^\d.,/\-])`)
	folioSoloRe  = regexp.MustCompile(`(?i)folio\s*(?:n[°ºo]\.?)?\s*[:.]?\s*(\d{1,12})`)
	noFolioAntes = regexp.MustCompile(`(?i)(?:res(?:oluci[oó]n)?\.?|orden(?:\s+de\s+compra)?|o\.?\s?c\.?|gu[ií]a|cliente|pedido|caja|cajero|local|sucursal|tel[eé]fono|fono|cuenta|tarjeta|cuota|l[ií]nea|[ií]tem|p[aá]gina|transacci[oó]n|operaci[oó]n|autorizaci[oó]n|terminal|ref(?:erencia)?\.?)\s*$`)
)

// folioInicioRe is how a cell holding a folio starts when it is not in the SII box.
var folioInicioRe = regexp.MustCompile(`(?i)^\W*(?:folio|n[°ºo]|nro|n[uú]mero|num|#|factura|boleta|ticket|nota|gu[ií]a|documento|comprobante|voucher|recibo)`)

// folio reads the document number: first in the SII box next to the title,
// then a "Folio" label anywhere, then an "N°" that is not the number of
// something else (a resolution, a purchase order, a page).
func (d *documento) folio(t titulo) string {
	probar := func(li, ci int, re *regexp.Regexp) string {
		c := d.lineas[li].cells[ci].Text
		for _, m := range re.FindAllStringSubmatchIndex(c, -1) {
			if noFolioAntes.MatchString(c[:m[0]]) {
				continue
			}
			return normalizarFolio(c[m[2]:m[3]])
		}
		return ""
	}
	if t.hallado {
		for li := t.li; li < len(d.lineas) && li <= t.li+3; li++ {
			for ci := range d.lineas[li].cells {
				if li != t.li && !d.cercaDelTitulo(t, li, ci) {
					continue
				}
				if r := d.rolDe(li, ci); r == rolReferencia || r == rolTimbre {
					continue
				}
				if f := probar(li, ci, folioRe); f != "" {
					return f
				}
			}
		}
	}
	for _, re := range []*regexp.Regexp{folioSoloRe, folioRe} {
		for li, ln := range d.lineas {
			for ci, c := range ln.cells {
				if r := d.rolDe(li, ci); r == rolReferencia || r == rolTimbre || r == rolReceptor {
					continue
				}
				if re == folioRe && !folioInicioRe.MatchString(c.Text) {
					continue
				}
				if f := probar(li, ci, re); f != "" {
					return f
				}
			}
		}
	}
	return ""
}

// normalizarFolio drops the zero padding of numeric folios ("000456" → "456")
// so the (RUT, tipo, folio) duplicate key matches however it was printed.
func normalizarFolio(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return s
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// ---- date ----

var (
	fechaEmisionRe = regexp.MustCompile(`(?i)fecha\s*(?:de\s*)?emisi[oó]n|f\.\s*emisi[oó]n|emitid[ao]\s*(?:el)?|fecha\s+documento|fecha\s+doc\.?`)
	fechaRe        = regexp.MustCompile(`(?i)\bfecha\b\s*(?:de\s+)?(\p{L}*)`)
	fechaNoEmision = regexp.MustCompile(`(?i)^(?:venc|pago|ref|entrega|despacho|l[ií]mite|timbre|firma|recepci|impresi|resoluci|inicio|t[eé]rmino|hasta|desde)`)
)

// fechaEmision reads the issue date: after an "emisión" label, then after a
// plain "Fecha" label that is not a due date, then the first date outside
// references and the timbre.
func (d *documento) fechaEmision() string {
	despues := func(li, ci, desde int) (fecha, bool) {
		ln := d.lineas[li]
		if f, ok := encontrarFecha(ln.cells[ci].Text[desde:]); ok {
			return f, true
		}
		if ci+1 < len(ln.cells) {
			if f, ok := encontrarFecha(ln.cells[ci+1].Text); ok {
				return f, true
			}
		}
		// Label alone on its line, value below.
		if li+1 < len(d.lineas) && d.lineas[li+1].page == ln.page {
			for _, c := range d.lineas[li+1].cells {
				if c.X < ln.cells[ci].EndX+40 && ln.cells[ci].X < c.EndX+40 {
					if f, ok := encontrarFecha(c.Text); ok {
						return f, true
					}
				}
			}
		}
		return fecha{}, false
	}
	for li, ln := range d.lineas {
		for ci, c := range ln.cells {
			if r := d.rolDe(li, ci); r == rolReferencia || r == rolTimbre {
				continue
			}
			if loc := fechaEmisionRe.FindStringIndex(c.Text); loc != nil {
				if f, ok := despues(li, ci, loc[1]); ok {
					return f.String()
				}
			}
		}
	}
	for li, ln := range d.lineas {
		for ci, c := range ln.cells {
			if r := d.rolDe(li, ci); r == rolReferencia || r == rolTimbre {
				continue
			}
			for _, m := range fechaRe.FindAllStringSubmatchIndex(c.Text, -1) {
				if fechaNoEmision.MatchString(c.Text[m[2]:m[3]]) {
					continue
				}
				if f, ok := despues(li, ci, m[1]-(m[3]-m[2])); ok {
					return f.String()
				}
			}
		}
	}
	for li, ln := range d.lineas {
		for ci, c := range ln.cells {
			if r := d.rolDe(li, ci); r == rolReferencia || r == rolTimbre {
				continue
			}
			if fechaNoEmision.MatchString(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(c.Text), "fecha"))) {
				continue
			}
			if f, ok := encontrarFecha(c.Text); ok {
				return f.String()
			}
		}
	}
	return ""
}

// ---- currency ----

var (
	usdRe          = regexp.MustCompile(`(?i)US\$|U\$S|\bUSD\b|d[oó]lar(?:es)?\b|\bUS\s?dollars?\b`)
	monedaUSDRe    = regexp.MustCompile(`(?i)moneda\s*:?\s*(?:usd|us\$|u\$s|d[oó]lar)`)
	monedaCLPRe    = regexp.MustCompile(`(?i)moneda\s*:?\s*(?:clp|peso)`)
	tipoDeCambioRe = regexp.MustCompile(`(?i)tipo\s+de\s+cambio|t\.\s?c\.|cambio\s*:`)
)

// moneda is USD when the totals carry US$/USD or a "Moneda:" label says so;
// CLP otherwise. A "tipo de cambio" mention alone does not count.
func (d *documento) moneda(pares []parMonto) string {
	for _, p := range pares {
		if usdRe.MatchString(p.raw) {
			return MonedaUSD
		}
	}
	for _, ln := range d.lineas {
		if monedaUSDRe.MatchString(ln.text) {
			return MonedaUSD
		}
		if monedaCLPRe.MatchString(ln.text) {
			return MonedaCLP
		}
	}
	for _, p := range pares {
		if p.tipo == kTotal && usdRe.MatchString(d.lineas[p.li].text) && !tipoDeCambioRe.MatchString(d.lineas[p.li].text) {
			return MonedaUSD
		}
	}
	return MonedaCLP
}
