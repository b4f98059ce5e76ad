// Package tenants manages the platform's tenants (companies): superadmins
// create and change them, any user may read their own, and every change is
// announced with a tenants.updated event so other services drop their cache.
package tenants

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/rut"
)

// Tenant is a company using the platform.
type Tenant struct {
	ID        uuid.UUID `json:"id"`
	Nombre    string    `json:"nombre"`
	RUT       string    `json:"rut"`
	Activo    bool      `json:"activo"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input is a create or patch request; nil fields are left alone on patch.
type Input struct {
	Nombre *string `json:"nombre"`
	RUT    *string `json:"rut"`
	Activo *bool   `json:"activo"`
}

// validate normalizes the input; create requires nombre and rut.
func (in *Input) validate(create bool) error {
	fe := map[string]string{}
	if in.Nombre != nil {
		n := strings.TrimSpace(*in.Nombre)
		in.Nombre = &n
		if n == "" || len(n) > 200 {
			fe["nombre"] = "es obligatorio (1 a 200 caracteres)"
		}
	} else if create {
		fe["nombre"] = "es obligatorio"
	}
	if in.RUT != nil {
		r, err := rut.Normalize(*in.RUT)
		if err != nil {
			fe["rut"] = err.Error()
		}
		in.RUT = &r
	} else if create {
		fe["rut"] = "es obligatorio"
	}
	return apperr.Fields(fe)
}
