package stock

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/inventario/internal/num"
)

// Input is the body of POST /api/stock/movimientos.
//
// cantidad is the quantity moved, > 0, except for an ajuste, where it is the
// quantity counted (≥ 0): the server computes the difference under the lock,
// so two counts never add up and a count taken while other movements run
// cannot lose them (a signed delta computed by the client from a stale read
// would). costo_unitario is required for an entrada; an ajuste may give one
// to value the units it adds; salidas and transferencias go out at the
// current weighted average and reject it.
type Input struct {
	Tipo            string  `json:"tipo"`
	ProductoID      string  `json:"producto_id"`
	BodegaID        string  `json:"bodega_id"`
	BodegaDestinoID *string `json:"bodega_destino_id"`
	Cantidad        num.Raw `json:"cantidad"`
	CostoUnitario   num.Raw `json:"costo_unitario"`
	Motivo          *string `json:"motivo"`
	Referencia      *string `json:"referencia"`
}

// ReversoInput is the optional body of POST /api/stock/movimientos/:id/reversar.
type ReversoInput struct {
	Motivo     *string `json:"motivo"`
	Referencia *string `json:"referencia"`
}

// pedido is a validated movement, ready to apply.
type pedido struct {
	tipo     Tipo
	producto uuid.UUID
	bodega   uuid.UUID
	destino  uuid.UUID       // transferencia only
	cantidad decimal.Decimal // quantity moved; for an ajuste the quantity counted
	// variacion, when set, makes an ajuste move the balance by this signed
	// difference instead of to a count (the reversal of an ajuste).
	variacion  *decimal.Decimal
	costo      *decimal.Decimal
	motivo     string
	referencia string
	reversoDe  uuid.UUID
}

func uuidField(fe map[string]string, name, v string) uuid.UUID {
	v = strings.TrimSpace(v)
	if v == "" {
		fe[name] = "es obligatorio"
		return uuid.Nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		fe[name] = "no es un UUID válido"
	}
	return id
}

func textField(fe map[string]string, name string, v *string, max int) string {
	if v == nil {
		return ""
	}
	s := strings.TrimSpace(*v)
	if utf8.RuneCountInString(s) > max {
		fe[name] = "es demasiado largo (máximo " + strconv.Itoa(max) + " caracteres)"
	}
	return s
}

// pedido validates the body; every error names its field and nothing has
// been read or written yet.
func (in Input) pedido() (pedido, error) {
	fe := map[string]string{}
	p := pedido{tipo: Tipo(strings.TrimSpace(in.Tipo))}
	switch p.tipo {
	case Entrada, Salida, Ajuste, Transferencia:
	case "":
		fe["tipo"] = "es obligatorio (entrada, salida, ajuste o transferencia)"
	default:
		fe["tipo"] = "debe ser entrada, salida, ajuste o transferencia"
	}
	p.producto = uuidField(fe, "producto_id", in.ProductoID)
	p.bodega = uuidField(fe, "bodega_id", in.BodegaID)
	switch {
	case in.BodegaDestinoID != nil && p.tipo != Transferencia:
		fe["bodega_destino_id"] = "solo se admite en una transferencia"
	case in.BodegaDestinoID != nil:
		p.destino = uuidField(fe, "bodega_destino_id", *in.BodegaDestinoID)
		if p.destino == p.bodega && p.destino != uuid.Nil {
			fe["bodega_destino_id"] = "debe ser distinta de bodega_id"
		}
	case p.tipo == Transferencia:
		fe["bodega_destino_id"] = "es obligatoria en una transferencia"
	}
	if !in.Cantidad.IsSet() {
		fe["cantidad"] = "es obligatoria"
	} else {
		d, msg := in.Cantidad.Parse(num.Rules{Scale: num.ScaleCantidad, AllowZero: p.tipo == Ajuste})
		if msg != "" {
			fe["cantidad"] = msg
		}
		p.cantidad = d
	}
	switch {
	case in.CostoUnitario.IsSet() && (p.tipo == Salida || p.tipo == Transferencia):
		fe["costo_unitario"] = "no se admite: las salidas y transferencias se valorizan al costo promedio"
	case in.CostoUnitario.IsSet():
		d, msg := in.CostoUnitario.Parse(num.Rules{Scale: num.ScaleCosto, AllowZero: true})
		if msg != "" {
			fe["costo_unitario"] = msg
		}
		p.costo = &d
	case p.tipo == Entrada:
		fe["costo_unitario"] = "es obligatorio en una entrada"
	}
	p.motivo = textField(fe, "motivo", in.Motivo, 500)
	p.referencia = textField(fe, "referencia", in.Referencia, 200)
	return p, apperr.Fields(fe)
}

