// Package events carries the platform's domain events (DESIGN §8): the
// envelope, the transactional outbox every producer writes to, the relay that
// publishes it to RabbitMQ, and the idempotent consumer.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/logx"
)

// Exchange is the topic exchange all services publish to.
const Exchange = "ecosystem"

// Routing keys and event names of DESIGN §8.
const (
	KeyDocumentoCreated    = "documentos.created"
	KeyDocumentoProcessed  = "documentos.processed"
	KeyStockMovement       = "stock.movement.created"
	KeyStockBelowMinimum   = "stock.below_minimum"
	KeyTenantsUpdated      = "tenants.updated"
	EventDocumentoCreado   = "documento.creado"
	EventDocumentoProcesad = "documento.procesado"
	EventStockMovement     = "stock.movement.created"
	EventStockBelowMinimum = "stock.below_minimum"
	EventTenantUpdated     = "tenant.updated"
)

// Envelope is the message body on the wire.
type Envelope struct {
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	TenantID   string          `json:"tenant_id"`
	OccurredAt time.Time       `json:"occurred_at"`
	RequestID  string          `json:"request_id"`
	Version    int             `json:"version"`
	Data       json.RawMessage `json:"data"`
}

// Outbox writes events into a producer's <schema>.outbox table. Callers pass
// the transaction that makes the change, so the event exists iff the change
// commits.
type Outbox struct {
	Schema string
}

// Add records an event in tx. aggregateID orders events of one aggregate
// (a document, a stock balance, a tenant); the relay publishes in id order.
func (o Outbox) Add(ctx context.Context, tx *gorm.DB, routingKey, event, tenantID, aggregateID string, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("outbox: marshal %s: %w", event, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Envelope{}, err
	}
	env := Envelope{
		ID: id.String(), Event: event, TenantID: tenantID, OccurredAt: time.Now().UTC().Truncate(time.Microsecond),
		RequestID: logx.RequestID(ctx), Version: 1, Data: raw,
	}
	payload, err := json.Marshal(env)
	if err != nil {
		return Envelope{}, err
	}
	err = tx.WithContext(ctx).Exec(
		"INSERT INTO "+o.Schema+".outbox (event_id, routing_key, aggregate_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
		env.ID, routingKey, aggregateID, payload, env.OccurredAt).Error
	if err != nil {
		return Envelope{}, fmt.Errorf("outbox: insert %s: %w", event, err)
	}
	return env, nil
}
