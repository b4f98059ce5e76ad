package extraccion

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"ecosystem/services/rendiciones/internal/extraccion/pdftext"
)

// columna is the meaning of an items-table column.
type columna int

const (
	colDesconocida columna = iota
	colCodigo
	colLinea // line number ("Ítem", "N°"), ignored
	colDescripcion
	colCantidad
	colUnidad
	colPrecio
	colDescuento
	colMonto
	colOtroNumero // additional taxes and other numeric columns, ignored
)

var columnasRe = []struct {
	re  *regexp.Regexp
	col columna
}{
	{regexp.MustCompile(`(?i)^(?:c[oó]d(?:igo)?\.?(?:\s+(?:producto|art[ií]culo|[ií]tem|sii))?|sku|art[ií]culo|ref(?:erencia)?\.?|c[oó]digo\s*/\s*sku)$`), colCodigo},
	{regexp.MustCompile(`(?i)^(?:[ií]tem|n[°ºo]\.?|#|l[ií]n(?:ea)?\.?|nro\.?)$`), colLinea},
	{regexp.MustCompile(`(?i)^(?:descripci[oó]n|detalle|productos?|glosa|concepto|nombre|servicio|art[ií]culo\s*/\s*descripci[oó]n|descripci[oó]n\s+\p{L}.*)$`), colDescripcion},
	{regexp.MustCompile(`(?i)^(?:cant(?:idad)?\.?|qty|ctd\.?|unidades)$`), colCantidad},
	{regexp.MustCompile(`(?i)^(?:u\.?\s?m\.?|unid(?:ad)?\.?|medida|um)$`), colUnidad},
	{regexp.MustCompile(`(?i)^(?:p(?:recio)?\.?\s*unit(?:ario)?\.?|precio(?:\s+(?:unit(?:ario)?\.?|neto|lista))?|valor\s+unit(?:ario)?\.?|v\.?\s*unit(?:ario)?\.?|p\.?\s*u\.?)$`), colPrecio},
	{regexp.MustCompile(`(?i)^(?:desc(?:uento|to)?\.?\s*%?|dcto\.?\s*%?|%\s*desc(?:uento)?\.?|rec(?:argo)?\.?\s*%?)$`), colDescuento},
	{regexp.MustCompile(`(?i)^(?:monto|total|valor|importe|sub\s*-?\s*total|total\s+(?:l[ií]nea|[ií]tem)|valor\s+total|monto\s+total|monto\s+neto|neto)$`), colMonto},
	{regexp.MustCompile(`(?i)^(?:%\s*)?(?:imp(?:to|uesto)?\.?\s*adic(?:ional)?\.?|otros?\s+imp(?:uestos)?\.?|ila|exento|iva)\s*%?$`), colOtroNumero},
}

// clasificarColumna reads a column title.
func clasificarColumna(s string) columna {
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ":"))
	// Column titles are short and carry no digits; item values do.
	if len(s) > 48 || strings.ContainsAny(s, "0123456789") {
		return colDesconocida
	}
	for _, c := range columnasRe {
		if c.re.MatchString(s) {
			return c.col
		}
	}
	return colDesconocida
}

// encabezado is a detected items-table header.
type encabezado struct {
	li   int
	cols []columna
	xs   []float64 // column centres
}

// esEncabezadoTabla reports whether s is a column title.
func esEncabezadoTabla(s string) bool { return clasificarColumna(s) != colDesconocida }

// detectarEncabezado returns the items-table header on line li, if any.
func (d *documento) detectarEncabezado(li int) (encabezado, bool) {
	if h := d.lineas[li].enc; h != nil {
		return *h, true
	}
	return encabezado{}, false
}

// encabezadoDe decides whether line li is an items-table header: three or
// more recognised columns including a description and an amount or price.
func (d *documento) encabezadoDe(li int) (encabezado, bool) {
	ln := d.lineas[li]
	if len(ln.cells) < 2 {
		return encabezado{}, false
	}
	var celdas []pdftext.Cell
	for _, c := range ln.cells {
		celdas = append(celdas, partirEncabezado(c)...)
	}
	if len(celdas) < 3 {
		return encabezado{}, false
	}
	h := encabezado{li: li}
	reconocidas := 0
	var hayDesc, hayMonto bool
	for _, c := range celdas {
		col := clasificarColumna(c.Text)
		if col != colDesconocida {
			reconocidas++
		}
		hayDesc = hayDesc || col == colDescripcion
		hayMonto = hayMonto || col == colMonto || col == colPrecio
		h.cols = append(h.cols, col)
		h.xs = append(h.xs, (c.X+c.EndX)/2)
	}
	if reconocidas < 3 || !hayDesc || !hayMonto || reconocidas*2 < len(celdas) {
		return encabezado{}, false
	}
	return h, true
}

