package documentos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"ecosystem/pkg/shared/apperr"
)

var pdfMinimo = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"pdf", pdfMinimo, "application/pdf"},
		{"pdf tras BOM y espacios", append([]byte("\xEF\xBB\xBF \r\n"), pdfMinimo...), "application/pdf"},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"png sin la firma completa", []byte("\x89PNG\r\n"), ""},
		{"texto", []byte("Factura 123\n"), ""},
		{"html que menciona %PDF", []byte("<html>%PDF-1.4</html>"), ""},
		{"gif", []byte("GIF89a"), ""},
		{"zip (docx)", []byte("PK\x03\x04"), ""},
		{"vacío", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniff(tc.head); got != tc.want {
				t.Fatalf("sniff = %q, want %q", got, tc.want)
			}
		})
	}
}

func leer(data []byte, max int64) (*subida, error) {
	s := nuevaSubida(iotest.HalfReader(bytes.NewReader(data)), max)
	_, err := io.Copy(io.Discard, s)
	return s, err
}

func TestSubida(t *testing.T) {
	grande := append(append([]byte{}, pdfMinimo[:9]...), bytes.Repeat([]byte("x"), 5000)...)
	grande = append(grande, "\n%%EOF\n"...)
	tests := []struct {
		name   string
		data   []byte
		max    int64
		status int
		mime   string
	}{
		{"pdf", pdfMinimo, 1 << 20, 0, "application/pdf"},
		{"pdf grande con %%EOF al final", grande, 1 << 20, 0, "application/pdf"},
		{"pdf con basura tras %%EOF", append(append([]byte{}, pdfMinimo...), "\x00\x00\x00"...), 1 << 20, 0, "application/pdf"},
		{"pdf truncado", grande[:3000], 1 << 20, 400, ""},
		{"vacío", nil, 1 << 20, 400, ""},
		{"texto", []byte(strings.Repeat("hola ", 200)), 1 << 20, 415, ""},
		{"texto corto", []byte("hola"), 1 << 20, 415, ""},
		{"sobre el límite", grande, 1000, 413, ""},
		{"justo en el límite", pdfMinimo, int64(len(pdfMinimo)), 0, "application/pdf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := leer(tc.data, tc.max)
			if tc.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(tc.data)
				if s.mime != tc.mime || s.n != int64(len(tc.data)) || s.sha256() != hex.EncodeToString(sum[:]) {
					t.Fatalf("mime %s n %d sha %s", s.mime, s.n, s.sha256())
				}
				return
			}
			ae, ok := apperr.As(err)
			if !ok || ae.Status != tc.status {
				t.Fatalf("err %v, want status %d", err, tc.status)
			}
		})
	}
}

// FuzzSubida: whatever the bytes, the reader either accepts a supported
// type with the right hash and size, or refuses with a client error.
func FuzzSubida(f *testing.F) {
	f.Add(pdfMinimo, int64(1<<20))
	f.Add([]byte("\x89PNG\r\n\x1a\nresto"), int64(10))
	f.Add([]byte{0xFF, 0xD8, 0xFF}, int64(3))
	f.Add([]byte(""), int64(1))
	f.Fuzz(func(t *testing.T, data []byte, max int64) {
		if max <= 0 {
			max = 1
		}
		s, err := leer(data, max)
		if err != nil {
			if ae, ok := apperr.As(err); !ok || ae.Status < 400 || ae.Status >= 500 {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		sum := sha256.Sum256(data)
		if s.mime == "" || s.n != int64(len(data)) || s.n > max || s.sha256() != hex.EncodeToString(sum[:]) || sniff(data) != s.mime {
			t.Fatalf("accepted %q mime %q n %d", data, s.mime, s.n)
		}
	})
}

func TestNombreSeguro(t *testing.T) {
	for in, want := range map[string]string{
		"factura.pdf":                "factura.pdf",
		"C:\\Users\\ana\\boleta.pdf": "boleta.pdf",
		"../../etc/passwd":           "passwd",
		"  ":                         "documento",
		"..":                         "documento",
		"a\"b\x00\nc.pdf":            "abc.pdf",
		"año 2026 – café.pdf":        "año 2026 – café.pdf",
		strings.Repeat("n", 400):     strings.Repeat("n", 255),
	} {
		if got := nombreSeguro(in); got != want {
			t.Errorf("nombreSeguro(%q) = %q, want %q", in, got, want)
		}
	}
	if d := disposition("año \"x\".pdf"); !strings.Contains(d, `filename="a_o _x_.pdf"`) || !strings.Contains(d, "filename*=UTF-8''a%C3%B1o%20%22x%22.pdf") {
		t.Fatal(d)
	}
}

func TestNormalizarFolio(t *testing.T) {
	for in, want := range map[string]string{"000456": "456", "456": "456", "0": "0", "000": "0", "A-0012": "A-0012", "": ""} {
		if got := normalizarFolio(in); got != want {
			t.Errorf("normalizarFolio(%q) = %q, want %q", in, got, want)
		}
	}
}
