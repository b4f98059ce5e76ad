package app

import (
	_ "embed"

	"github.com/labstack/echo/v4"
)

//go:embed openapi.yaml
var openAPIBase []byte

// openAPIFragments are the domain packages' documents, merged into one.
var openAPIFragments = [][]byte{
	// documentos
	// tarjetas y rendiciones
}

// largeBodyRoutes enforce their own body limit (uploads) instead of the
// default 1 MiB.
var largeBodyRoutes = []string{
	// documentos
	// tarjetas y rendiciones
}

// routes lists every /api route of rendiciones (DESIGN §6); the group is
// already behind auth and tenant validation. Workers (extraction jobs) are
// appended to srv.Workers here too.
func routes(api *echo.Group, d deps, srv *Server) error {
	_, _, _ = api, d, srv

	// documentos (DESIGN §6 "Documents")

	// tarjetas y rendiciones (DESIGN §6 "Cards and expense reports")

	return nil
}
