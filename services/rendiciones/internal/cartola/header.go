package cartola

import (
	"strings"
)

// role is what a column holds.
type role int

const (
	roleNone role = iota
	roleFecha
	roleDescripcion
	roleMonto
	roleCargo
	roleAbono
	roleCuotas
	roleMoneda
	roleReferencia
)

// aliases maps a header name, in canonical form (see canonHeader), to its
// role and a rank: when two columns claim one role the lower rank wins
// ("Fecha Operación" over a plain "Fecha"), then the leftmost. Matching is
// exact on purpose: a preamble line such as "Fecha: 01/03/2024" must not
// look like a header.
var aliases = map[string]struct {
	role role
	rank int
}{
	"fecha operacion":   {roleFecha, 1},
	"fecha transaccion": {roleFecha, 1},
	"fecha compra":      {roleFecha, 1},
	"fecha movimiento":  {roleFecha, 2},
	"fecha cargo":       {roleFecha, 2},
	"fecha":             {roleFecha, 3},

	"descripcion":             {roleDescripcion, 1},
	"descripcion operacion":   {roleDescripcion, 1},
	"descripcion movimiento":  {roleDescripcion, 1},
	"descripcion transaccion": {roleDescripcion, 1},
	"descripcion comercio":    {roleDescripcion, 1},
	"detalle":                 {roleDescripcion, 2},
	"detalle operacion":       {roleDescripcion, 2},
	"detalle transaccion":     {roleDescripcion, 2},
	"detalle movimiento":      {roleDescripcion, 2},
	"glosa":                   {roleDescripcion, 2},
	"comercio":                {roleDescripcion, 3},
	"nombre comercio":         {roleDescripcion, 3},
	"establecimiento":         {roleDescripcion, 3},

	"monto":             {roleMonto, 1},
	"monto operacion":   {roleMonto, 1},
	"monto transaccion": {roleMonto, 1},
	"monto compra":      {roleMonto, 1},
	"importe":           {roleMonto, 2},
	"monto total":       {roleMonto, 2},
	"valor":             {roleMonto, 3},

	"cargo":        {roleCargo, 1},
	"cargos":       {roleCargo, 1},
	"monto cargo":  {roleCargo, 1},
	"monto cargos": {roleCargo, 1},
	"debito":       {roleCargo, 2},
	"debitos":      {roleCargo, 2},

	"abono":         {roleAbono, 1},
	"abonos":        {roleAbono, 1},
	"monto abono":   {roleAbono, 1},
	"monto abonos":  {roleAbono, 1},
	"pagos abonos":  {roleAbono, 1},
	"abonos pagos":  {roleAbono, 1},
	"pago":          {roleAbono, 2},
	"pagos":         {roleAbono, 2},
	"credito":       {roleAbono, 2},
	"creditos":      {roleAbono, 2},
	"monto credito": {roleAbono, 2},

	"n cuota":      {roleCuotas, 1},
	"cuota":        {roleCuotas, 1},
	"cuotas":       {roleCuotas, 1},
	"n cuotas":     {roleCuotas, 1},
	"cuota n":      {roleCuotas, 1},
	"cuota actual": {roleCuotas, 2},

	"moneda":      {roleMoneda, 1},
	"divisa":      {roleMoneda, 1},
	"tipo moneda": {roleMoneda, 1},
	"tipo divisa": {roleMoneda, 1},

	"referencia":          {roleReferencia, 1},
	"n referencia":        {roleReferencia, 1},
	"n operacion":         {roleReferencia, 1},
	"codigo autorizacion": {roleReferencia, 1},
	"cod autorizacion":    {roleReferencia, 1},
	"n autorizacion":      {roleReferencia, 1},
	"autorizacion":        {roleReferencia, 2},
	"n transaccion":       {roleReferencia, 2},
	"n comprobante":       {roleReferencia, 2},
	"n documento":         {roleReferencia, 3},
}

// currencyWords name the currency of an amount column: "Monto US$",
// "Monto (CLP)", "Monto en dólares".
var currencyWords = map[string]string{
	"clp": "CLP", "peso": "CLP", "pesos": "CLP",
	"usd": "USD", "us": "USD", "dolar": "USD", "dolares": "USD",
}