// normalized is the request as the idempotency fingerprint sees it: "5", 5
// and "5.0000" are the same quantity.
func (p pedido) normalized() any {
	costo := ""
	if p.costo != nil {
		costo = p.costo.StringFixed(num.ScaleCosto)
	}
	return [8]string{string(p.tipo), p.producto.String(), p.bodega.String(), p.destino.String(),
		p.cantidad.StringFixed(num.ScaleCantidad), costo, p.motivo, p.referencia}
}

// Route names of the idempotency fingerprints.
const (
	routeMovimiento = "POST /api/stock/movimientos"
	routeReverso    = "POST /api/stock/movimientos/:id/reversar"
)

// respuesta is the outcome of a movement request: the body to send (the
// movement, or a stored error envelope when replaying one).
type respuesta struct {
	status   int
	body     []byte
	mov      *Movimiento // set on a fresh success
	replayed bool
}

// Registrar books a movement for the tenant and returns it with the balance
// it left. userID may be empty (a movement booked by the system, e.g. the
// event consumer); key is an Idempotency-Key or "". With a key seen before it
// returns the movement booked the first time, or that request's error.
func (s *Service) Registrar(ctx context.Context, tenant uuid.UUID, userID string, in Input, key string) (Movimiento, error) {
	res, err := s.registrarInput(ctx, tenant, userID, in, key)
	if err != nil {
		return Movimiento{}, err
	}
	return res.movimiento()
}

