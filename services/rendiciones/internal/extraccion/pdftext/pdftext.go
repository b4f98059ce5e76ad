// Package pdftext reads the text layer of a PDF into positioned lines and
// cells, so the invoice parsers can reason about labels, rows and columns
// instead of raw content streams.
//
// It wraps github.com/ledongthuc/pdf, which reads through an io.ReaderAt
// (objects and streams are fetched on demand, the file is never loaded whole)
// but panics on malformed input and has no notion of lines: this package
// recovers those panics, interprets the text operators itself (positions,
// font sizes, glyph widths, form XObjects) and groups the shown strings into
// lines and column cells.
package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/ledongthuc/pdf"
)

// Errors returned by Read; callers classify them with errors.Is.
var (
	ErrInvalid   = errors.New("pdftext: archivo PDF inválido o dañado")
	ErrEncrypted = errors.New("pdftext: PDF protegido con contraseña")
)

// Limits that keep a hostile or huge file from using unbounded time or memory.
const (
	DefaultMaxPages = 100
	maxRunsPerPage  = 200_000
	maxFormDepth    = 4
	maxStateDepth   = 64
)

// Options tunes Read; the zero value uses the defaults.
type Options struct {
	MaxPages int // pages read at most; 0 means DefaultMaxPages
}

// Cell is a piece of text on a line, separated from its neighbours by a
// column-sized gap.
type Cell struct {
	X        float64 // left edge, points from the page's left
	EndX     float64 // right edge (estimated from glyph widths)
	FontSize float64 // effective size in points
	Text     string
}

// Line is a visual line: cells sharing a baseline, left to right.
type Line struct {
	Page  int     // 1-based page number
	Y     float64 // baseline, points from the page bottom
	Cells []Cell
}

// Text joins the cells with two spaces, the marker parsers use for a column gap.
func (l Line) Text() string {
	switch len(l.Cells) {
	case 0:
		return ""
	case 1:
		return l.Cells[0].Text
	}
	parts := make([]string, len(l.Cells))
	for i, c := range l.Cells {
		parts[i] = c.Text
	}
	return strings.Join(parts, "  ")
}

// Page holds the lines of one page, top to bottom.
type Page struct {
	Number        int
	Width, Height float64
	Lines         []Line
}

// Document is the text layer of a PDF.
type Document struct {
	NumPages int      // pages in the file, which may exceed len(Pages) when limited
	Pages    []Page   // pages read
	Warnings []string // pages that could not be read (Spanish, human readable)
}

// Lines returns the lines of every page in reading order.
func (d *Document) Lines() []Line {
	var n int
	for _, p := range d.Pages {
		n += len(p.Lines)
	}
	out := make([]Line, 0, n)
	for _, p := range d.Pages {
		out = append(out, p.Lines...)
	}
	return out
}

// TextChars counts letters and digits in the document; a scanned PDF has none.
func (d *Document) TextChars() int {
	n := 0
	for _, p := range d.Pages {
		for _, l := range p.Lines {
			for _, c := range l.Cells {
				for _, r := range c.Text {
					if unicode.IsLetter(r) || unicode.IsDigit(r) {
						n++
					}
				}
			}
		}
	}
	return n
}

// Read parses the PDF in r (size bytes) and returns its text layer. A file
// that is not a readable PDF yields ErrInvalid (wrapped with the cause), an
// encrypted one ErrEncrypted. A PDF without text is not an error here: the
// document simply has no lines.
func Read(ctx context.Context, r io.ReaderAt, size int64, opt Options) (doc *Document, err error) {
	if opt.MaxPages <= 0 {
		opt.MaxPages = DefaultMaxPages
	}
	rd, err := open(r, size)
	if err != nil {
		return nil, err
	}
	pages, total, err := collectPages(rd, opt.MaxPages)
	if err != nil {
		return nil, err
	}
	doc = &Document{NumPages: total}
	failed := 0
	for i, pv := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, perr := readPage(ctx, pv, i+1)
		if perr != nil {
			if errors.Is(perr, context.Canceled) || errors.Is(perr, context.DeadlineExceeded) {
				return nil, perr
			}
			failed++
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("no se pudo leer el texto de la página %d", i+1))
		}
		doc.Pages = append(doc.Pages, p)
	}
	if len(pages) > 0 && failed == len(pages) {
		if cifrado(rd) {
			// The library opens some encrypted files but decrypts them
			// wrongly (40-bit RC4 keys are used whole, not truncated).
			return nil, fmt.Errorf("%w: cifrado no soportado", ErrEncrypted)
		}
		return nil, fmt.Errorf("%w: ninguna página legible", ErrInvalid)
	}
	return doc, nil
}

