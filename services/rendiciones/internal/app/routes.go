package app

import (
	_ "embed"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/cartola"
	"ecosystem/services/rendiciones/internal/documentos"
	"ecosystem/services/rendiciones/internal/panguard"
	"ecosystem/services/rendiciones/internal/rendicion"
	"ecosystem/services/rendiciones/internal/tarjetas"
)

//go:embed openapi.yaml
var openAPIBase []byte

// openAPIFragments are the domain packages' documents, merged into one.
var openAPIFragments = [][]byte{
	// documentos
	documentos.OpenAPI,
	// tarjetas y rendiciones
	tarjetas.OpenAPI,
	rendicion.OpenAPI,
}

// largeBodyRoutes enforce their own body limit (uploads) instead of the
// default 1 MiB.
var largeBodyRoutes = []string{
	// documentos
	"POST /api/documentos",
	// tarjetas y rendiciones
	"POST /api/tarjetas/:id/items", // a statement CSV, up to cartola.MaxBytes
}

// routes lists every /api route of rendiciones (DESIGN §6); the group is
// already behind auth and tenant validation. Workers (extraction jobs) are
// appended to srv.Workers here too.
func routes(api *httpx.Router, d deps, srv *Server) error {
	// documentos (DESIGN §6 "Documents")
	docs, extraccionWorker, err := documentosModule(d)
	if err != nil {
		return err
	}
	srv.Workers = append(srv.Workers, extraccionWorker)
	api.POST("/documentos", docs.Subir)
	api.GET("/documentos", docs.Listar)
	api.GET("/documentos/:id", docs.Obtener)
	api.PATCH("/documentos/:id", docs.Corregir)
	api.GET("/documentos/:id/archivo", docs.Archivo)
	api.POST("/documentos/:id/reprocesar", docs.Reprocesar)
	api.POST("/documentos/:id/no-duplicado", docs.NoDuplicado)

	// tarjetas y rendiciones (DESIGN §6 "Cards and expense reports").
	// Every route refuses a body carrying a full card number (nopan).
	nopan, admin := panguard.Reject(), auth.Require(auth.RoleAdmin)
	tj := tarjetas.Handler{Store: tarjetas.NewStore(d.db), Users: d.core, MaxUploadBytes: cartola.MaxBytes + 1<<20}
	api.GET("/tarjetas", tj.List, nopan)
	api.POST("/tarjetas", tj.Create, nopan, admin)
	api.GET("/tarjetas/:id", tj.Get, nopan)
	api.PATCH("/tarjetas/:id", tj.Update, nopan, admin)
	api.DELETE("/tarjetas/:id", tj.Delete, nopan, admin)
	api.GET("/tarjetas/:id/items", tj.Items, nopan)
	api.POST("/tarjetas/:id/items", tj.Import, nopan)         // admin or holder
	api.PATCH("/tarjetas/:id/items/:item_id", tj.Link, nopan) // admin or holder
	api.POST("/tarjetas/:id/conciliar", tj.Conciliate, nopan) // admin or holder
	rd := rendicion.Handler{Store: rendicion.NewStore(d.db), Parametros: rendicion.NewParametros(d.core)}
	api.GET("/rendiciones", rd.List, nopan)
	api.POST("/rendiciones", rd.Create, nopan)
	api.GET("/rendiciones/:id", rd.Get, nopan)
	api.PATCH("/rendiciones/:id", rd.Update, nopan)                    // owner (borrador) or reviewer (enviada)
	api.DELETE("/rendiciones/:id", rd.Delete, nopan)                   // owner, never-submitted borrador
	api.POST("/rendiciones/:id/items", rd.AddItem, nopan)              // owner, borrador
	api.PATCH("/rendiciones/:id/items/:item_id", rd.UpdateItem, nopan) // owner (borrador) or reviewer (enviada)
	api.DELETE("/rendiciones/:id/items/:item_id", rd.DeleteItem, nopan)
	api.POST("/rendiciones/:id/enviar", rd.Transition(rendicion.Enviar), nopan)     // owner
	api.POST("/rendiciones/:id/aprobar", rd.Transition(rendicion.Aprobar), nopan)   // reviewer, not owner
	api.POST("/rendiciones/:id/rechazar", rd.Transition(rendicion.Rechazar), nopan) // reviewer, not owner
	api.POST("/rendiciones/:id/reabrir", rd.Transition(rendicion.Reabrir), nopan)   // owner
	api.GET("/rendiciones/:id/export", rd.Export, nopan)

	return nil
}
