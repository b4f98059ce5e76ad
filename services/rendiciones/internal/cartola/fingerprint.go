package cartola

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// fingerprintVersion changes if the normalization below ever does, so old
// and new fingerprints never collide by accident.
const fingerprintVersion = "cartola/v1"

// Fingerprint identifies this charge on card cardID across imports, so that
// importing the same statement twice, or next month's export that repeats
// the last days of this one, creates no duplicates (store it under a unique
// index with the card and skip rows whose fingerprint exists).
//
// It is the SHA-256 (hex) of the row's normalized content: fecha, descripción
// (folded: case, accents, punctuation and spacing do not count, so a
// Windows-1252 and a UTF-8 export of one statement agree), monto (exact,
// "12990" = "12990,00"), moneda, cuotas ("01/12" = "1/12") and referencia
// when the bank gives one, plus Occurrence, the row's index among the rows
// of the same file that share all of that. Two genuine identical charges on
// one day (two coffees) are therefore two rows, #0 and #1, and an
// overlapping export that holds both maps them to the same two
// fingerprints. Cuotas is part of the key because an installment purchase
// shows up every month with the same date, merchant and amount; only the
// "n/total" tells "3/12" from "4/12".
//
// The occurrence count cannot tell apart identical rows when an overlapping
// export cuts a day in half; banks cut statements on whole days, and
// Referencia, when present, makes rows distinct anyway.
func (r Row) Fingerprint(cardID string) string {
	h := sha256.New()
	for _, part := range []string{fingerprintVersion, cardID, r.key(), strconv.Itoa(r.Occurrence)} {
		// Length-prefixed, so no choice of values can shift a boundary.
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// key is the normalized content that two copies of one charge share.
func (r Row) key() string {
	return strings.Join([]string{
		r.Fecha.Format("2006-01-02"),
		fold(r.Descripcion),
		r.Monto.String(), // shortest exact form: trailing zeros dropped
		r.Moneda,
		cuotasKey(r.Cuotas),
		fold(r.Referencia),
	}, "\x1f")
}

// cuotasKey keeps the numbers of an installment field: "01/12", "1 de 12"
// and "1/12" are all "1/12"; "" stays "".
func cuotasKey(s string) string {
	var nums []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		if n := strings.TrimLeft(f, "0"); n != "" {
			nums = append(nums, n)
		} else {
			nums = append(nums, "0")
		}
	}
	return strings.Join(nums, "/")
}

// numberOccurrences sets Occurrence on each row: 0 for the first row with a
// given key, 1 for the next identical one, and so on, in file order.
func numberOccurrences(rows []Row) {
	seen := make(map[string]int, len(rows))
	for i := range rows {
		k := rows[i].key()
		rows[i].Occurrence = seen[k]
		seen[k]++
	}
}
