package documentos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/extraccion"
)

// row is rendiciones.documentos_procesados as GORM reads it.
type row struct {
	ID                 uuid.UUID
	TenantID           uuid.UUID
	SubidoPor          uuid.UUID
	NombreArchivo      string
	TipoMime           string
	Tamano             int64
	Sha256             string `gorm:"column:sha256"`
	StorageKey         string
	Estado             string
	Motor              *string
	Extraccion         []byte
	ExtraccionOriginal []byte
	ErrorCodigo        *string
	ErrorMensaje       *string
	TipoDocumento      *string
	RutEmisor          *string
	RazonSocialEmisor  *string
	Folio              *string
	FechaEmision       *time.Time
	Moneda             *string
	MontoTotal         decimal.NullDecimal
	TokensPrompt       *int
	TokensRespuesta    *int
	TokensTotal        *int
	DuplicadoDe        *uuid.UUID
	DuplicadoTipo      *string
	NoDuplicado        bool
	NoDuplicadoPor     *uuid.UUID
	NoDuplicadoAt      *time.Time
	NoDuplicadoMotivo  *string
	RevisadoPor        *uuid.UUID
	RevisadoAt         *time.Time
	ProcesadoAt        *time.Time
	Intentos           int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (row) TableName() string { return "rendiciones.documentos_procesados" }

func (r *row) view() (*Documento, error) {
	d := &Documento{
		ID: r.ID, TenantID: r.TenantID, SubidoPor: r.SubidoPor, NombreArchivo: r.NombreArchivo, TipoMIME: r.TipoMime,
		Tamano: r.Tamano, SHA256: r.Sha256, Estado: r.Estado, Motor: r.Motor, ErrorCodigo: r.ErrorCodigo,
		ErrorMensaje: r.ErrorMensaje, Intentos: r.Intentos, DuplicadoDe: r.DuplicadoDe, DuplicadoTipo: r.DuplicadoTipo,
		NoDuplicado: r.NoDuplicado, NoDuplicadoPor: r.NoDuplicadoPor, NoDuplicadoAt: utc(r.NoDuplicadoAt),
		NoDuplicadoMotivo: r.NoDuplicadoMotivo, RevisadoPor: r.RevisadoPor, RevisadoAt: utc(r.RevisadoAt),
		ProcesadoAt: utc(r.ProcesadoAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	var err error
	if d.Extraccion, err = decodeExtraccion(r.Extraccion); err != nil {
		return nil, err
	}
	if d.ExtraccionOriginal, err = decodeExtraccion(r.ExtraccionOriginal); err != nil {
		return nil, err
	}
	if r.TokensTotal != nil {
		d.Tokens = &Tokens{Prompt: deref(r.TokensPrompt), Respuesta: deref(r.TokensRespuesta), Total: *r.TokensTotal}
	}
	return d, nil
}

func decodeExtraccion(b []byte) (*extraccion.Extraccion, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	var ex extraccion.Extraccion
	if err := json.Unmarshal(b, &ex); err != nil {
		return nil, fmt.Errorf("documentos: extraccion guardada ilegible: %w", err)
	}
	if ex.Items == nil {
		ex.Items = []extraccion.Item{}
	}
	if ex.Advertencias == nil {
		ex.Advertencias = []string{}
	}
	return &ex, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Store reads and writes documents.
type Store struct{ db *gorm.DB }

// NewStore returns a Store over g.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

// visible limits q to what a may see: its tenant, and its own uploads
// unless it sees the whole tenant.
func visible(q *gorm.DB, a actor) *gorm.DB {
	q = q.Where("tenant_id = ?", a.TenantID)
	if !a.VeTodo {
		q = q.Where("subido_por = ?", a.UserID)
	}
	return q
}

// get returns a document a may see, else not_found.
func (s *Store) get(ctx context.Context, a actor, id uuid.UUID) (*row, error) {
	var r row
	err := visible(s.db.WithContext(ctx), a).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.NotFound("documento")
	}
	if err != nil {
		return nil, apperr.Wrap(err, "leer documento")
	}
	return &r, nil
}

// lock reads and locks a document a may see inside tx.
func lock(ctx context.Context, tx *gorm.DB, a actor, id uuid.UUID) (*row, error) {
	var r row
	err := visible(tx.WithContext(ctx).Clauses(db.ForUpdate), a).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.NotFound("documento")
	}
	if err != nil {
		return nil, apperr.Wrap(err, "leer documento")
	}
	return &r, nil
}

// lockByID reads and locks a document by tenant and id, for the worker.
func lockByID(ctx context.Context, tx *gorm.DB, tenant, id uuid.UUID) (*row, error) {
	var r row
	err := tx.WithContext(ctx).Clauses(db.ForUpdate).Where("tenant_id = ? AND id = ?", tenant, id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &r, err
}

// bySHA returns the id of the tenant's document with this content.
func (s *Store) bySHA(ctx context.Context, tenant uuid.UUID, sha string) (uuid.UUID, bool, error) {
	var ids []uuid.UUID
	err := s.db.WithContext(ctx).Model(&row{}).Where("tenant_id = ? AND sha256 = ?", tenant, sha).Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return uuid.Nil, false, err
	}
	return ids[0], true, nil
}

// filtro narrows a list.
type filtro struct {
	Estado    string
	Desde     *time.Time // upload date ≥, inclusive (UTC day)
	Hasta     *time.Time // upload date ≤, inclusive (UTC day)
	Duplicado *bool      // true: flagged as a folio duplicate and not overruled
	SubidoPor *uuid.UUID
}

// list returns a page of what a sees, newest first.
func (s *Store) list(ctx context.Context, a actor, f filtro, p httpx.Page) ([]*Documento, int64, error) {
	q := visible(s.db.WithContext(ctx).Model(&row{}), a)
	if f.Estado != "" {
		q = q.Where("estado = ?", f.Estado)
	}
	if f.Desde != nil {
		q = q.Where("created_at >= ?", *f.Desde)
	}
	if f.Hasta != nil {
		q = q.Where("created_at < ?", f.Hasta.AddDate(0, 0, 1))
	}
	if f.SubidoPor != nil {
		q = q.Where("subido_por = ?", *f.SubidoPor)
	}
	if f.Duplicado != nil {
		if *f.Duplicado {
			q = q.Where("duplicado_tipo = ? AND NOT no_duplicado", DuplicadoFolio)
		} else {
			q = q.Where("(duplicado_tipo IS DISTINCT FROM ? OR no_duplicado)", DuplicadoFolio)
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar documentos")
	}
	var rows []row
	if err := q.Order("created_at DESC, id DESC").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar documentos")
	}
	out := make([]*Documento, 0, len(rows))
	for i := range rows {
		d, err := rows[i].view()
		if err != nil {
			return nil, 0, apperr.Wrap(err, "listar documentos")
		}
		out = append(out, d)
	}
	return out, total, nil
}

// camposDe are the denormalized columns of an extraction, kept for the
// duplicate checks and conciliation.
func camposDe(ex *extraccion.Extraccion) map[string]any {
	m := map[string]any{
		"tipo_documento": nil, "rut_emisor": nil, "razon_social_emisor": nil, "folio": nil,
		"fecha_emision": nil, "moneda": nil, "monto_total": nil,
	}
	if ex == nil {
		return m
	}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("tipo_documento", string(ex.TipoDocumento))
	put("rut_emisor", ex.RutEmisor)
	put("razon_social_emisor", truncar(ex.RazonSocialEmisor, 300))
	put("folio", ex.Folio)
	put("moneda", ex.Moneda)
	if f, err := time.Parse(time.DateOnly, ex.FechaEmision); err == nil {
		m["fecha_emision"] = f.Format(time.DateOnly)
	}
	if ex.MontoTotal.Valid && cabeEnNumeric(ex.MontoTotal.Decimal) {
		m["monto_total"] = ex.MontoTotal.Decimal.String()
	}
	return m
}

// cabeEnNumeric reports whether d fits numeric(18, 4) without rounding; an
// engine reading nonsense must not make the final UPDATE fail.
func cabeEnNumeric(d decimal.Decimal) bool {
	return d.Abs().LessThan(decimal.New(1, 14)) && d.Equal(d.Round(4))
}

func truncar(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
