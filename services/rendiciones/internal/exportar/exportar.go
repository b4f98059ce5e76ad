// Package exportar writes a rendición for accounting: one line per item
// with its document's tax data, as XLSX (numeric cells with number formats
// and totals per currency) or as CSV the way a Chilean Excel opens it.
package exportar

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Linea is one item of the rendición. Neto, IVA and exento are null for a
// line without a document (or a document that does not state them); Total
// is always the line's amount.
type Linea struct {
	Fecha         time.Time
	RutEmisor     string
	RazonSocial   string
	TipoDocumento string
	Folio         string
	Descripcion   string
	Categoria     string
	CentroCosto   string
	Moneda        string
	Neto          decimal.NullDecimal
	IVA           decimal.NullDecimal
	Exento        decimal.NullDecimal
	Total         decimal.Decimal
}

// Informe is what is exported.
type Informe struct {
	Titulo string
	Lineas []Linea
}

// Columnas is the header row, in order.
var Columnas = []string{"Fecha", "RUT emisor", "Razón social emisor", "Tipo documento", "Folio", "Descripción",
	"Categoría", "Centro de costo", "Moneda", "Neto", "IVA", "Exento", "Total"}

// Total sums the lines of one currency.
type Total struct {
	Moneda                   string
	Neto, IVA, Exento, Total decimal.Decimal
}

// Totales sums the lines per currency, CLP first. Sums are exact.
func Totales(ls []Linea) []Total {
	by := map[string]*Total{}
	for _, l := range ls {
		t := by[l.Moneda]
		if t == nil {
			t = &Total{Moneda: l.Moneda}
			by[l.Moneda] = t
		}
		t.Neto = t.Neto.Add(l.Neto.Decimal)
		t.IVA = t.IVA.Add(l.IVA.Decimal)
		t.Exento = t.Exento.Add(l.Exento.Decimal)
		t.Total = t.Total.Add(l.Total)
	}
	out := make([]Total, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Moneda == "CLP") != (out[j].Moneda == "CLP") {
			return out[i].Moneda == "CLP"
		}
		return out[i].Moneda < out[j].Moneda
	})
	return out
}

// Hoja is the XLSX sheet name.
const Hoja = "Rendición"

// XLSX writes the workbook. Amounts go in as the exact decimal text of a
// numeric cell (never through float64), with "#,##0" for CLP and
// "#,##0.00" for other currencies; dates are date serials shown in the
// reader's short-date format. Below the lines, one row per currency holds
// the totals.
func XLSX(w io.Writer, inf Informe) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", Hoja); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, h := range Columnas {
		if err := set(f, i, 1, h, st.header, false); err != nil {
			return err
		}
	}
	r := 2
	for _, l := range inf.Lineas {
		num := st.number(l.Moneda, false)
		cells := []struct {
			v       string
			style   int
			numeric bool
		}{
			{serial(l.Fecha), st.date, true},
			{l.RutEmisor, 0, false}, {l.RazonSocial, 0, false}, {l.TipoDocumento, 0, false}, {l.Folio, 0, false},
			{l.Descripcion, 0, false}, {l.Categoria, 0, false}, {l.CentroCosto, 0, false}, {l.Moneda, 0, false},
			{nullText(l.Neto), num, true}, {nullText(l.IVA), num, true}, {nullText(l.Exento), num, true},
			{l.Total.String(), num, true},
		}
		for i, c := range cells {
			if c.v == "" {
				continue
			}
			if err := set(f, i, r, c.v, c.style, c.numeric); err != nil {
				return err
			}
		}
		r++
	}
	r++ // a blank row before the totals
	for _, t := range Totales(inf.Lineas) {
		num := st.number(t.Moneda, true)
		if err := set(f, 0, r, "Total "+t.Moneda, st.bold, false); err != nil {
			return err
		}
		if err := set(f, 8, r, t.Moneda, st.bold, false); err != nil {
			return err
		}
		for i, v := range []decimal.Decimal{t.Neto, t.IVA, t.Exento, t.Total} {
			if err := set(f, 9+i, r, v.String(), num, true); err != nil {
				return err
			}
		}
		r++
	}
	widths := []float64{12, 13, 34, 15, 10, 34, 18, 16, 8, 14, 12, 12, 14}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(Hoja, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetPanes(Hoja, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: inf.Titulo, Creator: "Ecosystem rendiciones"}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

type styles struct {
	header, bold, date         int
	clp, usd, clpBold, usdBold int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	clp, usd := "#,##0", "#,##0.00"
	s.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}})
	s.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	s.date = mk(&excelize.Style{NumFmt: 14})
	s.clp = mk(&excelize.Style{CustomNumFmt: &clp})
	s.usd = mk(&excelize.Style{CustomNumFmt: &usd})
	s.clpBold = mk(&excelize.Style{CustomNumFmt: &clp, Font: &excelize.Font{Bold: true}})
	s.usdBold = mk(&excelize.Style{CustomNumFmt: &usd, Font: &excelize.Font{Bold: true}})
	return s, err
}

// number is the amount style of a currency: CLP has no decimals.
func (s styles) number(moneda string, bold bool) int {
	switch {
	case moneda == "CLP" && bold:
		return s.clpBold
	case moneda == "CLP":
		return s.clp
	case bold:
		return s.usdBold
	}
	return s.usd
}

// set writes one cell: numeric text as a number cell, anything else as text.
func set(f *excelize.File, col, row int, v string, style int, numeric bool) error {
	cell, err := excelize.CoordinatesToCellName(col+1, row)
	if err != nil {
		return err
	}
	if numeric {
		err = f.SetCellDefault(Hoja, cell, v)
	} else {
		err = f.SetCellStr(Hoja, cell, v)
	}
	if err != nil || style == 0 {
		return err
	}
	return f.SetCellStyle(Hoja, cell, cell, style)
}

// serial is the spreadsheet date number of a day (days since 1899-12-30),
// an integer, so the date is exact.
func serial(t time.Time) string {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return fmt.Sprint(int(day.Sub(base).Hours() / 24))
}

func nullText(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// CSV writes the lines (no totals, so the file imports as plain data) the
// way Excel in a Chilean locale opens it by double-click: UTF-8 with a BOM,
// ';' between fields, CRLF line ends, decimal comma without thousands
// separator, ISO dates. Text that a spreadsheet would run as a formula
// (starting with = + - @) is prefixed with an apostrophe.
func CSV(w io.Writer, inf Informe) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(Columnas); err != nil {
		return err
	}
	for _, l := range inf.Lineas {
		rec := []string{
			l.Fecha.Format(time.DateOnly), text(l.RutEmisor), text(l.RazonSocial), text(l.TipoDocumento), text(l.Folio),
			text(l.Descripcion), text(l.Categoria), text(l.CentroCosto), text(l.Moneda),
			coma(nullText(l.Neto)), coma(nullText(l.IVA)), coma(nullText(l.Exento)), coma(l.Total.String()),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func coma(s string) string { return strings.Replace(s, ".", ",", 1) }

func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
