// Package stock is inventario's ledger: bodegas, the balance of each product
// in each bodega, the immutable movimientos that change them (entrada, salida,
// ajuste, transferencia and reversals), the kardex with its weighted-average
// cost, and the Idempotency-Key handling of the routes that book movements.
//
// Correctness rests on three rules, each explained where it is applied:
//   - a movement locks the balance rows it changes (SELECT … FOR UPDATE, in
//     bodega_id order so two transfers in opposite directions cannot
//     deadlock) and computes and writes the new balances and its ledger row
//     in the same transaction (movimientos.go);
//   - the weighted average changes only on incoming units and is rounded the
//     same way everywhere (promedio.go);
//   - an Idempotency-Key row is written by the transaction it answers for
//     (idempotency.go).
//
// This package talks to Postgres through pgx directly rather than GORM: the
// movement is the service's hot path and is sent as two pipelined batches
// (one network round trip to read and lock, one to write and commit), which
// GORM cannot express, and GORM's per-query overhead (reflection, ~10× the
// allocations) is a visible share of a request that otherwise costs well under
// a millisecond. It borrows connections from the same database/sql pool GORM
// uses, so the service still has one pool and one connection limit.
package stock

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/db"
	"ecosystem/services/inventario/internal/num"
)

// Service is the stock domain: bodegas, balances, movements, kardex.
type Service struct {
	db  *sql.DB
	log *slog.Logger

	// principal caches each tenant's PRINCIPAL bodega id once it exists; the
	// row is never deleted and never stops being the principal.
	principal sync.Map // uuid.UUID → uuid.UUID

	// now is the clock movements are stamped with (tests may replace it).
	now func() time.Time

	// retries counts movement transactions run again after a deadlock, a
	// serialization failure or a lost race to create a balance row.
	retries prometheus.Counter
}

// NewService returns a Service over GORM's connection pool; reg (may be nil)
// receives its metrics.
func NewService(g *gorm.DB, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	s := &Service{db: sqlDB, log: log, now: func() time.Time { return db.Now() },
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stock_movement_retries_total",
			Help: "Movement transactions retried after a deadlock, serialization failure or balance-creation race.",
		})}
	if reg != nil {
		if err := reg.Register(s.retries); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// conn runs f on a pooled connection as a native pgx connection. f must leave
// the connection outside any transaction; if it does not (a cancelled
// context, a failed ROLLBACK) the pgx stdlib driver refuses to reuse it.
func (s *Service) conn(ctx context.Context, f func(c *pgx.Conn) error) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("stock: driver connection is %T, want the pgx stdlib driver", dc)
		}
		return f(sc.Conn())
	})
}

// Tipo is a movement type.
type Tipo string

// Movement types of DESIGN §7.
const (
	Entrada       Tipo = "entrada"
	Salida        Tipo = "salida"
	Ajuste        Tipo = "ajuste"
	Transferencia Tipo = "transferencia"
)

// Saldo is the balance of one product in one bodega.
type Saldo struct {
	ProductoID    uuid.UUID    `json:"producto_id"`
	BodegaID      uuid.UUID    `json:"bodega_id"`
	Cantidad      num.Cantidad `json:"cantidad"`
	CostoPromedio num.Costo    `json:"costo_promedio"`
	Valor         num.Monto    `json:"valor"`
}

// Movimiento is one ledger row as the API shows it, with the balance(s) it
// left behind. A transferencia carries both: Saldo at the origin and
// SaldoDestino at the destination.
type Movimiento struct {
	ID              uuid.UUID    `json:"id"`
	Tipo            Tipo         `json:"tipo"`
	ProductoID      uuid.UUID    `json:"producto_id"`
	BodegaID        uuid.UUID    `json:"bodega_id"`
	BodegaDestinoID *uuid.UUID   `json:"bodega_destino_id"`
	Cantidad        num.Cantidad `json:"cantidad"`
	Variacion       num.Cantidad `json:"variacion"`
	CostoUnitario   num.Costo    `json:"costo_unitario"`
	Valor           num.Monto    `json:"valor"`
	Motivo          string       `json:"motivo"`
	Referencia      string       `json:"referencia"`
	ReversoDe       *uuid.UUID   `json:"reverso_de"`
	ReversadoPor    *uuid.UUID   `json:"reversado_por"`
	UsuarioID       *string      `json:"usuario_id"`
	CreatedAt       time.Time    `json:"created_at"`
	Saldo           Saldo        `json:"saldo"`
	SaldoDestino    *Saldo       `json:"saldo_destino"`
}

// pgID passes a uuid.UUID to pgx as its native 16 bytes. Passed as is, its
// driver.Valuer makes pgx format it as text, fail a binary encode with a
// formatted error and parse the text back — per argument, which was a tenth
// of the service's CPU on the movement path.
func pgID(u uuid.UUID) pgtype.UUID { return pgtype.UUID{Bytes: u, Valid: true} }

// pgIDPtr is pgID for a nullable column.
func pgIDPtr(u *uuid.UUID) pgtype.UUID {
	if u == nil {
		return pgtype.UUID{}
	}
	return pgID(*u)
}

// idPtr converts a scanned nullable uuid.
func idPtr(u pgtype.UUID) *uuid.UUID {
	if !u.Valid {
		return nil
	}
	id := uuid.UUID(u.Bytes)
	return &id
}

// isRetryable reports errors after which the whole movement transaction may
// simply run again: serialization failures and deadlocks (which the lock
// order should prevent, but a client must never see one), and two first
// movements creating the same balance row at once.
func isRetryable(err error) bool {
	return db.IsRetryable(err) || db.IsUniqueViolation(err, "stock_pkey")
}
