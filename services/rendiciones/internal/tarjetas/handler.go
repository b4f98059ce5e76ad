package tarjetas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/cartola"
)

// Handler serves /api/tarjetas. Admins manage the cards; admins and
// aprobadores see every card of the tenant, a usuario only the cards they
// hold. Statements are imported and conciliated by an admin or the holder.
type Handler struct {
	Store *Store
	// Users checks that a titular_id names a user of the caller's tenant.
	Users UserChecker
	// MaxUploadBytes bounds a statement upload (the route skips the default
	// 1 MiB body limit).
	MaxUploadBytes int64
}

// caller is the authenticated user as this package needs it.
type caller struct {
	p      *auth.Principal
	tenant uuid.UUID
	user   uuid.UUID
}

func callerOf(c echo.Context) (caller, error) {
	p := auth.From(c)
	if p.User == uuid.Nil {
		return caller{}, apperr.Unauthorized("token sin usuario")
	}
	return caller{p: p, tenant: p.Tenant, user: p.User}, nil
}

func (cl caller) holds(t Tarjeta) bool { return t.TitularID != nil && *t.TitularID == cl.user }

// sees reports whether the caller may read the card; others get 404.
func (cl caller) sees(t Tarjeta) bool {
	return cl.p.HasAny(auth.RoleAdmin, auth.RoleAprobador) || cl.holds(t)
}

// operates reports whether the caller may import statements into the card
// and conciliate it.
func (cl caller) operates(t Tarjeta) bool { return cl.p.Has(auth.RoleAdmin) || cl.holds(t) }

// visible loads the card named by :id if the caller may see it.
func (h Handler) visible(c echo.Context, cl caller) (Tarjeta, error) {
	id, err := httpx.ParamUUID(c, "id", "tarjeta")
	if err != nil {
		return Tarjeta{}, err
	}
	t, err := h.Store.Get(c.Request().Context(), cl.tenant, id)
	if err != nil {
		return Tarjeta{}, err
	}
	if !cl.sees(t) {
		return Tarjeta{}, apperr.NotFound("tarjeta")
	}
	return t, nil
}

func (h Handler) operable(c echo.Context, cl caller) (Tarjeta, error) {
	t, err := h.visible(c, cl)
	if err != nil {
		return Tarjeta{}, err
	}
	if !cl.operates(t) {
		return Tarjeta{}, apperr.Forbidden("solo un admin o el titular de la tarjeta puede hacerlo")
	}
	return t, nil
}

// List: GET /api/tarjetas (?activa=&titular_id=).
func (h Handler) List(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	var f Filter
	if f.Activa, err = httpx.QueryBool(c, "activa"); err != nil {
		return err
	}
	if f.TitularID, err = httpx.QueryUUID(c, "titular_id"); err != nil {
		return err
	}
	if !cl.p.HasAny(auth.RoleAdmin, auth.RoleAprobador) {
		f.TitularID = &cl.user
	}
	ts, total, err := h.Store.List(c.Request().Context(), cl.tenant, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(ts, p, total))
}

// UserChecker is the part of core's client that reads a user.
type UserChecker interface {
	User(ctx context.Context, bearer, id string) (coreapi.User, error)
}

// checkTitular asks core whether the holder is a user of the caller's
// tenant: a card must not name someone of another tenant, or no one.
func (h Handler) checkTitular(c echo.Context, cl caller, in Input) error {
	if in.titular == nil || h.Users == nil {
		return nil
	}
	u, err := h.Users.User(c.Request().Context(), cl.p.Token, in.titular.String())
	switch {
	case errors.Is(err, coreapi.ErrNotFound):
		return apperr.Invalid("titular_id", "no es un usuario de este tenant")
	case err != nil:
		return apperr.Unavailable(apperr.CodeCoreUnavailable, "no se pudo verificar el titular: core no disponible")
	case !u.Activo:
		return apperr.Invalid("titular_id", "el usuario está inactivo")
	}
	return nil
}

