package extraccion

import (
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.NullDecimal { return nullDec(decimal.RequireFromString(s)) }

func decInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }
