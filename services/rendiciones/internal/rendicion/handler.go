package rendicion

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/exportar"
)

// Handler serves /api/rendiciones. A usuario sees their own rendiciones;
// aprobadores and admins see the tenant's. See estado.go for who may do
// what in each state.
type Handler struct {
	Store      *Store
	Parametros *Parametros
}

func callerOf(c echo.Context) (Caller, *auth.Principal, error) {
	p := auth.From(c)
	if p.User == uuid.Nil {
		return Caller{}, nil, apperr.Unauthorized("token sin usuario")
	}
	return Caller{Tenant: p.Tenant, User: p.User, Revisor: p.HasAny(auth.RoleAprobador, auth.RoleAdmin)}, p, nil
}

func paramID(c echo.Context) (uuid.UUID, error) { return httpx.ParamUUID(c, "id", "rendición") }

// List: GET /api/rendiciones (?estado=&tipo=&usuario_id=&tarjeta_id=).
func (h Handler) List(c echo.Context) error {
	cl, _, err := callerOf(c)
	if err != nil {
		return err
	}
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	f := Filter{Estado: c.QueryParam("estado"), Tipo: c.QueryParam("tipo")}
	fe := map[string]string{}
	if f.Estado != "" && f.Estado != Borrador && f.Estado != Enviada && f.Estado != Aprobada && f.Estado != Rechazada {
		fe["estado"] = "debe ser borrador, enviada, aprobada o rechazada"
	}
	if f.Tipo != "" && f.Tipo != TipoGastos && f.Tipo != TipoTarjeta {
		fe["tipo"] = "debe ser gastos o tarjeta"
	}
	if err := apperr.Fields(fe); err != nil {
		return err
	}
	if f.UsuarioID, err = httpx.QueryUUID(c, "usuario_id"); err != nil {
		return err
	}
	if f.TarjetaID, err = httpx.QueryUUID(c, "tarjeta_id"); err != nil {
		return err
	}
	rs, total, err := h.Store.List(c.Request().Context(), cl, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(rs, p, total))
}

