package tenants

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
)

// Handler serves /api/tenants.
type Handler struct {
	Store *Store
	// Changed is told which tenant changed, so this instance's validation
	// cache forgets it at once (others hear tenants.updated).
	Changed func(id string)
}

func (h Handler) changed(id string) {
	if h.Changed != nil {
		h.Changed(id)
	}
}

// List: GET /api/tenants (superadmin).
func (h Handler) List(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	activo, err := httpx.QueryBool(c, "activo")
	if err != nil {
		return err
	}
	ts, total, err := h.Store.List(c.Request().Context(), Filter{Activo: activo, Q: strings.TrimSpace(c.QueryParam("q"))}, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(ts, p, total))
}

// Create: POST /api/tenants (superadmin).
func (h Handler) Create(c echo.Context) error {
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if in.Activo != nil {
		return apperr.Invalid("activo", "no se indica al crear (un tenant nuevo está activo)")
	}
	if err := in.validate(true); err != nil {
		return err
	}
	t, err := h.Store.Create(c.Request().Context(), *in.Nombre, *in.RUT)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

// Get: GET /api/tenants/:id — superadmin any, others only their own; another
// tenant's id answers 404 like an unknown one.
func (h Handler) Get(c echo.Context) error {
	id, err := httpx.ParamUUID(c, "id", "tenant")
	if err != nil {
		return err
	}
	p := auth.From(c)
	if !p.Has(auth.RoleSuperadmin) && p.TenantID != id.String() {
		return apperr.NotFound("tenant")
	}
	t, err := h.Store.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// Update: PATCH /api/tenants/:id (superadmin).
func (h Handler) Update(c echo.Context) error {
	id, err := httpx.ParamUUID(c, "id", "tenant")
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	t, err := h.Store.Update(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	h.changed(id.String())
	return c.JSON(http.StatusOK, t)
}

// Delete: DELETE /api/tenants/:id (superadmin) deactivates; data is kept.
func (h Handler) Delete(c echo.Context) error {
	id, err := httpx.ParamUUID(c, "id", "tenant")
	if err != nil {
		return err
	}
	if auth.From(c).TenantID == id.String() {
		return apperr.Conflict("", "no puede desactivar su propio tenant")
	}
	off := false
	if _, err := h.Store.Update(c.Request().Context(), id, Input{Activo: &off}); err != nil {
		return err
	}
	h.changed(id.String())
	return c.NoContent(http.StatusNoContent)
}
