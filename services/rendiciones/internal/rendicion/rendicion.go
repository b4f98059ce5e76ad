// Package rendicion holds expense reports (rendiciones): out-of-pocket
// expenses (gastos) or a corporate card's charges for a period (tarjeta),
// their items backed by documents and card items, the approval state
// machine with its append-only history, and the export to accounting.
package rendicion

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/apperr"
)

// OpenAPI is this package's fragment of the service document.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Tipos.
const (
	TipoGastos  = "gastos"  // out of pocket, to be reimbursed
	TipoTarjeta = "tarjeta" // a corporate card's charges for a period
)

// Rendicion is an expense report as lists show it.
type Rendicion struct {
	ID        uuid.UUID  `json:"id"`
	UsuarioID uuid.UUID  `json:"usuario_id"`
	Titulo    string     `json:"titulo"`
	Tipo      string     `json:"tipo"`
	TarjetaID *uuid.UUID `json:"tarjeta_id"`
	Periodo   *string    `json:"periodo"`
	Estado    string     `json:"estado"`
	// Totales is the exact sum of the items per currency ("CLP": "86500").
	Totales     map[string]decimal.Decimal `json:"totales"`
	Items       int                        `json:"cantidad_items"`
	EnviadaAt   *time.Time                 `json:"enviada_at"`
	ResueltaAt  *time.Time                 `json:"resuelta_at"`
	ResueltaPor *uuid.UUID                 `json:"resuelta_por"`
	CreatedAt   time.Time                  `json:"created_at"`
	UpdatedAt   time.Time                  `json:"updated_at"`
}

// Detalle is one rendición with its items and audit trail.
type Detalle struct {
	Rendicion
	Lineas    []Item       `json:"items"`
	Historial []Transicion `json:"historial"`
	Cambios   []Cambio     `json:"cambios"`
}

