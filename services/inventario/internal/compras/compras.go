// Package compras turns processed purchase invoices into stock: it consumes
// documento.procesado events from rendiciones (queue inventario-events) and
// books an entrada in the tenant's PRINCIPAL bodega for every line whose
// código is a product's SKU, at the line's precio_unitario. Lines it cannot
// book are kept as pending entradas for a person to resolve.
package compras

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/events"
	"ecosystem/services/inventario/internal/stock"
)

// Queue is inventario's durable queue, bound to documentos.* (DESIGN §8).
const Queue = "inventario-events"

// QueueFor names the queue on a topology: Queue itself on the platform's
// exchange, prefixed by the exchange's name on any other (tests, benches),
// so two deployments sharing a broker never declare one queue two ways.
func QueueFor(t events.Topology) string {
	if t.Exchange == events.Exchange {
		return Queue
	}
	return t.Exchange + "." + Queue
}

// Keys are the routing keys bound to Queue.
var Keys = []string{"documentos.*"}

// tiposCompra are the document types that bring goods in.
var tiposCompra = map[string]bool{"factura": true, "factura_exenta": true}

// documento is the part of a documento.procesado event's data used here.
type documento struct {
	ID            uuid.UUID `json:"id"`
	Estado        string    `json:"estado"`
	DuplicadoTipo *string   `json:"duplicado_tipo"`
	Extraccion    *struct {
		TipoDocumento string  `json:"tipo_documento"`
		RutEmisor     string  `json:"rut_emisor"`
		Folio         string  `json:"folio"`
		Items         []linea `json:"items"`
	} `json:"extraccion"`
}

type linea struct {
	Codigo         string              `json:"codigo"`
	Descripcion    string              `json:"descripcion"`
	Cantidad       decimal.NullDecimal `json:"cantidad"`
	PrecioUnitario decimal.NullDecimal `json:"precio_unitario"`
}

// Booker is the part of the stock service the consumer uses.
type Booker interface {
	EntradaPrincipal(ctx context.Context, tenant uuid.UUID, sku string, cantidad, costo decimal.Decimal, referencia, key string) (stock.Movimiento, error)
}

// Consumer applies documento.procesado events.
type Consumer struct {
	Stock      Booker
	Log        *slog.Logger
	ingresadas prometheus.Counter
	pendientes *prometheus.CounterVec
}

// NewConsumer returns a Consumer registering its metrics on reg.
func NewConsumer(b Booker, l *slog.Logger, reg prometheus.Registerer) *Consumer {
	c := &Consumer{Stock: b, Log: l,
		ingresadas: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "compras_lineas_ingresadas_total", Help: "Invoice lines booked as entradas.",
		}),
		pendientes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "compras_lineas_pendientes_total", Help: "Invoice lines not booked, by reason (sin_sku, sin_codigo, datos_invalidos, producto_inactivo).",
		}, []string{"motivo"}),
	}
	if reg != nil {
		reg.MustRegister(c.ingresadas, c.pendientes)
	}
	return c
}

// Handle is the events.Handler. It runs in the consumer's transaction (with
// the inbox row); each entrada is booked by the stock service in its own
// transaction under the Idempotency-Key "doc:<documento>:<line>", and the
// line's row in documento_lineas is written in tx. So:
//   - a redelivery of the same event is stopped by the inbox;
//   - a crash after an entrada committed but before tx did replays the
//     entrada from its key on redelivery, booking nothing twice;
//   - a reprocessed document (a new event, maybe days later) finds its lines
//     in documento_lineas, whose key also makes two events of one document
//     handled at once by two instances wait for each other.
func (c *Consumer) Handle(ctx context.Context, tx *gorm.DB, env events.Envelope) error {
	if env.Event != events.EventDocumentoProcesad {
		return nil // documento.creado and others: nothing to book
	}
	tenant, err := uuid.Parse(env.TenantID)
	if err != nil {
		return events.Permanent(fmt.Errorf("tenant_id %q: %w", env.TenantID, err))
	}
	var doc documento
	if err := json.Unmarshal(env.Data, &doc); err != nil {
		return events.Permanent(fmt.Errorf("documento.procesado data: %w", err))
	}
	switch {
	case doc.Estado != "procesado" || doc.Extraccion == nil:
		return nil
	case !tiposCompra[doc.Extraccion.TipoDocumento]:
		return nil
	case doc.DuplicadoTipo != nil && *doc.DuplicadoTipo == "folio":
		c.Log.InfoContext(ctx, "duplicate invoice: no stock booked", "documento_id", doc.ID, "folio", doc.Extraccion.Folio)
		return nil
	}
	ref := strings.TrimSpace(fmt.Sprintf("%s %s %s", doc.Extraccion.TipoDocumento, doc.Extraccion.Folio, doc.Extraccion.RutEmisor))
	for i, l := range doc.Extraccion.Items {
		if err := c.linea(ctx, tx, env, tenant, doc, i+1, l, ref); err != nil {
			return err
		}
	}
	return nil
}

