package auth

import (
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/logx"
)

// Principal is the authenticated caller, taken from the token.
type Principal struct {
	UserID   string
	TenantID string
	// Tenant is TenantID parsed (every token names a tenant by UUID); User is
	// UserID parsed, uuid.Nil for a service token ("service:rendiciones").
	Tenant uuid.UUID
	User   uuid.UUID
	Email  string
	Roles  []string
	Token  string // raw bearer token, forwarded to core
}

// Has reports whether the caller holds role, counting the hierarchy:
// superadmin ⊇ admin ⊇ {usuario, aprobador, bodega}.
func (p *Principal) Has(role string) bool {
	if slices.Contains(p.Roles, role) || slices.Contains(p.Roles, RoleSuperadmin) {
		return true
	}
	return role != RoleSuperadmin && slices.Contains(p.Roles, RoleAdmin)
}

// HasAny reports whether the caller holds any of roles.
func (p *Principal) HasAny(roles ...string) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

const principalKey = "auth.principal"

// Verifier checks a token: a *Signer, or a *TokenCache in front of one.
type Verifier interface {
	Verify(token string) (*Claims, error)
}

// Middleware rejects requests without a valid bearer token (401) and stores
// the Principal for handlers.
func Middleware(s Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				return apperr.Unauthorized("falta el token de acceso (Authorization: Bearer …)")
			}
			tok = strings.TrimSpace(tok)
			cl, err := s.Verify(tok)
			if err != nil {
				return apperr.Unauthorized("token inválido o expirado")
			}
			tenant, err := uuid.Parse(cl.TenantID)
			if err != nil {
				return apperr.Unauthorized("token inválido: tenant_id no es un UUID")
			}
			user, _ := uuid.Parse(cl.Subject)
			p := &Principal{UserID: cl.Subject, TenantID: cl.TenantID, Tenant: tenant, User: user,
				Email: cl.Email, Roles: cl.Roles, Token: tok}
			c.Set(principalKey, p)
			r := c.Request()
			c.SetRequest(r.WithContext(logx.WithFields(r.Context(), logx.Fields{TenantID: p.TenantID, UserID: p.UserID})))
			return next(c)
		}
	}
}

// From returns the caller; handlers behind Middleware always have one.
func From(c echo.Context) *Principal {
	p, _ := c.Get(principalKey).(*Principal)
	if p == nil {
		return &Principal{}
	}
	return p
}

// Require answers 403 unless the caller holds one of roles.
func Require(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !From(c).HasAny(roles...) {
				return apperr.Forbidden("no tiene permiso para esta acción")
			}
			return next(c)
		}
	}
}