// EntradaPrincipal books an entrada of the product with this SKU (matched
// regardless of case) into the tenant's PRINCIPAL bodega, creating the bodega
// on first use. It is what the event consumer of DESIGN §8 calls for each
// line of a processed factura, with a key derived from the event id and the
// line, so a redelivered event books nothing twice. An unknown SKU is a 404.
func (s *Service) EntradaPrincipal(ctx context.Context, tenant uuid.UUID, sku string, cantidad, costo decimal.Decimal, referencia, key string) (Movimiento, error) {
	bodega, err := s.BodegaPrincipal(ctx, tenant)
	if err != nil {
		return Movimiento{}, err
	}
	var producto uuid.UUID
	err = s.conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT id FROM inventario.productos WHERE tenant_id = $1 AND lower(sku) = lower($2)`,
			pgID(tenant), strings.TrimSpace(sku)).Scan(&producto)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Movimiento{}, apperr.NotFound("producto").With("sku", "no existe")
	case err != nil:
		return Movimiento{}, apperr.Wrap(err, "buscar producto por SKU")
	}
	motivo := "entrada automática por documento procesado"
	return s.Registrar(ctx, tenant, "", Input{
		Tipo: string(Entrada), ProductoID: producto.String(), BodegaID: bodega.String(),
		Cantidad: num.RawOf(cantidad), CostoUnitario: num.RawOf(costo), Motivo: &motivo, Referencia: &referencia,
	}, key)
}

func (s *Service) registrarInput(ctx context.Context, tenant uuid.UUID, userID string, in Input, key string) (respuesta, error) {
	if err := ValidKey(key); err != nil {
		return respuesta{}, err
	}
	p, err := in.pedido()
	if err != nil {
		return respuesta{}, err
	}
	var hash []byte
	if key != "" {
		hash = fingerprint(routeMovimiento, p.normalized())
	}
	return s.registrar(ctx, tenant, userID, p, key, hash)
}

// movimiento decodes a response body (a fresh or replayed success, or a
// replayed error) for Go callers.
func (r respuesta) movimiento() (Movimiento, error) {
	if r.mov != nil {
		return *r.mov, nil
	}
	if r.status >= 400 {
		var eb httpx.ErrorBody
		_ = json.Unmarshal(r.body, &eb)
		return Movimiento{}, &apperr.Error{Status: r.status, Code: eb.Code, Message: eb.Error, Details: eb.Details}
	}
	var m Movimiento
	if err := json.Unmarshal(r.body, &m); err != nil {
		return Movimiento{}, apperr.Wrap(err, "leer respuesta guardada")
	}
	return m, nil
}

// Reversar books the inverse of a movement, today and at today's costs (no
// backdating, so no later row is ever recomputed):
//
//	entrada        → salida of the same quantity, at the current average
//	salida         → entrada of the same quantity, at the cost it went out at
//	transferencia  → transferencia back, destination to origin
//	ajuste         → ajuste by the opposite difference
//
// A movement is reversed at most once (a unique index on reverso_de), and a
// reversal is not itself reversible: to undo it, book the movement again.
func (s *Service) Reversar(ctx context.Context, tenant uuid.UUID, userID string, id uuid.UUID, in ReversoInput, key string) (Movimiento, error) {
	res, err := s.reversarInput(ctx, tenant, userID, id, in, key)
	if err != nil {
		return Movimiento{}, err
	}
	return res.movimiento()
}

func (s *Service) reversarInput(ctx context.Context, tenant uuid.UUID, userID string, id uuid.UUID, in ReversoInput, key string) (respuesta, error) {
	if err := ValidKey(key); err != nil {
		return respuesta{}, err
	}
	fe := map[string]string{}
	motivo := textField(fe, "motivo", in.Motivo, 500)
	referencia := textField(fe, "referencia", in.Referencia, 200)
	if err := apperr.Fields(fe); err != nil {
		return respuesta{}, err
	}
	orig, err := s.getMovimiento(ctx, tenant, id)
	if err != nil {
		return respuesta{}, err
	}
	if orig.ReversoDe != nil {
		return respuesta{}, apperr.Conflict("movimiento_es_reverso", "un reverso no se puede reversar; registre el movimiento de nuevo")
	}
	p := pedido{tipo: orig.Tipo, producto: orig.ProductoID, bodega: orig.BodegaID, cantidad: orig.Cantidad.Decimal,
		motivo: motivo, referencia: referencia, reversoDe: orig.ID}
	switch orig.Tipo {
	case Entrada:
		p.tipo = Salida
	case Salida:
		p.tipo, p.costo = Entrada, &orig.CostoUnitario.Decimal
	case Transferencia:
		p.bodega, p.destino = *orig.BodegaDestinoID, orig.BodegaID
	case Ajuste:
		v := orig.Variacion.Neg()
		if v.IsZero() {
			return respuesta{}, apperr.Conflict("reverso_sin_efecto", "el ajuste no cambió el saldo: no hay nada que reversar")
		}
		p.variacion, p.costo = &v, &orig.CostoUnitario.Decimal
	}
	hash := fingerprint(routeReverso, [3]string{id.String(), motivo, referencia})
	return s.registrar(ctx, tenant, userID, p, key, hash)
}

// maxIntentos bounds the internal retries of a movement transaction.
const maxIntentos = 8

// registrar runs the movement transaction, retrying it on deadlocks,
// serialization failures and a lost race to create a balance row, none of
// which a client should ever see.
func (s *Service) registrar(ctx context.Context, tenant uuid.UUID, userID string, p pedido, key string, hash []byte) (respuesta, error) {
	var res respuesta
	err := s.conn(ctx, func(c *pgx.Conn) error {
		for intento := 1; ; intento++ {
			var err error
			res, err = s.intentar(ctx, c, tenant, userID, p, key, hash)
			if err == nil || !isRetryable(err) || intento == maxIntentos {
				return err
			}
			s.retries.Inc()
			time.Sleep(time.Duration(intento) * time.Duration(500+rand.IntN(1500)) * time.Microsecond)
		}
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return respuesta{}, err
		}
		if db.IsForeignKeyViolation(err, "stock_producto_fkey") {
			return respuesta{}, apperr.NotFound("producto").With("producto_id", "no existe")
		}
		return respuesta{}, apperr.Wrap(err, "registrar movimiento")
	}
	if !res.replayed {
		events.Committed("inventario") // its stock events go out now, not at the relay's next poll
	}
	return res, nil
}

// The movement transaction's statements. Batch 1 opens the transaction,
// looks the key up, reads the product and bodegas, and locks the balances;
// batch 2 writes everything — balances, ledger row, outbox events, key — as
// one statement (see escritura) and commits. The write statements below use
// "?" placeholders, numbered when escritura joins them.
const (
	// sqlLeer reads the product and the bodegas and locks the balances, in one
	// statement. The locking subquery's ORDER BY … FOR UPDATE takes the row
	// locks in the sorted order, so every movement locks its (at most two)
	// balances in bodega_id order and a transfer A→B cannot deadlock with a
	// transfer B→A. Numbers come back as text, exact and cheap to parse.
	sqlLeer = `
		SELECT 'p', id, activo, stock_minimo::text, sku, NULL::text, NULL::text
		  FROM inventario.productos WHERE tenant_id = $1 AND id = $2
		UNION ALL
		SELECT 'b', id, activa, NULL, codigo, NULL, NULL
		  FROM inventario.bodegas WHERE tenant_id = $1 AND id IN ($3, $4)
		UNION ALL
		SELECT 's', l.bodega_id, NULL, NULL, NULL, l.cantidad::text, l.costo_promedio::text
		  FROM (SELECT bodega_id, cantidad, costo_promedio FROM inventario.stock
		         WHERE tenant_id = $1 AND producto_id = $2 AND bodega_id IN ($3, $4)
		         ORDER BY bodega_id
		           FOR UPDATE) l`
	sqlReversado = `SELECT count(*) FROM inventario.movimientos WHERE reverso_de = $1`
	// Absolute values are safe here, and only here: the row is locked by this
	// transaction since batch 1, so nothing can have changed it in between
	// (the lost update of "SET qty = @new" without a lock, nopCommerce #8085).
	sqlStockUpdate = `UPDATE inventario.stock SET cantidad = ?, costo_promedio = ?, updated_at = ?
		WHERE tenant_id = ? AND producto_id = ? AND bodega_id = ?`
	// A balance that did not exist when batch 1 looked is inserted; if another
	// transaction created it meanwhile, the primary key fails and the whole
	// movement is retried (it then finds and locks the row).
	sqlStockInsert = `INSERT INTO inventario.stock (cantidad, costo_promedio, updated_at, tenant_id, producto_id, bodega_id)
		VALUES (?, ?, ?, ?, ?, ?)`
	sqlMovimiento = `INSERT INTO inventario.movimientos
		(id, tenant_id, tipo, producto_id, bodega_id, bodega_destino_id, cantidad, variacion, costo_unitario, valor,
		 saldo_cantidad, saldo_costo_promedio, destino_saldo_cantidad, destino_saldo_costo_promedio,
		 motivo, referencia, reverso_de, usuario_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// The write statements, split at their placeholders once.
var (
	tStockUpdate = nuevaPlantilla(sqlStockUpdate)
	tStockInsert = nuevaPlantilla(sqlStockInsert)
	tMovimiento  = nuevaPlantilla(sqlMovimiento)
	tOutbox      = nuevaPlantilla(sqlOutbox)
	tKeyInsert   = nuevaPlantilla(sqlKeyInsert)
)

// lectura is what batch 1 read. A movement touches at most two bodegas, so
// small arrays hold them.
type lectura struct {
	key       *stored
	producto  *infoProducto
	bodegas   [2]infoBodega
	nBodegas  int
	saldos    [2]saldoLeido
	nSaldos   int
	reversado bool
}

type infoProducto struct {
	activo bool
	minimo decimal.Decimal
	sku    string
}

type infoBodega struct {
	id     uuid.UUID
	activa bool
	codigo string
}

type saldoLeido struct {
	bodega uuid.UUID
	saldo
}

func (l *lectura) addBodega(b infoBodega) {
	if l.nBodegas < len(l.bodegas) {
		l.bodegas[l.nBodegas] = b
		l.nBodegas++
	}
}

func (l *lectura) addSaldo(bodega uuid.UUID, s saldo) {
	if l.nSaldos < len(l.saldos) {
		l.saldos[l.nSaldos] = saldoLeido{bodega, s}
		l.nSaldos++
	}
}

func (l *lectura) bodega(id uuid.UUID) (infoBodega, bool) {
	for _, b := range l.bodegas[:l.nBodegas] {
		if b.id == id {
			return b, true
		}
	}
	return infoBodega{}, false
}

// saldo returns the locked balance of a bodega; false when it has none yet.
func (l *lectura) saldo(bodega uuid.UUID) (saldo, bool) {
	for _, s := range l.saldos[:l.nSaldos] {
		if s.bodega == bodega {
			return s.saldo, true
		}
	}
	return saldo{}, false
}

// intentar is one run of the movement transaction on connection c.
func (s *Service) intentar(ctx context.Context, c *pgx.Conn, tenant uuid.UUID, userID string, p pedido, key string, hash []byte) (res respuesta, err error) {
	open := false
	defer func() {
		if open {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_, _ = c.Exec(rctx, "ROLLBACK")
		}
	}()
	otra := p.bodega
	if p.tipo == Transferencia {
		otra = p.destino
	}

	// Batch 1: one round trip.
	var l lectura
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if key != "" {
		b.Queue(sqlKeyLookup, pgID(tenant), key).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k stored
				var status int16
				if err := rows.Scan(&k.hash, &status, &k.response); err != nil {
					return err
				}
				k.status = int(status)
				l.key = &k
			}
			return rows.Err()
		})
	}
	if p.reversoDe != uuid.Nil {
		b.Queue(sqlReversado, pgID(p.reversoDe)).QueryRow(func(row pgx.Row) error {
			var n int
			err := row.Scan(&n)
			l.reversado = n > 0
			return err
		})
	}
	b.Queue(sqlLeer, pgID(tenant), pgID(p.producto), pgID(p.bodega), pgID(otra)).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var kind string
			var id pgtype.UUID
			var activo pgtype.Bool
			var minimo, label, q, avg pgtype.Text
			if err := rows.Scan(&kind, &id, &activo, &minimo, &label, &q, &avg); err != nil {
				return err
			}
			var err error
			switch kind {
			case "p":
				pr := infoProducto{activo: activo.Bool, sku: label.String}
				pr.minimo, err = decimal.NewFromString(minimo.String)
				l.producto = &pr
			case "b":
				l.addBodega(infoBodega{id: id.Bytes, activa: activo.Bool, codigo: label.String})
			case "s":
				var sd saldo
				if sd.cantidad, err = decimal.NewFromString(q.String); err == nil {
					sd.promedio, err = decimal.NewFromString(avg.String)
				}
				l.addSaldo(id.Bytes, sd)
			}
			if err != nil {
				return err
			}
		}
		return rows.Err()
	})
	open = true
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		return respuesta{}, err
	}
	if l.key != nil {
		return replay(*l.key, hash)
	}

	now := s.now().Truncate(time.Microsecond)
	e, err := p.aplicar(&l)
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || key == "" {
			return respuesta{}, err
		}
		// A decided outcome: remember it under the key, write nothing else.
		w := &escritura{}
		w.add(tKeyInsert, pgID(tenant), key, hash, ae.Status, errorBody(ctx, ae))
		b := &pgx.Batch{}
		b.Queue(w.statement(), w.args...)
		b.Queue("COMMIT")
		if err := c.SendBatch(ctx, b).Close(); err != nil {
			return s.lostKeyRace(ctx, c, &open, tenant, key, hash, err)
		}
		open = false
		return respuesta{}, ae
	}

	m := p.movimiento(e, userID, now)
	body := m.appendJSON(make([]byte, 0, 1024))

	// Batch 2: one round trip, one write statement and COMMIT.
	w := &escritura{}
	for _, ch := range e.cambios() {
		t := tStockUpdate
		if !ch.existia {
			t = tStockInsert
		}
		w.add(t, num.PG(ch.despues.cantidad), num.PG(ch.despues.promedio), now, pgID(tenant), pgID(p.producto), pgID(ch.bodega))
	}
	var destQ, destAvg *string
	if e.destino != nil {
		q, a := num.PG(e.destino.despues.cantidad), num.PG(e.destino.despues.promedio)
		destQ, destAvg = &q, &a
	}
	w.add(tMovimiento, pgID(m.ID), pgID(tenant), string(m.Tipo), pgID(p.producto), pgID(p.bodega), pgIDPtr(m.BodegaDestinoID),
		num.PG(e.cantidad), num.PG(e.variacion), num.PG(e.costo), num.PG(m.Valor.Decimal),
		num.PG(e.origen.despues.cantidad), num.PG(e.origen.despues.promedio), destQ, destAvg,
		p.motivo, p.referencia, pgIDPtr(m.ReversoDe), m.UsuarioID, now)
	addEvent(ctx, w, events.KeyStockMovement, events.EventStockMovement, tenant, p.producto, now, body)
	for _, ch := range e.cambios() {
		if ch.antes.cantidad.GreaterThan(l.producto.minimo) && ch.despues.cantidad.LessThanOrEqual(l.producto.minimo) {
			data, err := json.Marshal(BajoMinimo{
				ProductoID: p.producto, SKU: l.producto.sku, BodegaID: ch.bodega, BodegaCodigo: bodegaCodigo(&l, ch.bodega),
				Cantidad: num.C(ch.despues.cantidad), StockMinimo: num.C(l.producto.minimo), MovimientoID: m.ID,
			})
			if err != nil {
				return respuesta{}, err
			}
			addEvent(ctx, w, events.KeyStockBelowMinimum, events.EventStockBelowMinimum, tenant, p.producto, now, data)
		}
	}
	if key != "" {
		w.add(tKeyInsert, pgID(tenant), key, hash, http.StatusCreated, body)
	}
	b = &pgx.Batch{}
	b.Queue(w.statement(), w.args...)
	b.Queue("COMMIT")
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		if db.IsUniqueViolation(err, "movimientos_reverso_de_key") {
			return respuesta{}, errYaReversado
		}
		return s.lostKeyRace(ctx, c, &open, tenant, key, hash, err)
	}
	open = false
	return respuesta{status: http.StatusCreated, body: body, mov: &m}, nil
}

