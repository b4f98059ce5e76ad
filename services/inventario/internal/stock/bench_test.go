package stock

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func sampleMovimiento() Movimiento {
	p := pedido{tipo: Entrada, producto: uuid.New(), bodega: uuid.New(), cantidad: decimal.RequireFromString("3"), costo: ptr(decimal.RequireFromString("12.5"))}
	l := &lectura{producto: &infoProducto{activo: true}}
	l.addBodega(infoBodega{id: p.bodega, activa: true})
	l.addSaldo(p.bodega, saldo{cantidad: decimal.RequireFromString("10"), promedio: decimal.RequireFromString("11")})
	e, _ := p.aplicar(l)
	return p.movimiento(e, "user", time.Now().UTC())
}

func ptr[T any](v T) *T { return &v }

func BenchmarkMarshalMovimiento(b *testing.B) {
	m := sampleMovimiento()
	for b.Loop() {
		_ = m.appendJSON(nil)
	}
}

func BenchmarkEnvelope(b *testing.B) {
	body, _ := json.Marshal(sampleMovimiento())
	for b.Loop() {
		w := &escritura{}
		addEvent(context.Background(), w, "k", "e", uuid.New(), uuid.New(), time.Now(), body)
	}
}
