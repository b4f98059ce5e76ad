package parametros

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
)

// Store reads and writes core.parametros_maestros, encrypting secrets.
type Store struct {
	db     *gorm.DB
	cipher *Cipher
}

// NewStore returns a Store.
func NewStore(g *gorm.DB, c *Cipher) *Store { return &Store{db: g, cipher: c} }

type row struct {
	ID           uuid.UUID
	TenantID     uuid.UUID
	Categoria    string
	Clave        string
	Valor        []byte `gorm:"type:jsonb"`
	ValorCifrado []byte
	Descripcion  string
	Secreto      bool
	Activo       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (row) TableName() string { return "core.parametros_maestros" }

// view is what the API shows: secrets masked.
func (r row) view() Parametro {
	p := Parametro{ID: r.ID, TenantID: r.TenantID, Categoria: r.Categoria, Clave: r.Clave, Valor: r.Valor,
		Descripcion: r.Descripcion, Secreto: r.Secreto, Activo: r.Activo, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Secreto {
		p.Valor = json.RawMessage(`"` + Mask + `"`)
	}
	return p
}

// setValor stores v in the column its secrecy calls for.
func (s *Store) setValor(r *row, v json.RawMessage) error {
	if !r.Secreto {
		r.Valor, r.ValorCifrado = v, nil
		return nil
	}
	sealed, err := s.cipher.Seal(v, r.ID[:])
	if err != nil {
		return err
	}
	r.Valor, r.ValorCifrado = nil, sealed
	return nil
}

// clearValor returns the plain value of a row (decrypting a secret).
func (s *Store) clearValor(r row) (json.RawMessage, error) {
	if !r.Secreto {
		return r.Valor, nil
	}
	return s.cipher.Open(r.ValorCifrado, r.ID[:])
}

var errClaveTaken = apperr.Conflict("parametro_duplicado", "ya existe un parámetro con esa categoría y clave").With("clave", "ya existe en la categoría")

// Create inserts a parametro.
func (s *Store) Create(ctx context.Context, tenant uuid.UUID, in Input) (Parametro, error) {
	now := db.Now()
	r := row{ID: db.NewID(), TenantID: tenant, Categoria: *in.Categoria, Clave: *in.Clave, Activo: true, CreatedAt: now, UpdatedAt: now}
	if in.Descripcion != nil {
		r.Descripcion = *in.Descripcion
	}
	if in.Secreto != nil {
		r.Secreto = *in.Secreto
	}
	if in.Activo != nil {
		r.Activo = *in.Activo
	}
	if err := s.setValor(&r, *in.Valor); err != nil {
		return Parametro{}, apperr.Wrap(err, "cifrar")
	}
	err := s.db.WithContext(ctx).Create(&r).Error
	if db.IsUniqueViolation(err, "parametros_clave_key") {
		return Parametro{}, errClaveTaken
	}
	if err != nil {
		return Parametro{}, apperr.Wrap(err, "crear parámetro")
	}
	return r.view(), nil
}

func (s *Store) get(ctx context.Context, tx *gorm.DB, tenant, id uuid.UUID) (row, error) {
	var r row
	err := tx.WithContext(ctx).Take(&r, "id = ? AND tenant_id = ?", id, tenant).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row{}, apperr.NotFound("parámetro")
	}
	if err != nil {
		return row{}, apperr.Wrap(err, "leer parámetro")
	}
	return r, nil
}

// Get returns one parametro of the tenant.
func (s *Store) Get(ctx context.Context, tenant, id uuid.UUID) (Parametro, error) {
	r, err := s.get(ctx, s.db, tenant, id)
	return r.view(), err
}

// Filter narrows List.
type Filter struct {
	Categoria string
	Clave     string
	Activo    *bool
}

// List returns a page of the tenant's parametros.
func (s *Store) List(ctx context.Context, tenant uuid.UUID, f Filter, p httpx.Page) ([]Parametro, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{}).Where("tenant_id = ?", tenant)
	if f.Categoria != "" {
		q = q.Where("categoria = ?", f.Categoria)
	}
	if f.Clave != "" {
		q = q.Where("clave = ?", f.Clave)
	}
	if f.Activo != nil {
		q = q.Where("activo = ?", *f.Activo)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar parámetros")
	}
	var rows []row
	if err := q.Order("categoria, clave").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar parámetros")
	}
	out := make([]Parametro, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, total, nil
}

// Update applies a patch; turning secreto on or off re-stores the value.
func (s *Store) Update(ctx context.Context, tenant, id uuid.UUID, in Input) (Parametro, error) {
	var out Parametro
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.get(ctx, tx.Clauses(db.ForUpdate), tenant, id)
		if err != nil {
			return err
		}
		valor, err := s.clearValor(r)
		if err != nil {
			return apperr.Wrap(err, "descifrar")
		}
		if in.Valor != nil {
			valor = *in.Valor
		}
		if in.Categoria != nil {
			r.Categoria = *in.Categoria
		}
		if in.Clave != nil {
			r.Clave = *in.Clave
		}
		if in.Descripcion != nil {
			r.Descripcion = *in.Descripcion
		}
		if in.Activo != nil {
			r.Activo = *in.Activo
		}
		if in.Secreto != nil {
			r.Secreto = *in.Secreto
		}
		if err := s.setValor(&r, valor); err != nil {
			return apperr.Wrap(err, "cifrar")
		}
		r.UpdatedAt = db.Now()
		if err := tx.Save(&r).Error; err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	if db.IsUniqueViolation(err, "parametros_clave_key") {
		return Parametro{}, errClaveTaken
	}
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return Parametro{}, err
		}
		return Parametro{}, apperr.Wrap(err, "actualizar parámetro")
	}
	return out, nil
}

// Delete removes a parametro. Other services refer to parametros by clave,
// never by id, so nothing dangles.
func (s *Store) Delete(ctx context.Context, tenant, id uuid.UUID) error {
	res := s.db.WithContext(ctx).Exec("DELETE FROM core.parametros_maestros WHERE id = ? AND tenant_id = ?", id, tenant)
	if res.Error != nil {
		return apperr.Wrap(res.Error, "borrar parámetro")
	}
	if res.RowsAffected == 0 {
		return apperr.NotFound("parámetro")
	}
	return nil
}
