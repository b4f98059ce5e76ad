package documentos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/rut"
	"ecosystem/services/rendiciones/internal/extraccion"
)

// campo is an optional PATCH field: absent, null (clear it), or a value.
// Amounts and folios are accepted as JSON strings or numbers and kept as
// their exact text, so no float ever touches money.
type campo struct {
	set, null bool
	v         string
}

func (c *campo) UnmarshalJSON(b []byte) error {
	c.set = true
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		c.null = true
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &c.v)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		c.v = n.String()
	default:
		return &json.UnmarshalTypeError{Value: "valor", Type: reflect.TypeFor[string]()}
	}
	return nil
}

func (c campo) texto() string { return strings.TrimSpace(c.v) }

// correccion is the PATCH body: the extracted fields a person may fix.
// Absent fields keep their value; items, when present, replace the list.
type correccion struct {
	TipoDocumento       campo             `json:"tipo_documento"`
	RutEmisor           campo             `json:"rut_emisor"`
	RazonSocialEmisor   campo             `json:"razon_social_emisor"`
	RutReceptor         campo             `json:"rut_receptor"`
	RazonSocialReceptor campo             `json:"razon_social_receptor"`
	Folio               campo             `json:"folio"`
	FechaEmision        campo             `json:"fecha_emision"`
	Moneda              campo             `json:"moneda"`
	MontoNeto           campo             `json:"monto_neto"`
	MontoIVA            campo             `json:"monto_iva"`
	MontoExento         campo             `json:"monto_exento"`
	MontoTotal          campo             `json:"monto_total"`
	Items               *[]itemCorreccion `json:"items"`
}

type itemCorreccion struct {
	Codigo         campo `json:"codigo"`
	Descripcion    campo `json:"descripcion"`
	Cantidad       campo `json:"cantidad"`
	PrecioUnitario campo `json:"precio_unitario"`
	Monto          campo `json:"monto"`
}

const maxItems = 500

