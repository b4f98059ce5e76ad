package stock

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
)

// Hand-written JSON for what the hot routes write: the movement (the
// response, the stored idempotent response and the event's data), the outbox
// envelope around it, and the lists of balances, movements and kardex lines.
// encoding/json spends most of its time here on reflection and on
// re-validating the output of every decimal's MarshalJSON and of the
// envelope's RawMessage; these appenders produce the same bytes (json_test.go
// compares them with encoding/json's) at a fraction of the cost.

// MarshalJSON encodes a movement.
func (m Movimiento) MarshalJSON() ([]byte, error) { return m.appendJSON(make([]byte, 0, 1024)), nil }

func (m Movimiento) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendUUID(b, m.ID)
	b = append(b, `,"tipo":`...)
	b = appendString(b, string(m.Tipo))
	b = append(b, `,"producto_id":`...)
	b = appendUUID(b, m.ProductoID)
	b = append(b, `,"bodega_id":`...)
	b = appendUUID(b, m.BodegaID)
	b = append(b, `,"bodega_destino_id":`...)
	b = appendUUIDPtr(b, m.BodegaDestinoID)
	b = append(b, `,"cantidad":`...)
	b = appendFixed(b, m.Cantidad.Decimal, 4)
	b = append(b, `,"variacion":`...)
	b = appendFixed(b, m.Variacion.Decimal, 4)
	b = append(b, `,"costo_unitario":`...)
	b = appendFixed(b, m.CostoUnitario.Decimal, 6)
	b = append(b, `,"valor":`...)
	b = appendFixed(b, m.Valor.Decimal, 2)
	b = append(b, `,"motivo":`...)
	b = appendString(b, m.Motivo)
	b = append(b, `,"referencia":`...)
	b = appendString(b, m.Referencia)
	b = append(b, `,"reverso_de":`...)
	b = appendUUIDPtr(b, m.ReversoDe)
	b = append(b, `,"reversado_por":`...)
	b = appendUUIDPtr(b, m.ReversadoPor)
	b = append(b, `,"usuario_id":`...)
	if m.UsuarioID == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, *m.UsuarioID)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, m.CreatedAt)
	b = append(b, `,"saldo":`...)
	b = m.Saldo.appendJSON(b)
	b = append(b, `,"saldo_destino":`...)
	if m.SaldoDestino == nil {
		b = append(b, "null"...)
	} else {
		b = m.SaldoDestino.appendJSON(b)
	}
	return append(b, '}')
}

func (s Saldo) appendJSON(b []byte) []byte {
	b = append(b, `{"producto_id":`...)
	b = appendUUID(b, s.ProductoID)
	b = append(b, `,"bodega_id":`...)
	b = appendUUID(b, s.BodegaID)
	b = append(b, `,"cantidad":`...)
	b = appendFixed(b, s.Cantidad.Decimal, 4)
	b = append(b, `,"costo_promedio":`...)
	b = appendFixed(b, s.CostoPromedio.Decimal, 6)
	b = append(b, `,"valor":`...)
	b = appendFixed(b, s.Valor.Decimal, 2)
	return append(b, '}')
}

// envelopeJSON encodes an events.Envelope; data must be compact JSON (it is
// always one of ours), which is what encoding/json would reduce it to.
func envelopeJSON(env events.Envelope) []byte {
	b := make([]byte, 0, 192+len(env.Data))
	b = append(b, `{"id":`...)
	b = appendString(b, env.ID)
	b = append(b, `,"event":`...)
	b = appendString(b, env.Event)
	b = append(b, `,"tenant_id":`...)
	b = appendString(b, env.TenantID)
	b = append(b, `,"occurred_at":`...)
	b = appendTime(b, env.OccurredAt)
	b = append(b, `,"request_id":`...)
	b = appendString(b, env.RequestID)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(env.Version), 10)
	b = append(b, `,"data":`...)
	b = append(b, env.Data...)
	return append(b, '}')
}

// appendString writes s as encoding/json does; anything but plain ASCII
// without characters it escapes goes through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendUUID(b []byte, u uuid.UUID) []byte {
	var s [38]byte
	s[0], s[37] = '"', '"'
	hex.Encode(s[1:9], u[0:4])
	s[9] = '-'
	hex.Encode(s[10:14], u[4:6])
	s[14] = '-'
	hex.Encode(s[15:19], u[6:8])
	s[19] = '-'
	hex.Encode(s[20:24], u[8:10])
	s[24] = '-'
	hex.Encode(s[25:37], u[10:16])
	return append(b, s[:]...)
}

func appendUUIDPtr(b []byte, u *uuid.UUID) []byte {
	if u == nil {
		return append(b, "null"...)
	}
	return appendUUID(b, *u)
}

