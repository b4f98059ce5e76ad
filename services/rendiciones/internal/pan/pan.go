// Package pan detects full payment-card numbers (PANs) in free text and JSON
// bodies, so rendiciones can refuse them and keep them out of logs: only the
// last 4 digits of a card are ever stored (DESIGN §6).
package pan

import (
	"regexp"
	"strings"
)

// Redacted replaces every PAN that Redact finds.
const Redacted = "[PAN REDACTED]"

// A PAN has 13 to 19 digits (ISO/IEC 7812).
const (
	minDigits = 13
	maxDigits = 19
)

// When a number is written in groups ("4111 1111 1111 1111", Amex 4-6-5),
// every group must have 3 to 8 digits. Groups of 1–2 digits are what dates
// ("15-03-2024 16-03-2024") and phone numbers are made of, so a chain of them
// is not read as a card number.
const (
	minGroup = 3
	maxGroup = 8
)

// Luhn reports whether digits, ASCII digits only, passes the Luhn (mod 10)
// check. Anything else, including the empty string, fails.
func Luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Find reports whether s contains a PAN: 13–19 digits passing the Luhn check,
// written as one run or in groups joined by single spaces or dashes.
//
// Digit runs glued to a decimal or thousands separator ("1.234.567,00",
// "76.123.456-K") belong to an amount or a RUT and are not candidates; a run
// longer than 19 digits is a reference number, not a card.
func Find(s string) bool {
	found := false
	scan(s, func(int, int) bool {
		found = true
		return false
	})
	return found
}

// Redact returns s with every PAN replaced by Redacted, for log lines and
// anything else that must not carry a full card number.
func Redact(s string) string {
	var b strings.Builder
	last, found := 0, false
	scan(s, func(start, end int) bool {
		found = true
		if start >= last {
			b.WriteString(s[last:start])
			b.WriteString(Redacted)
		}
		// A hit overlapping the previous one only widens it.
		last = max(last, end)
		return true
	})
	if !found {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// uuidRe matches a UUID. Its hex groups are sometimes all digits — the first
// three of "87597120-6055-4470-aaf5-…" read as 16 grouped digits, and one in
// ten such runs passes Luhn — and ids travel in every path and body, so a
// UUID must never be taken for a card number.
var uuidRe = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// maskUUIDs replaces every UUID by as many 'x' (byte offsets stay valid).
func maskUUIDs(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	return uuidRe.ReplaceAllStringFunc(s, func(u string) string { return strings.Repeat("x", len(u)) })
}

// group is one run of ASCII digits at s[start:end].
type group struct{ start, end int }

func (g group) len() int { return g.end - g.start }

// scan calls hit with the byte span of each PAN in s, in order, until hit
// returns false. Spans may overlap when a chain of groups holds several
// valid PANs; they are reported by increasing start.
func scan(s string, hit func(start, end int) bool) {
	s = maskUUIDs(s)
	var chain []group
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) {
			i++
			continue
		}
		chain = chain[:0]
		for {
			start := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			chain = append(chain, group{start, i})
			n := sepLen(s, i)
			if n == 0 || i+n >= len(s) || !isDigit(s[i+n]) {
				break
			}
			i += n
		}
		if !checkChain(s, chain, hit) {
			return
		}
	}
}

// checkChain tries every contiguous range of groups in chain that could be a
// PAN. A range of several groups is only considered when each group looks
// like a card group; a single group stands on its own length.
func checkChain(s string, chain []group, hit func(start, end int) bool) bool {
	var digits [maxDigits]byte
	for a := range chain {
		n := 0
		for b := a; b < len(chain); b++ {
			g := chain[b]
			if b > a && (g.len() < minGroup || g.len() > maxGroup || chain[a].len() < minGroup || chain[a].len() > maxGroup) {
				break
			}
			if n+g.len() > maxDigits {
				break
			}
			n += copy(digits[n:], s[g.start:g.end])
			if n < minDigits {
				continue
			}
			if partOfNumber(s, chain[a].start, g.end) {
				continue
			}
			if Luhn(string(digits[:n])) && !hit(chain[a].start, g.end) {
				return false
			}
		}
	}
	return true
}

// partOfNumber reports whether s[start:end] is glued, by a '.' or ',', to
// more digits: then it is an amount ("1234567890123,45") or a dotted RUT.
func partOfNumber(s string, start, end int) bool {
	if start >= 2 && (s[start-1] == '.' || s[start-1] == ',') && isDigit(s[start-2]) {
		return true
	}
	if end+1 < len(s) && (s[end] == '.' || s[end] == ',') && isDigit(s[end+1]) {
		return true
	}
	return false
}

// sepLen returns the byte length of a group separator at s[i] (a space, a
// dash or a no-break space), or 0.
func sepLen(s string, i int) int {
	switch {
	case i >= len(s):
		return 0
	case s[i] == ' ' || s[i] == '-':
		return 1
	case strings.HasPrefix(s[i:], "\u00a0"):
		return len("\u00a0")
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