// escritura joins the writes of a movement into one statement, each
// data-modifying statement a CTE of the last one ("WITH w0 AS (UPDATE …),
// w1 AS (INSERT …) INSERT …"). Postgres runs every part exactly once and
// checks the foreign keys at the end of the statement, so a ledger row may
// reference a balance row inserted by a sibling part. One statement instead
// of four saves a protocol exchange per part on both sides; the distinct
// shapes (one or two balances, updated or new, zero to two low-stock events,
// with or without a key) are few, and each is a cached prepared statement.
type escritura struct {
	stmts []string
	args  []any
	buf   []byte
}

// plantilla is a write statement split at its "?" placeholders.
type plantilla []string

func nuevaPlantilla(sql string) plantilla { return strings.Split(sql, "?") }

// add appends a statement; its placeholders take args in order.
func (w *escritura) add(t plantilla, args ...any) {
	w.buf = w.buf[:0]
	for i, part := range t {
		if i > 0 {
			w.buf = append(w.buf, '$')
			w.buf = strconv.AppendInt(w.buf, int64(len(w.args)+i), 10)
		}
		w.buf = append(w.buf, part...)
	}
	w.stmts = append(w.stmts, string(w.buf))
	w.args = append(w.args, args...)
}

// statement returns the SQL: the last statement is the main one, the others
// are its CTEs.
func (w *escritura) statement() string {
	last := len(w.stmts) - 1
	if last == 0 {
		return w.stmts[0]
	}
	b := append(w.buf[:0], "WITH "...)
	for i, s := range w.stmts[:last] {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, 'w')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, " AS ("...)
		b = append(b, s...)
		b = append(b, ')')
	}
	b = append(b, ' ')
	b = append(b, w.stmts[last]...)
	return string(b)
}