// appendFixed writes d as a string with scale decimals. Values that already
// have that scale and fit an int64 — every stored one — are written from
// their coefficient; StringFixed goes through big.Int and allocates.
func appendFixed(b []byte, d decimal.Decimal, scale int32) []byte {
	b = append(b, '"')
	if d.Exponent() != -scale || d.NumDigits() > 18 {
		b = append(b, d.StringFixed(scale)...)
		return append(b, '"')
	}
	c := d.CoefficientInt64()
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], c, 10)
	n := int(scale)
	switch {
	case n == 0:
		b = append(b, digits...)
	case len(digits) <= n: // 0.000ddd
		b = append(b, "0."...)
		for range n - len(digits) {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		b = append(b, digits[:len(digits)-n]...)
		b = append(b, '.')
		b = append(b, digits[len(digits)-n:]...)
	}
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// MarshalJSON encodes a balance row of GET /api/stock.
func (r StockRow) MarshalJSON() ([]byte, error) { return r.appendJSON(make([]byte, 0, 320)), nil }

func (r StockRow) appendJSON(b []byte) []byte {
	b = append(b, `{"producto_id":`...)
	b = appendUUID(b, r.ProductoID)
	b = append(b, `,"sku":`...)
	b = appendString(b, r.SKU)
	b = append(b, `,"nombre":`...)
	b = appendString(b, r.Nombre)
	b = append(b, `,"bodega_id":`...)
	b = appendUUID(b, r.BodegaID)
	b = append(b, `,"bodega_codigo":`...)
	b = appendString(b, r.BodegaCodigo)
	b = append(b, `,"cantidad":`...)
	b = appendFixed(b, r.Cantidad.Decimal, 4)
	b = append(b, `,"costo_promedio":`...)
	b = appendFixed(b, r.CostoPromedio.Decimal, 6)
	b = append(b, `,"valor":`...)
	b = appendFixed(b, r.Valor.Decimal, 2)
	b = append(b, `,"stock_minimo":`...)
	b = appendFixed(b, r.StockMinimo.Decimal, 4)
	b = append(b, `,"bajo_minimo":`...)
	b = strconv.AppendBool(b, r.BajoMinimo)
	return append(b, '}')
}

// MarshalJSON encodes a kardex line.
func (l LineaKardex) MarshalJSON() ([]byte, error) { return l.appendJSON(make([]byte, 0, 400)), nil }

func (l LineaKardex) appendJSON(b []byte) []byte {
	b = append(b, `{"movimiento_id":`...)
	b = appendUUID(b, l.MovimientoID)
	b = append(b, `,"fecha":`...)
	b = appendTime(b, l.Fecha)
	b = append(b, `,"tipo":`...)
	b = appendString(b, string(l.Tipo))
	b = append(b, `,"bodega_id":`...)
	b = appendUUID(b, l.BodegaID)
	b = append(b, `,"cantidad":`...)
	b = appendFixed(b, l.Cantidad.Decimal, 4)
	b = append(b, `,"costo_unitario":`...)
	b = appendFixed(b, l.CostoUnitario.Decimal, 6)
	b = append(b, `,"valor":`...)
	b = appendFixed(b, l.Valor.Decimal, 2)
	b = append(b, `,"saldo_cantidad":`...)
	b = appendFixed(b, l.SaldoCantidad.Decimal, 4)
	b = append(b, `,"costo_promedio":`...)
	b = appendFixed(b, l.CostoPromedio.Decimal, 6)
	b = append(b, `,"saldo_valor":`...)
	b = appendFixed(b, l.SaldoValor.Decimal, 2)
	b = append(b, `,"motivo":`...)
	b = appendString(b, l.Motivo)
	b = append(b, `,"referencia":`...)
	b = appendString(b, l.Referencia)
	b = append(b, `,"reverso_de":`...)
	b = appendUUIDPtr(b, l.ReversoDe)
	return append(b, '}')
}

// appendList writes the list envelope of DESIGN §3 (httpx.List) around
// items, without handing each item back to encoding/json to re-validate.
func appendList[T any](b []byte, items []T, item func(T, []byte) []byte, p httpx.Page, total int64) []byte {
	b = append(b, `{"data":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = item(it, b)
	}
	b = append(b, `],"page":`...)
	b = strconv.AppendInt(b, int64(p.Page), 10)
	b = append(b, `,"page_size":`...)
	b = strconv.AppendInt(b, int64(p.Size), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, total, 10)
	return append(b, '}')
}

// MarshalJSON encodes a kardex page.
func (k Kardex) MarshalJSON() ([]byte, error) {
	return k.appendJSON(make([]byte, 0, 512+400*len(k.Data))), nil
}

// appendJSON writes a kardex page: the product, then the list envelope.
func (k Kardex) appendJSON(b []byte) []byte {
	b = append(b, `{"producto_id":`...)
	b = appendUUID(b, k.ProductoID)
	b = append(b, `,"sku":`...)
	b = appendString(b, k.SKU)
	b = append(b, `,"nombre":`...)
	b = appendString(b, k.Nombre)
	b = append(b, `,"bodega_id":`...)
	b = appendUUIDPtr(b, k.BodegaID)
	b = append(b, ',')
	list := appendList(nil, k.Data, LineaKardex.appendJSON, httpx.Page{Page: k.Page, Size: k.PageSize}, k.Total)
	return append(b, list[1:]...) // the list's fields, after its opening brace
}
