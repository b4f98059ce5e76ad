package app

import (
	"strings"
	"sync"
	"testing"
)

func TestProductos(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Productos A")
	b := h.tenant("Productos B")

	var tornillo struct {
		ID          string
		SKU         string
		Unidad      string
		PrecioVenta string `json:"precio_venta"`
		StockMinimo string `json:"stock_minimo"`
		Activo      bool
	}
	a.Bodega.Post("/api/productos", map[string]any{"sku": " TOR-M8 ", "nombre": "Tornillo M8", "precio_venta": 150.5, "stock_minimo": "10"}).Want(201).JSON(&tornillo)

	t.Run("crear normaliza y cualquier usuario lee", func(t *testing.T) {
		if tornillo.SKU != "TOR-M8" || tornillo.Unidad != "UN" || tornillo.PrecioVenta != "150.50" || tornillo.StockMinimo != "10.0000" || !tornillo.Activo {
			t.Fatalf("created: %+v", tornillo)
		}
		a.Usuario.Get("/api/productos/" + tornillo.ID).Want(200)
		var l struct {
			Data  []struct{ SKU string }
			Total int
		}
		a.Usuario.Get("/api/productos?q=tor").Want(200).JSON(&l)
		if l.Total != 1 || l.Data[0].SKU != "TOR-M8" {
			t.Fatalf("list: %+v", l)
		}
	})
	t.Run("SKU único por tenant sin distinguir mayúsculas", func(t *testing.T) {
		a.Bodega.Post("/api/productos", map[string]any{"sku": "tor-m8", "nombre": "Otro"}).Err(409, "sku_duplicado")
		b.Bodega.Post("/api/productos", map[string]any{"sku": "tor-m8", "nombre": "Del tenant B"}).Want(201)
		otro := a.producto("TUERCA-M8")
		a.Bodega.Patch("/api/productos/"+otro, map[string]any{"sku": "Tor-M8"}).Err(409, "sku_duplicado")
	})
	t.Run("SKU único también con creaciones simultáneas", func(t *testing.T) {
		var wg sync.WaitGroup
		codes := make(chan int, 10)
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- a.Bodega.Post("/api/productos", map[string]any{"sku": "CARRERA", "nombre": "x"}).Status
			}()
		}
		wg.Wait()
		close(codes)
		n := map[int]int{}
		for c := range codes {
			n[c]++
		}
		if n[201] != 1 || n[409] != 9 {
			t.Fatalf("statuses %v", n)
		}
	})
	t.Run("validación nombra el campo", func(t *testing.T) {
		tests := []struct {
			name  string
			body  any
			field string
		}{
			{"sin sku", map[string]any{"nombre": "x"}, "sku"},
			{"sku vacío", map[string]any{"sku": "  ", "nombre": "x"}, "sku"},
			{"sin nombre", map[string]any{"sku": "X1"}, "nombre"},
			{"precio con tres decimales", map[string]any{"sku": "X1", "nombre": "x", "precio_venta": "1.005"}, "precio_venta"},
			{"precio negativo", map[string]any{"sku": "X1", "nombre": "x", "precio_venta": -1}, "precio_venta"},
			{"precio no numérico", map[string]any{"sku": "X1", "nombre": "x", "precio_venta": "mil"}, "precio_venta"},
			{"precio booleano", map[string]any{"sku": "X1", "nombre": "x", "precio_venta": true}, "precio_venta"},
			{"stock mínimo con cinco decimales", map[string]any{"sku": "X1", "nombre": "x", "stock_minimo": 0.00001}, "stock_minimo"},
			{"activo no booleano", map[string]any{"sku": "X1", "nombre": "x", "activo": "si"}, "activo"},
			{"campo desconocido", map[string]any{"sku": "X1", "nombre": "x", "color": "rojo"}, "color"},
			{"sku demasiado largo", map[string]any{"sku": strings.Repeat("x", 65), "nombre": "x"}, "sku"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a.Bodega.Post("/api/productos", tc.body).Field(400, tc.field)
			})
		}
		var l struct{ Total int }
		a.Usuario.Get("/api/productos?q=X1").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatal("an invalid product was written")
		}
	})
	t.Run("solo bodega o admin escriben", func(t *testing.T) {
		a.Usuario.Post("/api/productos", map[string]any{"sku": "U1", "nombre": "x"}).Err(403, "forbidden")
		a.Usuario.Patch("/api/productos/"+tornillo.ID, map[string]any{"nombre": "y"}).Err(403, "forbidden")
		a.Usuario.Delete("/api/productos/"+tornillo.ID).Err(403, "forbidden")
		a.Admin.Post("/api/productos", map[string]any{"sku": "ADM-1", "nombre": "Creado por admin"}).Want(201)
	})
	t.Run("patch cambia solo lo enviado", func(t *testing.T) {
		m := a.Bodega.Patch("/api/productos/"+tornillo.ID, map[string]any{"nombre": "Tornillo M8 zincado", "stock_minimo": 12}).Want(200).Map()
		if m["nombre"] != "Tornillo M8 zincado" || m["stock_minimo"] != "12.0000" || m["precio_venta"] != "150.50" || m["sku"] != "TOR-M8" {
			t.Fatalf("patch: %v", m)
		}
	})
	t.Run("borrar: sin movimientos se elimina, con movimientos se desactiva", func(t *testing.T) {
		nuevo := a.producto("BORRABLE")
		a.Bodega.Delete("/api/productos/" + nuevo).Want(204)
		a.Usuario.Get("/api/productos/"+nuevo).Err(404, "not_found")

		usado := a.producto("USADO")
		bod := a.principal()
		a.mov(map[string]any{"tipo": "entrada", "producto_id": usado, "bodega_id": bod, "cantidad": 1, "costo_unitario": 1})
		a.Bodega.Delete("/api/productos/" + usado).Want(204)
		if m := a.Usuario.Get("/api/productos/" + usado).Want(200).Map(); m["activo"] != false {
			t.Fatalf("delete with movements must keep the product inactive: %v", m)
		}
		a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": usado, "bodega_id": bod, "cantidad": 1}).Err(409, "producto_inactivo")
		a.Bodega.Patch("/api/productos/"+usado, map[string]any{"activo": true}).Want(200)
		a.mov(map[string]any{"tipo": "salida", "producto_id": usado, "bodega_id": bod, "cantidad": 1})
	})
	t.Run("aislamiento: tenant B no ve ni toca productos de A", func(t *testing.T) {
		b.Admin.Get("/api/productos/"+tornillo.ID).Err(404, "not_found")
		b.Admin.Patch("/api/productos/"+tornillo.ID, map[string]any{"nombre": "robado"}).Err(404, "not_found")
		b.Admin.Delete("/api/productos/"+tornillo.ID).Err(404, "not_found")
		var l struct {
			Data []struct{ ID string }
		}
		b.Admin.Get("/api/productos?page_size=200").Want(200).JSON(&l)
		for _, p := range l.Data {
			if p.ID == tornillo.ID {
				t.Fatal("tenant B lists A's product")
			}
		}
		a.Usuario.Get("/api/productos/no-es-uuid").Err(404, "not_found")
	})
}