// lostKeyRace handles a failed write batch: when it failed on the key's
// primary key, a concurrent request with the same key committed first, and
// this one — now rolled back entirely — answers with that request's outcome.
func (s *Service) lostKeyRace(ctx context.Context, c *pgx.Conn, open *bool, tenant uuid.UUID, key string, hash []byte, err error) (respuesta, error) {
	if key == "" || !db.IsUniqueViolation(err, "idempotency_keys_pkey") {
		return respuesta{}, err
	}
	if _, rerr := c.Exec(ctx, "ROLLBACK"); rerr != nil {
		return respuesta{}, rerr
	}
	*open = false
	k, lerr := lookupKey(ctx, c, tenant, key)
	if lerr != nil {
		return respuesta{}, lerr
	}
	return replay(k, hash)
}

var errYaReversado = apperr.Conflict("movimiento_ya_reversado", "el movimiento ya fue reversado")

// cambio is one balance a movement touches.
type cambio struct {
	bodega         uuid.UUID
	antes, despues saldo
	existia        bool
}

// efecto is what a movement does: the ledger row's figures and the balances.
type efecto struct {
	cantidad, variacion, costo decimal.Decimal
	origen                     cambio
	destino                    *cambio
}

func (e efecto) cambios() []cambio {
	if e.destino == nil {
		return []cambio{e.origen}
	}
	return []cambio{e.origen, *e.destino}
}

