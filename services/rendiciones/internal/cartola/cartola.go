// Package cartola parses corporate-card statements ("cartolas") that
// Chilean banks export as CSV into rows ready to import as tarjeta items,
// with a fingerprint per row so that re-importing never duplicates one.
//
// Exports differ by bank: separator (';', ',' or tab), encoding (UTF-8 or
// Windows-1252), preamble lines above the header, column names, number
// format ("12.345,50" or "12,345.50") and date format. Parse works all of
// that out from the file itself.
//
// Full card numbers never leave the package: any PAN in Descripcion,
// Cuotas or Referencia is replaced by pan.Redacted, and error messages quote
// cell values only after redacting them, so rows are safe to store and log.
//
// Sign convention: Monto is positive for a charge (cargo, a purchase) and
// negative for a credit (abono: a payment, refund or reversal). With
// separate Cargo and Abono columns, Monto = Cargo − |Abono|; with a single
// amount column the file's own sign is kept, since card statements write
// purchases positive and payments negative.
package cartola

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"ecosystem/services/rendiciones/internal/pan"
)

// Defensive limits. The HTTP layer bounds the upload first; these keep a
// hostile file from costing more than a large real statement would.
const (
	MaxBytes       = 16 << 20 // bytes read from the reader
	MaxLines       = 100_000  // physical lines in the file
	MaxLineLength  = 64 << 10 // bytes in one physical line
	maxRecordLines = 10       // physical lines one quoted field may span
)

// Errors for a file that cannot be read as a statement at all. Their
// messages are Spanish and safe to show; match them with errors.Is.
var (
	ErrEmpty    = errors.New("el archivo está vacío")
	ErrNotText  = errors.New("el archivo no es un CSV de texto")
	ErrTooLarge = errors.New("el archivo es demasiado grande")
	ErrNoHeader = errors.New("no se encontró la fila de encabezados: se necesitan columnas de fecha, descripción y monto (o cargo/abono)")
)

// Statement is a parsed cartola. Rows and Rejected are in file order; the
// import is all-or-nothing, so a caller refuses the file when Rejected is
// not empty and shows every entry.
type Statement struct {
	Rows       []Row
	Rejected   []RowError
	Separator  rune   // ';', ',' or '\t'
	Encoding   string // EncodingUTF8, EncodingWindows1252, EncodingUTF16LE or EncodingUTF16BE
	HeaderLine int    // 1-based line of the header row
}

// Row is one charge or credit of the statement.
type Row struct {
	Line        int       // 1-based physical line in the file where the row starts
	Fecha       time.Time // the operation date, UTC midnight
	Descripcion string    // merchant or detail, blanks collapsed, card numbers redacted
	Monto       decimal.Decimal
	Moneda      string // "CLP" or "USD"
	Cuotas      string // as written ("01/12"), "" when the file has none
	Referencia  string // operation or authorization number, "" when absent
	// Occurrence counts earlier rows of this file with the same content
	// (see Fingerprint): 0 for the first, 1 for an identical second, ….
	Occurrence int
}

// RowError is one problem on one line. Field is "fecha", "descripcion",
// "monto", "cargo", "abono", "moneda" or "linea" (the line as a whole).
type RowError struct {
	Line  int
	Field string
	Msg   string // Spanish, safe to show: cell values are cut short and card numbers redacted
}

func (e RowError) Error() string {
	return fmt.Sprintf("línea %d, %s: %s", e.Line, e.Field, e.Msg)
}

// Options adjust Parse.
type Options struct {
	// DefaultMoneda applies to rows whose currency the file does not state
	// (no Moneda column, no "US$" on the amount or its header). Give the
	// tarjeta's moneda; "" means CLP.
	DefaultMoneda string
}

// Parse reads a statement with default options: rows without a stated
// currency are CLP.
func Parse(r io.Reader) (*Statement, error) {
	return ParseWith(r, Options{})
}

