package stock

import (
	"github.com/shopspring/decimal"

	"ecosystem/services/inventario/internal/num"
)

// saldo is a balance while a movement is being computed.
type saldo struct {
	cantidad decimal.Decimal
	promedio decimal.Decimal // weighted-average unit cost
}

// entra adds q units at unit cost c (an entrada, the destination side of a
// transferencia, a positive ajuste with a cost, a reversed salida):
//
//	promedio' = (cantidad·promedio + q·c) / (cantidad + q)
//
// rounded half-up to 6 decimals. The products are exact (4 × 6 decimals) and
// DivRound rounds the exact quotient once, so the result does not depend on
// an intermediate precision. When the balance is empty the old average means
// nothing and the new one is c. Balances are never negative, so the formula
// never divides by zero or mixes signs.
func (s saldo) entra(q, c decimal.Decimal) saldo {
	if s.cantidad.Sign() <= 0 {
		return saldo{cantidad: s.cantidad.Add(q), promedio: c.Round(num.ScaleCosto)}
	}
	total := s.cantidad.Add(q)
	valor := s.cantidad.Mul(s.promedio).Add(q.Mul(c))
	return saldo{cantidad: total, promedio: valor.DivRound(total, num.ScaleCosto)}
}

// sale removes q units. Outflows are valued at the current average and never
// change it (salida, the origin of a transferencia, a negative ajuste).
func (s saldo) sale(q decimal.Decimal) saldo {
	return saldo{cantidad: s.cantidad.Sub(q), promedio: s.promedio}
}

// valor is the balance's value, rounded to cents.
func (s saldo) valor() num.Monto { return num.Valor(s.cantidad, s.promedio) }