func (c *Consumer) linea(ctx context.Context, tx *gorm.DB, env events.Envelope, tenant uuid.UUID, doc documento, n int, l linea, ref string) error {
	row := map[string]any{
		"tenant_id": tenant, "documento_id": doc.ID, "linea": n, "event_id": env.ID,
		"codigo": strings.TrimSpace(l.Codigo), "descripcion": l.Descripcion,
		"tipo_documento": doc.Extraccion.TipoDocumento, "folio": doc.Extraccion.Folio, "rut_emisor": doc.Extraccion.RutEmisor,
	}
	if l.Cantidad.Valid {
		row["cantidad"] = l.Cantidad.Decimal.String()
	}
	if l.PrecioUnitario.Valid {
		row["precio_unitario"] = l.PrecioUnitario.Decimal.String()
	}
	// Claim the line first: a line handled before (by this document's earlier
	// event) is skipped; a concurrent claim waits here until the other commits.
	row["estado"], row["motivo"] = "pendiente", ""
	res := tx.Exec(`INSERT INTO inventario.documento_lineas
		(tenant_id, documento_id, linea, event_id, estado, motivo, codigo, descripcion, cantidad, precio_unitario, tipo_documento, folio, rut_emisor)
		VALUES (@tenant_id, @documento_id, @linea, @event_id, @estado, @motivo, @codigo, @descripcion, @cantidad, @precio_unitario, @tipo_documento, @folio, @rut_emisor)
		ON CONFLICT (tenant_id, documento_id, linea) DO NOTHING`, withNulls(row))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return nil
	}
	motivo, detalle := "", ""
	switch {
	case row["codigo"] == "":
		motivo, detalle = "sin_codigo", "la línea no trae código"
	case !l.Cantidad.Valid || !l.Cantidad.Decimal.IsPositive() || !l.PrecioUnitario.Valid || l.PrecioUnitario.Decimal.IsNegative():
		motivo, detalle = "datos_invalidos", "cantidad o precio unitario ausente o inválido"
	}
	if motivo == "" {
		key := fmt.Sprintf("doc:%s:%d", doc.ID, n)
		mov, err := c.Stock.EntradaPrincipal(ctx, tenant, row["codigo"].(string), l.Cantidad.Decimal, l.PrecioUnitario.Decimal, ref, key)
		switch {
		case err == nil:
			c.ingresadas.Inc()
			return tx.Exec(`UPDATE inventario.documento_lineas SET estado = 'ingresada', movimiento_id = ?
				WHERE tenant_id = ? AND documento_id = ? AND linea = ?`, mov.ID, tenant, doc.ID, n).Error
		case apperr.Is(err, apperr.CodeNotFound):
			motivo, detalle = "sin_sku", "ningún producto tiene el SKU "+row["codigo"].(string)
		case apperr.Is(err, "producto_inactivo"):
			motivo, detalle = "producto_inactivo", "el producto con ese SKU está inactivo"
		case isClientError(err):
			motivo, detalle = "datos_invalidos", err.Error()
		default:
			return err // transient: the consumer retries the whole event
		}
	}
	c.pendientes.WithLabelValues(motivo).Inc()
	c.Log.InfoContext(ctx, "invoice line left pending", "documento_id", doc.ID, "linea", n, "codigo", row["codigo"], "motivo", motivo)
	return tx.Exec(`UPDATE inventario.documento_lineas SET motivo = ? WHERE tenant_id = ? AND documento_id = ? AND linea = ?`,
		motivo+": "+detalle, tenant, doc.ID, n).Error
}

// withNulls gives absent optional values as SQL NULLs.
func withNulls(m map[string]any) map[string]any {
	for _, k := range []string{"cantidad", "precio_unitario"} {
		if _, ok := m[k]; !ok {
			m[k] = nil
		}
	}
	return m
}

func isClientError(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500
}
