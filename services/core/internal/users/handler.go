package users

import (
	"context"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/core/internal/password"
)

// SessionRevoker ends a user's refresh-token families (on deactivation or a
// password change).
type SessionRevoker interface {
	RevokeUser(ctx context.Context, userID uuid.UUID) error
}

// TenantChecker tells whether a tenant exists.
type TenantChecker interface {
	Exists(ctx context.Context, id uuid.UUID) (bool, error)
}

// Handler serves /api/users (admin of the tenant, or superadmin).
type Handler struct {
	Store    *Store
	Sessions SessionRevoker
	Tenants  TenantChecker
	Hashing  password.Params
}

// scope is the tenant a caller may see: all for a superadmin, else their own.
func scope(p *auth.Principal) *uuid.UUID {
	if p.Has(auth.RoleSuperadmin) {
		return nil
	}
	return &p.Tenant
}

// List: GET /api/users (?tenant_id= for a superadmin, ?activo=, ?rol=).
func (h Handler) List(c echo.Context) error {
	pg, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	f := Filter{Tenant: scope(auth.From(c)), Rol: c.QueryParam("rol")}
	if f.Activo, err = httpx.QueryBool(c, "activo"); err != nil {
		return err
	}
	if t, err := httpx.QueryUUID(c, "tenant_id"); err != nil {
		return err
	} else if t != nil {
		if f.Tenant != nil && *f.Tenant != *t {
			return c.JSON(http.StatusOK, httpx.NewList([]User{}, pg, 0))
		}
		f.Tenant = t
	}
	us, total, err := h.Store.List(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(us, pg, total))
}

// Create: POST /api/users. An admin creates in its own tenant; a superadmin
// may name any tenant with tenant_id.
func (h Handler) Create(c echo.Context) error {
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	p := auth.From(c)
	own := p.Tenant
	tenant := own
	if in.TenantID != nil && *in.TenantID != own {
		if !p.Has(auth.RoleSuperadmin) {
			return apperr.Forbidden("solo un superadmin crea usuarios en otro tenant")
		}
		ok, err := h.Tenants.Exists(c.Request().Context(), *in.TenantID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid("tenant_id", "el tenant no existe")
		}
		tenant = *in.TenantID
	}
	if err := checkGrant(p, *in.Roles); err != nil {
		return err
	}
	hash, err := password.Hash(*in.Password, h.Hashing)
	if err != nil {
		return apperr.Wrap(err, "hash")
	}
	u, err := h.Store.Create(c.Request().Context(), Row{TenantID: tenant, Email: *in.Email, Nombre: *in.Nombre, PasswordHash: hash, Roles: *in.Roles})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

// checkGrant stops an admin from creating or promoting a superadmin.
func checkGrant(p *auth.Principal, roles []string) error {
	if slices.Contains(roles, auth.RoleSuperadmin) && !p.Has(auth.RoleSuperadmin) {
		return apperr.Forbidden("solo un superadmin asigna el rol superadmin")
	}
	return nil
}

// Get: GET /api/users/:id.
func (h Handler) Get(c echo.Context) error {
	id, err := httpx.ParamUUID(c, "id", "usuario")
	if err != nil {
		return err
	}
	r, err := h.Store.Get(c.Request().Context(), id, scope(auth.From(c)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r.User())
}

// Update: PATCH /api/users/:id.
func (h Handler) Update(c echo.Context) error {
	id, err := httpx.ParamUUID(c, "id", "usuario")
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if in.TenantID != nil {
		return apperr.Invalid("tenant_id", "no se puede cambiar el tenant de un usuario")
	}
	if err := in.validate(false); err != nil {
		return err
	}
	p := auth.From(c)
	ctx := c.Request().Context()
	r, err := h.Store.Get(ctx, id, scope(p))
	if err != nil {
		return err
	}
	if err := checkGrant(p, r.Roles); err != nil {
		return err
	}
	if in.Roles != nil {
		if err := checkGrant(p, *in.Roles); err != nil {
			return err
		}
		r.Roles = *in.Roles
	}
	if in.Activo != nil && !*in.Activo && r.ID.String() == p.UserID {
		return apperr.Conflict("", "no puede desactivarse a sí mismo")
	}
	if in.Email != nil {
		r.Email = *in.Email
	}
	if in.Nombre != nil {
		r.Nombre = *in.Nombre
	}
	if in.Activo != nil {
		r.Activo = *in.Activo
	}
	if in.Password != nil {
		if r.PasswordHash, err = password.Hash(*in.Password, h.Hashing); err != nil {
			return apperr.Wrap(err, "hash")
		}
	}
	u, err := h.Store.Save(ctx, r)
	if err != nil {
		return err
	}
	// A deactivated user, or one whose password changed, must log in again.
	if !u.Activo || in.Password != nil {
		if err := h.Sessions.RevokeUser(ctx, u.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, u)
}

// Delete: DELETE /api/users/:id deactivates the user and ends its sessions.
func (h Handler) Delete(c echo.Context) error {
	id, err := httpx.ParamUUID(c, "id", "usuario")
	if err != nil {
		return err
	}
	p := auth.From(c)
	if id.String() == p.UserID {
		return apperr.Conflict("", "no puede desactivarse a sí mismo")
	}
	ctx := c.Request().Context()
	r, err := h.Store.Get(ctx, id, scope(p))
	if err != nil {
		return err
	}
	if err := checkGrant(p, r.Roles); err != nil {
		return err
	}
	r.Activo = false
	if _, err := h.Store.Save(ctx, r); err != nil {
		return err
	}
	if err := h.Sessions.RevokeUser(ctx, r.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