// open builds the library reader, turning its panics and errors into ErrInvalid.
func open(r io.ReaderAt, size int64) (rd *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("%w: %v", ErrInvalid, p)
		}
	}()
	if size < 16 {
		return nil, fmt.Errorf("%w: archivo demasiado corto", ErrInvalid)
	}
	size = sinColaFinal(r, size)
	if err := comprobarXref(r, size); err != nil {
		return nil, err
	}
	rd, err = pdf.NewReader(headerFix(r), size)
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || strings.Contains(err.Error(), "encrypt") {
			return nil, fmt.Errorf("%w: %v", ErrEncrypted, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return rd, nil
}

func cifrado(rd *pdf.Reader) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return rd.Trailer().Key("Encrypt").Kind() != pdf.Null
}

// sinColaFinal returns the size up to the last "%%EOF" (and its line end)
// when junk follows it: real files often carry trailing NULs, padding or an
// appended comment, which viewers ignore but the library, which looks for
// "%%EOF" at the very end, rejects. Only the last 1 KiB is searched, as the
// upload check does.
func sinColaFinal(r io.ReaderAt, size int64) int64 {
	n := min(size, 1024)
	tail := make([]byte, n)
	if m, _ := r.ReadAt(tail, size-n); int64(m) < n {
		return size
	}
	i := bytes.LastIndex(tail, []byte("%%EOF"))
	if i < 0 {
		return size
	}
	end := i + len("%%EOF")
	if len(bytes.TrimRight(tail[end:], " \t\r\n")) == 0 {
		return size // only whitespace follows: the library copes
	}
	for end < len(tail) && (tail[end] == '\r' || tail[end] == '\n') {
		end++
	}
	return size - n + int64(end)
}

// headerFix makes the library accept headers it wrongly rejects: it only
// admits "%PDF-1.0".."%PDF-1.7" followed by a newline, so PDF 2.0 files and
// headers followed by a comment on the same line would fail. The xref
// offsets are unaffected because only the first nine bytes are rewritten.
func headerFix(r io.ReaderAt) io.ReaderAt {
	head := make([]byte, 9)
	if n, _ := r.ReadAt(head, 0); n < 9 {
		return r
	}
	if !bytes.HasPrefix(head, []byte("%PDF-")) || head[6] != '.' ||
		head[5] < '1' || head[5] > '2' || head[7] < '0' || head[7] > '9' {
		return r
	}
	return &patchedReaderAt{ReaderAt: r, head: []byte("%PDF-1.7\n")}
}

type patchedReaderAt struct {
	io.ReaderAt
	head []byte
}

func (p *patchedReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.ReaderAt.ReadAt(b, off)
	for i := 0; i < n; i++ {
		if pos := off + int64(i); pos >= 0 && pos < int64(len(p.head)) {
			b[i] = p.head[pos]
		}
	}
	return n, err
}

// collectPages walks the page tree once (the library's Page(n) walks it
// again for every page) and returns at most limit pages plus the total count.
func collectPages(rd *pdf.Reader, limit int) (pages []pdf.Value, total int, err error) {
	defer func() {
		if p := recover(); p != nil {
			pages, total, err = nil, 0, fmt.Errorf("%w: árbol de páginas: %v", ErrInvalid, p)
		}
	}()
	root := rd.Trailer().Key("Root").Key("Pages")
	if root.Kind() != pdf.Dict {
		return nil, 0, fmt.Errorf("%w: sin árbol de páginas", ErrInvalid)
	}
	visited := 0
	var walk func(v pdf.Value, depth int)
	walk = func(v pdf.Value, depth int) {
		// visited bounds the walk on cyclic or absurd trees.
		visited++
		if depth > 32 || visited > 100_000 {
			return
		}
		switch v.Key("Type").Name() {
		case "Page":
			total++
			if len(pages) < limit {
				pages = append(pages, v)
			}
		default: // "Pages", or a node missing its /Type
			kids := v.Key("Kids")
			if kids.Kind() != pdf.Array {
				if v.Key("Contents").Kind() != pdf.Null {
					total++
					if len(pages) < limit {
						pages = append(pages, v)
					}
				}
				return
			}
			for i := 0; i < kids.Len(); i++ {
				walk(kids.Index(i), depth+1)
			}
		}
	}
	walk(root, 0)
	return pages, total, nil
}

// run is one shown string with its position.
type run struct {
	x, y, endX, size float64
	text             string
}

type matrix [6]float64 // a b c d e f, as in the PDF spec

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (apply m, then n).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type textState struct {
	ctm                matrix
	tc, tw, th, tl, ts float64
	font               *fontInfo
	fontSize           float64
}

// errAbort stops interpretation from inside the library callback.
type errAbort struct{ err error }

// pageReader interprets one page's content streams.
type pageReader struct {
	ctx   context.Context
	runs  []run
	ops   int
	cache map[string]*fontInfo // by resources key + font name
}

