package app

import (
	"sync"
	"testing"
)

func TestBodegas(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Bodegas A")
	b := h.tenant("Bodegas B")

	t.Run("PRINCIPAL se crea una sola vez aunque el primer uso llegue en paralelo", func(t *testing.T) {
		nuevo := h.tenant("Bodegas nuevo")
		var wg sync.WaitGroup
		ids := make(chan string, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var l struct {
					Data []struct {
						ID, Codigo string
						Principal  bool
					}
				}
				nuevo.Usuario.Get("/api/stock/bodegas").Want(200).JSON(&l)
				if len(l.Data) != 1 || !l.Data[0].Principal || l.Data[0].Codigo != "PRINCIPAL" {
					t.Errorf("first use: %+v", l.Data)
					return
				}
				ids <- l.Data[0].ID
			}()
		}
		wg.Wait()
		close(ids)
		first := ""
		for id := range ids {
			if first == "" {
				first = id
			}
			if id != first {
				t.Fatalf("two PRINCIPAL bodegas: %s, %s", first, id)
			}
		}
		var n int64
		testDB.Raw("SELECT count(*) FROM inventario.bodegas WHERE tenant_id = ? AND principal", nuevo.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("%d principal rows", n)
		}
	})

	sucursal := a.bodega("SUC-1")
	t.Run("crear, leer, duplicado sin distinguir mayúsculas", func(t *testing.T) {
		m := a.Usuario.Get("/api/stock/bodegas/" + sucursal).Want(200).Map()
		if m["codigo"] != "SUC-1" || m["activa"] != true || m["principal"] != false {
			t.Fatalf("get: %v", m)
		}
		a.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": "suc-1", "nombre": "x"}).Err(409, "bodega_duplicada")
		a.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": "principal", "nombre": "x"}).Err(409, "bodega_duplicada")
		b.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": "SUC-1", "nombre": "Del tenant B"}).Want(201)
	})
	t.Run("validación nombra el campo", func(t *testing.T) {
		a.Bodega.Post("/api/stock/bodegas", map[string]any{"nombre": "x"}).Field(400, "codigo")
		a.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": "con espacio", "nombre": "x"}).Field(400, "codigo")
		a.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": "X"}).Field(400, "nombre")
		a.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": "X", "nombre": "x", "direccion": "?"}).Field(400, "direccion")
		a.Bodega.Patch("/api/stock/bodegas/"+sucursal, map[string]any{"activa": "no"}).Field(400, "activa")
	})
	t.Run("la PRINCIPAL no se desactiva ni cambia de código", func(t *testing.T) {
		p := a.principal()
		a.Bodega.Patch("/api/stock/bodegas/"+p, map[string]any{"activa": false}).Err(409, "bodega_principal")
		a.Bodega.Patch("/api/stock/bodegas/"+p, map[string]any{"codigo": "CENTRAL"}).Err(409, "bodega_principal")
		m := a.Bodega.Patch("/api/stock/bodegas/"+p, map[string]any{"nombre": "Casa matriz"}).Want(200).Map()
		if m["nombre"] != "Casa matriz" || m["codigo"] != "PRINCIPAL" {
			t.Fatalf("patch principal: %v", m)
		}
	})
	t.Run("una bodega inactiva no acepta movimientos", func(t *testing.T) {
		prod := a.producto("BOD-INACT")
		cerrada := a.bodega("CERRADA")
		a.Bodega.Patch("/api/stock/bodegas/"+cerrada, map[string]any{"activa": false}).Want(200)
		e := a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": cerrada, "cantidad": 1, "costo_unitario": 1}).Err(409, "bodega_inactiva")
		if _, ok := e.Details["bodega_id"]; !ok {
			t.Fatalf("details: %v", e.Details)
		}
		var l struct{ Total int }
		a.Usuario.Get("/api/stock/bodegas?activa=false").Want(200).JSON(&l)
		if l.Total != 1 {
			t.Fatalf("inactive bodegas: %d", l.Total)
		}
	})
	t.Run("solo bodega o admin escriben", func(t *testing.T) {
		a.Usuario.Post("/api/stock/bodegas", map[string]any{"codigo": "U", "nombre": "x"}).Err(403, "forbidden")
		a.Usuario.Patch("/api/stock/bodegas/"+sucursal, map[string]any{"nombre": "x"}).Err(403, "forbidden")
		a.Admin.Post("/api/stock/bodegas", map[string]any{"codigo": "ADM", "nombre": "Por admin"}).Want(201)
	})
	t.Run("aislamiento: tenant B no ve ni toca bodegas de A", func(t *testing.T) {
		b.Admin.Get("/api/stock/bodegas/"+sucursal).Err(404, "not_found")
		b.Admin.Patch("/api/stock/bodegas/"+sucursal, map[string]any{"nombre": "robada"}).Err(404, "not_found")
		var l struct {
			Data []struct{ ID string }
		}
		b.Admin.Get("/api/stock/bodegas").Want(200).JSON(&l)
		for _, x := range l.Data {
			if x.ID == sucursal {
				t.Fatal("tenant B lists A's bodega")
			}
		}
		a.Usuario.Get("/api/stock/bodegas/nada").Err(404, "not_found")
	})
}
