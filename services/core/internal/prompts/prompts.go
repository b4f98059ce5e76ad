// Package prompts versions the AI prompts (e.g. extraccion_documento) that
// rendiciones sends to Gemini. Each POST adds a version and, by default,
// makes it the active one; a tenant's active prompt overrides the global
// default (tenant_id null), which only a superadmin writes.
package prompts

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
)

// Prompt is one version of a prompt.
type Prompt struct {
	ID        uuid.UUID  `json:"id"`
	TenantID  *uuid.UUID `json:"tenant_id"`
	Clave     string     `json:"clave"`
	Version   int        `json:"version"`
	Contenido string     `json:"contenido"`
	Modelo    string     `json:"modelo"`
	Activo    bool       `json:"activo"`
	Global    bool       `json:"global"`
	CreatedAt time.Time  `json:"created_at"`
}

type row struct {
	ID        uuid.UUID
	TenantID  *uuid.UUID
	Clave     string
	Version   int
	Contenido string
	Modelo    string
	Activo    bool
	CreatedBy *uuid.UUID
	CreatedAt time.Time
}

func (row) TableName() string { return "core.ai_prompts" }

func (r row) view() Prompt {
	return Prompt{ID: r.ID, TenantID: r.TenantID, Clave: r.Clave, Version: r.Version, Contenido: r.Contenido,
		Modelo: r.Modelo, Activo: r.Activo, Global: r.TenantID == nil, CreatedAt: r.CreatedAt}
}

// Store reads and writes core.ai_prompts.
type Store struct{ db *gorm.DB }

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

// Add appends a version for (tenant or global, clave). Versions are numbered
// under a transaction-scoped advisory lock so concurrent POSTs get 1, 2, 3…
func (s *Store) Add(ctx context.Context, tenant *uuid.UUID, by uuid.UUID, clave, contenido, modelo string, activo bool) (Prompt, error) {
	r := row{ID: db.NewID(), TenantID: tenant, Clave: clave, Contenido: contenido, Modelo: modelo, Activo: activo, CreatedBy: &by, CreatedAt: db.Now()}
	scope := "global"
	if tenant != nil {
		scope = tenant.String()
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "ai_prompts:"+scope+":"+clave).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT COALESCE(max(version), 0) + 1 FROM core.ai_prompts
			WHERE tenant_id IS NOT DISTINCT FROM ? AND clave = ?`, tenant, clave).Scan(&r.Version).Error; err != nil {
			return err
		}
		if activo {
			if err := tx.Exec(`UPDATE core.ai_prompts SET activo = false
				WHERE tenant_id IS NOT DISTINCT FROM ? AND clave = ? AND activo`, tenant, clave).Error; err != nil {
				return err
			}
		}
		return tx.Create(&r).Error
	})
	if err != nil {
		return Prompt{}, apperr.Wrap(err, "crear prompt")
	}
	return r.view(), nil
}

// List returns the tenant's and the global prompts, optionally of one clave.
func (s *Store) List(ctx context.Context, tenant uuid.UUID, clave string, p httpx.Page) ([]Prompt, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{}).Where("(tenant_id = ? OR tenant_id IS NULL)", tenant)
	if clave != "" {
		q = q.Where("clave = ?", clave)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar prompts")
	}
	var rows []row
	if err := q.Order("clave, tenant_id NULLS FIRST, version DESC").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar prompts")
	}
	out := make([]Prompt, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, total, nil
}

// Active returns the tenant's active prompt for clave, else the global one.
func (s *Store) Active(ctx context.Context, tenant uuid.UUID, clave string) (Prompt, error) {
	var r row
	err := s.db.WithContext(ctx).Where("(tenant_id = ? OR tenant_id IS NULL) AND clave = ? AND activo", tenant, clave).
		Order("tenant_id NULLS LAST").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Prompt{}, apperr.NotFound("prompt activo")
	}
	if err != nil {
		return Prompt{}, apperr.Wrap(err, "leer prompt")
	}
	return r.view(), nil
}

// Handler serves /api/ai-prompts.
type Handler struct{ Store *Store }

type input struct {
	Clave     string `json:"clave"`
	Contenido string `json:"contenido"`
	Modelo    string `json:"modelo"`
	Activo    *bool  `json:"activo"`
	Global    bool   `json:"global"`
}

var claveRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// List: GET /api/ai-prompts (?clave=).
func (h Handler) List(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	t := auth.From(c).Tenant
	ps, total, err := h.Store.List(c.Request().Context(), t, c.QueryParam("clave"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(ps, p, total))
}

// Create: POST /api/ai-prompts (admin; global=true needs a superadmin).
func (h Handler) Create(c echo.Context) error {
	var in input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	fe := map[string]string{}
	in.Clave = strings.TrimSpace(in.Clave)
	if !claveRe.MatchString(in.Clave) {
		fe["clave"] = "es obligatoria: minúsculas, dígitos y _ (p. ej. extraccion_documento)"
	}
	if strings.TrimSpace(in.Contenido) == "" {
		fe["contenido"] = "es obligatorio"
	} else if len(in.Contenido) > 100<<10 {
		fe["contenido"] = "máximo 100 KiB"
	}
	if len(in.Modelo) > 100 {
		fe["modelo"] = "máximo 100 caracteres"
	}
	if err := apperr.Fields(fe); err != nil {
		return err
	}
	p := auth.From(c)
	by := p.User
	var tenant *uuid.UUID
	if in.Global {
		if !p.Has(auth.RoleSuperadmin) {
			return apperr.Forbidden("solo un superadmin define prompts globales")
		}
	} else {
		tenant = &p.Tenant
	}
	activo := in.Activo == nil || *in.Activo
	pr, err := h.Store.Add(c.Request().Context(), tenant, by, in.Clave, in.Contenido, strings.TrimSpace(in.Modelo), activo)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, pr)
}

// Active: GET /api/ai-prompts/:clave/activo.
func (h Handler) Active(c echo.Context) error {
	pr, err := h.Store.Active(c.Request().Context(), auth.From(c).Tenant, c.Param("clave"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pr)
}
