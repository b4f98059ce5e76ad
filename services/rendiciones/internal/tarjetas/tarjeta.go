// Package tarjetas holds the tenant's corporate cards, the items of their
// statements (imported from the banks' CSV exports) and the conciliation of
// those items with the documents that back them.
package tarjetas

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

// Tarjeta is a corporate card. Only the last 4 digits are known.
type Tarjeta struct {
	ID        uuid.UUID  `json:"id"`
	Alias     string     `json:"alias"`
	Banco     string     `json:"banco"`
	Ultimos4  string     `json:"ultimos_4"`
	TitularID *uuid.UUID `json:"titular_id"`
	Moneda    string     `json:"moneda"`
	Activa    bool       `json:"activa"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Item estados.
const (
	EstadoPendiente = "pendiente" // not yet in an approved rendición
	EstadoRendido   = "rendido"   // its rendición was approved
)

// Item is one charge (monto > 0) or credit (monto < 0) of a card statement.
type Item struct {
	ID          uuid.UUID       `json:"id"`
	TarjetaID   uuid.UUID       `json:"tarjeta_id"`
	Fecha       string          `json:"fecha"`
	Descripcion string          `json:"descripcion"`
	Monto       decimal.Decimal `json:"monto"`
	Moneda      string          `json:"moneda"`
	Cuotas      string          `json:"cuotas"`
	Referencia  string          `json:"referencia"`
	Estado      string          `json:"estado"`
	// DocumentoID is the document backing the charge, set by conciliation
	// or by hand; Criterio says which ("monto+nombre", "monto+fecha",
	// "monto+nombre+fecha" or "manual").
	DocumentoID  *uuid.UUID `json:"documento_id"`
	Criterio     *string    `json:"criterio_conciliacion"`
	ConciliadoAt *time.Time `json:"conciliado_at"`
	// RendicionID is the rendición the item was added to, if any.
	RendicionID *uuid.UUID `json:"rendicion_id"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Input is a create or patch body. titular_id may be null in a patch to
// leave the card without a holder.
type Input struct {
	Alias     *string         `json:"alias"`
	Banco     *string         `json:"banco"`
	Ultimos4  *string         `json:"ultimos_4"`
	TitularID json.RawMessage `json:"titular_id"`
	Moneda    *string         `json:"moneda"`
	Activa    *bool           `json:"activa"`

	titular    *uuid.UUID // parsed TitularID
	titularSet bool
}

var ultimos4Re = regexp.MustCompile(`^[0-9]{4}$`)

func (in *Input) validate(create bool) error {
	fe := map[string]string{}
	text := func(name string, v **string, max int) {
		if *v == nil {
			if create {
				fe[name] = "es obligatorio"
			}
			return
		}
		s := strings.TrimSpace(**v)
		*v = &s
		if s == "" || utf8.RuneCountInString(s) > max {
			fe[name] = "debe tener entre 1 y 100 caracteres"
		}
	}
	text("alias", &in.Alias, 100)
	text("banco", &in.Banco, 100)
	if in.Ultimos4 == nil {
		if create {
			fe["ultimos_4"] = "es obligatorio"
		}
	} else if s := strings.TrimSpace(*in.Ultimos4); !ultimos4Re.MatchString(s) {
		fe["ultimos_4"] = "deben ser exactamente los últimos 4 dígitos"
	} else {
		in.Ultimos4 = &s
	}
	if len(in.TitularID) > 0 {
		in.titularSet = true
		if string(in.TitularID) != "null" {
			var s string
			id, err := uuid.Nil, json.Unmarshal(in.TitularID, &s)
			if err == nil {
				id, err = uuid.Parse(s)
			}
			if err != nil {
				fe["titular_id"] = "debe ser el id (UUID) de un usuario o null"
			} else {
				in.titular = &id
			}
		}
	}
	if in.Moneda != nil {
		m := strings.ToUpper(strings.TrimSpace(*in.Moneda))
		in.Moneda = &m
		if !ValidMoneda(m) {
			fe["moneda"] = "debe ser CLP o USD"
		}
	}
	return apperr.Fields(fe)
}

// ValidMoneda reports whether m is a currency rendiciones handles.
func ValidMoneda(m string) bool { return m == "CLP" || m == "USD" }
