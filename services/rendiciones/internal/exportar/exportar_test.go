package exportar

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func dec(s string) decimal.NullDecimal {
	if s == "" {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

func fecha(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// informe has a factura (neto + IVA), an exempt boleta, a line without a
// document, a dollar charge and text a spreadsheet would run as a formula.
var informe = Informe{Titulo: "Tarjeta marzo 2024", Lineas: []Linea{
	{Fecha: fecha("2024-03-01"), RutEmisor: "99520000-7", RazonSocial: "Compañía de Petróleos de Chile COPEC S.A.", TipoDocumento: "factura",
		Folio: "88123", Descripcion: "COPEC ÑUÑOA", Categoria: "COMBUSTIBLE", CentroCosto: "CC-100", Moneda: "CLP",
		Neto: dec("30244"), IVA: dec("5746"), Total: decimal.RequireFromString("35990")},
	{Fecha: fecha("2024-03-02"), RutEmisor: "93767000-1", RazonSocial: "Farmacias Ahumada S.A.", TipoDocumento: "boleta",
		Folio: "5512", Descripcion: "FARMACIAS AHUMADA", Categoria: "SALUD", Moneda: "CLP", Exento: dec("12345.5"),
		Total: decimal.RequireFromString("12345.5")},
	{Fecha: fecha("2024-03-07"), Descripcion: "=PEAJE AUTOPISTA; sin boleta", Categoria: "TRANSPORTE", CentroCosto: "CC-200",
		Moneda: "CLP", Total: decimal.RequireFromString("3200")},
	{Fecha: fecha("2024-03-16"), RazonSocial: "Notion Labs, Inc.", TipoDocumento: "otro", Folio: "INV-7", Descripcion: "NOTION",
		Categoria: "OFICINA", Moneda: "USD", Total: decimal.RequireFromString("10.99")},
}}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := CSV(&buf, informe); err != nil {
		t.Fatal(err)
	}
	golden(t, "rendicion.csv", buf.Bytes())
}

// TestXLSX reads the workbook back: cell by cell, its raw value, type and
// number format, so the golden file shows what a spreadsheet program sees.
func TestXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := XLSX(&buf, informe); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(Hoja, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			typ, _ := f.GetCellType(Hoja, cell)
			format := ""
			if sid, _ := f.GetCellStyle(Hoja, cell); sid != 0 {
				st, _ := f.GetStyle(sid)
				switch {
				case st.CustomNumFmt != nil:
					format = *st.CustomNumFmt
				case st.NumFmt != 0:
					format = fmt.Sprintf("builtin %d", st.NumFmt)
				}
				if st.Font != nil && st.Font.Bold {
					format += " bold"
				}
			}
			fmt.Fprintf(&out, "%s\t%s\t%s\t%s\n", cell, kind(typ), strings.TrimSpace(format), v)
		}
	}
	golden(t, "rendicion.xlsx.txt", []byte(out.String()))
	if p, _ := f.GetDocProps(); p.Title != "Tarjeta marzo 2024" {
		t.Fatalf("title %q", p.Title)
	}
}

func kind(t excelize.CellType) string {
	switch t {
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		return "número"
	case excelize.CellTypeSharedString, excelize.CellTypeInlineString:
		return "texto"
	}
	return fmt.Sprint(t)
}

func TestTotales(t *testing.T) {
	got := Totales(informe.Lineas)
	if len(got) != 2 || got[0].Moneda != "CLP" || got[0].Total.String() != "51535.5" || got[0].Neto.String() != "30244" ||
		got[0].Exento.String() != "12345.5" || got[1].Moneda != "USD" || got[1].Total.String() != "10.99" {
		t.Fatalf("totales: %+v", got)
	}
}
