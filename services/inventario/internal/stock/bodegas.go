package stock

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
)

// Bodega is a warehouse of the tenant.
type Bodega struct {
	ID        uuid.UUID `json:"id"`
	Codigo    string    `json:"codigo"`
	Nombre    string    `json:"nombre"`
	Activa    bool      `json:"activa"`
	Principal bool      `json:"principal"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// BodegaInput is a create or patch body.
type BodegaInput struct {
	Codigo *string `json:"codigo"`
	Nombre *string `json:"nombre"`
	Activa *bool   `json:"activa"`
}

// CodigoPrincipal is the code of the bodega every tenant gets on first use.
const CodigoPrincipal = "PRINCIPAL"

var codigoRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$`)

func (in *BodegaInput) validate(create bool) error {
	fe := map[string]string{}
	if in.Codigo != nil {
		v := strings.TrimSpace(*in.Codigo)
		in.Codigo = &v
		if !codigoRe.MatchString(v) {
			fe["codigo"] = "letras, dígitos, _ . - (hasta 32), sin espacios"
		}
	} else if create {
		fe["codigo"] = "es obligatorio"
	}
	if in.Nombre != nil {
		v := strings.TrimSpace(*in.Nombre)
		in.Nombre = &v
		switch {
		case v == "":
			fe["nombre"] = "no puede estar vacío"
		case utf8.RuneCountInString(v) > 200:
			fe["nombre"] = "es demasiado largo (máximo 200 caracteres)"
		}
	} else if create {
		fe["nombre"] = "es obligatorio"
	}
	return apperr.Fields(fe)
}

var (
	errCodigoTaken = apperr.Conflict("bodega_duplicada", "ya existe una bodega con ese código").With("codigo", "ya existe en este tenant (sin distinguir mayúsculas)")
	errPrincipal   = apperr.Conflict("bodega_principal", "la bodega PRINCIPAL no se puede desactivar ni cambiar de código")
)

func errBodegaNotFound(field string) *apperr.Error {
	e := apperr.New(http.StatusNotFound, apperr.CodeNotFound, "bodega no encontrada")
	if field != "" {
		e = e.With(field, "no existe")
	}
	return e
}

const bodegaCols = `id, codigo, nombre, activa, principal, created_at, updated_at`

func scanBodega(r pgx.Row) (Bodega, error) {
	var b Bodega
	err := r.Scan(&b.ID, &b.Codigo, &b.Nombre, &b.Activa, &b.Principal, &b.CreatedAt, &b.UpdatedAt)
	return b, err
}

// BodegaPrincipal returns the tenant's PRINCIPAL bodega, creating it on first
// use. Two first uses at once are safe: the partial unique index on
// (tenant_id) WHERE principal lets exactly one INSERT through and the other
// does nothing; both then read the same row.
func (s *Service) BodegaPrincipal(ctx context.Context, tenant uuid.UUID) (uuid.UUID, error) {
	if id, ok := s.principal.Load(tenant); ok {
		return id.(uuid.UUID), nil
	}
	var id uuid.UUID
	err := s.conn(ctx, func(c *pgx.Conn) error {
		if _, err := c.Exec(ctx, `
			INSERT INTO inventario.bodegas (id, tenant_id, codigo, nombre, principal)
			VALUES ($1, $2, $3, 'Bodega principal', true)
			ON CONFLICT DO NOTHING`, pgID(db.NewID()), pgID(tenant), CodigoPrincipal); err != nil {
			return err
		}
		return c.QueryRow(ctx, `SELECT id FROM inventario.bodegas WHERE tenant_id = $1 AND principal`, pgID(tenant)).Scan(&id)
	})
	if err != nil {
		return uuid.Nil, apperr.Wrap(err, "crear la bodega principal")
	}
	s.principal.Store(tenant, id)
	return id, nil
}

