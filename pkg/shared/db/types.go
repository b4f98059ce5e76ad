package db

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// NewID returns a time-ordered UUID v7 (DESIGN §3), which keeps primary-key
// indexes append-mostly.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// StringArray maps a Postgres text[] through database/sql, which has no
// array support of its own. Elements are simple identifiers (roles) but are
// quoted anyway.
type StringArray []string

// Value encodes the array literal.
func (a StringArray) Value() (driver.Value, error) {
	if a == nil {
		return "{}", nil
	}
	parts := make([]string, len(a))
	for i, s := range a {
		parts[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// Scan decodes the array literal Postgres returns in text format.
func (a *StringArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		*a = nil
		return nil
	default:
		return fmt.Errorf("StringArray: cannot scan %T", src)
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return fmt.Errorf("StringArray: bad literal %q", s)
	}
	s = s[1 : len(s)-1]
	out := StringArray{}
	for i := 0; i < len(s); {
		var b strings.Builder
		if s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			i++ // closing quote
		} else {
			for i < len(s) && s[i] != ',' {
				b.WriteByte(s[i])
				i++
			}
		}
		out = append(out, b.String())
		if i < len(s) && s[i] == ',' {
			i++
		}
	}
	*a = out
	return nil
}

// Now is the current UTC time at the microsecond Postgres stores, so a
// response right after a write shows the same instant a later read does.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
