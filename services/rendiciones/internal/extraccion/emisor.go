package extraccion

import (
	"regexp"
	"strings"
	"unicode"
)

// This file tells the issuer from the receiver: which RUT and which name
// belong to whom.

// Words near a RUT that say whose it is.
var (
	receptorCercaRe = regexp.MustCompile(`(?i)se[ñn]or|cliente|receptor|comprador|destinatario|adquirente`)
	emisorCercaRe   = regexp.MustCompile(`(?i)emisor|proveedor|vendedor`)
)

// candidatoRUT is a RUT found on the document and the evidence about whose it is.
type candidatoRUT struct {
	h                rutHallado
	li, ci           int
	emisor, receptor int // evidence for each side
}

// elegirRUTs weighs the evidence around every RUT on the document and
// returns the issuer's and the receiver's. The issuer's RUT is labelled
// "Emisor", or sits in the SII box next to the title, or is the first one
// with no receiver evidence; the receiver's carries a receiver label
// ("Señor(es)", "Cliente") or sits in the receiver block.
func (d *documento) elegirRUTs(t titulo) (emisor, receptor *candidatoRUT) {
	var cands []candidatoRUT
	for li, ln := range d.lineas {
		for ci, c := range ln.cells {
			r := d.rolDe(li, ci)
			if r == rolReferencia || r == rolTimbre {
				continue
			}
			for _, h := range encontrarRUTs(c.Text) {
				k := candidatoRUT{h: h, li: li, ci: ci}
				antes := c.Text[:h.Start]
				if ci > 0 && strings.TrimSpace(strings.Trim(antes, ":. ")) == "" {
					antes = ln.cells[ci-1].Text + " " + antes
				}
				switch r {
				case rolReceptor:
					k.receptor += 6
				case rolEmisor:
					k.emisor += 6
				}
				if receptorCercaRe.MatchString(antes) {
					k.receptor += 6
				}
				if emisorCercaRe.MatchString(antes) {
					k.emisor += 8
				}
				enCaja := d.cercaDelTitulo(t, li, ci)
				if enCaja {
					k.emisor += 7
				} else {
					// The receiver's RUT often sits in its own cell on the
					// "Señor(es):" line.
					for pj := 0; pj < ci; pj++ {
						if d.rolDe(li, pj) == rolReceptor {
							k.receptor += 4
							break
						}
					}
				}
				if h.DVValido {
					k.emisor++ // tie-break: a well-formed RUT is likelier the real one
				}
				cands = append(cands, k)
			}
		}
	}
	for i := range cands {
		c := &cands[i]
		if c.emisor-c.receptor > -3 && (emisor == nil || c.emisor-c.receptor > emisor.emisor-emisor.receptor) {
			emisor = c
		}
	}
	for i := range cands {
		c := &cands[i]
		if emisor != nil && c.h.RUT == emisor.h.RUT {
			continue
		}
		if c.receptor-c.emisor >= 3 && (receptor == nil || c.receptor-c.emisor > receptor.receptor-receptor.emisor) {
			receptor = c
		}
	}
	return emisor, receptor
}