// readPage interprets one page, turning the library's panics into errors.
func readPage(ctx context.Context, pv pdf.Value, number int) (pg Page, err error) {
	pg.Number = number
	defer func() {
		if p := recover(); p != nil {
			if a, ok := p.(errAbort); ok {
				err = a.err
				return
			}
			err = fmt.Errorf("%w: página %d: %v", ErrInvalid, number, p)
		}
	}()
	if mb := inherited(pv, "MediaBox"); mb.Kind() == pdf.Array && mb.Len() == 4 {
		pg.Width = math.Abs(mb.Index(2).Float64() - mb.Index(0).Float64())
		pg.Height = math.Abs(mb.Index(3).Float64() - mb.Index(1).Float64())
	}
	pr := &pageReader{ctx: ctx, cache: map[string]*fontInfo{}}
	contents := pv.Key("Contents")
	if contents.Kind() == pdf.Null {
		return pg, nil
	}
	st := textState{ctm: identity, th: 1}
	pr.interpret(contents, inherited(pv, "Resources"), "p", &st, 0)
	pg.Lines = buildLines(pr.runs, number)
	return pg, nil
}

// inherited looks a page attribute up the page tree, as the spec allows for
// MediaBox and Resources.
func inherited(v pdf.Value, key string) pdf.Value {
	for i := 0; i < 32 && !v.IsNull(); i++ {
		if r := v.Key(key); !r.IsNull() {
			return r
		}
		v = v.Key("Parent")
	}
	return pdf.Value{}
}

// interpret runs the text operators of one content stream (a page or a form
// XObject). resKey names the resources dictionary in the font cache.
func (pr *pageReader) interpret(strm, res pdf.Value, resKey string, st *textState, depth int) {
	var (
		tm, tlm = identity, identity
		stack   []textState
	)
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		pr.ops++
		if pr.ops%4096 == 0 {
			if err := pr.ctx.Err(); err != nil {
				panic(errAbort{err})
			}
		}
		num := func(i int) float64 {
			if i < len(args) {
				return args[i].Float64()
			}
			return 0
		}
		switch op {
		case "q":
			if len(stack) < maxStateDepth {
				stack = append(stack, *st)
			}
		case "Q":
			if len(stack) > 0 {
				*st = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if len(args) == 6 {
				st.ctm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(st.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tc":
			st.tc = num(0)
		case "Tw":
			st.tw = num(0)
		case "Tz":
			st.th = num(0) / 100
		case "TL":
			st.tl = num(0)
		case "Ts":
			st.ts = num(0)
		case "Tf":
			if len(args) == 2 {
				st.font = pr.fontFor(res, resKey, args[0].Name())
				st.fontSize = num(1)
			}
		case "Td", "TD":
			if len(args) == 2 {
				if op == "TD" {
					st.tl = -num(1)
				}
				tlm = matrix{1, 0, 0, 1, num(0), num(1)}.mul(tlm)
				tm = tlm
			}
		case "Tm":
			if len(args) == 6 {
				tlm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}
				tm = tlm
			}
		case "T*":
			tlm = matrix{1, 0, 0, 1, 0, -st.tl}.mul(tlm)
			tm = tlm
		case "Tj", "'", "\"":
			if op == "\"" && len(args) == 3 {
				st.tw, st.tc = num(0), num(1)
				args = args[2:]
			}
			if op != "Tj" {
				tlm = matrix{1, 0, 0, 1, 0, -st.tl}.mul(tlm)
				tm = tlm
			}
			if len(args) == 1 {
				pr.show(st, &tm, []pdf.Value{args[0]})
			}
		case "TJ":
			if len(args) == 1 && args[0].Kind() == pdf.Array {
				a := args[0]
				items := make([]pdf.Value, a.Len())
				for i := range items {
					items[i] = a.Index(i)
				}
				pr.show(st, &tm, items)
			}
		case "Do":
			if len(args) == 1 && depth < maxFormDepth {
				name := args[0].Name()
				xo := res.Key("XObject").Key(name)
				if xo.Kind() == pdf.Stream && xo.Key("Subtype").Name() == "Form" {
					inner := *st
					if m := xo.Key("Matrix"); m.Kind() == pdf.Array && m.Len() == 6 {
						var fm matrix
						for i := range fm {
							fm[i] = m.Index(i).Float64()
						}
						inner.ctm = fm.mul(st.ctm)
					}
					xres := xo.Key("Resources")
					key := resKey + "/" + name
					if xres.Kind() != pdf.Dict {
						xres, key = res, resKey
					}
					pr.interpret(xo, xres, key, &inner, depth+1)
				}
			}
		}
	})
}