// Item is one expense line.
type Item struct {
	ID            uuid.UUID       `json:"id"`
	DocumentoID   *uuid.UUID      `json:"documento_id"`
	TarjetaItemID *uuid.UUID      `json:"tarjeta_item_id"`
	Fecha         string          `json:"fecha"`
	Descripcion   string          `json:"descripcion"`
	Monto         decimal.Decimal `json:"monto"`
	Moneda        string          `json:"moneda"`
	Categoria     string          `json:"categoria"`
	CentroCosto   *string         `json:"centro_costo"`
	Documento     *Documento      `json:"documento"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// Documento is what an item shows of its document, as accounting needs it.
type Documento struct {
	TipoDocumento     *string             `json:"tipo_documento"`
	RutEmisor         *string             `json:"rut_emisor"`
	RazonSocialEmisor *string             `json:"razon_social_emisor"`
	Folio             *string             `json:"folio"`
	FechaEmision      *string             `json:"fecha_emision"`
	MontoNeto         decimal.NullDecimal `json:"monto_neto"`
	MontoIVA          decimal.NullDecimal `json:"monto_iva"`
	MontoExento       decimal.NullDecimal `json:"monto_exento"`
	MontoTotal        decimal.NullDecimal `json:"monto_total"`
}

// Transicion is one entry of the append-only history.
type Transicion struct {
	ID        uuid.UUID `json:"id"`
	UsuarioID uuid.UUID `json:"usuario_id"`
	De        string    `json:"de"`
	A         string    `json:"a"`
	Motivo    *string   `json:"motivo"`
	CreatedAt time.Time `json:"created_at"`
}

// Cambio is a field changed after the rendición was first submitted, with
// its old and new value (Concur's audit trail). ItemID is nil for a field of
// the rendición itself; campo "item" with a nil old (new) value records an
// item added (removed).
type Cambio struct {
	ID            uuid.UUID  `json:"id"`
	ItemID        *uuid.UUID `json:"item_id"`
	Campo         string     `json:"campo"`
	ValorAnterior *string    `json:"valor_anterior"`
	ValorNuevo    *string    `json:"valor_nuevo"`
	UsuarioID     uuid.UUID  `json:"usuario_id"`
	CreatedAt     time.Time  `json:"created_at"`
}

// CreateInput is the body of POST /api/rendiciones.
type CreateInput struct {
	Titulo    *string    `json:"titulo"`
	Tipo      *string    `json:"tipo"`
	TarjetaID *uuidField `json:"tarjeta_id"`
	Periodo   *string    `json:"periodo"`
}

// UpdateInput is the body of PATCH /api/rendiciones/:id. Tipo and tarjeta
// are fixed at creation: items depend on them.
type UpdateInput struct {
	Titulo    *string         `json:"titulo"`
	Periodo   *string         `json:"periodo"`
	Tipo      json.RawMessage `json:"tipo"`
	TarjetaID json.RawMessage `json:"tarjeta_id"`
}

var periodoRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

func validTitulo(fe map[string]string, v *string) *string {
	s := strings.TrimSpace(*v)
	if s == "" || utf8.RuneCountInString(s) > 200 {
		fe["titulo"] = "debe tener entre 1 y 200 caracteres"
	}
	return &s
}

func validPeriodo(fe map[string]string, v *string) *string {
	s := strings.TrimSpace(*v)
	if !periodoRe.MatchString(s) {
		fe["periodo"] = "debe ser un mes AAAA-MM (p. ej. 2024-03)"
	}
	return &s
}

func (in *CreateInput) validate() error {
	fe := map[string]string{}
	if in.Titulo == nil {
		fe["titulo"] = "es obligatorio"
	} else {
		in.Titulo = validTitulo(fe, in.Titulo)
	}
	if in.Periodo != nil {
		in.Periodo = validPeriodo(fe, in.Periodo)
	}
	if in.TarjetaID != nil && in.TarjetaID.err {
		fe["tarjeta_id"] = "debe ser el id (UUID) de una tarjeta"
	}
	switch {
	case in.Tipo == nil:
		fe["tipo"] = "es obligatorio: gastos o tarjeta"
	case *in.Tipo == TipoGastos:
		if in.TarjetaID != nil {
			fe["tarjeta_id"] = "solo va en una rendición de tipo tarjeta"
		}
	case *in.Tipo == TipoTarjeta:
		if in.TarjetaID == nil {
			fe["tarjeta_id"] = "es obligatorio en una rendición de tipo tarjeta"
		}
		if in.Periodo == nil {
			fe["periodo"] = "es obligatorio en una rendición de tipo tarjeta (AAAA-MM)"
		}
	default:
		fe["tipo"] = "debe ser gastos o tarjeta"
	}
	return apperr.Fields(fe)
}

func (in *UpdateInput) validate() error {
	fe := map[string]string{}
	if in.Titulo != nil {
		in.Titulo = validTitulo(fe, in.Titulo)
	}
	if in.Periodo != nil {
		in.Periodo = validPeriodo(fe, in.Periodo)
	}
	if len(in.Tipo) > 0 {
		fe["tipo"] = "no se puede cambiar; cree otra rendición"
	}
	if len(in.TarjetaID) > 0 {
		fe["tarjeta_id"] = "no se puede cambiar; cree otra rendición"
	}
	return apperr.Fields(fe)
}

// ItemInput is the body of POST /api/rendiciones/:id/items. With a card
// item or a document, fecha, monto and moneda come from it (a value given
// too must agree); without one they are required.
type ItemInput struct {
	DocumentoID   *uuidField      `json:"documento_id"`
	TarjetaItemID *uuidField      `json:"tarjeta_item_id"`
	Fecha         *string         `json:"fecha"`
	Descripcion   *string         `json:"descripcion"`
	Monto         json.RawMessage `json:"monto"`
	Moneda        *string         `json:"moneda"`
	Categoria     *string         `json:"categoria"`
	CentroCosto   *string         `json:"centro_costo"`

	fecha *time.Time
	monto *decimal.Decimal
}

// ItemPatch is the body of PATCH /api/rendiciones/:id/items/:item_id.
// centro_costo may be null to clear it.
type ItemPatch struct {
	Fecha       *string         `json:"fecha"`
	Descripcion *string         `json:"descripcion"`
	Monto       json.RawMessage `json:"monto"`
	Moneda      *string         `json:"moneda"`
	Categoria   *string         `json:"categoria"`
	CentroCosto json.RawMessage `json:"centro_costo"`

	fecha       *time.Time
	monto       *decimal.Decimal
	centroCosto *string // parsed CentroCosto; nil with centroSet clears
	centroSet   bool
}

// uuidField is an optional UUID that remembers a malformed value, so the
// error can name its field (a custom unmarshaler cannot).
type uuidField struct {
	id  uuid.UUID
	err bool
}

func (u *uuidField) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		u.err = true
		return nil
	}
	id, err := uuid.Parse(s)
	u.id, u.err = id, err != nil
	return nil
}

// ptr returns the id, or nil when absent.
func (u *uuidField) ptr() *uuid.UUID {
	if u == nil {
		return nil
	}
	return &u.id
}

const maxDescripcion = 500

func validFecha(fe map[string]string, v *string) *time.Time {
	if v == nil {
		return nil
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(*v))
	if err != nil {
		fe["fecha"] = "debe ser una fecha AAAA-MM-DD"
		return nil
	}
	return &t
}

// parseMonto reads an exact amount from a JSON number or string
// ("12990", 12990, "12990.50"), never through float64.
func parseMonto(fe map[string]string, raw json.RawMessage) *decimal.Decimal {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	s := string(raw)
	var str string
	if json.Unmarshal(raw, &str) == nil {
		s = str
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	switch {
	case err != nil:
		fe["monto"] = "debe ser un número decimal exacto (p. ej. \"12990\" o \"15.50\")"
		return nil
	case d.Exponent() < -4 && !d.Equal(d.Round(4)):
		fe["monto"] = "admite hasta 4 decimales"
		return nil
	case d.Abs().GreaterThanOrEqual(decimal.New(1, 14)):
		fe["monto"] = "es demasiado grande"
		return nil
	}
	return &d
}

func validMoneda(fe map[string]string, v *string) *string {
	if v == nil {
		return nil
	}
	m := strings.ToUpper(strings.TrimSpace(*v))
	if m != "CLP" && m != "USD" {
		fe["moneda"] = "debe ser CLP o USD"
	}
	return &m
}

func validClave(fe map[string]string, field string, v *string, required bool) *string {
	if v == nil {
		if required {
			fe[field] = "es obligatorio"
		}
		return nil
	}
	s := strings.TrimSpace(*v)
	if s == "" || len(s) > 100 {
		fe[field] = "debe ser la clave de un parámetro de core"
	}
	return &s
}

func validDescripcion(fe map[string]string, v *string) *string {
	if v == nil {
		return nil
	}
	s := strings.TrimSpace(*v)
	if utf8.RuneCountInString(s) > maxDescripcion {
		fe["descripcion"] = "máximo 500 caracteres"
	}
	return &s
}

func (in *ItemInput) validate() error {
	fe := map[string]string{}
	if in.DocumentoID != nil && in.DocumentoID.err {
		fe["documento_id"] = "debe ser el id (UUID) de un documento"
	}
	if in.TarjetaItemID != nil && in.TarjetaItemID.err {
		fe["tarjeta_item_id"] = "debe ser el id (UUID) de un movimiento de tarjeta"
	}
	in.fecha = validFecha(fe, in.Fecha)
	in.monto = parseMonto(fe, in.Monto)
	in.Moneda = validMoneda(fe, in.Moneda)
	in.Descripcion = validDescripcion(fe, in.Descripcion)
	in.Categoria = validClave(fe, "categoria", in.Categoria, true)
	in.CentroCosto = validClave(fe, "centro_costo", in.CentroCosto, false)
	if in.DocumentoID == nil && in.TarjetaItemID == nil {
		// A line without a source states everything itself.
		if in.Fecha == nil {
			fe["fecha"] = "es obligatoria sin documento ni movimiento de tarjeta"
		}
		if len(in.Monto) == 0 || string(in.Monto) == "null" {
			fe["monto"] = "es obligatorio sin documento ni movimiento de tarjeta"
		} else if in.monto != nil && !in.monto.IsPositive() {
			fe["monto"] = "debe ser mayor que cero"
		}
		if in.Moneda == nil {
			fe["moneda"] = "es obligatoria sin documento ni movimiento de tarjeta"
		}
		if in.Descripcion == nil || *in.Descripcion == "" {
			fe["descripcion"] = "es obligatoria sin documento ni movimiento de tarjeta"
		}
	}
	return apperr.Fields(fe)
}

func (in *ItemPatch) validate() error {
	fe := map[string]string{}
	in.fecha = validFecha(fe, in.Fecha)
	in.monto = parseMonto(fe, in.Monto)
	if len(in.Monto) > 0 && in.monto == nil && fe["monto"] == "" {
		fe["monto"] = "no puede ser null"
	}
	if in.monto != nil && !in.monto.IsPositive() {
		fe["monto"] = "debe ser mayor que cero"
	}
	in.Moneda = validMoneda(fe, in.Moneda)
	in.Descripcion = validDescripcion(fe, in.Descripcion)
	in.Categoria = validClave(fe, "categoria", in.Categoria, false)
	if len(in.CentroCosto) > 0 {
		in.centroSet = true
		if string(in.CentroCosto) != "null" {
			var s string
			if json.Unmarshal(in.CentroCosto, &s) != nil {
				fe["centro_costo"] = "debe ser la clave de un parámetro de core, o null"
			} else {
				in.centroCosto = validClave(fe, "centro_costo", &s, false)
			}
		}
	}
	return apperr.Fields(fe)
}

// changesAmounts reports whether the patch touches what a source fixes.
func (in *ItemPatch) changesAmounts() []string {
	var f []string
	if in.Fecha != nil {
		f = append(f, "fecha")
	}
	if len(in.Monto) > 0 {
		f = append(f, "monto")
	}
	if in.Moneda != nil {
		f = append(f, "moneda")
	}
	return f
}

// TransitionInput is the optional body of the transition routes; motivo is
// required to reject.
type TransitionInput struct {
	Motivo *string `json:"motivo"`
}
