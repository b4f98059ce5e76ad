package app

import (
	_ "embed"
	"time"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/inventario/internal/compras"
	"ecosystem/services/inventario/internal/productos"
	"ecosystem/services/inventario/internal/stock"
)

//go:embed openapi.yaml
var openAPIBase []byte

// openAPIFragments are the domain packages' documents, merged into one.
var openAPIFragments = [][]byte{productos.OpenAPI, stock.OpenAPI, compras.OpenAPI}

// pruneEvery is how often expired Idempotency-Keys are deleted.
const pruneEvery = 15 * time.Minute

// routes lists every /api route of inventario (DESIGN §7); each group is
// already behind auth and tenant validation. Any user of the tenant reads;
// writes need the bodega role, which admin includes.
func routes(api *httpx.Router, d deps, srv *Server) error {
	svc := d.stock
	prod := productos.Handler{Store: productos.NewStore(d.db)}
	st := stock.Handler{Service: svc}
	write := auth.Require(auth.RoleBodega)

	api.GET("/productos", prod.List)
	api.POST("/productos", prod.Create, write)
	api.GET("/productos/:id", prod.Get)
	api.PATCH("/productos/:id", prod.Update, write)
	api.DELETE("/productos/:id", prod.Delete, write)

	api.GET("/stock/bodegas", st.ListBodegas)
	api.POST("/stock/bodegas", st.CreateBodega, write)
	api.GET("/stock/bodegas/:id", st.GetBodega)
	api.PATCH("/stock/bodegas/:id", st.UpdateBodega, write)

	api.GET("/stock", st.ListStock)
	api.GET("/stock/movimientos", st.ListMovimientos)
	api.POST("/stock/movimientos", st.CreateMovimiento, write)
	api.POST("/stock/movimientos/:id/reversar", st.Reversar, write)
	api.GET("/stock/kardex", st.Kardex)
	api.GET("/stock/entradas-pendientes", compras.Handler{DB: d.db}.Pendientes)
	return nil
}
