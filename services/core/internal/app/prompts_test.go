package app

import "testing"

func TestPrompts(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Prompts A")
	b := h.tenant("Prompts B")
	sa := h.api.As(h.super)
	adminA := h.api.As(a.AdminToken)

	h.api.As(a.UserToken).Get("/api/ai-prompts/extraccion_documento/activo").Err(404, "not_found")
	sa.Post("/api/ai-prompts", map[string]any{"clave": "extraccion_documento", "contenido": "Global v1", "modelo": "gemini-2.5-flash", "global": true}).Want(201)
	if c := h.api.As(b.UserToken).Get("/api/ai-prompts/extraccion_documento/activo").Want(200).Map()["contenido"]; c != "Global v1" {
		t.Fatalf("B falls back to global: %v", c)
	}
	adminA.Post("/api/ai-prompts", map[string]any{"clave": "extraccion_documento", "contenido": "Propio v1", "global": true}).Err(403, "forbidden")
	v1 := adminA.Post("/api/ai-prompts", map[string]any{"clave": "extraccion_documento", "contenido": "Propio v1"}).Want(201).Map()
	v2 := adminA.Post("/api/ai-prompts", map[string]any{"clave": "extraccion_documento", "contenido": "Propio v2"}).Want(201).Map()
	adminA.Post("/api/ai-prompts", map[string]any{"clave": "extraccion_documento", "contenido": "Borrador v3", "activo": false}).Want(201)
	if v1["version"].(float64) != 1 || v2["version"].(float64) != 2 {
		t.Fatalf("versions: %v %v", v1["version"], v2["version"])
	}
	act := h.api.As(a.UserToken).Get("/api/ai-prompts/extraccion_documento/activo").Want(200).Map()
	if act["contenido"] != "Propio v2" || act["global"] != false {
		t.Fatalf("A's active prompt: %v", act)
	}
	if c := h.api.As(b.UserToken).Get("/api/ai-prompts/extraccion_documento/activo").Want(200).Map()["contenido"]; c != "Global v1" {
		t.Fatalf("B sees A's prompt: %v", c)
	}
	var l struct {
		Data  []struct{ Contenido string }
		Total int
	}
	h.api.As(b.AdminToken).Get("/api/ai-prompts").Want(200).JSON(&l)
	if l.Total != 1 {
		t.Fatalf("B lists %d prompts (only the global one expected)", l.Total)
	}
	adminA.Post("/api/ai-prompts", map[string]any{"clave": "Mal Clave", "contenido": "x"}).Field(400, "clave")
	adminA.Post("/api/ai-prompts", map[string]any{"clave": "ok", "contenido": " "}).Field(400, "contenido")
	h.api.As(a.UserToken).Post("/api/ai-prompts", map[string]any{"clave": "ok", "contenido": "x"}).Err(403, "forbidden")
}
