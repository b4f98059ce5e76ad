package extraccion

import (
	"regexp"
)

// This file reads the document type: the title in the SII box, or the SII code.

// patronTipo recognises one kind of title.
type patronTipo struct {
	re         *regexp.Regexp
	tipo       TipoDocumento
	especifico bool // a full title, not a bare word
}

var patronesTipo = []patronTipo{
	{regexp.MustCompile(`(?i)nota\s+de\s+cr[eé]dito`), TipoNotaCredito, true},
	{regexp.MustCompile(`(?i)nota\s+de\s+d[eé]bito`), TipoNotaDebito, true},
	{regexp.MustCompile(`(?i)factura\s+(?:electr[oó]nica\s+)?(?:no\s+afecta\s+o\s+exenta|no\s+afecta|exenta)`), TipoFacturaExenta, true},
	{regexp.MustCompile(`(?i)gu[ií]a\s+de\s+despacho`), TipoGuiaDespacho, true},
	{regexp.MustCompile(`(?i)boleta\s+(?:de\s+ventas?\s+(?:y\s+servicios\s+)?)?(?:(?:no\s+afecta\s+o\s+)?exenta\s+)?electr[oó]nica|boleta\s+(?:exenta|de\s+ventas?\s+y\s+servicios)`), TipoBoleta, true},
	{regexp.MustCompile(`(?i)factura\s+(?:de\s+compra\s+|de\s+exportaci[oó]n\s+)?electr[oó]nica`), TipoFactura, true},
	{regexp.MustCompile(`\bFACTURA\b|^Factura\b`), TipoFactura, false},
	{regexp.MustCompile(`\bBOLETA\b|^Boleta\b`), TipoBoleta, false},
	{regexp.MustCompile(`(?i)\b(?:ticket|voucher|comprobante\s+(?:de\s+)?(?:venta|pago|compra)|recibo)\b`), TipoTicket, false},
}

var (
	codigoSIIRe = regexp.MustCompile(`(?i)(?:tipo\s*(?:de\s*)?(?:dte|documento|doc\.?)|c[oó]d(?:igo)?\.?\s*(?:sii|dte)|\bdte)\s*[:#]?\s*(?:n[°º]\s*)?(\d{2,3})\b`)
	// mencionRe marks a cell that cites another document (NC/ND references).
	mencionRe = regexp.MustCompile(`(?i)referencia|\bref\.|anula|corrige|modifica|seg[uú]n\s|\bdel?\s+(?:la\s+)?$`)
)

// titulo is where the document type was read.
type titulo struct {
	tipo    TipoDocumento
	li, ci  int
	hallado bool
}

// detectarTipo takes the first full title in reading order ("NOTA DE
// CRÉDITO ELECTRÓNICA"), skipping titles cited in references; else an SII
// code ("Tipo DTE: 33"); else a bare "FACTURA"/"BOLETA"/"TICKET".
func (d *documento) detectarTipo() titulo {
	var generico titulo
	for li, ln := range d.lineas {
		best := -1
		bestCi := 0
		for ci, c := range ln.cells {
			r := d.rolDe(li, ci)
			if r == rolReferencia || r == rolTimbre {
				continue
			}
			for k, p := range patronesTipo {
				loc := p.re.FindStringIndex(c.Text)
				if loc == nil || mencionRe.MatchString(c.Text[:loc[0]]) {
					continue
				}
				if best < 0 || k < best {
					best, bestCi = k, ci
				}
				break
			}
		}
		if best < 0 {
			continue
		}
		t := titulo{tipo: patronesTipo[best].tipo, li: li, ci: bestCi, hallado: true}
		if patronesTipo[best].especifico {
			return t
		}
		if !generico.hallado {
			generico = t
		}
	}
	// An explicit SII code beats a bare word like "FACTURA".
	for li, ln := range d.lineas {
		for ci, c := range ln.cells {
			if r := d.rolDe(li, ci); r == rolReferencia || r == rolTimbre {
				continue
			}
			if m := codigoSIIRe.FindStringSubmatch(c.Text); m != nil {
				if t, ok := TipoPorCodigoSII(atoiSeguro(m[1])); ok {
					return titulo{tipo: t, li: li, ci: ci, hallado: true}
				}
			}
		}
	}
	if generico.hallado {
		return generico
	}
	// A narrow page (thermal paper, under ~105 mm) without any title is a
	// store ticket.
	if d.pageW > 0 && d.pageW < 300 {
		return titulo{tipo: TipoTicket}
	}
	return titulo{tipo: TipoOtro}
}

// atoiSeguro parses a short decimal, -1 when it is not one.
func atoiSeguro(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1e8 {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// cercaDelTitulo reports whether a cell sits in the SII box: at most two
// lines and about three title heights from the title, horizontally
// overlapping it.
func (d *documento) cercaDelTitulo(t titulo, li, ci int) bool {
	if !t.hallado || d.lineas[li].page != d.lineas[t.li].page {
		return false
	}
	if li < t.li-2 || li > t.li+2 {
		return false
	}
	tc := d.lineas[t.li].cells[t.ci]
	if dy := d.lineas[li].y - d.lineas[t.li].y; dy > 3.2*max(tc.FontSize, 8) || -dy > 3.2*max(tc.FontSize, 8) {
		return false
	}
	c := d.lineas[li].cells[ci]
	return c.X < tc.EndX+30 && tc.X < c.EndX+30
}