// canonHeader folds a header cell and evens out the spellings banks use:
// "Nº", "N°", "Nro.", "Número" → "n"; "de"/"del"/"en" dropped, so
// "Número de Operación" and "Nro. Operación" are both "n operacion".
func canonHeader(cell string) string {
	words := strings.Fields(fold(cell))
	out := words[:0]
	for i, w := range words {
		switch w {
		case "de", "del", "en":
			continue
		case "no", "nro", "num", "numero":
			if i == 0 {
				w = "n"
			}
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// classify names the role of one header cell, its rank, and, for an amount
// column, the currency its name states.
func classify(cell string) (r role, rank int, moneda string) {
	name := canonHeader(cell)
	if a, ok := aliases[name]; ok {
		return a.role, a.rank, ""
	}
	// A trailing currency word: "monto us", "cargos clp", "monto dolares".
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		if cur, ok := currencyWords[name[i+1:]]; ok {
			if a, ok := aliases[name[:i]]; ok && (a.role == roleMonto || a.role == roleCargo || a.role == roleAbono) {
				return a.role, a.rank, cur
			}
		}
	}
	// Any other "Fecha …" (Fecha Facturación, Fecha Contable) is a date of
	// last resort.
	if strings.HasPrefix(name, "fecha ") {
		return roleFecha, 9, ""
	}
	return roleNone, 0, ""
}

// column is one header cell that was recognized.
type column struct {
	index  int
	name   string // as written in the file, for error messages
	rank   int
	moneda string // currency named in the header, or ""
}

// layout is what the header row says about the file.
type layout struct {
	sep  byte
	line int // 1-based

	// Each role's chosen column; index -1 when absent.
	fecha, descripcion, cargo, abono, cuotas, moneda, referencia column
	// montos holds one column per currency ("Monto $" and "Monto US$"), or
	// one column without a currency. Empty when the file has Cargo/Abono.
	montos []column

	folded []string // the header's cells, folded, to spot it repeated
	score  int
}

func (l *layout) split() bool { return l.cargo.index >= 0 || l.abono.index >= 0 }

// amountColumns lists every column holding an amount.
func (l *layout) amountColumns() []column {
	if l.split() {
		var cols []column
		for _, c := range []column{l.cargo, l.abono} {
			if c.index >= 0 {
				cols = append(cols, c)
			}
		}
		return cols
	}
	return l.montos
}

// need is a column every data row must reach, named as in RowError.Field.
type need struct {
	field string
	col   column
}

// required lists the columns a data row cannot do without. The amount
// columns are checked apart (a row needs at least one of them), and Cuotas,
// Moneda and Referencia may be cut short: some exporters drop trailing empty
// cells.
func (l *layout) required() []need {
	return []need{{"fecha", l.fecha}, {"descripcion", l.descripcion}}
}

// matchHeader reads cells as a header row. It returns nil unless the row
// names at least a date, a description and an amount (Monto, or Cargo and/or
// Abono).
func matchHeader(cells []string, sep byte, line int) *layout {
	none := column{index: -1}
	l := &layout{sep: sep, line: line,
		fecha: none, descripcion: none, cargo: none, abono: none,
		cuotas: none, moneda: none, referencia: none}
	byCurrency := map[string]column{}
	seen := map[role]bool{}
	for i, cell := range cells {
		r, rank, cur := classify(cell)
		if r == roleNone {
			continue
		}
		seen[r] = true
		c := column{index: i, name: clean(cell), rank: rank, moneda: cur}
		if r == roleMonto {
			if prev, ok := byCurrency[cur]; !ok || rank < prev.rank {
				byCurrency[cur] = c
			}
			continue
		}
		slot := l.slot(r)
		if slot.index < 0 || rank < slot.rank {
			*slot = c
		}
	}
	if l.fecha.index < 0 || l.descripcion.index < 0 || (len(byCurrency) == 0 && !l.split()) {
		return nil
	}
	if !l.split() {
		l.montos = pickMontos(byCurrency)
	}
	l.score = len(seen)
	for _, c := range cells {
		l.folded = append(l.folded, fold(c))
	}
	return l
}

// pickMontos keeps one amount column per currency. A column without a
// currency in its name counts as CLP when a USD column sits beside it
// ("Monto $" / "Monto US$"); alone it stays unnamed and the Moneda column,
// the cell's symbol or CLP decides.
func pickMontos(byCurrency map[string]column) []column {
	plain, hasPlain := byCurrency[""]
	if len(byCurrency) == 1 {
		for _, c := range byCurrency {
			return []column{c}
		}
	}
	var cols []column
	if clp, ok := byCurrency["CLP"]; ok {
		cols = append(cols, clp)
	} else if hasPlain {
		plain.moneda = "CLP"
		cols = append(cols, plain)
	}
	if usd, ok := byCurrency["USD"]; ok {
		cols = append(cols, usd)
	}
	return cols
}

func (l *layout) slot(r role) *column {
	switch r {
	case roleFecha:
		return &l.fecha
	case roleDescripcion:
		return &l.descripcion
	case roleCargo:
		return &l.cargo
	case roleAbono:
		return &l.abono
	case roleCuotas:
		return &l.cuotas
	case roleMoneda:
		return &l.moneda
	default:
		return &l.referencia
	}
}

// separators are tried in this order; on a tie the first wins.
var separators = []byte{';', '\t', ','}

// findHeader returns the first line that reads as a header with one of the
// separators, choosing the separator that recognizes the most columns.
// Lines before it are preamble (bank, holder, period) and ignored.
func findHeader(lines []string) *layout {
	for i, line := range lines {
		if len(line) > MaxLineLength || strings.TrimSpace(line) == "" {
			continue
		}
		var best *layout
		for _, sep := range separators {
			if strings.IndexByte(line, sep) < 0 {
				continue
			}
			cells, _ := splitFields(line, sep)
			if l := matchHeader(cells, sep, i+1); l != nil && (best == nil || l.score > best.score) {
				best = l
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}