// aplicar validates the correction and applies it to ex; field errors name
// the JSON field ("items[2].monto").
func (c correccion) aplicar(ex *extraccion.Extraccion) error {
	fe := map[string]string{}
	if f := c.TipoDocumento; f.set {
		t := extraccion.TipoDocumento(f.texto())
		if f.null || !t.Valid() {
			fe["tipo_documento"] = "debe ser factura, factura_exenta, boleta, nota_credito, nota_debito, guia_despacho, ticket u otro"
		} else {
			ex.TipoDocumento = t
		}
	}
	for _, r := range []struct {
		name string
		f    campo
		dst  *string
	}{{"rut_emisor", c.RutEmisor, &ex.RutEmisor}, {"rut_receptor", c.RutReceptor, &ex.RutReceptor}} {
		if !r.f.set {
			continue
		}
		if r.f.null || r.f.texto() == "" {
			*r.dst = ""
			continue
		}
		canon, err := rut.Normalize(r.f.texto())
		if err != nil {
			fe[r.name] = err.Error()
			continue
		}
		*r.dst = canon
	}
	for _, t := range []struct {
		name string
		f    campo
		dst  *string
		max  int
	}{{"razon_social_emisor", c.RazonSocialEmisor, &ex.RazonSocialEmisor, 300},
		{"razon_social_receptor", c.RazonSocialReceptor, &ex.RazonSocialReceptor, 300}} {
		if !t.f.set {
			continue
		}
		if len([]rune(t.f.texto())) > t.max {
			fe[t.name] = fmt.Sprintf("admite hasta %d caracteres", t.max)
			continue
		}
		*t.dst = t.f.texto()
	}
	if f := c.Folio; f.set {
		switch v := f.texto(); {
		case len(v) > 40:
			fe["folio"] = "admite hasta 40 caracteres"
		default:
			ex.Folio = normalizarFolio(v)
		}
	}
	if f := c.FechaEmision; f.set {
		if f.null || f.texto() == "" {
			ex.FechaEmision = ""
		} else if t, err := time.Parse(time.DateOnly, f.texto()); err != nil {
			fe["fecha_emision"] = "debe ser una fecha AAAA-MM-DD"
		} else {
			ex.FechaEmision = t.Format(time.DateOnly)
		}
	}
	if f := c.Moneda; f.set {
		switch m := strings.ToUpper(f.texto()); m {
		case extraccion.MonedaCLP, extraccion.MonedaUSD:
			ex.Moneda = m
		default:
			fe["moneda"] = "debe ser CLP o USD"
		}
	}
	for _, m := range []struct {
		name string
		f    campo
		dst  *decimal.NullDecimal
	}{{"monto_neto", c.MontoNeto, &ex.MontoNeto}, {"monto_iva", c.MontoIVA, &ex.MontoIVA},
		{"monto_exento", c.MontoExento, &ex.MontoExento}, {"monto_total", c.MontoTotal, &ex.MontoTotal}} {
		if m.f.set {
			if v, msg := monto(m.f); msg != "" {
				fe[m.name] = msg
			} else {
				*m.dst = v
			}
		}
	}
	if c.Items != nil {
		if len(*c.Items) > maxItems {
			fe["items"] = fmt.Sprintf("admite hasta %d ítems", maxItems)
		} else {
			items := make([]extraccion.Item, 0, len(*c.Items))
			for i, it := range *c.Items {
				item := extraccion.Item{Codigo: truncar(it.Codigo.texto(), 100), Descripcion: truncar(it.Descripcion.texto(), 500)}
				for _, m := range []struct {
					name string
					f    campo
					dst  *decimal.NullDecimal
				}{{"cantidad", it.Cantidad, &item.Cantidad}, {"precio_unitario", it.PrecioUnitario, &item.PrecioUnitario}, {"monto", it.Monto, &item.Monto}} {
					if v, msg := monto(m.f); msg != "" {
						fe[fmt.Sprintf("items[%d].%s", i, m.name)] = msg
					} else {
						*m.dst = v
					}
				}
				if item.Descripcion == "" && item.Codigo == "" {
					fe[fmt.Sprintf("items[%d].descripcion", i)] = "es obligatoria (o el código)"
				}
				items = append(items, item)
			}
			ex.Items = items
		}
	}
	return apperr.Fields(fe)
}

// monto parses an exact, non-negative amount with at most 4 decimals (what
// NUMERIC(18,4) keeps); null or "" clears it.
func monto(f campo) (decimal.NullDecimal, string) {
	if !f.set || f.null || f.texto() == "" {
		return decimal.NullDecimal{}, ""
	}
	d, err := decimal.NewFromString(f.texto())
	switch {
	case err != nil:
		return decimal.NullDecimal{}, "debe ser un número decimal exacto, p. ej. \"119000\" o \"1234.50\""
	case d.IsNegative():
		return decimal.NullDecimal{}, "no puede ser negativo"
	case !cabeEnNumeric(d):
		return decimal.NullDecimal{}, "admite hasta 14 dígitos enteros y 4 decimales"
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}, ""
}

// normalizarFolio drops the zero padding of numeric folios, as the engines
// do, so the duplicate key matches however it was typed.
func normalizarFolio(s string) string {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return s
	}
	if s = strings.TrimLeft(s, "0"); s == "" {
		return "0"
	}
	return s
}