var (
	razonSocialEtiquetaRe = regexp.MustCompile(`(?i)^(?:raz[oó]n\s+social|nombre\s+(?:o\s+raz[oó]n\s+social|comercial)?|emisor|proveedor|se[ñn]or(?:\s*\(\s*es\s*\)|es|a)?|sr(?:es|a)?\.|cliente|receptor|comprador|destinatario)(?:\s+(?:del\s+)?(?:emisor|receptor|cliente))?\s*:?\s*`)
	noNombreRe            = regexp.MustCompile(`(?i)^(?:giro|actividad|direcci[oó]n|dir\.|domicilio|casa\s+matriz|sucursal|comuna|ciudad|regi[oó]n|fono|tel[eé]fono|tel\.|cel|e-?mail|correo|web|sitio|fecha|hora|r\.?\s?u\.?\s?t|rut|n[°ºo]\b|n[°º]|nro|folio|s\.?\s?i\.?\s?i|timbre|contacto|vendedor|forma\s+de\s+pago|condici[oó]n|caja|cajero|atendido|local|p[aá]gina|emitid|origen|documento|tipo|moneda|oc\b|orden)`)
	sufijoLegalRe         = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:s\.?\s?p\.?\s?a\.?|s\.\s?a\.|sa|ltda\.?|limitada|e\.?\s?i\.?\s?r\.?\s?l\.?|sociedad|c[ií]a\.?|compa[ñn][ií]a|inversiones|comercial(?:izadora)?|distribuidora|servicios|constructora|importadora|empresa|supermercados?|restaurant(?:e)?|farmacias?)(?:$|[^\p{L}])`)
)

var (
	rutColgandoRe = regexp.MustCompile(`(?i)\s(?:r\.?\s?u\.?\s?t\.?|rut)\s*:?\s*$`)
	razonSocialRe = regexp.MustCompile(`(?i)^raz[oó]n\s+social`)
)

// valorEtiquetado returns the text after a label in a cell, or the next
// cell on the same line when the label stands alone.
func (d *documento) valorEtiquetado(li, ci int, re *regexp.Regexp) (string, int, bool) {
	c := d.lineas[li].cells[ci]
	loc := re.FindStringIndex(c.Text)
	if loc == nil {
		return "", 0, false
	}
	v := strings.TrimSpace(c.Text[loc[1]:])
	if v != "" {
		return v, ci, true
	}
	if ci+1 < len(d.lineas[li].cells) {
		next := strings.TrimSpace(d.lineas[li].cells[ci+1].Text)
		if !esEtiqueta(next) {
			return next, ci + 1, true
		}
	}
	return "", 0, false
}

// esEtiqueta reports whether a cell starts with a label ("Giro:", "Emisor:").
func esEtiqueta(s string) bool {
	return receptorEtiquetaRe.MatchString(s) || emisorEtiquetaRe.MatchString(s) ||
		noNombreRe.MatchString(s) || razonSocialRe.MatchString(s) ||
		etiquetaDosPuntosRe.MatchString(s)
}

var etiquetaDosPuntosRe = regexp.MustCompile(`^[\p{L} .()]{1,30}:`)

// limpiarNombre trims a name read after a label: a trailing RUT on the same
// cell ("EMPRESA SPA RUT: 76…") and punctuation go away.
func limpiarNombre(s string) string {
	if hs := encontrarRUTs(s); len(hs) > 0 {
		s = s[:hs[0].Start]
	}
	if i := rutColgandoRe.FindStringIndex(s); i != nil {
		s = s[:i[0]]
	}
	return strings.Trim(strings.TrimSpace(s), ":-,;|")
}

// pareceNombre reports whether s reads like a name: mostly letters, not
// an e-mail or web address.
func pareceNombre(s string) bool {
	letras, digitos := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letras++
		case unicode.IsDigit(r):
			digitos++
		}
	}
	return letras >= 3 && digitos*4 <= letras && !strings.Contains(s, "@") &&
		!strings.Contains(strings.ToLower(s), "www.")
}

// nombreReceptor reads the receiver's name from a receiver label.
func (d *documento) nombreReceptor() string {
	for li, ln := range d.lineas {
		for ci := range ln.cells {
			if d.rolDe(li, ci) != rolReceptor {
				continue
			}
			c := ln.cells[ci]
			if !receptorEtiquetaRe.MatchString(c.Text) && !razonSocialEtiquetaRe.MatchString(c.Text) {
				continue
			}
			v, _, ok := d.valorEtiquetado(li, ci, razonSocialEtiquetaRe)
			if !ok {
				continue
			}
			if v = limpiarNombre(v); pareceNombre(v) && !noNombreRe.MatchString(v) {
				return v
			}
		}
	}
	return ""
}

// nombreEmisor finds the issuer's name: a labelled "Razón Social" outside
// the receiver block, else the cell that best looks like a company name at
// the top of the first page (big font, legal suffix, near the issuer's RUT).
func (d *documento) nombreEmisor(t titulo, emisor *candidatoRUT) string {
	for li, ln := range d.lineas {
		for ci, c := range ln.cells {
			r := d.rolDe(li, ci)
			if r == rolReceptor || r == rolReferencia || r == rolTimbre {
				continue
			}
			if !emisorEtiquetaRe.MatchString(c.Text) && !razonSocialRe.MatchString(c.Text) {
				continue
			}
			v, _, ok := d.valorEtiquetado(li, ci, razonSocialEtiquetaRe)
			if !ok {
				continue
			}
			if v = limpiarNombre(v); pareceNombre(v) && !noNombreRe.MatchString(v) {
				return v
			}
		}
	}
	// Unlabelled: score the cells at the top of the issuer's page.
	page := 1
	if emisor != nil {
		page = d.lineas[emisor.li].page
	}
	best, bestScore := "", 0
	seen := 0
	for li, ln := range d.lineas {
		if ln.page != page {
			continue
		}
		seen++
		if seen > 18 {
			break
		}
		for ci, c := range ln.cells {
			r := d.rolDe(li, ci)
			if r == rolReceptor || r == rolReferencia || r == rolTimbre {
				continue
			}
			if t.hallado && li == t.li && ci == t.ci {
				continue
			}
			txt := limpiarNombre(c.Text)
			if !pareceNombre(txt) || noNombreRe.MatchString(txt) || strings.Contains(txt, ":") {
				continue
			}
			if esTituloTipo(txt) || esEncabezadoTabla(txt) {
				continue
			}
			score := 1
			if sufijoLegalRe.MatchString(txt) {
				score += 4
			}
			if d.bodySize > 0 && c.FontSize >= 1.15*d.bodySize {
				score += 3
			}
			if r == rolEmisor {
				score += 3
			}
			if emisor != nil && emisor.li >= li && emisor.li-li <= 3 {
				ec := d.lineas[emisor.li].cells[emisor.ci]
				if c.X < ec.EndX+20 && ec.X < c.EndX+20 {
					score += 2
				}
			}
			if seen <= 3 {
				score += 2
			}
			if score > bestScore {
				best, bestScore = txt, score
			}
		}
	}
	if bestScore >= 3 {
		return best
	}
	return ""
}

func esTituloTipo(s string) bool {
	if !contieneAlguna(strings.ToLower(s), "factura", "boleta", "nota", "despacho") {
		return false
	}
	for _, p := range patronesTipo {
		if p.especifico && p.re.MatchString(s) {
			return true
		}
	}
	return false
}

// contieneAlguna reports whether s contains any of the words; a cheap
// filter before case-folding regexps, which dominate the parsing time.
func contieneAlguna(s string, palabras ...string) bool {
	for _, p := range palabras {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