// partirEncabezado splits a cell holding two column titles that were
// printed too close to be told apart ("Precio %Impto Adic."); positions
// are shared out by character count.
func partirEncabezado(c pdftext.Cell) []pdftext.Cell {
	if clasificarColumna(c.Text) != colDesconocida {
		return []pdftext.Cell{c}
	}
	toks := strings.Fields(c.Text)
	if len(toks) < 2 || len(toks) > 8 {
		return []pdftext.Cell{c}
	}
	for i := 1; i < len(toks); i++ {
		izq := strings.Join(toks[:i], " ")
		if clasificarColumna(izq) == colDesconocida {
			continue
		}
		der := strings.Join(toks[i:], " ")
		resto := partirEncabezado(pdftext.Cell{Text: der})
		if clasificarColumna(resto[0].Text) == colDesconocida {
			continue
		}
		return repartir(c, append([]string{izq}, textos(resto)...))
	}
	return []pdftext.Cell{c}
}

// partirNumeros splits a row cell made only of numbers ("9.500 0") into one
// cell per number, for the same reason.
func partirNumeros(c pdftext.Cell) []pdftext.Cell {
	toks := strings.Fields(c.Text)
	if len(toks) < 2 {
		return []pdftext.Cell{c}
	}
	for _, t := range toks {
		if _, err := parseMonto(strings.TrimSuffix(t, "%")); err != nil {
			return []pdftext.Cell{c}
		}
	}
	return repartir(c, toks)
}

func textos(cs []pdftext.Cell) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Text
	}
	return out
}

// repartir lays parts out over the cell's width in proportion to their length.
func repartir(c pdftext.Cell, partes []string) []pdftext.Cell {
	total := 0
	for _, p := range partes {
		total += len([]rune(p)) + 1
	}
	ancho := c.EndX - c.X
	out := make([]pdftext.Cell, 0, len(partes))
	pos := 0
	for _, p := range partes {
		n := len([]rune(p))
		x0 := c.X + ancho*float64(pos)/float64(total)
		x1 := c.X + ancho*float64(pos+n)/float64(total)
		out = append(out, pdftext.Cell{X: x0, EndX: x1, FontSize: c.FontSize, Text: p})
		pos += n + 1
	}
	return out
}

// columnaDe assigns a cell to the header column whose centre is nearest to
// the cell's centre: left-aligned text and right-aligned numbers both land
// under their header this way.
func (h encabezado) columnaDe(x0, x1 float64) int {
	c := (x0 + x1) / 2
	best, bestD := 0, -1.0
	for i, x := range h.xs {
		dd := c - x
		if dd < 0 {
			dd = -dd
		}
		if bestD < 0 || dd < bestD {
			best, bestD = i, dd
		}
	}
	return best
}

