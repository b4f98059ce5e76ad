package stock

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/logx"
	"ecosystem/pkg/shared/service"
)

// Idempotency-Key, with Stripe's semantics (reference/inventory.md §3):
//
//   - Keys are scoped per tenant, up to 255 printable ASCII characters.
//   - The same key with the same request (same route, same normalized body:
//     "5", 5 and "5.0" are one quantity) gets the first response again, status
//     and body byte for byte, with the header Idempotent-Replayed: true.
//   - The same key with another request is 422 idempotency_key_reused.
//   - What is stored is the outcome of an execution: the 201, or a 404/409 the
//     movement ran into (stock_insuficiente included, as Stripe replays a
//     declined charge). A request rejected by validation (400) stores nothing,
//     nor does one that failed unexpectedly (5xx): the client may retry it.
//   - Applied once, also for simultaneous requests: the key row is inserted by
//     the transaction that books the movement, last before COMMIT. A duplicate
//     running at the same time blocks on the key's primary key until the
//     first commits, then fails on it, rolls its whole transaction back
//     (movement included) and replays the first response. A later duplicate
//     finds the key in the first batch and replays without writing anything.
//   - Rows are kept 24 h and then pruned; a key reused after that is new.

// KeyRetention is how long a key is remembered.
const KeyRetention = 24 * time.Hour

// HeaderIdempotencyKey is the request header.
const HeaderIdempotencyKey = "Idempotency-Key"

const (
	sqlKeyLookup = `SELECT request_hash, status, response FROM inventario.idempotency_keys WHERE tenant_id = $1 AND key = $2`
	sqlKeyInsert = `INSERT INTO inventario.idempotency_keys (tenant_id, key, request_hash, status, response) VALUES (?, ?, ?, ?, ?)`
)

// ValidKey checks an Idempotency-Key header value.
func ValidKey(k string) error {
	if len(k) > 255 {
		return apperr.Invalid(HeaderIdempotencyKey, "máximo 255 caracteres")
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return apperr.Invalid(HeaderIdempotencyKey, "solo caracteres ASCII imprimibles")
		}
	}
	return nil
}

// fingerprint hashes a request: the route and its normalized body.
func fingerprint(route string, normalized any) []byte {
	b, _ := json.Marshal(normalized) // plain structs of strings: cannot fail
	h := sha256.New()
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write(b)
	return h.Sum(nil)
}

// stored is a key row.
type stored struct {
	hash     []byte
	status   int
	response []byte
}

// replay answers a request whose key is already stored.
func replay(k stored, hash []byte) (respuesta, error) {
	if string(k.hash) != string(hash) {
		return respuesta{}, apperr.New(http.StatusUnprocessableEntity, apperr.CodeIdempotencyReused,
			"la Idempotency-Key ya se usó con otra solicitud").With(HeaderIdempotencyKey, "usada con otro cuerpo o ruta")
	}
	return respuesta{status: k.status, body: k.response, replayed: true}, nil
}

// lookupKey reads a stored key outside any transaction (after a duplicate
// lost the race on the primary key, the winner has committed).
func lookupKey(ctx context.Context, c *pgx.Conn, tenant uuid.UUID, key string) (stored, error) {
	var k stored
	var status int16
	err := c.QueryRow(ctx, sqlKeyLookup, pgID(tenant), key).Scan(&k.hash, &status, &k.response)
	k.status = int(status)
	return k, err
}

// errorBody is the envelope of an error outcome byte for byte as the HTTP
// error handler writes it (Echo's encoder ends it with a newline), so a
// replay is indistinguishable from the first answer.
func errorBody(ctx context.Context, e *apperr.Error) []byte {
	b, _ := json.Marshal(httpx.ErrorBody{Error: e.Message, Code: e.Code, Details: e.Details, RequestID: logx.RequestID(ctx)})
	return append(b, '\n')
}

// PruneKeys deletes keys older than KeyRetention, in slices so no statement
// holds many row locks, and returns how many it removed.
func (s *Service) PruneKeys(ctx context.Context) (int64, error) {
	var total int64
	err := s.conn(ctx, func(c *pgx.Conn) error {
		for {
			tag, err := c.Exec(ctx, `
				DELETE FROM inventario.idempotency_keys
				 WHERE ctid IN (SELECT ctid FROM inventario.idempotency_keys WHERE created_at < now() - $1 * interval '1 second' LIMIT 5000)`,
				int64(KeyRetention.Seconds()))
			if err != nil {
				return err
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < 5000 {
				return nil
			}
		}
	})
	return total, err
}

// PruneWorker prunes old keys every interval until ctx ends.
func (s *Service) PruneWorker(interval time.Duration) service.Worker {
	return service.Worker{Name: "idempotency-prune", Run: func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := s.PruneKeys(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "prune idempotency keys", "error", err.Error())
			} else if n > 0 {
				s.log.InfoContext(ctx, "pruned idempotency keys", "deleted", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}}
}
