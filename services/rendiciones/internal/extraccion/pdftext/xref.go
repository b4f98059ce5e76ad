package pdftext

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// maxObjetos bounds the object numbers a PDF may declare. The PDF library
// sizes its cross-reference table from them before reading anything, so a
// 100-byte file declaring object 10⁹ would make it allocate tens of GB and
// take the worker down. No invoice comes near this many objects.
const maxObjetos = 2_000_000

var (
	startxrefRe  = regexp.MustCompile(`startxref\s+(\d+)`)
	sizeRe       = regexp.MustCompile(`/Size\s+(\d+)`)
	indexRe      = regexp.MustCompile(`/Index\s*\[([^\]]*)\]`)
	wRe          = regexp.MustCompile(`/W\s*\[([^\]]*)\]`)
	prevRe       = regexp.MustCompile(`/(?:Prev|XRefStm)\s+(\d+)`)
	dosEnterosRe = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s*$`)
)

// comprobarXref walks the cross-reference sections (startxref, then /Prev
// and /XRefStm) and rejects numbers that would make the library allocate
// without bound. Sections it cannot make sense of are left to the library.
func comprobarXref(r io.ReaderAt, size int64) error {
	limite := int64(min(maxObjetos, max(size, 10_000)))
	tail := leerTrozo(r, max(0, size-2048), 2048)
	ms := startxrefRe.FindAllSubmatch(tail, -1)
	if len(ms) == 0 {
		return nil
	}
	pendientes := []int64{atoi64(ms[len(ms)-1][1])}
	vistos := map[int64]bool{}
	for len(pendientes) > 0 && len(vistos) < 64 {
		off := pendientes[0]
		pendientes = pendientes[1:]
		if off <= 0 || off >= size || vistos[off] {
			continue
		}
		vistos[off] = true
		dict, err := seccionXref(r, off, size, limite)
		if err != nil {
			return err
		}
		if err := comprobarDict(dict, limite); err != nil {
			return err
		}
		for _, m := range prevRe.FindAllSubmatch(dict, -1) {
			pendientes = append(pendientes, atoi64(m[1]))
		}
	}
	return nil
}

// seccionXref checks a classic table's subsection headers and returns the
// dictionary that goes with the section (the trailer, or the xref stream's).
func seccionXref(r io.ReaderAt, off, size, limite int64) ([]byte, error) {
	head := leerTrozo(r, off, 4096)
	if !bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("xref")) {
		// An xref stream: its dictionary comes before "stream".
		if i := bytes.Index(head, []byte("stream")); i >= 0 {
			head = head[:i]
		}
		return head, nil
	}
	sc := bufio.NewScanner(io.NewSectionReader(r, off, size-off))
	sc.Buffer(make([]byte, 4096), 4096)
	sc.Split(lineasPDF)
	var leidas int64
	for sc.Scan() {
		line := sc.Bytes()
		leidas += int64(len(line)) + 1
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("trailer")) {
			return leerTrozo(r, off+leidas-int64(len(line))-1, 4096), nil
		}
		if m := dosEnterosRe.FindSubmatch(line); m != nil {
			start, n := atoi64(m[1]), atoi64(m[2])
			if start < 0 || n < 0 || start+n > limite {
				return nil, fmt.Errorf("%w: subsección de referencias %d+%d desproporcionada", ErrInvalid, start, n)
			}
		}
	}
	return nil, nil // no trailer found: let the library report it
}

func comprobarDict(dict []byte, limite int64) error {
	if m := sizeRe.FindSubmatch(dict); m != nil && atoi64(m[1]) > limite {
		return fmt.Errorf("%w: /Size %s desproporcionado", ErrInvalid, m[1])
	}
	if m := indexRe.FindSubmatch(dict); m != nil {
		nums := bytes.Fields(m[1])
		for i := 0; i+1 < len(nums); i += 2 {
			if s, n := atoi64(nums[i]), atoi64(nums[i+1]); s < 0 || n < 0 || s+n > limite {
				return fmt.Errorf("%w: /Index desproporcionado", ErrInvalid)
			}
		}
	}
	if m := wRe.FindSubmatch(dict); m != nil {
		for _, w := range bytes.Fields(m[1]) {
			if v := atoi64(w); v < 0 || v > 16 {
				return fmt.Errorf("%w: /W desproporcionado", ErrInvalid)
			}
		}
	}
	return nil
}

// lineasPDF splits on \n, \r or \r\n, as PDF allows.
func lineasPDF(data []byte, atEOF bool) (int, []byte, error) {
	for i, c := range data {
		if c == '\n' || c == '\r' {
			return i + 1, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	if len(data) >= 4096 {
		return len(data), data, nil // an absurd line: take it whole
	}
	return 0, nil, nil
}

func leerTrozo(r io.ReaderAt, off, n int64) []byte {
	if off < 0 || n <= 0 {
		return nil
	}
	b := make([]byte, n)
	k, _ := r.ReadAt(b, off)
	return b[:k]
}

// atoi64 parses a decimal; values too long to be real are reported huge.
func atoi64(b []byte) int64 {
	if len(b) > 15 {
		return 1 << 62
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return -1
	}
	return v
}
