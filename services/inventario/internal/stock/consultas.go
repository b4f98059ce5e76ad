package stock

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/inventario/internal/num"
)

// Read side: balances, the movement list and the kardex. Each list sends its
// page query and its count as one pipelined batch (one round trip), and
// builds its WHERE from the filters actually given, so Postgres plans each
// shape on its own (a catch-all "($2 IS NULL OR …)" would share one generic
// plan across all of them).

// where accumulates conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; "?" in it stands for the next argument.
func (w *where) add(cond string, arg ...any) {
	for _, a := range arg {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) String() string { return " WHERE " + strings.Join(w.conds, " AND ") }

// page returns the LIMIT/OFFSET clause, with the numbers written into the
// SQL rather than passed as parameters. With "LIMIT $n" the generic plan has
// to guess the row count, costs more than a custom plan for 50 rows, and
// Postgres keeps re-planning the query on every execution (a join with an
// incremental sort: about a millisecond of planning each time). Literal
// numbers let it settle on one cached plan per page shape.
func (w *where) page(p httpx.Page) string {
	return " LIMIT " + strconv.Itoa(p.Size) + " OFFSET " + strconv.Itoa(p.Offset())
}

// StockRow is one balance as GET /api/stock lists it.
type StockRow struct {
	ProductoID    uuid.UUID    `json:"producto_id"`
	SKU           string       `json:"sku"`
	Nombre        string       `json:"nombre"`
	BodegaID      uuid.UUID    `json:"bodega_id"`
	BodegaCodigo  string       `json:"bodega_codigo"`
	Cantidad      num.Cantidad `json:"cantidad"`
	CostoPromedio num.Costo    `json:"costo_promedio"`
	Valor         num.Monto    `json:"valor"`
	StockMinimo   num.Cantidad `json:"stock_minimo"`
	BajoMinimo    bool         `json:"bajo_minimo"`
}

// StockFilter narrows ListStock.
type StockFilter struct {
	ProductoID *uuid.UUID
	BodegaID   *uuid.UUID
	// BajoMinimo keeps balances at or under the product's stock_minimo.
	BajoMinimo bool
}

// ListStock returns a page of the tenant's balances, by SKU and bodega code.
// A balance exists from the first movement of a product in a bodega. The
// page is driven by productos_sku_key, already in SKU order, so it reads
// about page_size rows instead of sorting every balance (the tenant condition
// reaches productos through the join's equivalence); the count, unless it
// must compare with stock_minimo, is an index-only scan of stock_pkey.
func (s *Service) ListStock(ctx context.Context, tenant uuid.UUID, f StockFilter, p httpx.Page) ([]StockRow, int64, error) {
	w := &where{}
	w.add("s.tenant_id = ?", pgID(tenant))
	if f.ProductoID != nil {
		w.add("s.producto_id = ?", pgID(*f.ProductoID))
	}
	if f.BodegaID != nil {
		w.add("s.bodega_id = ?", pgID(*f.BodegaID))
	}
	if f.BajoMinimo {
		w.add("s.cantidad <= p.stock_minimo")
	}
	const from = `
		  FROM inventario.stock s
		  JOIN inventario.productos p ON p.tenant_id = s.tenant_id AND p.id = s.producto_id`
	limit := w.page(p)
	out := []StockRow{}
	var total int64
	b := &pgx.Batch{}
	count := `SELECT count(*) FROM inventario.stock s` + w.String()
	if f.BajoMinimo {
		count = `SELECT count(*)` + from + w.String()
	}
	b.Queue(count, w.args...).QueryRow(func(r pgx.Row) error { return r.Scan(&total) })
	b.Queue(`
		SELECT s.producto_id, p.sku, p.nombre, s.bodega_id, b.codigo, s.cantidad, s.costo_promedio, p.stock_minimo`+from+`
		  JOIN inventario.bodegas b ON b.tenant_id = s.tenant_id AND b.id = s.bodega_id`+w.String()+`
		 ORDER BY lower(p.sku), upper(b.codigo)`+limit, w.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var r StockRow
			var producto, bodega pgtype.UUID
			if err := rows.Scan(&producto, &r.SKU, &r.Nombre, &bodega, &r.BodegaCodigo, &r.Cantidad,
				&r.CostoPromedio, &r.StockMinimo); err != nil {
				return err
			}
			r.ProductoID, r.BodegaID = producto.Bytes, bodega.Bytes
			r.Valor = num.Valor(r.Cantidad.Decimal, r.CostoPromedio.Decimal)
			r.BajoMinimo = r.Cantidad.LessThanOrEqual(r.StockMinimo.Decimal)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err := s.conn(ctx, func(c *pgx.Conn) error { return c.SendBatch(ctx, b).Close() }); err != nil {
		return nil, 0, apperr.Wrap(err, "listar stock")
	}
	return out, total, nil
}

const movCols = `m.id, m.tipo, m.producto_id, m.bodega_id, m.bodega_destino_id, m.cantidad, m.variacion,
	m.costo_unitario, m.valor, m.saldo_cantidad, m.saldo_costo_promedio, m.destino_saldo_cantidad,
	m.destino_saldo_costo_promedio, m.motivo, m.referencia, m.reverso_de,
	(SELECT r.id FROM inventario.movimientos r WHERE r.reverso_de = m.id), m.usuario_id, m.created_at`

// scanMovimiento reads movCols (plus extra destinations, e.g. a total).
func scanMovimiento(row pgx.Row, extra ...any) (Movimiento, error) {
	var m Movimiento
	var tipo string
	var id, producto, bodega, destino, reverso, reversadoPor pgtype.UUID
	var destQ, destAvg pgtype.Numeric
	dst := append([]any{&id, &tipo, &producto, &bodega, &destino, &m.Cantidad, &m.Variacion,
		&m.CostoUnitario, &m.Valor, &m.Saldo.Cantidad, &m.Saldo.CostoPromedio, &destQ, &destAvg,
		&m.Motivo, &m.Referencia, &reverso, &reversadoPor, &m.UsuarioID, &m.CreatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return Movimiento{}, err
	}
	m.ID, m.ProductoID, m.BodegaID = id.Bytes, producto.Bytes, bodega.Bytes
	m.BodegaDestinoID, m.ReversoDe, m.ReversadoPor = idPtr(destino), idPtr(reverso), idPtr(reversadoPor)
	m.Tipo = Tipo(tipo)
	m.CreatedAt = m.CreatedAt.UTC()
	m.Saldo.ProductoID, m.Saldo.BodegaID = m.ProductoID, m.BodegaID
	m.Saldo.Valor = num.Valor(m.Saldo.Cantidad.Decimal, m.Saldo.CostoPromedio.Decimal)
	if m.BodegaDestinoID != nil {
		d := Saldo{ProductoID: m.ProductoID, BodegaID: *m.BodegaDestinoID}
		if err := d.Cantidad.ScanNumeric(destQ); err != nil {
			return Movimiento{}, err
		}
		if err := d.CostoPromedio.ScanNumeric(destAvg); err != nil {
			return Movimiento{}, err
		}
		d.Valor = num.Valor(d.Cantidad.Decimal, d.CostoPromedio.Decimal)
		m.SaldoDestino = &d
	}
	return m, nil
}

// getMovimiento returns one movement of the tenant.
func (s *Service) getMovimiento(ctx context.Context, tenant, id uuid.UUID) (Movimiento, error) {
	var m Movimiento
	err := s.conn(ctx, func(c *pgx.Conn) error {
		var err error
		m, err = scanMovimiento(c.QueryRow(ctx, `SELECT `+movCols+` FROM inventario.movimientos m WHERE m.id = $1 AND m.tenant_id = $2`, pgID(id), pgID(tenant)))
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Movimiento{}, apperr.NotFound("movimiento")
	case err != nil:
		return Movimiento{}, apperr.Wrap(err, "leer movimiento")
	}
	return m, nil
}

// MovimientoFilter narrows ListMovimientos. Desde is inclusive, Hasta
// exclusive.
type MovimientoFilter struct {
	ProductoID   *uuid.UUID
	BodegaID     *uuid.UUID // origin or destination
	Tipo         string
	Desde, Hasta *time.Time
}

// ListMovimientos returns a page of the tenant's movements, newest first.
func (s *Service) ListMovimientos(ctx context.Context, tenant uuid.UUID, f MovimientoFilter, p httpx.Page) ([]Movimiento, int64, error) {
	w := &where{}
	w.add("m.tenant_id = ?", pgID(tenant))
	if f.ProductoID != nil {
		w.add("m.producto_id = ?", pgID(*f.ProductoID))
	}
	if f.BodegaID != nil {
		w.add("(m.bodega_id = ? OR m.bodega_destino_id = ?)", pgID(*f.BodegaID), pgID(*f.BodegaID))
	}
	if f.Tipo != "" {
		w.add("m.tipo = ?", f.Tipo)
	}
	if f.Desde != nil {
		w.add("m.created_at >= ?", *f.Desde)
	}
	if f.Hasta != nil {
		w.add("m.created_at < ?", *f.Hasta)
	}
	limit := w.page(p)
	out := []Movimiento{}
	var total int64
	b := &pgx.Batch{}
	b.Queue(`SELECT count(*) FROM inventario.movimientos m`+w.String(), w.args...).QueryRow(func(r pgx.Row) error { return r.Scan(&total) })
	b.Queue(`SELECT `+movCols+` FROM inventario.movimientos m`+w.String()+` ORDER BY m.seq DESC`+limit, w.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			m, err := scanMovimiento(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err := s.conn(ctx, func(c *pgx.Conn) error { return c.SendBatch(ctx, b).Close() }); err != nil {
		return nil, 0, apperr.Wrap(err, "listar movimientos")
	}
	return out, total, nil
}

// LineaKardex is one line of the kardex: a movement as seen from one bodega,
// with the running balance, average cost and value it left there.
type LineaKardex struct {
	MovimientoID  uuid.UUID    `json:"movimiento_id"`
	Fecha         time.Time    `json:"fecha"`
	Tipo          Tipo         `json:"tipo"`
	BodegaID      uuid.UUID    `json:"bodega_id"`
	Cantidad      num.Cantidad `json:"cantidad"` // signed: + in, − out
	CostoUnitario num.Costo    `json:"costo_unitario"`
	Valor         num.Monto    `json:"valor"` // signed, cantidad × costo_unitario
	SaldoCantidad num.Cantidad `json:"saldo_cantidad"`
	CostoPromedio num.Costo    `json:"costo_promedio"`
	SaldoValor    num.Monto    `json:"saldo_valor"`
	Motivo        string       `json:"motivo"`
	Referencia    string       `json:"referencia"`
	ReversoDe     *uuid.UUID   `json:"reverso_de"`
}

// Kardex is the ledger of one product, in one bodega or in all of them.
type Kardex struct {
	ProductoID uuid.UUID     `json:"producto_id"`
	SKU        string        `json:"sku"`
	Nombre     string        `json:"nombre"`
	BodegaID   *uuid.UUID    `json:"bodega_id"`
	Data       []LineaKardex `json:"data"`
	Page       int           `json:"page"`
	PageSize   int           `json:"page_size"`
	Total      int64         `json:"total"`
}

// Kardex returns a page of a product's kardex in application order (seq).
// Without a bodega every bodega's lines are listed, each with that bodega's
// running balance; a transferencia then appears twice, out and in.
func (s *Service) Kardex(ctx context.Context, tenant, producto uuid.UUID, bodega *uuid.UUID, p httpx.Page) (Kardex, error) {
	k := Kardex{ProductoID: producto, BodegaID: bodega, Data: []LineaKardex{}, Page: p.Page, PageSize: p.Size}
	err := s.conn(ctx, func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT sku, nombre FROM inventario.productos WHERE tenant_id = $1 AND id = $2`, pgID(tenant), pgID(producto)).
			Scan(&k.SKU, &k.Nombre)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("producto").With("producto_id", "no existe")
		}
		if err != nil {
			return err
		}
		if bodega != nil {
			var n int
			if err := c.QueryRow(ctx, `SELECT count(*) FROM inventario.bodegas WHERE tenant_id = $1 AND id = $2`, pgID(tenant), pgID(*bodega)).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errBodegaNotFound("bodega_id")
			}
		}
		w := &where{}
		w.add("k.tenant_id = ?", pgID(tenant))
		w.add("k.producto_id = ?", pgID(producto))
		if bodega != nil {
			w.add("k.bodega_id = ?", pgID(*bodega))
		}
		limit := w.page(p)
		b := &pgx.Batch{}
		b.Queue(`SELECT count(*) FROM inventario.kardex k`+w.String(), w.args...).QueryRow(func(r pgx.Row) error { return r.Scan(&k.Total) })
		b.Queue(`
			SELECT k.movimiento_id, k.created_at, k.tipo, k.bodega_id, k.variacion, k.costo_unitario, k.valor,
			       k.saldo_cantidad, k.saldo_costo_promedio, k.motivo, k.referencia, k.reverso_de
			  FROM inventario.kardex k`+w.String()+`
			 ORDER BY k.seq, k.lado`+limit, w.args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var l LineaKardex
				var tipo string
				var mov, bodega, reverso pgtype.UUID
				if err := rows.Scan(&mov, &l.Fecha, &tipo, &bodega, &l.Cantidad, &l.CostoUnitario, &l.Valor,
					&l.SaldoCantidad, &l.CostoPromedio, &l.Motivo, &l.Referencia, &reverso); err != nil {
					return err
				}
				l.MovimientoID, l.BodegaID, l.ReversoDe = mov.Bytes, bodega.Bytes, idPtr(reverso)
				l.Tipo, l.Fecha = Tipo(tipo), l.Fecha.UTC()
				l.SaldoValor = num.Valor(l.SaldoCantidad.Decimal, l.CostoPromedio.Decimal)
				k.Data = append(k.Data, l)
			}
			return rows.Err()
		})
		return c.SendBatch(ctx, b).Close()
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return Kardex{}, err
		}
		return Kardex{}, apperr.Wrap(err, "leer kardex")
	}
	return k, nil
}
