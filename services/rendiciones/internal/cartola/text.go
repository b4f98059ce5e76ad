package cartola

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"ecosystem/services/rendiciones/internal/pan"
)

// Encoding names reported in Statement.Encoding.
const (
	EncodingUTF8        = "UTF-8"
	EncodingWindows1252 = "Windows-1252"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// decode turns the file into text. Banks export UTF-8 (with or without BOM)
// or Windows-1252; Excel's "Unicode text" is UTF-16 with a BOM. Anything that
// is not valid UTF-8 is read as Windows-1252, a superset of Latin-1 for
// every printable character, so "Operaci\xf3n" becomes "Operación".
func decode(raw []byte) (text, encoding string, err error) {
	switch {
	case bytes.HasPrefix(raw, bomUTF8):
		raw = raw[len(bomUTF8):]
	case bytes.HasPrefix(raw, bomUTF16LE), bytes.HasPrefix(raw, bomUTF16BE):
		order, name := xunicode.LittleEndian, EncodingUTF16LE
		if raw[0] == 0xFE {
			order, name = xunicode.BigEndian, EncodingUTF16BE
		}
		b, err := xunicode.UTF16(order, xunicode.ExpectBOM).NewDecoder().Bytes(raw)
		if err != nil {
			return "", "", fmt.Errorf("%w: UTF-16 inválido", ErrNotText)
		}
		if err := checkText(b); err != nil {
			return "", "", err
		}
		return string(b), name, nil
	}
	if err := checkText(raw); err != nil {
		return "", "", err
	}
	if utf8.Valid(raw) {
		return string(raw), EncodingUTF8, nil
	}
	b, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return "", "", fmt.Errorf("%w: codificación no reconocida", ErrNotText)
	}
	return string(b), EncodingWindows1252, nil
}

// checkText refuses files that are not a text export: the usual mistakes
// are uploading the PDF statement or the .xlsx instead of the CSV.
func checkText(b []byte) error {
	for _, m := range []struct {
		magic, what string
	}{
		{"%PDF", "parece un PDF"},
		{"PK\x03\x04", "parece un Excel .xlsx (o un ZIP); exporte la cartola como CSV"},
		{"\xD0\xCF\x11\xE0", "parece un Excel .xls; exporte la cartola como CSV"},
		{"\x89PNG", "parece una imagen"},
		{"\xFF\xD8\xFF", "parece una imagen"},
	} {
		if bytes.HasPrefix(b, []byte(m.magic)) {
			return fmt.Errorf("%w: %s", ErrNotText, m.what)
		}
	}
	// Several banks' ".xls" downloads are HTML tables.
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return fmt.Errorf("%w: parece HTML (un .xls exportado por el banco); exporte la cartola como CSV", ErrNotText)
	}
	controls := 0
	for _, c := range b {
		switch {
		case c == 0:
			return fmt.Errorf("%w: contiene bytes binarios", ErrNotText)
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A:
			controls++
		}
	}
	// A stray control character is tolerated; many of them mean binary.
	if controls > 0 && controls*100 > len(b) {
		return fmt.Errorf("%w: contiene bytes binarios", ErrNotText)
	}
	return nil
}

// splitLines cuts text into physical lines on \r\n, \n or a lone \r, so
// that line numbers match what a person sees in an editor.
func splitLines(text string) ([]string, error) {
	var lines []string
	for len(text) > 0 {
		if len(lines) == MaxLines {
			return nil, fmt.Errorf("%w: más de %d líneas", ErrTooLarge, MaxLines)
		}
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	return lines, nil
}

// splitFields splits one record on sep. A field that starts with a double
// quote (after blanks) runs to the matching quote, with "" standing for one
// quote, and may hold sep and line breaks. Text after the closing quote, or a
// quote in the middle of a field, is kept as is: exports are not always
// strict CSV and a lenient read beats a rejected file. ok is false when a
// quoted field is still open at the end of text.
func splitFields(text string, sep byte) (fields []string, ok bool) {
	i := 0
	for {
		j := i
		for j < len(text) && text[j] == ' ' {
			j++
		}
		if j < len(text) && text[j] == '"' {
			var b strings.Builder
			k, closed := j+1, false
			for k < len(text) {
				if text[k] == '"' {
					if k+1 < len(text) && text[k+1] == '"' {
						b.WriteByte('"')
						k += 2
						continue
					}
					closed = true
					k++
					break
				}
				b.WriteByte(text[k])
				k++
			}
			if !closed {
				return append(fields, b.String()), false
			}
			end := strings.IndexByte(text[k:], sep)
			if end < 0 {
				b.WriteString(text[k:])
				return append(fields, b.String()), true
			}
			b.WriteString(text[k : k+end])
			fields = append(fields, b.String())
			i = k + end + 1
			continue
		}
		end := strings.IndexByte(text[i:], sep)
		if end < 0 {
			return append(fields, text[i:]), true
		}
		fields = append(fields, text[i:i+end])
		i += end + 1
	}
}

// fold reduces s to a comparison key: lower case, no accents (compatibility
// decomposition, so "Nº" becomes "no"), every run of punctuation or blanks
// one space, trimmed. "Descripción Operación ($)" → "descripcion operacion".
func fold(s string) string {
	var b strings.Builder
	space := true
	if !isASCII(s) {
		s = norm.NFKD.String(s)
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// clean trims a cell and collapses inner whitespace runs to one space.
func clean(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// quote shows a cell value inside an error message: short, and with any
// card number redacted, since messages reach clients and logs. Redacting
// before the cut keeps a partial number from slipping out; after it, a cut
// through a long digit run cannot leave something that reads as a card.
func quote(s string) string {
	s = pan.Redact(clean(s))
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = pan.Redact(string(r[:40])) + "…"
	}
	return "«" + s + "»"
}