// maxSaldo keeps balances inside NUMERIC(18,4).
var maxSaldo = decimal.New(1, 14)

func errInsuficiente(disponible decimal.Decimal) error {
	return apperr.Conflict("stock_insuficiente", "stock insuficiente para el movimiento").
		With("disponible", num.C(disponible))
}

// aplicar checks the movement against what batch 1 read and computes its
// effect. Errors here are outcomes of the request (404, 409), stored under
// an Idempotency-Key like a success.
func (p pedido) aplicar(l *lectura) (efecto, error) {
	switch {
	case p.reversoDe != uuid.Nil && l.reversado:
		return efecto{}, errYaReversado
	case l.producto == nil:
		return efecto{}, apperr.NotFound("producto").With("producto_id", "no existe")
	case !l.producto.activo:
		return efecto{}, apperr.Conflict("producto_inactivo", "el producto está inactivo").With("producto_id", "inactivo")
	}
	for _, b := range []struct {
		id    uuid.UUID
		field string
	}{{p.bodega, "bodega_id"}, {p.destino, "bodega_destino_id"}} {
		if b.id == uuid.Nil {
			continue
		}
		info, ok := l.bodega(b.id)
		switch {
		case !ok:
			return efecto{}, errBodegaNotFound(b.field)
		case !info.activa:
			return efecto{}, apperr.Conflict("bodega_inactiva", "la bodega está inactiva").With(b.field, "inactiva")
		}
	}

	o := cambio{bodega: p.bodega}
	o.antes, o.existia = l.saldo(p.bodega)
	q := p.cantidad
	var e efecto
	switch p.tipo {
	case Entrada:
		o.despues = o.antes.entra(q, *p.costo)
		e = efecto{cantidad: q, variacion: q, costo: *p.costo}
	case Salida, Transferencia:
		if o.antes.cantidad.LessThan(q) {
			return efecto{}, errInsuficiente(o.antes.cantidad)
		}
		o.despues = o.antes.sale(q)
		e = efecto{cantidad: q, variacion: q.Neg(), costo: o.antes.promedio}
		if p.tipo == Transferencia {
			d := cambio{bodega: p.destino}
			d.antes, d.existia = l.saldo(p.destino)
			d.despues = d.antes.entra(q, o.antes.promedio) // in at the cost it left the origin with
			e.destino = &d
		}
	case Ajuste:
		v := q.Sub(o.antes.cantidad) // a count: the difference under the lock
		if p.variacion != nil {
			v = *p.variacion
		}
		switch {
		case o.antes.cantidad.Add(v).IsNegative():
			return efecto{}, errInsuficiente(o.antes.cantidad)
		case v.IsPositive() && p.costo != nil:
			o.despues = o.antes.entra(v, *p.costo)
			e.costo = *p.costo
		default:
			o.despues = saldo{cantidad: o.antes.cantidad.Add(v), promedio: o.antes.promedio}
			e.costo = o.antes.promedio
		}
		e.cantidad, e.variacion = o.despues.cantidad, v
	}
	e.origen = o
	for _, ch := range e.cambios() {
		if ch.despues.cantidad.GreaterThanOrEqual(maxSaldo) {
			return efecto{}, apperr.Conflict("saldo_fuera_de_rango", "el saldo resultante excede el máximo admitido")
		}
	}
	return e, nil
}

