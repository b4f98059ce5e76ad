// Package parametros holds each tenant's master parameters (expense
// categories, cost centres, settings). Secret values are encrypted at rest
// with AES-256-GCM and always masked in responses.
package parametros

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/apperr"
)

// Mask replaces a secret value in every response.
const Mask = "********"

// Parametro is one tenant setting.
type Parametro struct {
	ID          uuid.UUID       `json:"id"`
	TenantID    uuid.UUID       `json:"tenant_id"`
	Categoria   string          `json:"categoria"`
	Clave       string          `json:"clave"`
	Valor       json.RawMessage `json:"valor"`
	Descripcion string          `json:"descripcion"`
	Secreto     bool            `json:"secreto"`
	Activo      bool            `json:"activo"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Input is a create or patch body.
type Input struct {
	Categoria   *string          `json:"categoria"`
	Clave       *string          `json:"clave"`
	Valor       *json.RawMessage `json:"valor"`
	Descripcion *string          `json:"descripcion"`
	Secreto     *bool            `json:"secreto"`
	Activo      *bool            `json:"activo"`
}

var (
	categoriaRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	claveRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$`)
)

func (in *Input) validate(create bool) error {
	fe := map[string]string{}
	if in.Categoria != nil {
		v := strings.TrimSpace(*in.Categoria)
		in.Categoria = &v
		if !categoriaRe.MatchString(v) {
			fe["categoria"] = "minúsculas, dígitos y _ (p. ej. categoria_gasto), hasta 64"
		}
	} else if create {
		fe["categoria"] = "es obligatoria"
	}
	if in.Clave != nil {
		v := strings.TrimSpace(*in.Clave)
		in.Clave = &v
		if !claveRe.MatchString(v) {
			fe["clave"] = "letras, dígitos, _ . - (hasta 100), sin espacios"
		}
	} else if create {
		fe["clave"] = "es obligatoria"
	}
	if in.Valor != nil {
		if len(*in.Valor) == 0 || string(*in.Valor) == "null" {
			fe["valor"] = "no puede ser null"
		} else if len(*in.Valor) > 64<<10 {
			fe["valor"] = "es demasiado grande (máx. 64 KiB)"
		}
	} else if create {
		fe["valor"] = "es obligatorio (cualquier valor JSON)"
	}
	if in.Descripcion != nil && len(*in.Descripcion) > 1000 {
		fe["descripcion"] = "máximo 1000 caracteres"
	}
	return apperr.Fields(fe)
}
