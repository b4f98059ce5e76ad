// Package productos is the tenant's product catalogue: SKU unique per tenant
// regardless of case, a unit, a sale price and the stock_minimo that drives
// the low-stock listing and event. A product with movements is never deleted,
// only deactivated, so the ledger always points at a real product.
package productos

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/services/inventario/internal/num"
)

// Producto is one catalogue entry.
type Producto struct {
	ID          uuid.UUID    `json:"id"`
	SKU         string       `json:"sku"`
	Nombre      string       `json:"nombre"`
	Descripcion string       `json:"descripcion"`
	Unidad      string       `json:"unidad"`
	Categoria   string       `json:"categoria"`
	PrecioVenta num.Monto    `json:"precio_venta"`
	StockMinimo num.Cantidad `json:"stock_minimo"`
	Activo      bool         `json:"activo"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// Input is a create or patch body; nil fields are left as they are.
type Input struct {
	SKU         *string `json:"sku"`
	Nombre      *string `json:"nombre"`
	Descripcion *string `json:"descripcion"`
	Unidad      *string `json:"unidad"`
	Categoria   *string `json:"categoria"`
	PrecioVenta num.Raw `json:"precio_venta"`
	StockMinimo num.Raw `json:"stock_minimo"`
	Activo      *bool   `json:"activo"`

	precioVenta, stockMinimo decimal.Decimal // parsed by validate
}

// DefaultUnidad is the unit of a product created without one.
const DefaultUnidad = "UN"

// validate trims and checks the fields; on create sku and nombre are required.
func (in *Input) validate(create bool) error {
	fe := map[string]string{}
	text := func(name string, p **string, max int, required bool) {
		if *p == nil {
			if create && required {
				fe[name] = "es obligatorio"
			}
			return
		}
		v := strings.TrimSpace(**p)
		*p = &v
		switch {
		case v == "" && required:
			fe[name] = "no puede estar vacío"
		case utf8.RuneCountInString(v) > max:
			fe[name] = "es demasiado largo (máximo " + strconv.Itoa(max) + " caracteres)"
		case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }):
			fe[name] = "contiene caracteres de control"
		}
	}
	text("sku", &in.SKU, 64, true)
	text("nombre", &in.Nombre, 200, true)
	text("descripcion", &in.Descripcion, 2000, false)
	text("unidad", &in.Unidad, 20, false)
	text("categoria", &in.Categoria, 100, false)
	if in.Unidad != nil && *in.Unidad == "" {
		fe["unidad"] = "no puede estar vacía"
	}
	if in.PrecioVenta.IsSet() {
		d, msg := in.PrecioVenta.Parse(num.Rules{Scale: num.ScaleMonto, AllowZero: true})
		if msg != "" {
			fe["precio_venta"] = msg
		}
		in.precioVenta = d
	}
	if in.StockMinimo.IsSet() {
		d, msg := in.StockMinimo.Parse(num.Rules{Scale: num.ScaleCantidad, AllowZero: true})
		if msg != "" {
			fe["stock_minimo"] = msg
		}
		in.stockMinimo = d
	}
	return apperr.Fields(fe)
}

var errSKUTaken = apperr.Conflict("sku_duplicado", "ya existe un producto con ese SKU").With("sku", "ya existe en este tenant (sin distinguir mayúsculas)")
