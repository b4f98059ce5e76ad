package httpx

import (
	"slices"

	"github.com/labstack/echo/v4"
)

// Router registers routes under a prefix, each behind the same middleware
// (auth, tenant validation). It exists instead of an Echo group with
// middleware because such a group adds a catch-all route, and then a wrong
// method answers 404 instead of 405 and an unknown path 401 instead of 404.
type Router struct {
	e      *echo.Echo
	prefix string
	mw     []echo.MiddlewareFunc
}

// NewRouter returns a Router for prefix whose routes all run mw first.
func NewRouter(e *echo.Echo, prefix string, mw ...echo.MiddlewareFunc) *Router {
	return &Router{e: e, prefix: prefix, mw: mw}
}

func (r *Router) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	return r.e.Add(method, r.prefix+path, h, append(slices.Clone(r.mw), m...)...)
}

// GET registers a GET route; m runs after the Router's middleware.
func (r *Router) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.GET, path, h, m)
}

// POST registers a POST route.
func (r *Router) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.POST, path, h, m)
}

// PATCH registers a PATCH route.
func (r *Router) PATCH(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.PATCH, path, h, m)
}

// PUT registers a PUT route.
func (r *Router) PUT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.PUT, path, h, m)
}

// DELETE registers a DELETE route.
func (r *Router) DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.DELETE, path, h, m)
}