// ParseWith reads a statement. It returns an error only when the file as a
// whole is unusable (empty, not text, too large, no header row); a bad row
// goes to Statement.Rejected with its line number and the rest are still
// read, so the caller can report all of them at once.
//
// Lines that are not transactions are skipped, not rejected: blank lines,
// the header repeated (multi-page exports), lines with a single cell
// (section titles such as "Compras internacionales"), lines starting with
// Total, Subtotal, Saldo or Resumen that carry no valid date, and any
// footer after the last line that looks like a transaction.
func ParseWith(r io.Reader, o Options) (*Statement, error) {
	def := "CLP"
	if o.DefaultMoneda != "" {
		m, ok := normMoneda(o.DefaultMoneda)
		if !ok {
			return nil, fmt.Errorf("cartola: moneda por defecto %q no soportada", o.DefaultMoneda)
		}
		def = m
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("leer cartola: %w", err)
	}
	if len(raw) > MaxBytes {
		return nil, fmt.Errorf("%w: más de %d MB", ErrTooLarge, MaxBytes>>20)
	}
	text, encoding, err := decode(raw)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmpty
	}
	lines, err := splitLines(text)
	if err != nil {
		return nil, err
	}
	l := findHeader(lines)
	if l == nil {
		return nil, ErrNoHeader
	}

	var recs []record
	for i := l.line; i < len(lines); {
		var rec record
		rec, i = readRecord(lines, i, l.sep)
		recs = append(recs, rec)
	}
	p := parser{l: l, styles: learnStyles(l, recs), moneda: def}
	results := make([]result, 0, len(recs))
	lastData := -1
	for _, rec := range recs {
		res := p.parse(rec)
		if res.skip {
			continue
		}
		results = append(results, res)
		if res.dataLike {
			lastData = len(results) - 1
		}
	}
	// What follows the last transaction is a footer (disclaimers, "Página 1
	// de 2"), unless nothing looked like a transaction at all: then every
	// line is reported, so a file with a misread layout is not silently empty.
	if lastData >= 0 {
		results = results[:lastData+1]
	}

	st := &Statement{Separator: rune(l.sep), Encoding: encoding, HeaderLine: l.line}
	for _, res := range results {
		if len(res.errs) > 0 {
			st.Rejected = append(st.Rejected, res.errs...)
			continue
		}
		st.Rows = append(st.Rows, res.row)
	}
	numberOccurrences(st.Rows)
	return st, nil
}

// record is one CSV record, which may span physical lines inside quotes.
type record struct {
	line   int // 1-based line where it starts
	fields []string
	err    string // why the line could not be split, or ""
}

// readRecord reads the record starting at lines[i] and returns the index of
// the line after it. A quote left open swallows at most maxRecordLines; past
// that the line alone is reported and reading resumes on the next one.
func readRecord(lines []string, i int, sep byte) (record, int) {
	rec := record{line: i + 1}
	if len(lines[i]) > MaxLineLength {
		rec.err = fmt.Sprintf("línea demasiado larga (más de %d KB)", MaxLineLength>>10)
		return rec, i + 1
	}
	fields, ok := splitFields(lines[i], sep)
	text, j := lines[i], i+1
	for !ok && j < len(lines) && j-i < maxRecordLines && len(text)+len(lines[j]) < MaxLineLength {
		text += "\n" + lines[j]
		j++
		fields, ok = splitFields(text, sep)
	}
	if !ok {
		rec.fields, _ = splitFields(lines[i], sep)
		rec.err = "comillas sin cerrar"
		return rec, i + 1
	}
	rec.fields = fields
	return rec, j
}