// Create: POST /api/tarjetas (admin).
func (h Handler) Create(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	if err := h.checkTitular(c, cl, in); err != nil {
		return err
	}
	t, err := h.Store.Create(c.Request().Context(), cl.tenant, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

// Get: GET /api/tarjetas/:id.
func (h Handler) Get(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	t, err := h.visible(c, cl)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// Update: PATCH /api/tarjetas/:id (admin).
func (h Handler) Update(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := httpx.ParamUUID(c, "id", "tarjeta")
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
	if err := h.checkTitular(c, cl, in); err != nil {
		return err
	}
	t, err := h.Store.Update(c.Request().Context(), cl.tenant, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// Delete: DELETE /api/tarjetas/:id (admin) deactivates the card. It keeps
// its statement items and the rendiciones built on them, which an audit
// must still find; PATCH {"activa": true} undoes it.
func (h Handler) Delete(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := httpx.ParamUUID(c, "id", "tarjeta")
	if err != nil {
		return err
	}
	if err := h.Store.Deactivate(c.Request().Context(), cl.tenant, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Items: GET /api/tarjetas/:id/items (?estado=pendiente|rendido&conciliado=).
func (h Handler) Items(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	t, err := h.visible(c, cl)
	if err != nil {
		return err
	}
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	f := ItemFilter{Estado: c.QueryParam("estado")}
	if f.Estado != "" && f.Estado != EstadoPendiente && f.Estado != EstadoRendido {
		return apperr.Invalid("estado", "debe ser pendiente o rendido")
	}
	conc, err := httpx.QueryBool(c, "conciliado")
	if err != nil {
		return err
	}
	if conc != nil {
		f.ConDocumento, f.SinDocumento = *conc, !*conc
	}
	items, total, err := h.Store.Items(c.Request().Context(), cl.tenant, t.ID, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, p, total))
}

// Import: POST /api/tarjetas/:id/items, multipart field "archivo" with the
// bank's CSV export. All or nothing: when any row is malformed nothing is
// stored and every bad row is reported with its line number.
func (h Handler) Import(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	t, err := h.operable(c, cl)
	if err != nil {
		return err
	}
	if !t.Activa {
		return apperr.Conflict("tarjeta_inactiva", "la tarjeta está desactivada; reactívela (PATCH activa=true) para importar cartolas")
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, h.MaxUploadBytes)
	fh, err := c.FormFile("archivo")
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return apperr.New(http.StatusRequestEntityTooLarge, apperr.CodeTooLarge,
				fmt.Sprintf("la cartola supera %d MB", h.MaxUploadBytes>>20))
		case errors.Is(err, http.ErrNotMultipart):
			return apperr.New(http.StatusUnsupportedMediaType, apperr.CodeUnsupportedMedia,
				"se espera multipart/form-data con el campo archivo")
		}
		return apperr.Invalid("archivo", "falta el archivo de la cartola (campo multipart archivo)")
	}
	f, err := fh.Open()
	if err != nil {
		return apperr.Wrap(err, "abrir cartola")
	}
	defer f.Close()
	st, err := cartola.ParseWith(f, cartola.Options{DefaultMoneda: t.Moneda})
	switch {
	case errors.Is(err, cartola.ErrTooLarge):
		return apperr.New(http.StatusRequestEntityTooLarge, apperr.CodeTooLarge, err.Error())
	case errors.Is(err, cartola.ErrNotText):
		// A PDF or spreadsheet sent as a statement: the wrong kind of file,
		// like /api/documentos answers for one it cannot take.
		return apperr.New(http.StatusUnsupportedMediaType, apperr.CodeUnsupportedMedia, err.Error()).With("archivo", "se espera un CSV")
	case errors.Is(err, cartola.ErrEmpty), errors.Is(err, cartola.ErrNoHeader):
		return apperr.Invalid("archivo", err.Error())
	case err != nil:
		return apperr.Wrap(err, "leer cartola")
	}
	if len(st.Rejected) > 0 {
		filas := make([]map[string]any, len(st.Rejected))
		lines := map[int]bool{}
		for i, re := range st.Rejected {
			filas[i] = map[string]any{"linea": re.Line, "campo": re.Field, "error": re.Msg}
			lines[re.Line] = true
		}
		return (&apperr.Error{Status: http.StatusBadRequest, Code: "cartola_invalida",
			Message: fmt.Sprintf("la cartola tiene %d líneas con errores; no se importó nada", len(lines)),
			Details: map[string]any{
				"archivo":    fmt.Sprintf("%d líneas con errores", len(lines)),
				"rechazados": len(lines),
				"filas":      filas,
			}})
	}
	if len(st.Rows) == 0 {
		return apperr.Invalid("archivo", "la cartola no tiene movimientos")
	}
	res, err := h.Store.Import(r.Context(), cl.tenant, t.ID, st.Rows)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Creados > 0 {
		status = http.StatusCreated
	}
	return c.JSON(status, res)
}

// Conciliate: POST /api/tarjetas/:id/conciliar.
func (h Handler) Conciliate(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	t, err := h.operable(c, cl)
	if err != nil {
		return err
	}
	res, err := h.Store.Conciliate(c.Request().Context(), cl.tenant, t.ID, cl.user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// LinkInput is the body of PATCH /api/tarjetas/:id/items/:item_id: the
// document that backs the charge, or null to unlink it.
type LinkInput struct {
	DocumentoID json.RawMessage `json:"documento_id"`
}

// documento parses documento_id: present, and a UUID or null.
func (in LinkInput) documento() (*uuid.UUID, error) {
	const msg = "es obligatorio: el id (UUID) de un documento procesado, o null para desvincular"
	if len(in.DocumentoID) == 0 {
		return nil, apperr.Invalid("documento_id", msg)
	}
	if string(in.DocumentoID) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(in.DocumentoID, &s); err != nil {
		return nil, apperr.Invalid("documento_id", msg)
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, apperr.Invalid("documento_id", msg)
	}
	return &id, nil
}

// Link: PATCH /api/tarjetas/:id/items/:item_id sets or clears the document
// of an item by hand, for what the rule could not match (a tip, an FX
// difference) or matched wrongly.
func (h Handler) Link(c echo.Context) error {
	cl, err := callerOf(c)
	if err != nil {
		return err
	}
	t, err := h.operable(c, cl)
	if err != nil {
		return err
	}
	itemID, err := httpx.ParamUUID(c, "item_id", "movimiento")
	if err != nil {
		return err
	}
	var in LinkInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	doc, err := in.documento()
	if err != nil {
		return err
	}
	it, err := h.Store.Link(c.Request().Context(), cl.tenant, t.ID, itemID, doc, cl.user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}
