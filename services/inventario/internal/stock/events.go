package stock

import (
	"context"
	"time"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/logx"
	"ecosystem/services/inventario/internal/num"
)

// sqlOutbox writes the same row events.Outbox.Add writes. The movement
// transaction runs on pgx, not GORM, so it queues the insert in its own
// batch; the envelope is still the shared events.Envelope.
const sqlOutbox = `INSERT INTO inventario.outbox (event_id, routing_key, aggregate_id, payload, created_at) VALUES (?, ?, ?, ?, ?)`

// addEvent adds an outbox insert to the movement's write statement. Stock
// events use the product id as their aggregate, so the relay publishes every
// event of a product in order (a transferencia touches two balances of one
// product).
func addEvent(ctx context.Context, w *escritura, key, event string, tenant, producto uuid.UUID, at time.Time, data []byte) {
	env := events.Envelope{
		ID: db.NewID().String(), Event: event, TenantID: tenant.String(), OccurredAt: at,
		RequestID: logx.RequestID(ctx), Version: 1, Data: data,
	}
	w.add(tOutbox, env.ID, key, producto.String(), envelopeJSON(env), at)
}

// BajoMinimo is the data of stock.below_minimum: a balance went from above
// the product's stock_minimo to at or below it.
type BajoMinimo struct {
	ProductoID   uuid.UUID    `json:"producto_id"`
	SKU          string       `json:"sku"`
	BodegaID     uuid.UUID    `json:"bodega_id"`
	BodegaCodigo string       `json:"bodega_codigo"`
	Cantidad     num.Cantidad `json:"cantidad"`
	StockMinimo  num.Cantidad `json:"stock_minimo"`
	MovimientoID uuid.UUID    `json:"movimiento_id"`
}
