package extraccion

import (
	"regexp"
	"sort"
	"strings"

	"ecosystem/services/rendiciones/internal/extraccion/pdftext"
)

// rol says which part of the document a cell belongs to. The issuer and the
// receiver look alike (both have a RUT, a name, a giro, an address); only the
// labels and blocks around them tell them apart.
type rol int

const (
	rolNinguno rol = iota
	rolEmisor
	rolReceptor
	rolReferencia
	rolTimbre
)

// linea is one visual line of the document with the role of each cell.
type linea struct {
	page  int
	y     float64
	pageW float64
	cells []pdftext.Cell
	roles []rol
	text  string

	// Computed once: the parsers ask these of every line several times.
	pares     []parMonto  // label/amount pairs on the line
	etiquetas []kindMonto // amount labels standing alone (values on the next line)
	cierre    bool        // starts with a "Total…"/"Subtotal" label: no more items
	enc       *encabezado // items-table header, if the line is one
}

// documento is the text layer prepared for the field parsers.
type documento struct {
	lineas   []linea
	bodySize float64 // median font size, to spot the big issuer name
	pageW    float64 // width of the first page
}

// nuevoDocumento flattens the pages into lines and precomputes what every
// parser asks of them: amount labels, table headers, block roles.
func nuevoDocumento(d *pdftext.Document) *documento {
	doc := &documento{}
	var sizes []float64
	for _, p := range d.Pages {
		w := p.Width
		if w <= 0 {
			w = 595 // no MediaBox: assume A4
		}
		if doc.pageW == 0 {
			doc.pageW = w
		}
		for _, l := range p.Lines {
			ln := linea{page: p.Number, y: l.Y, pageW: w, cells: l.Cells, text: l.Text()}
			ln.roles = make([]rol, len(l.Cells))
			for _, c := range l.Cells {
				sizes = append(sizes, c.FontSize)
			}
			doc.lineas = append(doc.lineas, ln)
		}
	}
	if doc.pageW == 0 {
		doc.pageW = 595
	}
	if len(sizes) > 0 {
		sort.Float64s(sizes)
		doc.bodySize = sizes[len(sizes)/2]
	}
	for li := range doc.lineas {
		ln := &doc.lineas[li]
		ln.pares, ln.etiquetas, ln.cierre = paresEnLinea(ln.text, li)
		if h, ok := doc.encabezadoDe(li); ok {
			ln.enc = &h
		}
	}
	doc.asignarRoles()
	return doc
}

var (
	receptorEtiquetaRe = regexp.MustCompile(`(?i)^(?:datos\s+(?:del\s+)?(?:receptor|cliente|comprador)|se[ñn]or(?:\s*\(\s*es\s*\)|es|a)?|sr(?:es|a)?\.|cliente|receptor|comprador|destinatario|adquirente|facturar\s+a|raz[oó]n\s+social\s+(?:del\s+)?(?:receptor|cliente)|nombre\s+(?:del\s+)?(?:receptor|cliente)|r\.?\s?u\.?\s?t\.?\s+(?:del\s+)?(?:receptor|cliente))(?:\s*:|\s*$|\s)`)
	emisorEtiquetaRe   = regexp.MustCompile(`(?i)^(?:datos\s+(?:del\s+)?(?:emisor|proveedor|vendedor)|emisor|proveedor|raz[oó]n\s+social\s+(?:del\s+)?emisor|nombre\s+(?:del\s+)?emisor|r\.?\s?u\.?\s?t\.?\s+(?:del\s+)?emisor)(?:\s*:|\s*$|\s)`)
	referenciaRe       = regexp.MustCompile(`(?i)^(?:referencias?|documentos?\s+(?:de\s+)?referencia|doc(?:umento)?\.?\s+ref(?:erencia)?\.?|ref\.?\s*:|motivo|raz[oó]n\s+(?:de\s+)?referencia)(?:\s|:|$)`)
	timbreRe           = regexp.MustCompile(`(?i)timbre\s+electr|verifique\s+(?:este\s+)?documento|res(?:oluci[oó]n)?\.?\s*(?:ex(?:enta)?\.?\s*)?(?:n[°ºo]\.?\s*)?\d+\s+(?:de|del)\s+\d{4}|www\.sii\.cl`)
)

