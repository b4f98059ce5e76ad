package app

import (
	"fmt"
	"testing"
)

func TestUsers(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Usuarios A")
	b := h.tenant("Usuarios B")
	adminA := h.api.As(a.AdminToken)
	adminB := h.api.As(b.AdminToken)

	t.Run("admin crea en su tenant; password nunca vuelve", func(t *testing.T) {
		m := adminA.Post("/api/users", map[string]any{"email": "Nueva@T.test", "nombre": "Nueva", "password": "clave-nueva-1", "roles": []string{"aprobador", "aprobador"}}).Want(201).Map()
		if m["tenant_id"] != a.ID || m["email"] != "nueva@t.test" || fmt.Sprint(m["roles"]) != "[aprobador]" {
			t.Fatalf("user: %v", m)
		}
		if _, ok := m["password"]; ok {
			t.Fatal("password returned")
		}
		if _, ok := m["password_hash"]; ok {
			t.Fatal("hash returned")
		}
		h.login("nueva@t.test", "clave-nueva-1")
		adminA.Post("/api/users", map[string]any{"email": "nueva@t.test", "nombre": "Dup", "password": "clave-nueva-1"}).Err(409, "email_duplicado")
	})
	t.Run("validación", func(t *testing.T) {
		tests := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"email inválido", map[string]any{"email": "no-es-email", "nombre": "X", "password": "12345678"}, "email"},
			{"sin nombre", map[string]any{"email": "x1@t.test", "password": "12345678"}, "nombre"},
			{"clave corta", map[string]any{"email": "x2@t.test", "nombre": "X", "password": "corta"}, "password"},
			{"rol desconocido", map[string]any{"email": "x3@t.test", "nombre": "X", "password": "12345678", "roles": []string{"dios"}}, "roles"},
			{"roles vacío", map[string]any{"email": "x4@t.test", "nombre": "X", "password": "12345678", "roles": []string{}}, "roles"},
			{"campo desconocido", map[string]any{"email": "x5@t.test", "nombre": "X", "password": "12345678", "admin": true}, "admin"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { adminA.Post("/api/users", tc.body).Field(400, tc.field) })
		}
	})
	t.Run("admin no crea en otro tenant ni superadmins", func(t *testing.T) {
		adminA.Post("/api/users", map[string]any{"tenant_id": b.ID, "email": "intruso@t.test", "nombre": "X", "password": "12345678"}).Err(403, "forbidden")
		adminA.Post("/api/users", map[string]any{"email": "jefe@t.test", "nombre": "X", "password": "12345678", "roles": []string{"superadmin"}}).Err(403, "forbidden")
		adminA.Patch("/api/users/"+a.UserID, map[string]any{"roles": []string{"superadmin"}}).Err(403, "forbidden")
	})
	t.Run("superadmin crea en cualquier tenant", func(t *testing.T) {
		sa := h.api.As(h.super)
		m := sa.Post("/api/users", map[string]any{"tenant_id": b.ID, "email": "puesto@t.test", "nombre": "X", "password": "12345678"}).Want(201).Map()
		if m["tenant_id"] != b.ID {
			t.Fatalf("tenant: %v", m)
		}
		sa.Post("/api/users", map[string]any{"tenant_id": "01939c3e-0000-7000-8000-000000000000", "email": "nadie@t.test", "nombre": "X", "password": "12345678"}).Field(400, "tenant_id")
	})
	t.Run("aislamiento: admin B no ve usuarios de A", func(t *testing.T) {
		adminB.Get("/api/users/"+a.UserID).Err(404, "not_found")
		adminB.Patch("/api/users/"+a.UserID, map[string]any{"nombre": "Hackeado"}).Err(404, "not_found")
		adminB.Delete("/api/users/"+a.UserID).Err(404, "not_found")
		var l struct {
			Data []struct {
				TenantID string `json:"tenant_id"`
			}
			Total int
		}
		adminB.Get("/api/users?page_size=200").Want(200).JSON(&l)
		for _, u := range l.Data {
			if u.TenantID != b.ID {
				t.Fatalf("admin B sees a user of tenant %s", u.TenantID)
			}
		}
		adminB.Get("/api/users?tenant_id=" + a.ID).Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("admin B listed %d users of A via tenant_id", l.Total)
		}
	})
	t.Run("un usuario sin rol admin no gestiona usuarios", func(t *testing.T) {
		h.api.As(a.UserToken).Get("/api/users").Err(403, "forbidden")
		h.api.As(a.UserToken).Post("/api/users", map[string]any{"email": "z@t.test", "nombre": "Z", "password": "12345678"}).Err(403, "forbidden")
	})
	t.Run("patch y cambio de clave", func(t *testing.T) {
		m := adminA.Patch("/api/users/"+a.UserID, map[string]any{"nombre": "Renombrado", "password": "otra-clave-2"}).Want(200).Map()
		if m["nombre"] != "Renombrado" {
			t.Fatalf("patch: %v", m)
		}
		h.api.Post("/api/auth/login", map[string]string{"email": a.UserEmail, "password": "clave-user-1"}).Want(401)
		h.login(a.UserEmail, "otra-clave-2")
		adminA.Patch("/api/users/"+a.UserID, map[string]any{"tenant_id": b.ID}).Field(400, "tenant_id")
		adminA.Patch("/api/users/"+a.AdminID, map[string]any{"activo": false}).Err(409, "conflict")
		adminA.Delete("/api/users/"+a.AdminID).Err(409, "conflict")
	})
}
