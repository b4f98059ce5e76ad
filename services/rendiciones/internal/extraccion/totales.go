package extraccion

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
)

// This file reads the totals: label/amount pairs such as
// "Monto Neto $ 100.000", on one line or as labels over values.

// kindMonto is what an amount label denotes.
type kindMonto int

const (
	kNinguno kindMonto = iota
	kNeto
	kIVA
	kExento
	kTotal
	kSubtotal // recognised so it is not taken for another label, never used
	kOtro     // "total ítems", "descuento": labels that end an items table
)

var etiquetaMontoRe = regexp.MustCompile(`(?i)sub\s*-?\s*total(?:\s+neto)?|total\s+neto|monto\s+neto|valor\s+neto|neto|total\s+exento|monto\s+exento|exento|monto\s+no\s+afecto(?:\s+o\s+exento)?|no\s+afecto|total\s+i\.?\s?v\.?\s?a\.?|\d{1,2}(?:[.,]\d+)?\s*%\s*i\.?\s?v\.?\s?a\.?|i\.?\s?v\.?\s?a\.?(?:\s*\(?\s*\d{1,2}(?:[.,]\d+)?\s*%\s*\)?)?|monto\s+total|total\s+a\s+pagar|total\s+general|total\s+documento|total\s+boleta|total\s+factura|total\s+venta|total\s+final|total|monto\s+afecto|afecto|descuentos?(?:\s+global(?:es)?)?|recargos?`)

// rellenoRe is what may stand between a label and its amount:
// colons, "(IVA incluido)", "de esta boleta es", currency marks.
var rellenoRe = regexp.MustCompile(`(?i)^(?:[\s:=|.\-]|\([^)\d]{0,30}\)|de\s+(?:esta|la)\s+\p{L}+\s+es|incluido|pagar|(?:en\s+)?(?:d[oó]lares|pesos))*`)

var montoInicioRe = regexp.MustCompile(`(?i)^(?:US\$|U\$S|USD|CLP|\$)?\s?\(?-?\s?(?:US\$|\$)?\s?\d(?:[\d.,]*\d)?\)?`)

// totalNoEsTotalRe follows "Total" in labels that are not the document total.
var totalNoEsTotalRe = regexp.MustCompile(`(?i)^\s*(?:de\s+)?(?:[ií]tems?|art[ií]culos?|unidades|productos|cantidad|descuentos?|recargos?|p[aá]g|l[ií]neas|kg|bultos)`)

// clasificarEtiqueta maps a label to what it denotes; resto is the text
// after it, which tells "Total" from "Total ítems".
func clasificarEtiqueta(lbl, resto string) kindMonto {
	l := strings.ToLower(strings.Join(strings.Fields(lbl), " "))
	switch {
	case strings.HasPrefix(l, "sub"):
		return kSubtotal
	case strings.HasPrefix(l, "descuento"), strings.HasPrefix(l, "recargo"):
		return kOtro
	case strings.Contains(l, "neto"), strings.Contains(l, "afecto") && !strings.Contains(l, "no afecto"):
		return kNeto
	case strings.Contains(l, "exento"), strings.Contains(l, "no afecto"):
		return kExento
	case strings.Contains(l, "i.v.a") || strings.Contains(l, "iva") || strings.Contains(l, "i.va") || strings.Contains(l, "iv.a"):
		return kIVA
	case strings.HasPrefix(l, "total") || strings.HasPrefix(l, "monto total"):
		// "Total ítems: 3", "Total descuentos", "Total página" are not the total.
		if totalNoEsTotalRe.MatchString(resto) {
			return kOtro
		}
		return kTotal
	}
	return kNinguno
}

// parMonto is a label with its amount.
type parMonto struct {
	tipo kindMonto
	li   int
	raw  string
	v    decimal.Decimal
}

// etiquetaAlInicio reports whether the label at pos starts a cell or phrase:
// line start, a column gap, right after the previous amount, or "El IVA…".
func etiquetaAlInicio(text string, pos, prevEnd int) bool {
	if pos > 0 {
		r := rune(text[pos-1])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80 {
			return false
		}
	}
	antes := text[prevEnd:pos]
	if strings.TrimSpace(antes) == "" {
		return true
	}
	t := strings.ToLower(strings.TrimSpace(antes))
	if t == "el" || strings.HasSuffix(antes, "  ") {
		return true
	}
	return strings.Trim(t, "|*-=#:.() ") == ""
}

