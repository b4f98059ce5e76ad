package app

import (
	"fmt"
	"testing"

	"ecosystem/pkg/shared/rut"
)

func TestTenants(t *testing.T) {
	h := newHarness(t)
	sa := h.api.As(h.super)
	f := h.tenant("Clientes SpA")

	t.Run("crear normaliza el RUT", func(t *testing.T) {
		body := 60000000 + int(seq.Add(1))
		in := fmt.Sprintf("%s.%03d.%03d-%s", fmt.Sprint(body/1000000), body/1000%1000, body%1000, rut.CheckDigit(body))
		m := sa.Post("/api/tenants", map[string]string{"nombre": "  Nuevo SpA ", "rut": in}).Want(201).Map()
		if m["rut"] != fmt.Sprintf("%d-%s", body, rut.CheckDigit(body)) || m["nombre"] != "Nuevo SpA" || m["activo"] != true {
			t.Fatalf("tenant: %v", m)
		}
		sa.Post("/api/tenants", map[string]string{"nombre": "Copia", "rut": in}).Err(409, "rut_duplicado")
	})
	t.Run("validación nombra el campo", func(t *testing.T) {
		sa.Post("/api/tenants", map[string]string{"nombre": "X", "rut": "76.543.210-4"}).Field(400, "rut")
		sa.Post("/api/tenants", map[string]string{"rut": nextRUT()}).Field(400, "nombre")
		sa.Post("/api/tenants", map[string]any{"nombre": 12, "rut": nextRUT()}).Field(400, "nombre")
		sa.Post("/api/tenants", map[string]any{"nombre": "X", "rut": nextRUT(), "color": "rojo"}).Field(400, "color")
	})
	t.Run("solo superadmin lista, crea, cambia y borra", func(t *testing.T) {
		a := h.api.As(f.AdminToken)
		a.Get("/api/tenants").Err(403, "forbidden")
		a.Post("/api/tenants", map[string]string{"nombre": "X", "rut": nextRUT()}).Err(403, "forbidden")
		a.Patch("/api/tenants/"+f.ID, map[string]string{"nombre": "Y"}).Err(403, "forbidden")
		a.Delete("/api/tenants/"+f.ID).Err(403, "forbidden")
		h.api.Get("/api/tenants").Err(401, "unauthorized")
	})
	t.Run("un usuario lee su tenant y no otros", func(t *testing.T) {
		g := h.tenant("Otro SpA")
		h.api.As(f.UserToken).Get("/api/tenants/" + f.ID).Want(200)
		h.api.As(f.UserToken).Get("/api/tenants/"+g.ID).Err(404, "not_found")
		h.api.As(f.UserToken).Get("/api/tenants/no-es-uuid").Err(404, "not_found")
		sa.Get("/api/tenants/" + g.ID).Want(200)
		sa.Get("/api/tenants/01939c3e-0000-7000-8000-000000000000").Err(404, "not_found")
	})
	t.Run("lista paginada y filtrada", func(t *testing.T) {
		var l struct {
			Data     []map[string]any
			Page     int
			PageSize int `json:"page_size"`
			Total    int
		}
		sa.Get("/api/tenants?page=1&page_size=2").Want(200).JSON(&l)
		if len(l.Data) != 2 || l.Total < 3 {
			t.Fatalf("page: %+v", l)
		}
		sa.Get("/api/tenants?page_size=500").Field(400, "page_size")
		sa.Get("/api/tenants?page=0").Field(400, "page")
		sa.Get("/api/tenants?q=Clientes").Want(200).JSON(&l)
		if l.Total != 1 || l.Data[0]["id"] != f.ID {
			t.Fatalf("search: %+v", l)
		}
	})
	t.Run("patch y delete desactiva: sus usuarios ya no entran", func(t *testing.T) {
		g := h.tenant("Efímera SpA")
		m := sa.Patch("/api/tenants/"+g.ID, map[string]any{"nombre": "Efímera Ltda"}).Want(200).Map()
		if m["nombre"] != "Efímera Ltda" {
			t.Fatalf("patch: %v", m)
		}
		sa.Patch("/api/tenants/"+g.ID, map[string]any{"rut": "1-1"}).Field(400, "rut")
		sa.Delete("/api/tenants/" + g.ID).Want(204)
		if sa.Get("/api/tenants/" + g.ID).Want(200).Map()["activo"] != false {
			t.Fatal("not deactivated")
		}
		h.api.Post("/api/auth/login", map[string]string{"email": g.UserEmail, "password": "clave-user-1"}).Err(403, "tenant_inactivo")
		// Tokens issued before the deactivation stop working in core at once…
		h.api.As(g.AdminToken).Post("/api/users", map[string]any{"email": "tarde@t.test", "nombre": "X", "password": "12345678"}).Err(403, "tenant_inactivo")
		h.api.As(g.AdminToken).Get("/api/parametros").Err(403, "tenant_inactivo")
		h.api.As(g.UserToken).Get("/api/auth/me").Err(403, "tenant_inactivo")
		// …but other services can still read the tenant to learn it is inactive.
		if h.api.As(g.UserToken).Get("/api/tenants/" + g.ID).Want(200).Map()["activo"] != false {
			t.Fatal("tenant should read as inactive")
		}
		sa.Delete("/api/tenants/00000000-0000-0000-0000-000000000001").Err(404, "not_found")
	})
	t.Run("cada cambio deja un tenants.updated en el outbox", func(t *testing.T) {
		var n int64
		testDB.Raw("SELECT count(*) FROM core.outbox WHERE routing_key = 'tenants.updated' AND aggregate_id = ?", f.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("outbox events for tenant: %d, want 1 (creation)", n)
		}
		sa.Patch("/api/tenants/"+f.ID, map[string]any{"nombre": "Clientes Ltda"}).Want(200)
		testDB.Raw("SELECT count(*) FROM core.outbox WHERE routing_key = 'tenants.updated' AND aggregate_id = ?", f.ID).Scan(&n)
		if n != 2 {
			t.Fatalf("outbox events after patch: %d, want 2", n)
		}
	})
}