var (
	cantidadRe = regexp.MustCompile(`^-?\d+(?:[.,]\d+)*`)
	codigoRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/\-]{1,30}$`)
)

// parseCantidad reads a quantity, ignoring a unit after it ("2 UN").
func parseCantidad(s string) (decimal.Decimal, bool) {
	m := cantidadRe.FindString(strings.TrimSpace(s))
	if m == "" {
		return decimal.Decimal{}, false
	}
	v, err := parseMonto(m)
	return v, err == nil
}

// items reads the items table(s). It returns the items and the line range
// they occupy, which the totals parser must skip.
func (d *documento) items() ([]Item, map[int]bool) {
	usadas := map[int]bool{}
	var out []Item
	for li := 0; li < len(d.lineas); li++ {
		h, ok := d.detectarEncabezado(li)
		if !ok {
			continue
		}
		usadas[li] = true
		its, fin := d.filasTabla(h, usadas)
		out = append(out, its...)
		li = fin
	}
	return out, usadas
}

// filasTabla reads rows under header h until the totals, a reference or
// timbre block, or a gap. A table may continue on the next page after a
// repeated header. It returns the last line index consumed.
func (d *documento) filasTabla(h encabezado, usadas map[int]bool) ([]Item, int) {
	var out []Item
	page := d.lineas[h.li].page
	prevY := d.lineas[h.li].y
	paso := 0.0
	buscandoEncabezado := false
	li := h.li + 1
	for ; li < len(d.lineas) && len(out) < 2000; li++ {
		ln := d.lineas[li]
		if ln.page != page {
			page = ln.page
			buscandoEncabezado = true
		}
		if ln.esTotales() || allRoles(ln.roles, rolReferencia, rolTimbre) {
			break
		}
		if buscandoEncabezado {
			if _, ok := d.detectarEncabezado(li); ok {
				usadas[li] = true
				buscandoEncabezado = false
				prevY, paso = ln.y, 0
			}
			continue
		}
		if _, ok := d.detectarEncabezado(li); ok {
			usadas[li] = true
			continue
		}
		it, tieneNumeros := h.fila(ln)
		gap := prevY - ln.y
		if !tieneNumeros {
			// A wrapped description continues the previous item when it is
			// close below it and under the description column.
			if len(out) > 0 && it.Descripcion != "" && it.Codigo == "" && (paso == 0 || gap < 1.8*paso) {
				out[len(out)-1].Descripcion += " " + it.Descripcion
				usadas[li] = true
				prevY = ln.y
				continue
			}
			break
		}
		if paso > 0 && gap > 4*paso {
			break
		}
		if paso == 0 || gap < paso {
			paso = gap
		}
		prevY = ln.y
		usadas[li] = true
		out = append(out, it)
	}
	return out, li - 1
}

// fila maps the cells of one row to the header columns. When the row came
// out as a single merged cell it falls back to reading tokens from the right.
func (h encabezado) fila(ln linea) (Item, bool) {
	vals := make([]string, len(h.cols))
	var celdas []pdftext.Cell
	for _, c := range ln.cells {
		celdas = append(celdas, partirNumeros(c)...)
	}
	for _, c := range celdas {
		i := h.columnaDe(c.X, c.EndX)
		if vals[i] != "" {
			vals[i] += " "
		}
		vals[i] += c.Text
	}
	numericas := 0
	for _, c := range h.cols {
		if c == colCantidad || c == colPrecio || c == colMonto || c == colDescuento || c == colOtroNumero {
			numericas++
		}
	}
	if len(ln.cells) == 1 && numericas > 0 {
		vals = h.porTokens(ln.cells[0].Text)
	}
	// An unrecognised column is read as description only when the header
	// has no description column; otherwise its values are dropped.
	hayDesc := false
	for _, c := range h.cols {
		hayDesc = hayDesc || c == colDescripcion
	}
	var it Item
	hay := false
	for i, col := range h.cols {
		v := strings.TrimSpace(vals[i])
		if v == "" {
			continue
		}
		if col == colDesconocida && hayDesc {
			continue
		}
		switch col {
		case colCodigo:
			it.Codigo = v
		case colDescripcion, colDesconocida:
			if it.Descripcion != "" {
				it.Descripcion += " "
			}
			it.Descripcion += v
		case colCantidad:
			if q, ok := parseCantidad(v); ok {
				it.Cantidad, hay = nullDec(q), true
			}
		case colPrecio:
			if p, err := parseMonto(v); err == nil {
				it.PrecioUnitario, hay = nullDec(p), true
			}
		case colMonto:
			if m, err := parseMonto(v); err == nil {
				it.Monto, hay = nullDec(m), true
			}
		}
	}
	if it.Descripcion == "" && it.Codigo == "" {
		return it, false
	}
	return it, hay
}

// porTokens splits a merged row: numbers are taken from the right for the
// numeric columns, the first token is the code when there is a code column,
// the rest is the description.
func (h encabezado) porTokens(s string) []string {
	vals := make([]string, len(h.cols))
	toks := strings.Fields(s)
	// Currency marks travel with their number.
	var merged []string
	for i := 0; i < len(toks); i++ {
		if (toks[i] == "$" || strings.EqualFold(toks[i], "US$")) && i+1 < len(toks) {
			merged = append(merged, toks[i]+toks[i+1])
			i++
			continue
		}
		merged = append(merged, toks[i])
	}
	toks = merged
	right := len(toks)
	for i := len(h.cols) - 1; i >= 0; i-- {
		switch h.cols[i] {
		case colCantidad, colPrecio, colMonto, colDescuento, colOtroNumero:
			if right > 0 {
				if _, err := parseMonto(strings.TrimSuffix(toks[right-1], "%")); err == nil {
					vals[i] = toks[right-1]
					right--
				}
			}
		case colUnidad:
			if right > 0 && len(toks[right-1]) <= 4 {
				vals[i] = toks[right-1]
				right--
			}
		}
	}
	left := 0
	for i, c := range h.cols {
		if c == colCodigo && left < right && codigoRe.MatchString(toks[left]) {
			vals[i] = toks[left]
			left++
		}
		if c == colLinea && left < right && atoiSeguro(toks[left]) >= 0 {
			left++
		}
	}
	for i, c := range h.cols {
		if c == colDescripcion {
			vals[i] = strings.Join(toks[left:right], " ")
			break
		}
	}
	return vals
}

// ---- tickets: items without a table ----

var (
	lineaCantidadRe = regexp.MustCompile(`(?i)^(\d+(?:[.,]\d+)?)\s*(?:un\.?|kg\.?)?\s*[xX*]\s*\$?\s*(\d[\d.,]*)$`)
	lineaItemRe     = regexp.MustCompile(`^(.*\p{L}.*?)\s+\$?\s?(-?\d[\d.,]*\d|\d)$`)
	eanRe           = regexp.MustCompile(`^\d{6,14}$`)
	noItemRe        = regexp.MustCompile(`(?i)\b(?:rut|r\.u\.t|fecha|hora|caja|cajero|local|sucursal|folio|boleta|ticket|factura|n[°º]|tel[eé]fono|fono|direcci[oó]n|giro|efectivo|vuelto|cambio|tarjeta|d[eé]bito|cr[eé]dito|pago|transacci[oó]n|autorizaci[oó]n|propina)\b`)
)

// itemsSueltos reads item lines of a ticket or boleta without a table:
// "PAN AMASADO 1.990" with an optional "2 X 990" line before or after.
// It only looks between the header (the last line with a RUT, date or
// folio) and the first totals label, so totals are never read as items.
func (d *documento) itemsSueltos() []Item {
	inicio, fin := 0, len(d.lineas)
	for li, ln := range d.lineas {
		if ln.esTotales() {
			fin = li
			break
		}
	}
	for li := 0; li < fin; li++ {
		t := d.lineas[li].text
		if len(encontrarRUTs(t)) > 0 || noItemRe.MatchString(t) {
			inicio = li + 1
		} else if _, ok := encontrarFecha(t); ok {
			inicio = li + 1
		}
	}
	type cant struct {
		pos  int // index of the item that follows the quantity line
		q, p decimal.Decimal
	}
	var out []Item
	var cants []cant
	for li := inicio; li < fin; li++ {
		t := strings.TrimSpace(strings.Join(strings.Fields(d.lineas[li].text), " "))
		if m := lineaCantidadRe.FindStringSubmatch(t); m != nil {
			q, err1 := parseMonto(m[1])
			p, err2 := parseMonto(m[2])
			if err1 == nil && err2 == nil {
				cants = append(cants, cant{pos: len(out), q: q, p: p})
			}
			continue
		}
		m := lineaItemRe.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		monto, err := parseMonto(m[2])
		if err != nil {
			continue
		}
		desc := strings.TrimSpace(m[1])
		it := Item{Monto: nullDec(monto)}
		if f := strings.Fields(desc); len(f) > 1 && eanRe.MatchString(f[0]) {
			it.Codigo, desc = f[0], strings.Join(f[1:], " ")
		}
		it.Descripcion = desc
		out = append(out, it)
	}
	// A quantity line belongs to the item whose amount it explains, the
	// following one first (the usual supermarket layout), else the previous.
	for _, c := range cants {
		for _, idx := range []int{c.pos, c.pos - 1} {
			if idx < 0 || idx >= len(out) || out[idx].Cantidad.Valid {
				continue
			}
			if c.q.Mul(c.p).Equal(out[idx].Monto.Decimal) {
				out[idx].Cantidad, out[idx].PrecioUnitario = nullDec(c.q), nullDec(c.p)
				break
			}
		}
	}
	return out
}