// ListBodegas returns a page of the tenant's bodegas (principal first).
func (s *Service) ListBodegas(ctx context.Context, tenant uuid.UUID, activa *bool, p httpx.Page) ([]Bodega, int64, error) {
	if _, err := s.BodegaPrincipal(ctx, tenant); err != nil {
		return nil, 0, err
	}
	out := []Bodega{}
	var total int64
	err := s.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `
			SELECT `+bodegaCols+`, count(*) OVER ()
			  FROM inventario.bodegas
			 WHERE tenant_id = $1 AND ($2::boolean IS NULL OR activa = $2)
			 ORDER BY principal DESC, upper(codigo)`+(&where{}).page(p), pgID(tenant), activa)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b Bodega
			if err := rows.Scan(&b.ID, &b.Codigo, &b.Nombre, &b.Activa, &b.Principal, &b.CreatedAt, &b.UpdatedAt, &total); err != nil {
				return err
			}
			out = append(out, b)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 && p.Page > 1 {
			return c.QueryRow(ctx, `SELECT count(*) FROM inventario.bodegas WHERE tenant_id = $1 AND ($2::boolean IS NULL OR activa = $2)`,
				pgID(tenant), activa).Scan(&total)
		}
		return nil
	})
	if err != nil {
		return nil, 0, apperr.Wrap(err, "listar bodegas")
	}
	return out, total, nil
}

// CreateBodega adds a bodega. The PRINCIPAL one is made first, so a tenant's
// own first bodega can never take its code.
func (s *Service) CreateBodega(ctx context.Context, tenant uuid.UUID, in BodegaInput) (Bodega, error) {
	if _, err := s.BodegaPrincipal(ctx, tenant); err != nil {
		return Bodega{}, err
	}
	activa := in.Activa == nil || *in.Activa
	var b Bodega
	err := s.conn(ctx, func(c *pgx.Conn) error {
		var err error
		b, err = scanBodega(c.QueryRow(ctx, `
			INSERT INTO inventario.bodegas (id, tenant_id, codigo, nombre, activa)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING `+bodegaCols, pgID(db.NewID()), pgID(tenant), *in.Codigo, *in.Nombre, activa))
		return err
	})
	switch {
	case db.IsUniqueViolation(err, "bodegas_codigo_key"):
		return Bodega{}, errCodigoTaken
	case err != nil:
		return Bodega{}, apperr.Wrap(err, "crear bodega")
	}
	return b, nil
}

// GetBodega returns one bodega of the tenant.
func (s *Service) GetBodega(ctx context.Context, tenant, id uuid.UUID) (Bodega, error) {
	var b Bodega
	err := s.conn(ctx, func(c *pgx.Conn) error {
		var err error
		b, err = scanBodega(c.QueryRow(ctx, `SELECT `+bodegaCols+` FROM inventario.bodegas WHERE id = $1 AND tenant_id = $2`, pgID(id), pgID(tenant)))
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Bodega{}, errBodegaNotFound("")
	case err != nil:
		return Bodega{}, apperr.Wrap(err, "leer bodega")
	}
	return b, nil
}

// UpdateBodega applies a patch. The PRINCIPAL bodega keeps its code and stays
// active: the event consumer books invoice receipts there.
func (s *Service) UpdateBodega(ctx context.Context, tenant, id uuid.UUID, in BodegaInput) (Bodega, error) {
	var b Bodega
	err := s.conn(ctx, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
		cur, err := scanBodega(tx.QueryRow(ctx, `SELECT `+bodegaCols+` FROM inventario.bodegas WHERE id = $1 AND tenant_id = $2 FOR UPDATE`, pgID(id), pgID(tenant)))
		if err != nil {
			return err
		}
		if cur.Principal && ((in.Codigo != nil && !strings.EqualFold(*in.Codigo, cur.Codigo)) || (in.Activa != nil && !*in.Activa)) {
			return errPrincipal
		}
		if in.Codigo != nil {
			cur.Codigo = *in.Codigo
		}
		if in.Nombre != nil {
			cur.Nombre = *in.Nombre
		}
		if in.Activa != nil {
			cur.Activa = *in.Activa
		}
		b, err = scanBodega(tx.QueryRow(ctx, `
			UPDATE inventario.bodegas SET codigo = $3, nombre = $4, activa = $5, updated_at = now()
			 WHERE id = $1 AND tenant_id = $2
			RETURNING `+bodegaCols, pgID(id), pgID(tenant), cur.Codigo, cur.Nombre, cur.Activa))
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Bodega{}, errBodegaNotFound("")
	case db.IsUniqueViolation(err, "bodegas_codigo_key"):
		return Bodega{}, errCodigoTaken
	case err != nil:
		if _, ok := apperr.As(err); ok {
			return Bodega{}, err
		}
		return Bodega{}, apperr.Wrap(err, "actualizar bodega")
	}
	return b, nil
}