// movimiento builds the ledger row as the API shows it.
func (p pedido) movimiento(e efecto, userID string, now time.Time) Movimiento {
	m := Movimiento{
		ID: db.NewID(), Tipo: p.tipo, ProductoID: p.producto, BodegaID: p.bodega,
		Cantidad: num.C(e.cantidad), Variacion: num.C(e.variacion), CostoUnitario: num.K(e.costo),
		Valor: num.Valor(e.variacion, e.costo), Motivo: p.motivo, Referencia: p.referencia, CreatedAt: now,
		Saldo: Saldo{ProductoID: p.producto, BodegaID: p.bodega, Cantidad: num.C(e.origen.despues.cantidad),
			CostoPromedio: num.K(e.origen.despues.promedio), Valor: e.origen.despues.valor()},
	}
	if userID != "" {
		m.UsuarioID = &userID
	}
	if p.reversoDe != uuid.Nil {
		r := p.reversoDe
		m.ReversoDe = &r
	}
	if e.destino != nil {
		d := p.destino
		m.BodegaDestinoID = &d
		m.SaldoDestino = &Saldo{ProductoID: p.producto, BodegaID: d, Cantidad: num.C(e.destino.despues.cantidad),
			CostoPromedio: num.K(e.destino.despues.promedio), Valor: e.destino.despues.valor()}
	}
	return m
}

func bodegaCodigo(l *lectura, id uuid.UUID) string {
	b, _ := l.bodega(id)
	return b.codigo
}