// learnStyles decides, per amount column, whether "1.234" means one
// thousand two hundred thirty-four or one point two three four, from every
// value of the column that says so unambiguously ("12.345,60", "1.234.567",
// "12.50"). A column that never says borrows the file's other amount
// columns; when nothing says, parseAmount falls back to the Chilean style.
func learnStyles(l *layout, recs []record) map[int]numStyle {
	type tally struct{ comma, point int }
	per := map[int]*tally{}
	var all tally
	for _, c := range l.amountColumns() {
		t := &tally{}
		per[c.index] = t
		for _, rec := range recs {
			if c.index >= len(rec.fields) {
				continue
			}
			p, err := splitAmount(rec.fields[c.index])
			if err != nil {
				continue
			}
			switch evidence(p.body) {
			case styleComma:
				t.comma++
			case stylePoint:
				t.point++
			}
		}
		all.comma += t.comma
		all.point += t.point
	}
	pick := func(t tally) numStyle {
		switch {
		case t.comma > t.point:
			return styleComma
		case t.point > t.comma:
			return stylePoint
		}
		return styleUnknown
	}
	styles := map[int]numStyle{}
	for idx, t := range per {
		s := pick(*t)
		if s == styleUnknown {
			s = pick(all)
		}
		styles[idx] = s
	}
	return styles
}

// parser turns records into rows under one layout.
type parser struct {
	l      *layout
	styles map[int]numStyle
	moneda string // for rows whose currency the file does not state
}

// result is a parsed record: a row, or the errors that keep it out.
type result struct {
	row      Row
	errs     []RowError
	skip     bool // not a transaction: blank, title, total, repeated header
	dataLike bool // has a valid date or amount, so it was meant as a row
}

// summaryWords open total and balance lines.
var summaryWords = map[string]bool{
	"total": true, "totales": true, "subtotal": true, "saldo": true, "resumen": true,
}

func (p *parser) parse(rec record) result {
	l, cells := p.l, rec.fields
	cell := func(c column) (string, bool) {
		if c.index < 0 || c.index >= len(cells) {
			return "", false
		}
		return cells[c.index], true
	}
	res := result{row: Row{Line: rec.line}}
	fail := func(field, msg string) {
		res.errs = append(res.errs, RowError{Line: rec.line, Field: field, Msg: msg})
	}

	fechaCell, hasFecha := cell(l.fecha)
	fecha, fechaErr := parseFecha(fechaCell)
	// A line with a valid date is a transaction attempt; only one without
	// can be a blank, a title, a total or the header again.
	if rec.err == "" && fechaErr != nil && p.notTransaction(cells) {
		res.skip = true
		return res
	}

	monto, amountMoneda, amountErrs, amountOK := p.amount(cells)
	res.dataLike = fechaErr == nil || amountOK
	if rec.err != "" {
		fail("linea", rec.err)
		return res
	}

	for _, n := range l.required() {
		if n.col.index >= len(cells) {
			fail(n.field, fmt.Sprintf("falta la columna «%s»", n.col.name))
		}
	}
	if hasFecha && fechaErr != nil {
		msg := fechaErr.Error()
		if fechaErr != errFechaVacia {
			msg += ": " + quote(fechaCell)
		}
		fail("fecha", msg)
	}
	desc, hasDesc := cell(l.descripcion)
	desc = pan.Redact(clean(desc))
	if hasDesc && desc == "" {
		fail("descripcion", "descripción vacía")
	}
	res.errs = append(res.errs, amountErrs...)
	for i := range res.errs {
		res.errs[i].Line = rec.line
	}

	moneda := ""
	if s, ok := cell(l.moneda); ok && strings.TrimSpace(s) != "" {
		m, known := normMoneda(s)
		if !known {
			fail("moneda", "moneda no reconocida (se acepta CLP o USD): "+quote(s))
		}
		moneda = m
	}
	if moneda == "" {
		moneda = amountMoneda
	}
	if moneda == "" {
		moneda = p.moneda
	}

	cuotas, _ := cell(l.cuotas)
	ref, _ := cell(l.referencia)
	res.row = Row{
		Line:        rec.line,
		Fecha:       fecha,
		Descripcion: desc,
		Monto:       monto,
		Moneda:      moneda,
		Cuotas:      pan.Redact(clean(cuotas)),
		Referencia:  pan.Redact(clean(ref)),
	}
	return res
}

