package tarjetas

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/cartola"
)

// Store reads and writes rendiciones.tarjetas and their statement items.
type Store struct{ db *gorm.DB }

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

type tarjetaRow struct {
	ID        uuid.UUID
	TenantID  uuid.UUID
	Alias     string
	Banco     string
	Ultimos4  string `gorm:"column:ultimos_4"`
	TitularID *uuid.UUID
	Moneda    string
	Activa    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (tarjetaRow) TableName() string { return "rendiciones.tarjetas" }

func (r tarjetaRow) view() Tarjeta {
	return Tarjeta{ID: r.ID, Alias: r.Alias, Banco: r.Banco, Ultimos4: r.Ultimos4, TitularID: r.TitularID,
		Moneda: r.Moneda, Activa: r.Activa, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Create inserts a card.
func (s *Store) Create(ctx context.Context, tenant uuid.UUID, in Input) (Tarjeta, error) {
	now := db.Now()
	r := tarjetaRow{ID: db.NewID(), TenantID: tenant, Alias: *in.Alias, Banco: *in.Banco, Ultimos4: *in.Ultimos4,
		TitularID: in.titular, Moneda: "CLP", Activa: true, CreatedAt: now, UpdatedAt: now}
	if in.Moneda != nil {
		r.Moneda = *in.Moneda
	}
	if in.Activa != nil {
		r.Activa = *in.Activa
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return Tarjeta{}, apperr.Wrap(err, "crear tarjeta")
	}
	return r.view(), nil
}

func getTarjeta(ctx context.Context, tx *gorm.DB, tenant, id uuid.UUID) (tarjetaRow, error) {
	var r tarjetaRow
	err := tx.WithContext(ctx).Take(&r, "id = ? AND tenant_id = ?", id, tenant).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return tarjetaRow{}, apperr.NotFound("tarjeta")
	}
	if err != nil {
		return tarjetaRow{}, apperr.Wrap(err, "leer tarjeta")
	}
	return r, nil
}

// Get returns one card of the tenant.
func (s *Store) Get(ctx context.Context, tenant, id uuid.UUID) (Tarjeta, error) {
	r, err := getTarjeta(ctx, s.db, tenant, id)
	return r.view(), err
}

// Filter narrows List.
type Filter struct {
	Activa    *bool
	TitularID *uuid.UUID
}

// List returns a page of the tenant's cards.
func (s *Store) List(ctx context.Context, tenant uuid.UUID, f Filter, p httpx.Page) ([]Tarjeta, int64, error) {
	q := s.db.WithContext(ctx).Model(&tarjetaRow{}).Where("tenant_id = ?", tenant)
	if f.Activa != nil {
		q = q.Where("activa = ?", *f.Activa)
	}
	if f.TitularID != nil {
		q = q.Where("titular_id = ?", *f.TitularID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar tarjetas")
	}
	var rows []tarjetaRow
	if err := q.Order("created_at, id").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar tarjetas")
	}
	out := make([]Tarjeta, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, total, nil
}

// Update applies a patch.
func (s *Store) Update(ctx context.Context, tenant, id uuid.UUID, in Input) (Tarjeta, error) {
	var out Tarjeta
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := getTarjeta(ctx, tx.Clauses(db.ForUpdate), tenant, id)
		if err != nil {
			return err
		}
		if in.Alias != nil {
			r.Alias = *in.Alias
		}
		if in.Banco != nil {
			r.Banco = *in.Banco
		}
		if in.Ultimos4 != nil {
			r.Ultimos4 = *in.Ultimos4
		}
		if in.titularSet {
			r.TitularID = in.titular
		}
		if in.Moneda != nil {
			r.Moneda = *in.Moneda
		}
		if in.Activa != nil {
			r.Activa = *in.Activa
		}
		r.UpdatedAt = db.Now()
		if err := tx.Save(&r).Error; err != nil {
			return apperr.Wrap(err, "actualizar tarjeta")
		}
		out = r.view()
		return nil
	})
	return out, err
}

// Deactivate is DELETE: the card stays, with its items and rendiciones, but
// takes no new statements.
func (s *Store) Deactivate(ctx context.Context, tenant, id uuid.UUID) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE rendiciones.tarjetas SET activa = false, updated_at = now()
		WHERE id = ? AND tenant_id = ?`, id, tenant)
	if res.Error != nil {
		return apperr.Wrap(res.Error, "desactivar tarjeta")
	}
	if res.RowsAffected == 0 {
		return apperr.NotFound("tarjeta")
	}
	return nil
}

// itemRow is an item as read with its rendición.
type itemRow struct {
	ID                   uuid.UUID
	TarjetaID            uuid.UUID
	Fecha                time.Time
	Descripcion          string
	Monto                decimal.Decimal
	Moneda               string
	Cuotas               string
	Referencia           string
	Estado               string
	DocumentoID          *uuid.UUID
	ConciliacionCriterio *string
	ConciliadoAt         *time.Time
	RendicionID          *uuid.UUID
	CreatedAt            time.Time
}

func (r itemRow) view() Item {
	return Item{ID: r.ID, TarjetaID: r.TarjetaID, Fecha: r.Fecha.Format(time.DateOnly), Descripcion: r.Descripcion,
		Monto: r.Monto, Moneda: r.Moneda, Cuotas: r.Cuotas, Referencia: r.Referencia, Estado: r.Estado,
		DocumentoID: r.DocumentoID, Criterio: r.ConciliacionCriterio, ConciliadoAt: r.ConciliadoAt,
		RendicionID: r.RendicionID, CreatedAt: r.CreatedAt}
}

const itemSelect = `SELECT i.id, i.tarjeta_id, i.fecha, i.descripcion, i.monto, i.moneda, i.cuotas, i.referencia,
	i.estado, i.documento_id, i.conciliacion_criterio, i.conciliado_at, ri.rendicion_id, i.created_at
	FROM rendiciones.rendicion_tarjeta_items i
	LEFT JOIN rendiciones.rendicion_items ri ON ri.tenant_id = i.tenant_id AND ri.tarjeta_item_id = i.id`

// ItemFilter narrows Items.
type ItemFilter struct {
	Estado        string // pendiente | rendido | ""
	SinDocumento  bool
	ConDocumento  bool
	SinRendicion  bool
	OnlyPositives bool
}

func (f ItemFilter) where(b *strings.Builder, args *[]any) {
	if f.Estado != "" {
		b.WriteString(" AND i.estado = ?")
		*args = append(*args, f.Estado)
	}
	if f.SinDocumento {
		b.WriteString(" AND i.documento_id IS NULL")
	}
	if f.ConDocumento {
		b.WriteString(" AND i.documento_id IS NOT NULL")
	}
	if f.SinRendicion {
		b.WriteString(" AND ri.id IS NULL")
	}
	if f.OnlyPositives {
		b.WriteString(" AND i.monto > 0")
	}
}

// Items returns a page of a card's statement items, by date.
func (s *Store) Items(ctx context.Context, tenant, tarjeta uuid.UUID, f ItemFilter, p httpx.Page) ([]Item, int64, error) {
	return items(ctx, s.db.WithContext(ctx), tenant, tarjeta, f, &p)
}

func items(ctx context.Context, tx *gorm.DB, tenant, tarjeta uuid.UUID, f ItemFilter, p *httpx.Page) ([]Item, int64, error) {
	var b strings.Builder
	args := []any{tenant, tarjeta}
	b.WriteString(" WHERE i.tenant_id = ? AND i.tarjeta_id = ?")
	f.where(&b, &args)
	var total int64
	if p != nil {
		if err := tx.Raw(`SELECT count(*) FROM rendiciones.rendicion_tarjeta_items i
			LEFT JOIN rendiciones.rendicion_items ri ON ri.tenant_id = i.tenant_id AND ri.tarjeta_item_id = i.id`+b.String(), args...).
			Scan(&total).Error; err != nil {
			return nil, 0, apperr.Wrap(err, "contar movimientos")
		}
	}
	b.WriteString(" ORDER BY i.fecha, i.created_at, i.id")
	if p != nil {
		b.WriteString(fmt.Sprintf(" LIMIT %d OFFSET %d", p.Size, p.Offset()))
	}
	var rows []itemRow
	if err := tx.Raw(itemSelect+b.String(), args...).Scan(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar movimientos")
	}
	out := make([]Item, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	if p == nil {
		total = int64(len(out))
	}
	return out, total, nil
}

// Importacion is what a statement import did.
type Importacion struct {
	Creados     int `json:"creados"`
	Existentes  int `json:"existentes"` // already imported before: same fingerprint
	Rechazados  int `json:"rechazados"`
	Movimientos int `json:"movimientos"` // rows read from the file
}

// insertBatch keeps one INSERT under Postgres' 65535 parameters.
const insertBatch = 1000

// Import stores a parsed statement's rows on the card, all in one
// transaction. A row whose fingerprint is already stored for the card is
// skipped by the unique key (tarjeta_id, huella), so importing the same
// statement again, or one overlapping it, adds only the new rows. The card
// row is locked so two concurrent imports of one card report exact counts.
func (s *Store) Import(ctx context.Context, tenant, tarjeta uuid.UUID, rows []cartola.Row) (Importacion, error) {
	res := Importacion{Movimientos: len(rows)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := getTarjeta(ctx, tx.Clauses(db.ForUpdate), tenant, tarjeta); err != nil {
			return err
		}
		for start := 0; start < len(rows); start += insertBatch {
			batch := rows[start:min(start+insertBatch, len(rows))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO rendiciones.rendicion_tarjeta_items
				(id, tenant_id, tarjeta_id, fecha, descripcion, monto, moneda, cuotas, referencia, huella) VALUES `)
			args := make([]any, 0, len(batch)*10)
			for i, r := range batch {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, db.NewID(), tenant, tarjeta, r.Fecha.Format(time.DateOnly), r.Descripcion,
					r.Monto, r.Moneda, r.Cuotas, r.Referencia, r.Fingerprint(tarjeta.String()))
			}
			sb.WriteString(" ON CONFLICT ON CONSTRAINT tarjeta_items_huella_key DO NOTHING RETURNING id")
			var ids []struct{ ID uuid.UUID }
			if err := tx.Raw(sb.String(), args...).Scan(&ids).Error; err != nil {
				return apperr.Wrap(err, "guardar movimientos")
			}
			res.Creados += len(ids)
		}
		return nil
	})
	res.Existentes = res.Movimientos - res.Creados
	return res, err
}
