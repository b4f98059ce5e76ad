package parametros

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
)

// Handler serves /api/parametros: any user of the tenant reads, admins write.
type Handler struct{ Store *Store }

// List: GET /api/parametros (?categoria=&clave=&activo=).
func (h Handler) List(c echo.Context) error {
	t := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	f := Filter{Categoria: c.QueryParam("categoria"), Clave: c.QueryParam("clave")}
	if f.Activo, err = httpx.QueryBool(c, "activo"); err != nil {
		return err
	}
	ps, total, err := h.Store.List(c.Request().Context(), t, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(ps, p, total))
}

// Create: POST /api/parametros (admin).
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

// Get: GET /api/parametros/:id.
func (h Handler) Get(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "parámetro")
	if err != nil {
		return err
	}
	p, err := h.Store.Get(c.Request().Context(), t, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// Update: PATCH /api/parametros/:id (admin).
func (h Handler) Update(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "parámetro")
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

// Delete: DELETE /api/parametros/:id (admin).
func (h Handler) Delete(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "parámetro")
	if err != nil {
		return err
	}
	if err := h.Store.Delete(c.Request().Context(), t, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
