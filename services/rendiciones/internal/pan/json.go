package pan

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// maxDepth bounds the nesting ContainsInJSON follows; deeper documents are
// scanned as raw text instead.
const maxDepth = 256

// ContainsInJSON reports whether any string or number of the JSON document
// body, or any object key, holds a PAN, and the path of the first hit in
// document order: "alias", "items[2].descripcion", `meta["a b"]`. A hit in a
// key reports the object holding it, so the path never carries the number.
// The path is "" for a top-level value. A body that is not valid JSON (or
// nests deeper than maxDepth) is walked up to the fault and then scanned
// whole as plain text, with path "": the caller rejects such bodies anyway,
// but a PAN in them must still be found so the rejection does not echo it.
//
// A bare number counts as its exact digits (4111111111111111, or
// 4.111111111111111e15): JSON numbers are read without float rounding.
func ContainsInJSON(body []byte) (path string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false
		}
		if err != nil || len(stack) > maxDepth {
			return "", Find(string(body))
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			if _, ok := tok.(json.Delim); ok { // '}' closes the object
				stack = valueDone(stack[:n-1])
				continue
			}
			key, _ := tok.(string)
			if Find(key) {
				return pathOf(stack[:n-1]), true
			}
			stack[n-1].key, stack[n-1].wantKey = key, false
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{wantKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default: // ']'
				stack = valueDone(stack[:len(stack)-1])
			}
			continue
		case string:
			if Find(t) {
				return pathOf(stack), true
			}
		case json.Number:
			if numberIsPAN(string(t)) {
				return pathOf(stack), true
			}
		}
		stack = valueDone(stack)
	}
}

// frame is one open object or array and where the walk is inside it.
type frame struct {
	array   bool
	index   int    // array: element being read
	key     string // object: key of the value being read
	wantKey bool   // object: the next token is a key or '}'
}

// valueDone moves the innermost container past the value just read.
func valueDone(stack []frame) []frame {
	if n := len(stack); n > 0 {
		if stack[n-1].array {
			stack[n-1].index++
		} else {
			stack[n-1].wantKey = true
		}
	}
	return stack
}

func pathOf(stack []frame) string {
	var b strings.Builder
	for _, f := range stack {
		switch {
		case f.array:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
		case isIdent(f.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(f.key))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

// numberIsPAN reports whether a JSON number (already valid JSON syntax) is an
// integer of 13–19 digits passing Luhn. The exponent form is expanded
// exactly; a fraction that does not cancel out means it is not a card number.
func numberIsPAN(num string) bool {
	num = strings.TrimPrefix(num, "-")
	mant, exp := num, 0
	if i := strings.IndexAny(num, "eE"); i >= 0 {
		e, err := strconv.Atoi(num[i+1:])
		// Beyond this the value is either below 1 or above 19 digits.
		if err != nil || e > len(num)+maxDigits || e < -len(num)-maxDigits {
			return false
		}
		mant, exp = num[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return false
	}
	exp -= len(frac)
	if exp < 0 {
		k := -exp
		if k > len(digits) || strings.TrimRight(digits[len(digits)-k:], "0") != "" {
			return false
		}
		digits = digits[:len(digits)-k]
	} else {
		if len(digits)+exp > maxDigits {
			return false
		}
		digits += strings.Repeat("0", exp)
	}
	return len(digits) >= minDigits && len(digits) <= maxDigits && Luhn(digits)
}
