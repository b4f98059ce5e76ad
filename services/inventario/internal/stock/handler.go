package stock

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
)

// Handler serves /api/stock/...: any user of the tenant reads, the bodega
// role (or admin) writes — the guards are in routes.go.
type Handler struct{ Service *Service }

// ListBodegas: GET /api/stock/bodegas (?activa=).
func (h Handler) ListBodegas(c echo.Context) error {
	t := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	activa, err := httpx.QueryBool(c, "activa")
	if err != nil {
		return err
	}
	bs, total, err := h.Service.ListBodegas(c.Request().Context(), t, activa, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(bs, p, total))
}

// CreateBodega: POST /api/stock/bodegas.
func (h Handler) CreateBodega(c echo.Context) error {
	t := auth.From(c).Tenant
	var in BodegaInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	b, err := h.Service.CreateBodega(c.Request().Context(), t, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

// GetBodega: GET /api/stock/bodegas/:id.
func (h Handler) GetBodega(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "bodega")
	if err != nil {
		return errBodegaNotFound("")
	}
	b, err := h.Service.GetBodega(c.Request().Context(), t, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// UpdateBodega: PATCH /api/stock/bodegas/:id.
func (h Handler) UpdateBodega(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "bodega")
	if err != nil {
		return errBodegaNotFound("")
	}
	var in BodegaInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	b, err := h.Service.UpdateBodega(c.Request().Context(), t, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// ListStock: GET /api/stock (?producto_id=&bodega_id=&bajo_minimo=true).
func (h Handler) ListStock(c echo.Context) error {
	t := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	var f StockFilter
	if f.ProductoID, err = httpx.QueryUUID(c, "producto_id"); err != nil {
		return err
	}
	if f.BodegaID, err = httpx.QueryUUID(c, "bodega_id"); err != nil {
		return err
	}
	bajo, err := httpx.QueryBool(c, "bajo_minimo")
	if err != nil {
		return err
	}
	f.BajoMinimo = bajo != nil && *bajo
	rows, total, err := h.Service.ListStock(c.Request().Context(), t, f, p)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, appendList(make([]byte, 0, 64+320*len(rows)), rows, StockRow.appendJSON, p, total))
}

// CreateMovimiento: POST /api/stock/movimientos (Idempotency-Key optional).
func (h Handler) CreateMovimiento(c echo.Context) error {
	t := auth.From(c).Tenant
	key := c.Request().Header.Get(HeaderIdempotencyKey)
	if err := ValidKey(key); err != nil {
		return err
	}
	var in Input
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	res, err := h.Service.registrarInput(c.Request().Context(), t, auth.From(c).UserID, in, key)
	if err != nil {
		return err
	}
	return write(c, res)
}

// Reversar: POST /api/stock/movimientos/:id/reversar (body optional,
// Idempotency-Key optional).
func (h Handler) Reversar(c echo.Context) error {
	t := auth.From(c).Tenant
	id, err := httpx.ParamUUID(c, "id", "movimiento")
	if err != nil {
		return err
	}
	key := c.Request().Header.Get(HeaderIdempotencyKey)
	if err := ValidKey(key); err != nil {
		return err
	}
	// The body is optional: an empty one means no motivo nor referencia.
	var in ReversoInput
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := httpx.DecodeStrict(body, &in); err != nil {
			return err
		}
	}
	res, err := h.Service.reversarInput(c.Request().Context(), t, auth.From(c).UserID, id, in, key)
	if err != nil {
		return err
	}
	return write(c, res)
}

// write sends a movement outcome; a replay carries Idempotent-Replayed: true.
func write(c echo.Context, res respuesta) error {
	if res.replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSONBlob(res.status, res.body)
}

// ListMovimientos: GET /api/stock/movimientos
// (?producto_id=&bodega_id=&tipo=&desde=&hasta=).
func (h Handler) ListMovimientos(c echo.Context) error {
	t := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	var f MovimientoFilter
	if f.ProductoID, err = httpx.QueryUUID(c, "producto_id"); err != nil {
		return err
	}
	if f.BodegaID, err = httpx.QueryUUID(c, "bodega_id"); err != nil {
		return err
	}
	switch f.Tipo = c.QueryParam("tipo"); Tipo(f.Tipo) {
	case "", Entrada, Salida, Ajuste, Transferencia:
	default:
		return apperr.Invalid("tipo", "debe ser entrada, salida, ajuste o transferencia")
	}
	if f.Desde, err = queryFecha(c, "desde", false); err != nil {
		return err
	}
	if f.Hasta, err = queryFecha(c, "hasta", true); err != nil {
		return err
	}
	ms, total, err := h.Service.ListMovimientos(c.Request().Context(), t, f, p)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, appendList(make([]byte, 0, 64+900*len(ms)), ms, Movimiento.appendJSON, p, total))
}

// queryFecha reads a date (YYYY-MM-DD, a whole UTC day) or an RFC 3339
// instant. As the end of a range (hasta) it is inclusive: a date covers its
// whole day, an instant itself; the bound returned is exclusive.
func queryFecha(c echo.Context, name string, hasta bool) (*time.Time, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return nil, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if hasta {
			d = d.AddDate(0, 0, 1)
		}
		return &d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, apperr.Invalid(name, "se espera una fecha YYYY-MM-DD o un instante RFC 3339")
	}
	t = t.UTC()
	if hasta {
		t = t.Add(time.Microsecond)
	}
	return &t, nil
}

// Kardex: GET /api/stock/kardex?producto_id=&bodega_id=.
func (h Handler) Kardex(c echo.Context) error {
	t := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	producto, err := httpx.QueryUUID(c, "producto_id")
	if err != nil {
		return err
	}
	if producto == nil {
		return apperr.Invalid("producto_id", "es obligatorio")
	}
	bodega, err := httpx.QueryUUID(c, "bodega_id")
	if err != nil {
		return err
	}
	k, err := h.Service.Kardex(c.Request().Context(), t, *producto, bodega, p)
	if err != nil {
		return err
	}
	b, _ := k.MarshalJSON()
	return c.JSONBlob(http.StatusOK, b)
}
