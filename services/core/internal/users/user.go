// Package users manages the people of each tenant: admins manage their own
// tenant's users, superadmins any tenant's. Passwords are stored as Argon2id
// hashes and never returned; deleting a user deactivates it.
package users

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/services/core/internal/password"
)

// User is a person who logs in.
type User struct {
	ID        uuid.UUID `json:"id"`
	TenantID  uuid.UUID `json:"tenant_id"`
	Email     string    `json:"email"`
	Nombre    string    `json:"nombre"`
	Roles     []string  `json:"roles"`
	Activo    bool      `json:"activo"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input is a create or patch body; nil fields are left alone on patch.
type Input struct {
	TenantID *uuid.UUID `json:"tenant_id"`
	Email    *string    `json:"email"`
	Nombre   *string    `json:"nombre"`
	Password *string    `json:"password"`
	Roles    *[]string  `json:"roles"`
	Activo   *bool      `json:"activo"`
}

// NormalizeEmail lowercases and trims; login and storage both use it.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (in *Input) validate(create bool) error {
	fe := map[string]string{}
	if in.Email != nil {
		e := NormalizeEmail(*in.Email)
		in.Email = &e
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > 254 {
			fe["email"] = "no es un email válido"
		}
	} else if create {
		fe["email"] = "es obligatorio"
	}
	if in.Nombre != nil {
		n := strings.TrimSpace(*in.Nombre)
		in.Nombre = &n
		if n == "" || len(n) > 200 {
			fe["nombre"] = "es obligatorio (1 a 200 caracteres)"
		}
	} else if create {
		fe["nombre"] = "es obligatorio"
	}
	if in.Password != nil {
		if n := len([]rune(*in.Password)); n < password.MinLength || n > password.MaxLength {
			fe["password"] = "debe tener entre 8 y 128 caracteres"
		}
	} else if create {
		fe["password"] = "es obligatorio"
	}
	if in.Roles != nil {
		var roles []string
		for _, r := range *in.Roles {
			r = strings.TrimSpace(r)
			if !slices.Contains(auth.AllRoles, r) {
				fe["roles"] = "rol desconocido: " + r + " (válidos: superadmin, admin, aprobador, usuario, bodega)"
				break
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		if len(*in.Roles) == 0 {
			fe["roles"] = "debe tener al menos un rol"
		}
		in.Roles = &roles
	} else if create {
		in.Roles = &[]string{auth.RoleUsuario}
	}
	if create && in.Activo != nil {
		fe["activo"] = "no se indica al crear (un usuario nuevo está activo)"
	}
	return apperr.Fields(fe)
}