// Corregir: PATCH /api/documentos/:id. A person fixes extracted fields (an
// empty body confirms them as they are). The document becomes revisado, the
// engine's own extraction is kept in extraccion_original (the first time),
// the warnings and the duplicate check are run again.
func (h *Handler) Corregir(c echo.Context) error {
	a, id, err := actorEId(c)
	if err != nil {
		return err
	}
	var in correccion
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var out *row
	err = h.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.puedeModificar(r.SubidoPor) {
			return apperr.Forbidden("solo quien subió el documento o un admin puede corregirlo")
		}
		if r.Estado == EstadoPendiente || r.Estado == EstadoProcesando {
			return apperr.Conflict(CodeEstadoInvalido, "el documento todavía se está procesando").With("estado", r.Estado)
		}
		actual, err := decodeExtraccion(r.Extraccion)
		if err != nil {
			return err
		}
		ex := extraccion.Extraccion{TipoDocumento: extraccion.TipoOtro, Moneda: extraccion.MonedaCLP, Items: []extraccion.Item{}}
		if actual != nil {
			ex = *actual
		}
		if err := in.aplicar(&ex); err != nil {
			return err
		}
		// Warnings are recomputed from the corrected values; the engine's
		// own notes (pages skipped, totals that disagreed) no longer apply.
		ex.Advertencias = []string{}
		extraccion.Validate(&ex)
		dup, err := detectarDuplicado(ctx, tx, r, &ex)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(ex)
		if err != nil {
			return err
		}
		now := db.Now()
		set := map[string]any{"estado": EstadoRevisado, "extraccion": raw, "revisado_por": a.UserID, "revisado_at": now,
			"error_codigo": nil, "error_mensaje": nil, "updated_at": now}
		if len(r.ExtraccionOriginal) == 0 && actual != nil {
			set["extraccion_original"] = r.Extraccion
		}
		for k, v := range camposDe(&ex) {
			set[k] = v
		}
		dup.aplicar(set)
		if err := tx.Model(&row{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
			return err
		}
		out, err = reread(ctx, tx, r)
		return err
	})
	if err != nil {
		return txError(err, "corregir documento")
	}
	return respond(c, http.StatusOK, out)
}

type noDuplicadoInput struct {
	Motivo string `json:"motivo"`
}

// NoDuplicado: POST /api/documentos/:id/no-duplicado {motivo}. An aprobador
// or admin records that a flagged document is not a duplicate; who, when and
// why are kept, and the warning goes away. Repeating it changes nothing.
func (h *Handler) NoDuplicado(c echo.Context) error {
	a, id, err := actorEId(c)
	if err != nil {
		return err
	}
	var in noDuplicadoInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	motivo := strings.TrimSpace(in.Motivo)
	switch {
	case motivo == "":
		return apperr.Invalid("motivo", "es obligatorio")
	case len([]rune(motivo)) > 1000:
		return apperr.Invalid("motivo", "admite hasta 1000 caracteres")
	}
	ctx := c.Request().Context()
	var out *row
	err = h.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.puedeDescartarDuplicado(r.SubidoPor) {
			return apperr.Forbidden("solo un aprobador o admin que no subió el documento puede descartar el duplicado")
		}
		if r.DuplicadoDe == nil {
			return apperr.Conflict(CodeNoEsDuplicado, "el documento no está marcado como posible duplicado")
		}
		if r.NoDuplicado {
			out = r
			return nil
		}
		now := db.Now()
		set := map[string]any{"no_duplicado": true, "no_duplicado_por": a.UserID, "no_duplicado_at": now,
			"no_duplicado_motivo": motivo, "updated_at": now}
		if ex, err := decodeExtraccion(r.Extraccion); err != nil {
			return err
		} else if ex != nil {
			ex.Advertencias = sinAdvertenciaDuplicado(ex.Advertencias)
			raw, err := json.Marshal(ex)
			if err != nil {
				return err
			}
			set["extraccion"] = raw
		}
		if err := tx.Model(&row{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
			return err
		}
		out, err = reread(ctx, tx, r)
		return err
	})
	if err != nil {
		return txError(err, "descartar duplicado")
	}
	return respond(c, http.StatusOK, out)
}

// reread returns the row as the transaction left it.
func reread(ctx context.Context, tx *gorm.DB, r *row) (*row, error) {
	var n row
	err := tx.WithContext(ctx).Where("tenant_id = ? AND id = ?", r.TenantID, r.ID).Take(&n).Error
	return &n, err
}