// paresEnLinea finds "label amount" pairs in one line, the labels standing
// alone on it, and whether it opens with a "Total…" label of any kind
// ("Total ítems: 3"), which closes an items table.
func paresEnLinea(text string, li int) (pares []parMonto, soloEtiquetas []kindMonto, cierre bool) {
	if !contieneAlguna(strings.ToLower(text), "net", "iva", "i.v", "exent", "afect", "total", "desc", "recarg") {
		return nil, nil, false // most lines: skip the big case-folding regexp
	}
	prevEnd := 0
	onlyLabels := true
	cubierto := 0 // bytes of text covered by labels, to tell a labels-only line
	for _, loc := range etiquetaMontoRe.FindAllStringIndex(text, -1) {
		cubierto += loc[1] - loc[0]
		if loc[0] < prevEnd {
			continue
		}
		end := loc[1]
		if end < len(text) {
			if r := rune(text[end]); unicode.IsLetter(r) || r >= 0x80 {
				onlyLabels = false
				continue // inside a word: "Netflix", "Ivan"
			}
		}
		if !etiquetaAlInicio(text, loc[0], prevEnd) {
			onlyLabels = false
			continue
		}
		k := clasificarEtiqueta(text[loc[0]:end], text[end:])
		if k == kNinguno {
			continue
		}
		if prevEnd == 0 && (k == kTotal || k == kSubtotal || (k == kOtro && strings.HasPrefix(strings.ToLower(text[loc[0]:end]), "total"))) {
			cierre = true
		}
		resto := text[end:]
		fill := rellenoRe.FindStringIndex(resto)
		start := end + fill[1]
		m := montoInicioRe.FindStringIndex(text[start:])
		if m == nil {
			soloEtiquetas = append(soloEtiquetas, k)
			prevEnd = end
			continue
		}
		raw := text[start : start+m[1]]
		after := start + m[1]
		if after < len(text) {
			if r := rune(text[after]); unicode.IsLetter(r) || r == '%' || r >= 0x80 {
				onlyLabels = false
				continue
			}
		}
		// Keep the currency mark before the filler ("Total US$ 1.234,50").
		v, err := parseMonto(strings.TrimSpace(strings.Trim(raw, "()")))
		if err != nil {
			onlyLabels = false
			continue
		}
		pares = append(pares, parMonto{tipo: k, li: li, raw: text[end:after], v: v})
		prevEnd = after
		onlyLabels = false
	}
	if !onlyLabels || len(strings.Join(strings.Fields(text), "")) > cubierto {
		soloEtiquetas = nil
	}
	return pares, soloEtiquetas, cierre
}

// montos collects every label/amount pair outside the items table,
// including labels on one line with their amounts on the next ("Neto IVA
// Total" over "100.000 19.000 119.000").
func (d *documento) montos(excluir func(li int) bool) []parMonto {
	var out []parMonto
	for li := 0; li < len(d.lineas); li++ {
		if excluir(li) {
			continue
		}
		ln := d.lineas[li]
		if ln.roles != nil && allRoles(ln.roles, rolReferencia, rolTimbre) {
			continue
		}
		pares, etiquetas := ln.pares, ln.etiquetas
		out = append(out, pares...)
		if len(etiquetas) == 0 || len(pares) > 0 || li+1 >= len(d.lineas) {
			continue
		}
		next := d.lineas[li+1]
		if next.page != ln.page {
			continue
		}
		var vals []parMonto
		for _, c := range next.cells {
			v, ok := esSoloMonto(c.Text)
			if !ok {
				vals = nil
				break
			}
			vals = append(vals, parMonto{li: li + 1, raw: c.Text, v: v})
		}
		if len(vals) != len(etiquetas) {
			continue
		}
		for i := range vals {
			vals[i].tipo = etiquetas[i]
		}
		out = append(out, vals...)
		li++
	}
	return out
}

// allRoles reports whether every cell of a line has one of the roles.
func allRoles(rs []rol, allowed ...rol) bool {
	for _, r := range rs {
		ok := false
		for _, a := range allowed {
			if r == a {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return len(rs) > 0
}

// esTotales reports whether a line belongs to the totals area, which ends an
// items table.
func (ln *linea) esTotales() bool { return len(ln.pares) > 0 || len(ln.etiquetas) > 0 || ln.cierre }
