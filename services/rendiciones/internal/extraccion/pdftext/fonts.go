package pdftext

import (
	"strings"

	"github.com/ledongthuc/pdf"
)

// fontInfo holds what the text walker needs from a font, parsed once per page:
// how to decode codes to Unicode and how wide each code is (in em), so the
// position after a string — and therefore the gap to the next one — is known.
type fontInfo struct {
	enc     pdf.TextEncoding
	twoByte bool
	first   int
	widths  []float64       // simple fonts: /Widths from FirstChar, in em
	cidW    map[int]float64 // composite fonts: /W, in em
	dw      float64         // composite fonts: /DW, in em
	std     *[256]float64   // standard 14 fonts carry no /Widths
}

type rawEncoding struct{}

func (rawEncoding) Decode(raw string) string { return raw }

var fallbackFont = &fontInfo{enc: rawEncoding{}, std: &helveticaWidths}

func (f *fontInfo) decode(raw string) string {
	s := f.enc.Decode(raw)
	// Some encoders keep control bytes or NULs from unmapped codes.
	return strings.Map(func(r rune) rune {
		if r < 32 || r == 0xFFFD {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return -1
		}
		return r
	}, s)
}

// codes splits a raw string into character codes: two bytes each for
// composite (Type0) fonts, one byte otherwise.
func (f *fontInfo) codes(raw string) []int {
	if f.twoByte {
		out := make([]int, 0, len(raw)/2)
		for i := 0; i+1 < len(raw); i += 2 {
			out = append(out, int(raw[i])<<8|int(raw[i+1]))
		}
		return out
	}
	out := make([]int, len(raw))
	for i := 0; i < len(raw); i++ {
		out[i] = int(raw[i])
	}
	return out
}

// width returns the advance of a code in em.
func (f *fontInfo) width(code int) float64 {
	if f.twoByte {
		if w, ok := f.cidW[code]; ok {
			return w
		}
		return f.dw
	}
	if i := code - f.first; i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
		return f.widths[i]
	}
	if f.std != nil && code >= 0 && code < 256 {
		return f.std[code]
	}
	return 0.5
}

func (pr *pageReader) fontFor(res pdf.Value, resKey, name string) *fontInfo {
	key := resKey + "|" + name
	if f, ok := pr.cache[key]; ok {
		return f
	}
	f := parseFont(res.Key("Font").Key(name))
	pr.cache[key] = f
	return f
}

func parseFont(v pdf.Value) *fontInfo {
	if v.Kind() != pdf.Dict {
		return fallbackFont
	}
	pf := pdf.Font{V: v}
	f := &fontInfo{enc: pf.Encoder()}
	if f.enc == nil {
		f.enc = rawEncoding{}
	}
	if v.Key("Subtype").Name() == "Type0" {
		f.twoByte = true
		f.dw = 1
		f.cidW = map[int]float64{}
		desc := v.Key("DescendantFonts").Index(0)
		if dw := desc.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.dw = dw.Float64() / 1000
		}
		parseCIDWidths(desc.Key("W"), f.cidW)
		return f
	}
	f.first = int(v.Key("FirstChar").Int64())
	if w := v.Key("Widths"); w.Kind() == pdf.Array {
		n := w.Len()
		if n > 256 {
			n = 256
		}
		f.widths = make([]float64, n)
		for i := 0; i < n; i++ {
			f.widths[i] = w.Index(i).Float64() / 1000
		}
	}
	if strings.Contains(v.Key("BaseFont").Name(), "Courier") {
		f.std = &courierWidths
	} else {
		f.std = &helveticaWidths
	}
	return f
}

// parseCIDWidths reads a /W array: "c [w1 w2 …]" or "cFirst cLast w".
func parseCIDWidths(w pdf.Value, out map[int]float64) {
	if w.Kind() != pdf.Array {
		return
	}
	const maxEntries = 65536
	for i := 0; i < w.Len() && len(out) < maxEntries; {
		first := int(w.Index(i).Int64())
		if i+1 >= w.Len() {
			return
		}
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			for j := 0; j < next.Len() && len(out) < maxEntries; j++ {
				out[first+j] = next.Index(j).Float64() / 1000
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			return
		}
		last := int(next.Int64())
		width := w.Index(i+2).Float64() / 1000
		for c := first; c <= last && c-first < maxEntries && len(out) < maxEntries; c++ {
			out[c] = width
		}
		i += 3
	}
}

// Widths of the standard 14 fonts, which PDF writers (fpdf among them) may
// reference without a /Widths array. Helvetica stands in for every
// proportional font: the walker only needs gaps to within a fraction of an em.
var helveticaWidths, courierWidths [256]float64

func init() {
	ascii := []float64{ // codes 32..126, from the Helvetica AFM
		278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
		333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
	}
	for i := range helveticaWidths {
		helveticaWidths[i] = 0.556
		courierWidths[i] = 0.6
	}
	for i, w := range ascii {
		helveticaWidths[32+i] = w / 1000
	}
}