// bloque is a section opened by a header or label ("Señor(es):", "EMISOR")
// covering the cells below it in the same column.
type bloque struct {
	r       rol
	page    int
	desde   int     // line that opened it
	hasta   int     // last line it may cover
	x0, x1  float64 // column it covers
	lastY   float64 // baseline of the last line it covered
	size    float64 // font size of the label, to measure gaps
	cerrado bool
}

// rolDeEtiqueta returns the block a cell opens, if it is a block label.
// The first-letter and substring checks only skip the case-folding
// regexps for cells that cannot match, which is most of them.
func rolDeEtiqueta(text string) rol {
	low := strings.ToLower(text)
	if contieneAlguna(low, "timbre", "verifique", "sii", "res") && timbreRe.MatchString(text) {
		return rolTimbre
	}
	first := byte(0)
	if t := strings.TrimSpace(low); t != "" {
		first = t[0]
	}
	switch {
	case strings.IndexByte("drm", first) >= 0 && referenciaRe.MatchString(text):
		return rolReferencia
	case strings.IndexByte("dscrafn", first) >= 0 && receptorEtiquetaRe.MatchString(text):
		return rolReceptor
	case strings.IndexByte("deprn", first) >= 0 && emisorEtiquetaRe.MatchString(text):
		return rolEmisor
	}
	return rolNinguno
}

// asignarRoles marks the cells of receiver, issuer, reference and timbre
// blocks. A block covers the rest of its line and the lines below it in its
// column; it ends at a blank gap, after a few lines, when another block
// opens over the same column, or at an items-table header or totals line.
func (d *documento) asignarRoles() {
	var bloques []*bloque
	for li := range d.lineas {
		ln := &d.lineas[li]
		// Tables and totals end every block; a title ends those above it.
		if ln.enc != nil || ln.esTotales() {
			for _, b := range bloques {
				b.cerrado = true
			}
		}
		for _, c := range ln.cells {
			if esTituloTipo(c.Text) {
				for _, b := range bloques {
					if b.x0 < c.EndX && c.X < b.x1 {
						b.cerrado = true
					}
				}
			}
		}
		for _, b := range bloques {
			if b.cerrado || b.page != ln.page || li > b.hasta {
				b.cerrado = true
				continue
			}
			for _, c := range ln.cells {
				if c.X >= b.x0 && c.X < b.x1 && li > b.desde && b.lastY-ln.y > 2.6*b.size {
					b.cerrado = true // blank gap under the block
				}
			}
		}
		for ci, c := range ln.cells {
			r := rolDeEtiqueta(c.Text)
			if r != rolNinguno {
				ln.roles[ci] = r
				nb := &bloque{r: r, page: ln.page, desde: li, hasta: li + 7, x0: c.X - 12, x1: c.X + 0.5*ln.pageW, lastY: ln.y, size: max(c.FontSize, 4)}
				if r == rolReferencia || r == rolTimbre {
					nb.x0, nb.x1, nb.hasta = 0, ln.pageW+1, li+2
				}
				for _, b := range bloques {
					if b.cerrado || b.page != ln.page || b.x1 <= nb.x0 || nb.x1 <= b.x0 {
						continue
					}
					if nb.x0 > b.x0+24 {
						// A block opening to the right is another column:
						// the older one stops where it starts.
						b.x1 = min(b.x1, nb.x0)
					} else if b.desde != li {
						b.cerrado = true
					}
				}
				bloques = append(bloques, nb)
				continue
			}
			for k := len(bloques) - 1; k >= 0; k-- {
				b := bloques[k]
				if !b.cerrado && b.page == ln.page && li >= b.desde && c.X >= b.x0 && c.X < b.x1 {
					ln.roles[ci] = b.r
					b.lastY = ln.y
					break
				}
			}
		}
	}
}

// rolDe returns the role of a cell.
func (d *documento) rolDe(li, ci int) rol { return d.lineas[li].roles[ci] }
