package users

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
)

// Store reads and writes core.users.
type Store struct{ db *gorm.DB }

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

// Row is the stored user, password hash included; it never leaves core.
type Row struct {
	ID           uuid.UUID
	TenantID     uuid.UUID
	Email        string
	Nombre       string
	PasswordHash string
	Roles        db.StringArray `gorm:"type:text[]"`
	Activo       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName maps Row to its table.
func (Row) TableName() string { return "core.users" }

// User returns the public view.
func (r Row) User() User {
	roles := []string(r.Roles)
	if roles == nil {
		roles = []string{}
	}
	return User{ID: r.ID, TenantID: r.TenantID, Email: r.Email, Nombre: r.Nombre, Roles: roles, Activo: r.Activo, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

var errEmailTaken = apperr.Conflict("email_duplicado", "ya existe un usuario con ese email").With("email", "ya está registrado")

// Create inserts a user.
func (s *Store) Create(ctx context.Context, r Row) (User, error) {
	now := db.Now()
	r.ID, r.Activo, r.CreatedAt, r.UpdatedAt = db.NewID(), true, now, now
	err := s.db.WithContext(ctx).Create(&r).Error
	switch {
	case db.IsUniqueViolation(err, "users_email_key"):
		return User{}, errEmailTaken
	case db.IsForeignKeyViolation(err):
		return User{}, apperr.Invalid("tenant_id", "el tenant no existe")
	case err != nil:
		return User{}, apperr.Wrap(err, "crear usuario")
	}
	return r.User(), nil
}

// Get returns a user; with tenant set, only within that tenant (404 otherwise).
func (s *Store) Get(ctx context.Context, id uuid.UUID, tenant *uuid.UUID) (Row, error) {
	q := s.db.WithContext(ctx).Where("id = ?", id)
	if tenant != nil {
		q = q.Where("tenant_id = ?", *tenant)
	}
	var r Row
	err := q.Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Row{}, apperr.NotFound("usuario")
	}
	if err != nil {
		return Row{}, apperr.Wrap(err, "leer usuario")
	}
	return r, nil
}

// ByEmail returns the user with a normalized email, for login.
func (s *Store) ByEmail(ctx context.Context, email string) (Row, error) {
	var r Row
	err := s.db.WithContext(ctx).Where("lower(email) = ?", email).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Row{}, apperr.NotFound("usuario")
	}
	if err != nil {
		return Row{}, apperr.Wrap(err, "leer usuario")
	}
	return r, nil
}

// Filter narrows List.
type Filter struct {
	Tenant *uuid.UUID
	Activo *bool
	Rol    string
}

// List returns a page of users.
func (s *Store) List(ctx context.Context, f Filter, p httpx.Page) ([]User, int64, error) {
	q := s.db.WithContext(ctx).Model(&Row{})
	if f.Tenant != nil {
		q = q.Where("tenant_id = ?", *f.Tenant)
	}
	if f.Activo != nil {
		q = q.Where("activo = ?", *f.Activo)
	}
	if f.Rol != "" {
		q = q.Where("? = ANY(roles)", f.Rol)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar usuarios")
	}
	var rows []Row
	if err := q.Order("created_at, id").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar usuarios")
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.User()
	}
	return out, total, nil
}

// Save writes back a changed row.
func (s *Store) Save(ctx context.Context, r Row) (User, error) {
	r.UpdatedAt = db.Now()
	err := s.db.WithContext(ctx).Save(&r).Error
	switch {
	case db.IsUniqueViolation(err, "users_email_key"):
		return User{}, errEmailTaken
	case err != nil:
		return User{}, apperr.Wrap(err, "actualizar usuario")
	}
	return r.User(), nil
}
