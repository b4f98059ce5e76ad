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

// OpenAPI is core's API document, served at /openapi.json.
//
//go:embed openapi.yaml
var OpenAPI []byte

type handlers struct {
	signer     *auth.Signer
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

	e.POST("/api/auth/login", h.sesion.Login)
	e.POST("/api/auth/refresh", h.sesion.Refresh)
	e.POST("/api/auth/logout", h.sesion.Logout, user)
	e.GET("/api/auth/me", h.sesion.Me, user)

	e.GET("/api/tenants", h.tenants.List, user, super)
	e.POST("/api/tenants", h.tenants.Create, user, super)
	e.GET("/api/tenants/:id", h.tenants.Get, user) // a user may read its own
	e.PATCH("/api/tenants/:id", h.tenants.Update, user, super)
	e.DELETE("/api/tenants/:id", h.tenants.Delete, user, super)

	e.GET("/api/users", h.users.List, user, admin)
	e.POST("/api/users", h.users.Create, user, admin)
	e.GET("/api/users/:id", h.users.Get, user, admin)
	e.PATCH("/api/users/:id", h.users.Update, user, admin)
	e.DELETE("/api/users/:id", h.users.Delete, user, admin)

	e.GET("/api/parametros", h.parametros.List, user)
	e.POST("/api/parametros", h.parametros.Create, user, admin)
	e.GET("/api/parametros/:id", h.parametros.Get, user)
	e.PATCH("/api/parametros/:id", h.parametros.Update, user, admin)
	e.DELETE("/api/parametros/:id", h.parametros.Delete, user, admin)

	e.GET("/api/ai-prompts", h.prompts.List, user)
	e.POST("/api/ai-prompts", h.prompts.Create, user, admin)
	e.GET("/api/ai-prompts/:clave/activo", h.prompts.Active, user)
}
