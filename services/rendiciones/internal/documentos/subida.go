package documentos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"unicode"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/services/rendiciones/internal/extraccion"
)

// sniffLen is how much of the start decides the type; PDF readers accept
// the header anywhere in the first 1024 bytes, we accept it after leading
// whitespace or a BOM within the first 512.
const sniffLen = 512

// tailLen: a complete PDF ends with %%EOF in its last 1024 bytes.
const tailLen = 1024

// subida passes an uploaded file through while hashing it, counting it
// against the limit and sniffing its type, so the one copy that reaches
// storage is checked on the way and no copy is held in memory. Its errors
// are apperr values that storage.Put returns unchanged, after removing its
// temporary file.
type subida struct {
	src  io.Reader
	max  int64
	n    int64
	h    hash.Hash
	head []byte
	tail []byte
	mime string
}

func nuevaSubida(src io.Reader, max int64) *subida {
	return &subida{src: src, max: max, h: sha256.New(), head: make([]byte, 0, sniffLen), tail: make([]byte, 0, 2*tailLen)}
}

func (s *subida) Read(p []byte) (int, error) {
	n, err := s.src.Read(p)
	if n > 0 {
		s.n += int64(n)
		if s.n > s.max {
			return 0, errDemasiadoGrande(s.max)
		}
		s.h.Write(p[:n])
		if s.mime == "" {
			s.head = append(s.head, p[:min(n, sniffLen-len(s.head))]...)
			if len(s.head) == sniffLen {
				if s.mime = sniff(s.head); s.mime == "" {
					return 0, errNoSoportado()
				}
			}
		}
		s.tail = append(s.tail, p[max(0, n-tailLen):n]...)
		if len(s.tail) > tailLen {
			s.tail = append(s.tail[:0], s.tail[len(s.tail)-tailLen:]...)
		}
	}
	if err == io.EOF {
		if ferr := s.finish(); ferr != nil {
			return 0, ferr
		}
	}
	return n, err
}

// finish runs the checks that need the whole file.
func (s *subida) finish() error {
	if s.n == 0 {
		return apperr.Invalid("archivo", "está vacío")
	}
	if s.mime == "" {
		if s.mime = sniff(s.head); s.mime == "" {
			return errNoSoportado()
		}
	}
	// A PDF cut short (an interrupted download, a partial copy) has no
	// trailer; rejecting it here keeps a broken file out of storage.
	if s.mime == extraccion.MIMEPDF && !bytes.Contains(s.tail, []byte("%%EOF")) {
		return apperr.Invalid("archivo", "el PDF está incompleto o dañado (no termina en %%EOF)")
	}
	return nil
}

func (s *subida) sha256() string { return hex.EncodeToString(s.h.Sum(nil)) }

// sniff tells PDF, JPEG and PNG apart by their signatures; anything else is
// "" whatever its name or declared type says.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return extraccion.MIMEJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return extraccion.MIMEPNG
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	b = bytes.TrimLeft(b, " \t\r\n\f\x00")
	if bytes.HasPrefix(b, []byte("%PDF-")) {
		return extraccion.MIMEPDF
	}
	return ""
}

func errNoSoportado() *apperr.Error {
	return apperr.New(http.StatusUnsupportedMediaType, apperr.CodeUnsupportedMedia,
		"tipo de archivo no soportado: solo se aceptan PDF, JPEG o PNG (según su contenido)")
}

func errDemasiadoGrande(max int64) *apperr.Error {
	return apperr.New(http.StatusRequestEntityTooLarge, apperr.CodeTooLarge,
		fmt.Sprintf("el archivo supera el máximo de %d MB", max>>20)).With("max_bytes", max)
}

// nombreSeguro keeps a printable base name of at most 255 characters.
func nombreSeguro(s string) string {
	s = strings.ToValidUTF8(s, "")
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "" || s == "." || s == ".." {
		return "documento"
	}
	return truncar(s, 255)
}
