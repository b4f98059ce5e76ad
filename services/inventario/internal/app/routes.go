package app

import (
	_ "embed"

	"github.com/labstack/echo/v4"
)

//go:embed openapi.yaml
var openAPIBase []byte

// openAPIFragments are the domain packages' documents, merged into one.
var openAPIFragments = [][]byte{}

// routes lists every /api route of inventario (DESIGN §7); each group is
// already behind auth and tenant validation.
func routes(api *echo.Group, d deps, srv *Server) error {
	_, _, _ = api, d, srv
	return nil
}
