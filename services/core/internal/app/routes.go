package app

import (
	_ "embed"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/auth"
	"ecosystem/services/core/internal/parametros"
	"ecosystem/services/core/internal/prompts"
	"ecosystem/services/core/internal/sesion"
	"ecosystem/services/core/internal/tenants"
	"ecosystem/services/core/internal/users"
)

// openAPIBase is core's own API document; the shared operational routes
// and components are merged into it (httpx.CommonOpenAPI).
//
//go:embed openapi.yaml
var openAPIBase []byte

type handlers struct {
	signer     *auth.Signer
	active     echo.MiddlewareFunc // 403 tenant_inactivo for a deactivated tenant's tokens
	sesion     sesion.Handler
	tenants    tenants.Handler
	users      users.Handler
	parametros parametros.Handler
	prompts    prompts.Handler
}

// routes lists every route of core: method, path, handler, guards (DESIGN §5).
func routes(e *echo.Echo, h handlers) {
	// Verified tokens are reused until they expire (access tokens carry no
	// server-side state, so a re-check could not come out differently).
	user := auth.Middleware(auth.NewTokenCache(h.signer, 10_000))
	admin := auth.Require(auth.RoleAdmin)
	super := auth.Require(auth.RoleSuperadmin)
	active := h.active

	e.POST("/api/auth/login", h.sesion.Login)
	e.POST("/api/auth/refresh", h.sesion.Refresh)
	e.POST("/api/auth/logout", h.sesion.Logout, user) // a session of an inactive tenant can still end
	e.GET("/api/auth/me", h.sesion.Me, user, active)

	e.GET("/api/tenants", h.tenants.List, user, active, super)
	e.POST("/api/tenants", h.tenants.Create, user, active, super)
	// Other services validate tenants here: an inactive one is answered
	// (activo: false), not refused.
	e.GET("/api/tenants/:id", h.tenants.Get, user) // a user may read its own
	e.PATCH("/api/tenants/:id", h.tenants.Update, user, active, super)
	e.DELETE("/api/tenants/:id", h.tenants.Delete, user, active, super)

	e.GET("/api/users", h.users.List, user, active, admin)
	e.POST("/api/users", h.users.Create, user, active, admin)
	e.GET("/api/users/:id", h.users.Get, user, active, admin)
	e.PATCH("/api/users/:id", h.users.Update, user, active, admin)
	e.DELETE("/api/users/:id", h.users.Delete, user, active, admin)

	e.GET("/api/parametros", h.parametros.List, user, active)
	e.POST("/api/parametros", h.parametros.Create, user, active, admin)
	e.GET("/api/parametros/:id", h.parametros.Get, user, active)
	e.PATCH("/api/parametros/:id", h.parametros.Update, user, active, admin)
	e.DELETE("/api/parametros/:id", h.parametros.Delete, user, active, admin)

	e.GET("/api/ai-prompts", h.prompts.List, user, active)
	e.POST("/api/ai-prompts", h.prompts.Create, user, active, admin)
	e.GET("/api/ai-prompts/:clave/activo", h.prompts.Active, user, active)
}
