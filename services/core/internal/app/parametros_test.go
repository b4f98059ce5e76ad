package app

import (
	"bytes"
	"testing"
)

func TestParametros(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Param A")
	b := h.tenant("Param B")
	adminA := h.api.As(a.AdminToken)

	var cat struct{ ID string }
	adminA.Post("/api/parametros", map[string]any{"categoria": "categoria_gasto", "clave": "ALIMENTACION", "valor": map[string]any{"nombre": "Alimentación", "cuenta": "5101"}, "descripcion": "Comidas"}).Want(201).JSON(&cat)
	adminA.Post("/api/parametros", map[string]any{"categoria": "centro_costo", "clave": "CC-100", "valor": "Ventas"}).Want(201)

	t.Run("leer y filtrar por categoría (cualquier usuario)", func(t *testing.T) {
		var l struct {
			Data []struct {
				Clave string
				Valor map[string]any
			}
			Total int
		}
		h.api.As(a.UserToken).Get("/api/parametros?categoria=categoria_gasto").Want(200).JSON(&l)
		if l.Total != 1 || l.Data[0].Clave != "ALIMENTACION" || l.Data[0].Valor["cuenta"] != "5101" {
			t.Fatalf("list: %+v", l)
		}
		h.api.As(a.UserToken).Get("/api/parametros/" + cat.ID).Want(200)
	})
	t.Run("duplicado y validación", func(t *testing.T) {
		adminA.Post("/api/parametros", map[string]any{"categoria": "categoria_gasto", "clave": "ALIMENTACION", "valor": 1}).Err(409, "parametro_duplicado")
		adminA.Post("/api/parametros", map[string]any{"categoria": "Categoria Gasto", "clave": "X", "valor": 1}).Field(400, "categoria")
		adminA.Post("/api/parametros", map[string]any{"categoria": "categoria_gasto", "clave": "con espacio", "valor": 1}).Field(400, "clave")
		adminA.Post("/api/parametros", map[string]any{"categoria": "categoria_gasto", "clave": "SINVALOR"}).Field(400, "valor")
		adminA.Post("/api/parametros", map[string]any{"categoria": "categoria_gasto", "clave": "T", "valor": 1, "secreto": "si"}).Field(400, "secreto")
	})
	t.Run("usuario no escribe", func(t *testing.T) {
		h.api.As(a.UserToken).Post("/api/parametros", map[string]any{"categoria": "x", "clave": "y", "valor": 1}).Err(403, "forbidden")
		h.api.As(a.UserToken).Patch("/api/parametros/"+cat.ID, map[string]any{"valor": 2}).Err(403, "forbidden")
		h.api.As(a.UserToken).Delete("/api/parametros/"+cat.ID).Err(403, "forbidden")
	})
	t.Run("secreto cifrado en la fila y enmascarado en la API", func(t *testing.T) {
		const plain = "sk-muy-secreto-987654321"
		m := adminA.Post("/api/parametros", map[string]any{"categoria": "integraciones", "clave": "GEMINI_KEY", "valor": plain, "secreto": true}).Want(201).Map()
		if m["valor"] != "********" {
			t.Fatalf("secret not masked on create: %v", m["valor"])
		}
		id := m["id"].(string)
		if v := adminA.Get("/api/parametros/" + id).Want(200).Map()["valor"]; v != "********" {
			t.Fatalf("secret not masked on get: %v", v)
		}
		if bytes.Contains(adminA.Get("/api/parametros?categoria=integraciones").Want(200).Body, []byte(plain)) {
			t.Fatal("secret in list")
		}
		var raw struct {
			Valor        []byte
			ValorCifrado []byte
		}
		testDB.Raw("SELECT valor, valor_cifrado FROM core.parametros_maestros WHERE id = ?", id).Scan(&raw)
		if raw.Valor != nil || len(raw.ValorCifrado) == 0 || bytes.Contains(raw.ValorCifrado, []byte(plain)) || bytes.Contains(raw.ValorCifrado, []byte("muy-secreto")) {
			t.Fatalf("raw row exposes the secret: %+v", raw)
		}
		// Patching other fields keeps the secret decryptable and masked;
		// turning secreto off restores the plain value.
		adminA.Patch("/api/parametros/"+id, map[string]any{"descripcion": "clave de API"}).Want(200)
		if v := adminA.Patch("/api/parametros/"+id, map[string]any{"secreto": false}).Want(200).Map()["valor"]; v != plain {
			t.Fatalf("after un-secreting, valor = %v", v)
		}
	})
	t.Run("aislamiento: tenant B no ve ni toca parámetros de A", func(t *testing.T) {
		adminB := h.api.As(b.AdminToken)
		adminB.Get("/api/parametros/"+cat.ID).Err(404, "not_found")
		adminB.Patch("/api/parametros/"+cat.ID, map[string]any{"valor": 0}).Err(404, "not_found")
		adminB.Delete("/api/parametros/"+cat.ID).Err(404, "not_found")
		var l struct{ Total int }
		adminB.Get("/api/parametros").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("tenant B lists %d parametros", l.Total)
		}
		// B may use the same categoria+clave: uniqueness is per tenant.
		adminB.Post("/api/parametros", map[string]any{"categoria": "categoria_gasto", "clave": "ALIMENTACION", "valor": 1}).Want(201)
	})
	t.Run("patch y delete", func(t *testing.T) {
		m := adminA.Patch("/api/parametros/"+cat.ID, map[string]any{"valor": []int{1, 2}, "activo": false}).Want(200).Map()
		if m["activo"] != false {
			t.Fatalf("patch: %v", m)
		}
		adminA.Patch("/api/parametros/"+cat.ID, map[string]any{"valor": nil}).Want(200)
		adminA.Delete("/api/parametros/" + cat.ID).Want(204)
		adminA.Get("/api/parametros/"+cat.ID).Err(404, "not_found")
	})
}
