package tenants

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
)

// Store reads and writes core.tenants.
type Store struct {
	db     *gorm.DB
	outbox events.Outbox
}

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g, outbox: events.Outbox{Schema: "core"}} }

type row struct {
	ID        uuid.UUID
	Nombre    string
	RUT       string `gorm:"column:rut"`
	Activo    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (row) TableName() string { return "core.tenants" }

func (r row) tenant() Tenant { return Tenant(r) }

var errRUTTaken = apperr.Conflict("rut_duplicado", "ya existe un tenant con ese RUT").With("rut", "ya está registrado")

// Create inserts a tenant and its event.
func (s *Store) Create(ctx context.Context, nombre, rutCanon string) (Tenant, error) {
	now := db.Now()
	r := row{ID: db.NewID(), Nombre: nombre, RUT: rutCanon, Activo: true, CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return s.announce(ctx, tx, r.tenant())
	})
	if db.IsUniqueViolation(err, "tenants_rut_key") {
		return Tenant{}, errRUTTaken
	}
	if err != nil {
		return Tenant{}, apperr.Wrap(err, "crear tenant")
	}
	events.Committed("core")
	return r.tenant(), nil
}

// Get returns one tenant.
func (s *Store) Get(ctx context.Context, id uuid.UUID) (Tenant, error) {
	var r row
	err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Tenant{}, apperr.NotFound("tenant")
	}
	if err != nil {
		return Tenant{}, apperr.Wrap(err, "leer tenant")
	}
	return r.tenant(), nil
}

// GetByRUT returns the tenant with a canonical RUT.
func (s *Store) GetByRUT(ctx context.Context, rutCanon string) (Tenant, error) {
	var r row
	err := s.db.WithContext(ctx).Take(&r, "rut = ?", rutCanon).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Tenant{}, apperr.NotFound("tenant")
	}
	if err != nil {
		return Tenant{}, apperr.Wrap(err, "leer tenant")
	}
	return r.tenant(), nil
}

// Filter narrows List.
type Filter struct {
	Activo *bool
	Q      string
}

// List returns a page of tenants, oldest first.
func (s *Store) List(ctx context.Context, f Filter, p httpx.Page) ([]Tenant, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{})
	if f.Activo != nil {
		q = q.Where("activo = ?", *f.Activo)
	}
	if f.Q != "" {
		q = q.Where("nombre ILIKE ? OR rut ILIKE ?", "%"+f.Q+"%", "%"+f.Q+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar tenants")
	}
	var rows []row
	if err := q.Order("created_at, id").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar tenants")
	}
	out := make([]Tenant, len(rows))
	for i, r := range rows {
		out[i] = r.tenant()
	}
	return out, total, nil
}

// Update applies a patch and announces it.
func (s *Store) Update(ctx context.Context, id uuid.UUID, in Input) (Tenant, error) {
	var out Tenant
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r row
		if err := tx.Clauses(db.ForUpdate).Take(&r, "id = ?", id).Error; err != nil {
			return err
		}
		if in.Nombre != nil {
			r.Nombre = *in.Nombre
		}
		if in.RUT != nil {
			r.RUT = *in.RUT
		}
		if in.Activo != nil {
			r.Activo = *in.Activo
		}
		r.UpdatedAt = db.Now()
		if err := tx.Save(&r).Error; err != nil {
			return err
		}
		out = r.tenant()
		return s.announce(ctx, tx, out)
	})
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Tenant{}, apperr.NotFound("tenant")
	case db.IsUniqueViolation(err, "tenants_rut_key"):
		return Tenant{}, errRUTTaken
	case err != nil:
		return Tenant{}, apperr.Wrap(err, "actualizar tenant")
	}
	events.Committed("core") // other services drop the tenant from their cache now
	return out, nil
}

// announce writes tenants.updated in the same transaction as the change.
func (s *Store) announce(ctx context.Context, tx *gorm.DB, t Tenant) error {
	_, err := s.outbox.Add(ctx, tx, events.KeyTenantsUpdated, events.EventTenantUpdated, t.ID.String(), t.ID.String(), t)
	return err
}

// Exists reports whether a tenant with id exists.
func (s *Store) Exists(ctx context.Context, id uuid.UUID) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&row{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, apperr.Wrap(err, "leer tenant")
	}
	return n > 0, nil
}

// Fetcher lets core validate its callers' tenants with the same cache the
// other services use, reading its own table instead of calling itself.
type Fetcher struct{ Store *Store }

// Tenant implements tenant.Fetcher.
func (f Fetcher) Tenant(ctx context.Context, _ string, id string) (coreapi.Tenant, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return coreapi.Tenant{}, coreapi.ErrNotFound
	}
	t, err := f.Store.Get(ctx, uid)
	if apperr.Is(err, apperr.CodeNotFound) {
		return coreapi.Tenant{}, coreapi.ErrNotFound
	}
	if err != nil {
		return coreapi.Tenant{}, err
	}
	return coreapi.Tenant{ID: t.ID.String(), Nombre: t.Nombre, RUT: t.RUT, Activo: t.Activo}, nil
}
