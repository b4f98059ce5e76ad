package productos

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
)

// Handler serves /api/productos: any user of the tenant reads, the bodega
// role (or admin) writes — the guards are in routes.go.
type Handler struct{ Store *Store }

// List: GET /api/productos (?q=&categoria=&activo=).
func (h Handler) List(c echo.Context) error {
	t := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	f := Filter{Q: strings.TrimSpace(c.QueryParam("q")), Categoria: c.QueryParam("categoria")}
	if f.Activo, err = httpx.QueryBool(c, "activo"); err != nil {
		return err
	}
	ps, total, err := h.Store.List(c.Request().Context(), t, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(ps, p, total))
}

// Create: POST /api/productos.
func (h Handler) Create(c echo.Context) error {
	t := auth.From(c).Tenant
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	p, err := h.Store.Create(c.Request().Context(), t, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

// Get: GET /api/productos/:id.
func (h Handler) Get(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "producto")
	if err != nil {
		return err
	}
	p, err := h.Store.Get(c.Request().Context(), t, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// Update: PATCH /api/productos/:id.
func (h Handler) Update(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "producto")
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
	p, err := h.Store.Update(c.Request().Context(), t, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// Delete: DELETE /api/productos/:id — 204 when the product never moved and
// was deleted; 200 with the product, now inactive, when it has movements.
func (h Handler) Delete(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "producto")
	if err != nil {
		return err
	}
	// 204 either way, like every DELETE of the platform; GET tells whether
	// the product is gone or kept inactive for its ledger.
	if _, err := h.Store.Delete(c.Request().Context(), t, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