// Create: POST /api/rendiciones; the caller owns it.
func (h Handler) Create(c echo.Context) error {
	cl, p, err := callerOf(c)
	if err != nil {
		return err
	}
	var in CreateInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	r, err := h.Store.Create(c.Request().Context(), cl, p.Has(auth.RoleAdmin), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// Get: GET /api/rendiciones/:id with items, historial and cambios.
func (h Handler) Get(c echo.Context) error {
	cl, _, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	d, err := h.Store.Detail(c.Request().Context(), cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// precheck answers 404/403/409 before the body's fields are validated
// (which may call core), so a client learns first that it may not edit at
// all. The store checks again under the row lock.
func (h Handler) precheck(c echo.Context, cl Caller, id uuid.UUID) (row, Edicion, error) {
	r, err := get(c.Request().Context(), h.Store.db, cl, id, false)
	if err != nil {
		return row{}, 0, err
	}
	ed, err := CanEdit(r.Estado, cl.rol(r))
	return r, ed, err
}

// Update: PATCH /api/rendiciones/:id (titulo, periodo).
func (h Handler) Update(c echo.Context) error {
	cl, _, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in UpdateInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if _, _, err := h.precheck(c, cl, id); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	d, err := h.Store.Update(c.Request().Context(), cl, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// Delete: DELETE /api/rendiciones/:id (the owner's never-submitted borrador).
func (h Handler) Delete(c echo.Context) error {
	cl, _, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := h.Store.Delete(c.Request().Context(), cl, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// AddItem: POST /api/rendiciones/:id/items.
func (h Handler) AddItem(c echo.Context) error {
	cl, p, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in ItemInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	r, ed, err := h.precheck(c, cl, id)
	if err != nil {
		return err
	}
	if ed != EdicionDueno {
		return apperr.Forbidden("solo quien creó la rendición agrega items")
	}
	// The kind of rendición decides where a line comes from.
	switch {
	case r.Tipo == TipoTarjeta && in.TarjetaItemID == nil:
		return apperr.Invalid("tarjeta_item_id", "es obligatorio en una rendición de tipo tarjeta")
	case r.Tipo == TipoGastos && in.TarjetaItemID != nil:
		return apperr.Invalid("tarjeta_item_id", "solo va en una rendición de tipo tarjeta")
	}
	if err := in.validate(); err != nil {
		return err
	}
	if err := h.Parametros.check(c.Request().Context(), p.Token, p.TenantID, in.Categoria, in.CentroCosto); err != nil {
		return err
	}
	it, err := h.Store.AddItem(c.Request().Context(), cl, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, it)
}

// UpdateItem: PATCH /api/rendiciones/:id/items/:item_id.
func (h Handler) UpdateItem(c echo.Context) error {
	cl, p, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	itemID, err := httpx.ParamUUID(c, "item_id", "item")
	if err != nil {
		return err
	}
	var in ItemPatch
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if _, _, err := h.precheck(c, cl, id); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	if err := h.Parametros.check(c.Request().Context(), p.Token, p.TenantID, in.Categoria, in.centroCosto); err != nil {
		return err
	}
	it, err := h.Store.UpdateItem(c.Request().Context(), cl, id, itemID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

// DeleteItem: DELETE /api/rendiciones/:id/items/:item_id.
func (h Handler) DeleteItem(c echo.Context) error {
	cl, _, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	itemID, err := httpx.ParamUUID(c, "item_id", "item")
	if err != nil {
		return err
	}
	if err := h.Store.DeleteItem(c.Request().Context(), cl, id, itemID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Transition returns the handler of POST /api/rendiciones/:id/<a>. The body
// is optional ({"motivo": "..."}), except to reject, which needs a motivo.
func (h Handler) Transition(a Accion) echo.HandlerFunc {
	return func(c echo.Context) error {
		cl, _, err := callerOf(c)
		if err != nil {
			return err
		}
		id, err := paramID(c)
		if err != nil {
			return err
		}
		var in TransitionInput
		if err := bindOptional(c, &in); err != nil {
			return err
		}
		if in.Motivo != nil {
			m := strings.TrimSpace(*in.Motivo)
			in.Motivo = &m
			if m == "" {
				in.Motivo = nil
			} else if len([]rune(m)) > 1000 {
				return apperr.Invalid("motivo", "máximo 1000 caracteres")
			}
		}
		if a == Rechazar && in.Motivo == nil {
			return apperr.Invalid("motivo", "es obligatorio para rechazar")
		}
		d, err := h.Store.Transition(c.Request().Context(), cl, id, a, in.Motivo)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	}
}

// bindOptional binds a JSON body when there is one.
func bindOptional(c echo.Context, dst any) error {
	r := c.Request()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return httpx.Bind(c, dst)
}

// Export: GET /api/rendiciones/:id/export?format=xlsx|csv (xlsx by default).
func (h Handler) Export(c echo.Context) error {
	cl, _, err := callerOf(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	format := strings.ToLower(c.QueryParam("format"))
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "csv" {
		return apperr.Invalid("format", "debe ser xlsx o csv")
	}
	d, err := h.Store.Detail(c.Request().Context(), cl, id)
	if err != nil {
		return err
	}
	inf := Informe(d)
	var buf bytes.Buffer
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = exportar.XLSX(&buf, inf)
	} else {
		err = exportar.CSV(&buf, inf)
	}
	if err != nil {
		return apperr.Wrap(err, "exportar rendición")
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, fileName(d.Rendicion), format))
	return c.Blob(http.StatusOK, ct, buf.Bytes())
}

// Informe turns a rendición into what exportar writes.
func Informe(d Detalle) exportar.Informe {
	inf := exportar.Informe{Titulo: d.Titulo, Lineas: make([]exportar.Linea, len(d.Lineas))}
	for i, it := range d.Lineas {
		f, _ := time.Parse(time.DateOnly, it.Fecha)
		l := exportar.Linea{Fecha: f, Descripcion: it.Descripcion, Categoria: it.Categoria, Moneda: it.Moneda, Total: it.Monto}
		if it.CentroCosto != nil {
			l.CentroCosto = *it.CentroCosto
		}
		if doc := it.Documento; doc != nil {
			l.RutEmisor, l.RazonSocial, l.TipoDocumento, l.Folio = deref(doc.RutEmisor), deref(doc.RazonSocialEmisor), deref(doc.TipoDocumento), deref(doc.Folio)
			l.Neto, l.IVA, l.Exento = doc.MontoNeto, doc.MontoIVA, doc.MontoExento
		}
		inf.Lineas[i] = l
	}
	return inf
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fileName is "rendicion-<titulo>-<first 8 of id>", ASCII only so every
// browser and mail client keeps it.
func fileName(r Rendicion) string {
	var b strings.Builder
	dash := false
	for _, ch := range norm.NFD.String(strings.ToLower(r.Titulo)) {
		switch {
		case ch < 128 && (unicode.IsLetter(ch) || unicode.IsDigit(ch)):
			b.WriteRune(ch)
			dash = false
		case unicode.Is(unicode.Mn, ch):
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	name := "rendicion"
	if slug != "" {
		name += "-" + slug
	}
	return name + "-" + r.ID.String()[:8]
}