// show records the strings of a Tj/TJ as one run and advances the text matrix.
func (pr *pageReader) show(st *textState, tm *matrix, items []pdf.Value) {
	f := st.font
	if f == nil {
		f = fallbackFont
	}
	trm := matrix{st.fontSize * st.th, 0, 0, st.fontSize, 0, st.ts}.mul(*tm).mul(st.ctm)
	start := trm
	var text strings.Builder
	for _, it := range items {
		switch it.Kind() {
		case pdf.String:
			raw := it.RawString()
			text.WriteString(f.decode(raw))
			var adv float64
			for _, code := range f.codes(raw) {
				w := f.width(code)*st.fontSize + st.tc
				if code == 32 && !f.twoByte {
					w += st.tw
				}
				adv += w * st.th
			}
			*tm = matrix{1, 0, 0, 1, adv, 0}.mul(*tm)
		case pdf.Integer, pdf.Real:
			k := it.Float64()
			// A large negative kerning inside TJ is how many producers space
			// words; without it "MontoNeto" would come out glued.
			if k < -200 {
				text.WriteByte(' ')
			}
			*tm = matrix{1, 0, 0, 1, -k / 1000 * st.fontSize * st.th, 0}.mul(*tm)
		}
	}
	end := matrix{st.fontSize * st.th, 0, 0, st.fontSize, 0, st.ts}.mul(*tm).mul(st.ctm)
	s := text.String()
	if strings.TrimSpace(s) == "" || len(pr.runs) >= maxRunsPerPage {
		return
	}
	// The effective size is the vertical scale of the rendering matrix:
	// producers write either "12 Tf" with an identity matrix or "1 Tf" with
	// a matrix that scales by 12.
	size := math.Hypot(start[2], start[3])
	if size < 0.5 {
		size = 0.5
	}
	x0, x1 := start[4], end[4]
	if x1 < x0 {
		x0, x1 = x1, x0
	}
	pr.runs = append(pr.runs, run{x: x0, y: start[5], endX: x1, size: size, text: s})
}

// buildLines groups runs sharing a baseline into lines and splits each line
// into cells at column-sized gaps.
func buildLines(runs []run, page int) []Line {
	if len(runs) == 0 {
		return nil
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].y > runs[j].y })
	var lines []Line
	var cur []run
	lineY := 0.0
	flush := func() {
		if len(cur) > 0 {
			lines = append(lines, Line{Page: page, Y: lineY, Cells: cells(cur)})
		}
		cur = cur[:0]
	}
	for _, r := range runs {
		if len(cur) > 0 {
			tol := math.Max(2, 0.35*math.Min(r.size, cur[0].size))
			if math.Abs(lineY-r.y) > tol {
				flush()
			}
		}
		if len(cur) == 0 {
			lineY = r.y
		}
		cur = append(cur, r)
	}
	flush()
	return lines
}

// cells orders a line's runs left to right and merges those closer than a
// column gap into one cell.
func cells(rs []run) []Cell {
	sorted := make([]run, len(rs))
	copy(sorted, rs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].x < sorted[j].x })
	var out []Cell
	for _, r := range sorted {
		for _, piece := range splitWide(r) {
			if n := len(out); n > 0 {
				last := &out[n-1]
				gap := piece.x - last.EndX
				em := math.Max(piece.size, last.FontSize)
				// Below 0.7 em the two pieces belong to one phrase: a word
				// gap (~0.28 em) or glyphs positioned one by one.
				if gap < 0.7*em {
					if gap > 0.12*em && !strings.HasSuffix(last.Text, " ") && !strings.HasPrefix(piece.text, " ") {
						last.Text += " "
					}
					last.Text += piece.text
					last.EndX = math.Max(last.EndX, piece.endX)
					continue
				}
			}
			out = append(out, Cell{X: piece.x, EndX: piece.endX, FontSize: piece.size, Text: piece.text})
		}
	}
	for i := range out {
		out[i].Text = strings.Join(strings.Fields(out[i].Text), " ")
	}
	return out
}

// splitWide cuts a run at runs of 2+ spaces, which text-mode generators use
// to align columns inside a single string.
func splitWide(r run) []run {
	if !strings.Contains(r.text, "  ") {
		return []run{r}
	}
	runes := []rune(r.text)
	total := float64(len(runes))
	width := r.endX - r.x
	var out []run
	start := -1
	spaces := 0
	emit := func(from, to int) {
		s := strings.TrimSpace(string(runes[from:to]))
		if s == "" {
			return
		}
		out = append(out, run{
			x:    r.x + width*float64(from)/total,
			endX: r.x + width*float64(to)/total,
			y:    r.y, size: r.size, text: s,
		})
	}
	for i, c := range runes {
		if c == ' ' {
			spaces++
			continue
		}
		if start >= 0 && spaces >= 2 {
			emit(start, i-spaces)
			start = -1
		}
		if start < 0 {
			start = i
		}
		spaces = 0
	}
	if start >= 0 {
		emit(start, len(runes))
	}
	if len(out) == 0 {
		return []run{r}
	}
	return out
}
