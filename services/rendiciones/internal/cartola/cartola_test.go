package cartola

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// want is a row as a test expects it, in strings to keep tables readable.
type want struct {
	line        int
	fecha       string
	descripcion string
	monto       string
	moneda      string
	cuotas      string
	referencia  string
}

// wantErr is a rejected line: its number, field, and a piece of the message.
type wantErr struct {
	line  int
	field string
	msg   string
}

func TestParseFiles(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		opts     Options
		sep      rune
		encoding string
		header   int
		rows     []want
		rejected []wantErr
	}{
		{
			name: "banco de chile: latin-1, punto y coma, preámbulo, coma decimal",
			file: "bancochile_latin1.csv", sep: ';', encoding: EncodingWindows1252, header: 7,
			rows: []want{
				{8, "2024-03-01", "COPEC ÑUÑOA", "35990", "CLP", "01/01", ""},
				{9, "2024-03-02", "FARMACIAS AHUMADA", "12345.5", "CLP", "01/01", ""},
				{10, "2024-03-05", "PAGO TARJETA", "-150000", "CLP", "", ""},
				// "1.234" in a file that writes "12.345,50": thousands.
				{11, "2024-03-07", "FALABELLA.COM", "1234", "CLP", "02/06", ""},
				{12, "2024-03-09", "LIDER EXPRESS", "1234567", "CLP", "01/01", ""},
			},
		},
		{
			name: "santander: columnas cargo y abono, BOM, comillas con separador",
			file: "santander_cargo_abono.csv", sep: ';', encoding: EncodingUTF8, header: 3,
			rows: []want{
				{4, "2024-03-04", `SUPERMERCADO "EL SOL"; SUC 3`, "45670", "CLP", "01/01", "123456"},
				{5, "2024-03-06", "DEVOLUCION COMPRA", "-12990", "CLP", "", "123457"},
				// "-" in Cargos is empty; the abono's own sign does not matter.
				{6, "2024-03-10", "PAGO EN LINEA", "-200000", "CLP", "", ""},
				{7, "2024-03-11", "HOTEL DIEGO DE ALMAGRO", "89000", "CLP", "01/03", "123458"},
			},
		},
		{
			name: "bci: fechas ISO, coma, todo entre comillas, columna moneda",
			file: "bci_iso.csv", sep: ',', encoding: EncodingUTF8, header: 1,
			rows: []want{
				// "8,540" in a file that writes "7.99": thousands.
				{2, "2024-03-15", "UBER *TRIP", "8540", "CLP", "", "000111"},
				{3, "2024-03-16", "AMAZON PRIME", "7.99", "USD", "", "000112"},
				{4, "2024-03-18", "STARBUCKS, COSTANERA", "4250", "CLP", "", "000113"},
				{5, "2024-03-20", "SKY AIRLINE", "1234567", "CLP", "", "000114"},
				{6, "2024-03-21", "NOTION LABS", "10", "USD", "", "000115"},
				{7, "2024-03-22", "REVERSO UBER", "-8540", "CLP", "", "000116"},
			},
		},
		{
			name: "internacional en dólares: tabulador, punto decimal, US$ y paréntesis",
			file: "internacional_usd.csv", sep: '\t', encoding: EncodingUTF8, header: 3,
			rows: []want{
				{4, "2024-03-03", "OPENAI *CHATGPT SUBSCR", "20", "USD", "", ""},
				{5, "2024-03-05", "GOOGLE *CLOUD", "1234.56", "USD", "", ""},
				{6, "2024-03-07", "PAYMENT THANK YOU", "-500", "USD", "", ""},
			},
		},
		{
			name: "una columna de monto por moneda, fechas con punto",
			file: "dos_monedas.csv", sep: ';', encoding: EncodingUTF8, header: 1,
			rows: []want{
				{2, "2024-04-01", "ESTACIONAMIENTO", "2500", "CLP", "", ""},
				{3, "2024-04-02", "NETFLIX.COM", "15.99", "USD", "", ""},
				{4, "2024-04-03", "ALMUERZO", "12000", "CLP", "", ""},
			},
		},
		{
			name: "latin-1 con encabezados Operación y comercios con tildes",
			file: "latin1_operacion.csv", sep: ';', encoding: EncodingWindows1252, header: 2,
			rows: []want{
				{3, "2024-03-12", "PANADERÍA SAN JOSÉ", "3450", "CLP", "", "9001"},
				{4, "2024-03-13", "CAFÉ ÑUÑOA", "2900", "CLP", "", "9002"},
				// 0x96 is an en dash in Windows-1252, a control code in Latin-1.
				{5, "2024-03-14", "LIBRERÍA ANTÁRTICA – CENTRO", "15990", "CLP", "", "9003"},
			},
		},
		{
			name: "filas malformadas con su número de línea",
			file: "malformada.csv", sep: ';', encoding: EncodingUTF8, header: 1,
			rows: []want{
				{2, "2024-03-01", "OK UNO", "1000", "CLP", "", ""},
				{9, "2024-03-06", "OK DOS", "7000", "CLP", "", ""},
				{11, "2024-03-08", "OK TRES", "9000", "CLP", "", ""},
				{13, "2024-03-10", "OK CUATRO", "10000", "CLP", "", ""},
			},
			rejected: []wantErr{
				{3, "fecha", "fecha inexistente: «31/02/2024»"},
				{4, "monto", "«12,34,5»"},
				{5, "monto", "falta la columna «Monto»"},
				{6, "fecha", "fecha vacía"},
				{7, "descripcion", "descripción vacía"},
				{8, "fecha", "«2024/13/01»"},
				{8, "monto", "monto inválido: «abc»"},
				{10, "linea", "comillas sin cerrar"},
				{12, "moneda", "«EUR»"},
			},
		},
		{
			name: "moneda por defecto de la tarjeta",
			file: "latin1_operacion.csv", opts: Options{DefaultMoneda: "US$"},
			sep: ';', encoding: EncodingWindows1252, header: 2,
			rows: []want{
				{3, "2024-03-12", "PANADERÍA SAN JOSÉ", "3450", "USD", "", "9001"},
				{4, "2024-03-13", "CAFÉ ÑUÑOA", "2900", "USD", "", "9002"},
				{5, "2024-03-14", "LIBRERÍA ANTÁRTICA – CENTRO", "15990", "USD", "", "9003"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseWith(open(t, tt.file), tt.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if st.Separator != tt.sep || st.Encoding != tt.encoding || st.HeaderLine != tt.header {
				t.Errorf("got separator %q, encoding %s, header line %d; want %q, %s, %d",
					st.Separator, st.Encoding, st.HeaderLine, tt.sep, tt.encoding, tt.header)
			}
			checkRows(t, st, tt.rows)
			checkRejected(t, st, tt.rejected)
		})
	}
}

// TestParseText covers layouts that are easier to read inline.
func TestParseText(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		rows     []want
		rejected []wantErr
	}{
		{
			name: "campo entre comillas con salto de línea",
			text: "Fecha;Descripción;Monto\n01/03/2024;\"DOS\nLÍNEAS\";1.000\n02/03/2024;SIGUE;2.000\n",
			rows: []want{
				{2, "2024-03-01", "DOS LÍNEAS", "1000", "CLP", "", ""},
				{4, "2024-03-02", "SIGUE", "2000", "CLP", "", ""},
			},
		},
		{
			name: "encabezado repetido, título de sección y subtotales",
			text: "Fecha;Detalle;Monto\n01/03/2024;A;1.000\nCompras internacionales;;\nFecha;Detalle;Monto\n02/03/2024;B;2.000\nSubtotal;;3.000\nSaldo anterior;;0\n\n;;\n",
			rows: []want{
				{2, "2024-03-01", "A", "1000", "CLP", "", ""},
				{5, "2024-03-02", "B", "2000", "CLP", "", ""},
			},
		},
		{
			name: "comercio que empieza con Total y tiene fecha es una compra",
			text: "Fecha;Detalle;Monto\n01/03/2024;TOTAL SERVICIOS SPA;1.000\n",
			rows: []want{{2, "2024-03-01", "TOTAL SERVICIOS SPA", "1000", "CLP", "", ""}},
		},
		{
			name: "solo retorno de carro como fin de línea",
			text: "Fecha;Glosa;Importe\r01-03-2024;A;1.500\r02-03-2024;B;2.500\r",
			rows: []want{
				{2, "2024-03-01", "A", "1500", "CLP", "", ""},
				{3, "2024-03-02", "B", "2500", "CLP", "", ""},
			},
		},
		{
			name: "punto decimal aprendido del resto de la columna",
			text: "Fecha,Descripcion,Monto\n01/03/2024,A,1.234\n02/03/2024,B,12.50\n",
			rows: []want{
				{2, "2024-03-01", "A", "1.234", "CLP", "", ""},
				{3, "2024-03-02", "B", "12.5", "CLP", "", ""},
			},
		},
		{
			name: "sin pistas se usa la convención chilena",
			text: "Fecha;Descripcion;Monto\n01/03/2024;A;1.234\n02/03/2024;B;1,234\n",
			rows: []want{
				{2, "2024-03-01", "A", "1234", "CLP", "", ""},
				{3, "2024-03-02", "B", "1.234", "CLP", "", ""},
			},
		},
		{
			name: "monto y cargo: manda cargo/abono",
			text: "Fecha;Descripción;Monto;Cargo;Abono\n01/03/2024;A;999;1.000;\n02/03/2024;B;999;;500\n",
			rows: []want{
				{2, "2024-03-01", "A", "1000", "CLP", "", ""},
				{3, "2024-03-02", "B", "-500", "CLP", "", ""},
			},
		},
		{
			name: "variantes de encabezado: Nº, Nro., Fecha de Compra, Divisa",
			text: "FECHA DE COMPRA;Nombre Comercio;Nº Cuota;Monto (US$);Divisa;Nro. Operación\n" +
				"15/03/2024 10:22;AMAZON;1/1;10,50;Dólar;77\n16/03/2024;ENTEL;;$ 20.000;CLP$;78\n",
			rows: []want{
				{2, "2024-03-15", "AMAZON", "10.5", "USD", "1/1", "77"},
				{3, "2024-03-16", "ENTEL", "20000", "CLP", "", "78"},
			},
		},
		{
			name: "número de tarjeta en la glosa se redacta",
			text: "Fecha;Descripción;Monto;Referencia\n01/03/2024;PAGO TC 4111 1111 1111 1111;1.000;4111111111111111\n",
			rows: []want{{2, "2024-03-01", "PAGO TC [PAN REDACTED]", "1000", "CLP", "", "[PAN REDACTED]"}},
		},
		{
			name:     "dos montos en una línea con columnas por moneda",
			text:     "Fecha;Glosa;Monto $;Monto US$\n01/03/2024;A;1.000;2,00\n",
			rejected: []wantErr{{2, "monto", "dos monedas"}},
		},
		{
			name: "solo filas malas: se informan todas",
			text: "Fecha;Glosa;Monto\nxx;A;yy\nzz;B;ww\n",
			rejected: []wantErr{
				{2, "fecha", "«xx»"}, {2, "monto", "«yy»"},
				{3, "fecha", "«zz»"}, {3, "monto", "«ww»"},
			},
		},
		{
			name: "fila en blanco tras el encabezado",
			text: "Fecha;Glosa;Monto\n",
		},
		{
			name: "línea demasiado larga",
			text: "Fecha;Glosa;Monto\n01/03/2024;" + strings.Repeat("x", MaxLineLength) + ";1\n02/03/2024;B;2\n",
			rows: []want{{3, "2024-03-02", "B", "2", "CLP", "", ""}},
			rejected: []wantErr{
				{2, "linea", "demasiado larga"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Parse(strings.NewReader(tt.text))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkRows(t, st, tt.rows)
			checkRejected(t, st, tt.rejected)
		})
	}
}

func TestParseUTF16(t *testing.T) {
	text := "Fecha\tDescripción\tMonto\r\n01/03/2024\tCAFÉ\t2.500\r\n"
	units := utf16.Encode([]rune(text))
	b := []byte{0xFF, 0xFE}
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	st, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if st.Encoding != EncodingUTF16LE || st.Separator != '\t' {
		t.Errorf("encoding %s, separator %q", st.Encoding, st.Separator)
	}
	checkRows(t, st, []want{{2, "2024-03-01", "CAFÉ", "2500", "CLP", "", ""}})
}

func TestParseUnusable(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"vacío", nil, ErrEmpty},
		{"solo espacios", []byte(" \r\n\t\n"), ErrEmpty},
		{"solo BOM", []byte("\xEF\xBB\xBF"), ErrEmpty},
		{"PDF", []byte("%PDF-1.7\n..."), ErrNotText},
		{"xlsx", []byte("PK\x03\x04\x14\x00"), ErrNotText},
		{"xls antiguo", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), ErrNotText},
		{"xls que es HTML", []byte("  <html><table><tr><td>Fecha</td></tr></table>"), ErrNotText},
		{"binario", []byte("Fecha;Glosa;Monto\n\x00\x01\x02"), ErrNotText},
		{"sin encabezado", []byte("Banco\nCartola\n01/03/2024;A;1.000\n"), ErrNoHeader},
		{"encabezado sin monto", []byte("Fecha;Descripción;Cuotas\n01/03/2024;A;1/1\n"), ErrNoHeader},
		{"preámbulo parecido a encabezado", []byte("Fecha: 01/03/2024; Descripción: x; Monto: 1\n"), ErrNoHeader},
		{"demasiado grande", bytes.Repeat([]byte("a"), MaxBytes+1), ErrTooLarge},
		{"demasiadas líneas", bytes.Repeat([]byte("a\n"), MaxLines+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Parse(bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want error %v", st, err, tt.want)
			}
		})
	}
	if _, err := ParseWith(strings.NewReader("x"), Options{DefaultMoneda: "EUR"}); err == nil {
		t.Error("ParseWith accepted an unsupported DefaultMoneda")
	}
}

