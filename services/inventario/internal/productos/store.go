package productos

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/inventario/internal/num"
)

// Store reads and writes inventario.productos. The catalogue is plain CRUD,
// so it goes through GORM like the other services; the stock package, whose
// queries are hot and lock rows, talks SQL directly.
type Store struct{ db *gorm.DB }

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

type row struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	SKU         string `gorm:"column:sku"`
	Nombre      string
	Descripcion string
	Unidad      string
	Categoria   string
	PrecioVenta decimal.Decimal
	StockMinimo decimal.Decimal
	Activo      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (row) TableName() string { return "inventario.productos" }

func (r row) view() Producto {
	return Producto{ID: r.ID, SKU: r.SKU, Nombre: r.Nombre, Descripcion: r.Descripcion, Unidad: r.Unidad,
		Categoria: r.Categoria, PrecioVenta: num.M(r.PrecioVenta), StockMinimo: num.C(r.StockMinimo),
		Activo: r.Activo, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (r *row) apply(in Input) {
	if in.SKU != nil {
		r.SKU = *in.SKU
	}
	if in.Nombre != nil {
		r.Nombre = *in.Nombre
	}
	if in.Descripcion != nil {
		r.Descripcion = *in.Descripcion
	}
	if in.Unidad != nil {
		r.Unidad = *in.Unidad
	}
	if in.Categoria != nil {
		r.Categoria = *in.Categoria
	}
	if in.PrecioVenta.IsSet() {
		r.PrecioVenta = in.precioVenta
	}
	if in.StockMinimo.IsSet() {
		r.StockMinimo = in.stockMinimo
	}
	if in.Activo != nil {
		r.Activo = *in.Activo
	}
}

// Create inserts a product.
func (s *Store) Create(ctx context.Context, tenant uuid.UUID, in Input) (Producto, error) {
	now := db.Now()
	r := row{ID: db.NewID(), TenantID: tenant, Unidad: DefaultUnidad, Activo: true, CreatedAt: now, UpdatedAt: now}
	r.apply(in)
	err := s.db.WithContext(ctx).Create(&r).Error
	switch {
	case db.IsUniqueViolation(err, "productos_sku_key"):
		return Producto{}, errSKUTaken
	case err != nil:
		return Producto{}, apperr.Wrap(err, "crear producto")
	}
	return r.view(), nil
}

// Get returns one product of the tenant.
func (s *Store) Get(ctx context.Context, tenant, id uuid.UUID) (Producto, error) {
	var r row
	err := s.db.WithContext(ctx).Take(&r, "id = ? AND tenant_id = ?", id, tenant).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Producto{}, apperr.NotFound("producto")
	case err != nil:
		return Producto{}, apperr.Wrap(err, "leer producto")
	}
	return r.view(), nil
}

// PorSKU finds a product by SKU, ignoring case (the event consumer matches
// invoice item codes this way).
func (s *Store) PorSKU(ctx context.Context, tenant uuid.UUID, sku string) (Producto, error) {
	var r row
	err := s.db.WithContext(ctx).Take(&r, "tenant_id = ? AND lower(sku) = lower(?)", tenant, strings.TrimSpace(sku)).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Producto{}, apperr.NotFound("producto")
	case err != nil:
		return Producto{}, apperr.Wrap(err, "leer producto")
	}
	return r.view(), nil
}

// Filter narrows List.
type Filter struct {
	Q         string // part of the SKU or the name
	Categoria string
	Activo    *bool
}

// List returns a page of the tenant's products ordered by SKU.
func (s *Store) List(ctx context.Context, tenant uuid.UUID, f Filter, p httpx.Page) ([]Producto, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{}).Where("tenant_id = ?", tenant)
	if f.Q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Q) + "%"
		q = q.Where("(sku ILIKE ? OR nombre ILIKE ?)", like, like)
	}
	if f.Categoria != "" {
		q = q.Where("categoria = ?", f.Categoria)
	}
	if f.Activo != nil {
		q = q.Where("activo = ?", *f.Activo)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar productos")
	}
	var rows []row
	if err := q.Order("lower(sku), id").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar productos")
	}
	out := make([]Producto, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, total, nil
}

// Update applies a patch.
func (s *Store) Update(ctx context.Context, tenant, id uuid.UUID, in Input) (Producto, error) {
	var out Producto
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r row
		if err := tx.Clauses(db.ForUpdate).Take(&r, "id = ? AND tenant_id = ?", id, tenant).Error; err != nil {
			return err
		}
		r.apply(in)
		r.UpdatedAt = db.Now()
		if err := tx.Save(&r).Error; err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Producto{}, apperr.NotFound("producto")
	case db.IsUniqueViolation(err, "productos_sku_key"):
		return Producto{}, errSKUTaken
	case err != nil:
		return Producto{}, apperr.Wrap(err, "actualizar producto")
	}
	return out, nil
}

// Delete removes a product that never moved and deactivates one that did.
// "Has moved" is exactly "has a stock row": balances are created by the first
// movement and never deleted, and their foreign key makes the DELETE fail.
// Relying on that constraint instead of a prior SELECT keeps it race-free: a
// first movement running at the same time either commits before (the DELETE
// fails, we deactivate) or finds the product gone (it answers 404).
// It returns the deactivated product, or nil when the product was deleted.
func (s *Store) Delete(ctx context.Context, tenant, id uuid.UUID) (*Producto, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM inventario.productos WHERE id = ? AND tenant_id = ?", id, tenant)
	switch {
	case res.Error == nil && res.RowsAffected == 0:
		return nil, apperr.NotFound("producto")
	case res.Error == nil:
		return nil, nil
	case !db.IsForeignKeyViolation(res.Error):
		return nil, apperr.Wrap(res.Error, "borrar producto")
	}
	var r row
	err := s.db.WithContext(ctx).Raw(
		`UPDATE inventario.productos SET activo = false, updated_at = now()
		  WHERE id = ? AND tenant_id = ? RETURNING *`, id, tenant).Scan(&r).Error
	switch {
	case err != nil:
		return nil, apperr.Wrap(err, "desactivar producto")
	case r.ID == uuid.Nil:
		return nil, apperr.NotFound("producto")
	}
	p := r.view()
	return &p, nil
}
