// Package hoja draws test documents as real PDFs with a text layer: cells of
// text at millimetre positions in Helvetica (cp1252, so accents survive).
// The samples (muestras) and the extraction engine's tests draw with it.
package hoja

import (
	"bytes"
	"time"

	"github.com/go-pdf/fpdf"
)

// Hoja is one page being drawn. P is there for what the helpers do not
// cover (images, metadata).
type Hoja struct {
	P  *fpdf.Fpdf
	tr func(string) string
}

// Fecha is the fixed creation date of every document, so a document is the
// same bytes every time (the duplicate-by-hash tests rely on it).
var Fecha = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)

// New starts a wmm × hmm page.
func New(wmm, hmm float64) *Hoja {
	p := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: wmm, Ht: hmm}})
	p.SetMargins(8, 8, 8)
	p.SetAutoPageBreak(false, 0)
	p.SetCatalogSort(true) // fonts in a fixed order: same document, same bytes
	p.SetCreator("ecosystem", true)
	p.SetCreationDate(Fecha)
	p.SetModificationDate(Fecha)
	p.AddPage()
	p.SetFont("Helvetica", "", 10)
	return &Hoja{P: p, tr: p.UnicodeTranslatorFromDescriptor("")}
}

// Fuente sets the Helvetica style ("", "B") and size.
func (h *Hoja) Fuente(style string, size float64) { h.P.SetFont("Helvetica", style, size) }

// En writes s in a cell of width w at (x, y); align is L, C or R.
func (h *Hoja) En(x, y, w float64, s, align string) {
	h.P.SetXY(x, y)
	h.P.CellFormat(w, 6, h.tr(s), "", 0, align, false, 0, "")
}

// Fila writes cells at the given x positions and widths, one alignment
// letter per cell.
func (h *Hoja) Fila(y float64, xs, ws []float64, aligns string, vals ...string) {
	for i, v := range vals {
		h.En(xs[i], y, ws[i], v, string(aligns[i]))
	}
}

// Caja draws a rectangle (the SII box).
func (h *Hoja) Caja(x, y, w, hh float64) { h.P.Rect(x, y, w, hh, "D") }

// Bytes finishes the document.
func (h *Hoja) Bytes() ([]byte, error) {
	var b bytes.Buffer
	err := h.P.Output(&b)
	return b.Bytes(), err
}