// notTransaction reports whether a line without a valid date is one of the
// lines a statement has besides transactions: blank, a single cell (a
// section title), a total or balance, or the header repeated.
func (p *parser) notTransaction(cells []string) bool {
	filled := 0
	for _, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		filled++
		if w, _, _ := strings.Cut(fold(c), " "); summaryWords[w] {
			return true
		}
	}
	return filled <= 1 || p.isHeader(cells)
}

// isHeader reports whether cells repeat the header row.
func (p *parser) isHeader(cells []string) bool {
	h := p.l.folded
	if len(cells) < len(h) {
		return false
	}
	for i, f := range h {
		if fold(cells[i]) != f {
			return false
		}
	}
	return true
}

// amount reads the row's amount columns. ok reports whether any amount cell
// held a valid number (the row was meant as a transaction). The moneda
// returned is the one the cell or its column header states, or "".
func (p *parser) amount(cells []string) (monto decimal.Decimal, moneda string, errs []RowError, ok bool) {
	l := p.l
	type value struct {
		v      decimal.Decimal
		moneda string
	}
	var got []value
	present := false
	for _, c := range l.amountColumns() {
		if c.index >= len(cells) {
			continue
		}
		present = true
		s := cells[c.index]
		if blankAmount(s) {
			continue
		}
		v, cur, err := parseAmount(s, p.styles[c.index])
		if err != nil {
			field := "monto"
			switch c.index {
			case l.cargo.index:
				field = "cargo"
			case l.abono.index:
				field = "abono"
			}
			errs = append(errs, RowError{Field: field, Msg: err.Error() + ": " + quote(s)})
			continue
		}
		if l.split() && c.index == l.abono.index {
			v = v.Abs().Neg()
		}
		if cur == "" {
			cur = c.moneda
		}
		got = append(got, value{v, cur})
	}
	ok = len(got) > 0
	switch {
	case len(errs) > 0:
		return decimal.Decimal{}, "", errs, ok
	case !present:
		name := "Monto"
		if cols := l.amountColumns(); len(cols) > 0 {
			name = cols[0].name
		}
		return decimal.Decimal{}, "", []RowError{{Field: "monto", Msg: fmt.Sprintf("falta la columna «%s»", name)}}, ok
	case len(got) == 0:
		return decimal.Decimal{}, "", []RowError{{Field: "monto", Msg: errMontoVacio.Error()}}, ok
	case l.split():
		// Cargo − Abono; both in one currency.
		sum := decimal.Zero
		for _, g := range got {
			sum = sum.Add(g.v)
			if g.moneda != "" {
				moneda = g.moneda
			}
		}
		return sum, moneda, nil, ok
	}
	// One column per currency ("Monto $" / "Monto US$"): the row's amount
	// is the one that is not zero.
	pick := got[0]
	nonZero := 0
	for _, g := range got {
		if !g.v.IsZero() {
			pick = g
			nonZero++
		}
	}
	if nonZero > 1 {
		return decimal.Decimal{}, "", []RowError{{Field: "monto", Msg: "hay montos en dos monedas en la misma línea"}}, ok
	}
	return pick.v, pick.moneda, nil, ok
}

// blankAmount reports whether an amount cell is empty: some banks write a
// dash or a lone "$" in the column that does not apply.
func blankAmount(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "-", "—", "$":
		return true
	}
	return false
}

// normMoneda reads a Moneda cell: CLP, $, Pesos → "CLP"; USD, US$, Dólar →
// "USD".
func normMoneda(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if t == "$" {
		return "CLP", true
	}
	switch fold(t) {
	case "clp", "ch", "peso", "pesos", "peso chileno", "pesos chilenos", "clp pesos":
		return "CLP", true
	case "usd", "us", "u s", "dolar", "dolares", "us dolar", "us dolares", "usd dolar",
		"dolar estadounidense", "dolares estadounidenses", "dolar americano", "dolares americanos":
		return "USD", true
	}
	return "", false
}