func open(t *testing.T, name string) *bytes.Reader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func checkRows(t *testing.T, st *Statement, rows []want) {
	t.Helper()
	if len(st.Rows) != len(rows) {
		t.Errorf("got %d rows, want %d: %+v", len(st.Rows), len(rows), st.Rows)
	}
	for i := range min(len(st.Rows), len(rows)) {
		r, w := st.Rows[i], rows[i]
		got := want{r.Line, r.Fecha.Format("2006-01-02"), r.Descripcion, r.Monto.String(), r.Moneda, r.Cuotas, r.Referencia}
		if got != w {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, w)
		}
		if r.Fecha.Location().String() != "UTC" || r.Fecha.Hour() != 0 {
			t.Errorf("row %d: fecha %v is not UTC midnight", i, r.Fecha)
		}
	}
}

func checkRejected(t *testing.T, st *Statement, errs []wantErr) {
	t.Helper()
	if len(st.Rejected) != len(errs) {
		t.Errorf("got %d rejected, want %d: %v", len(st.Rejected), len(errs), st.Rejected)
	}
	for i := range min(len(st.Rejected), len(errs)) {
		e, w := st.Rejected[i], errs[i]
		if e.Line != w.line || e.Field != w.field || !strings.Contains(e.Msg, w.msg) {
			t.Errorf("rejected %d = %v; want line %d, %s, containing %q", i, e, w.line, w.field, w.msg)
		}
	}
}

// BenchmarkParse reads a 20 000-row statement, a large year of one card.
func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("Banco\nFecha;Descripción;Cuotas;Monto ($);Moneda\n")
	for i := range 20_000 {
		fmt.Fprintf(&buf, "%02d/%02d/2024;COMERCIO NÚMERO %d;01/01;%d.%03d;CLP\n", i%28+1, i%12+1, i, i%1000+1, i%1000)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		st, err := Parse(bytes.NewReader(data))
		if err != nil || len(st.Rows) != 20_000 {
			b.Fatalf("Parse: %v, %d rows", err, len(st.Rows))
		}
	}
}
