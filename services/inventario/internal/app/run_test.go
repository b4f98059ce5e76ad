package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/testkit"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	h := newHarness(t)
	missing, err := httpx.UndocumentedRoutes(h.srv.Echo, h.srv.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("routes missing from the OpenAPI fragments:\n%s", strings.Join(missing, "\n"))
	}
	doc := h.api.Get("/openapi.json").Want(200).Map()
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/productos/{id}", "/api/stock/movimientos/{id}/reversar", "/api/stock/kardex"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
	if !strings.Contains(string(h.api.Get("/docs").Want(200).Body), "openapi.json") {
		t.Fatal("/docs does not load the document")
	}
}

// TestRun starts the real program through Run, as main does, waits for
// /ready, books a movement through the tenant-validated API, and stops it by
// cancelling the context (what SIGTERM does).
func TestRun(t *testing.T) {
	core := testkit.NewFakeCore(t, testSecret)
	port := testkit.FreePort(t)
	env := testEnv(core.URL)
	env["PORT"] = fmt.Sprint(port)
	env["HOST"] = "127.0.0.1"
	env["LOG_LEVEL"] = "info"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, config.MapEnv(env), out, []string{"serve"}) }()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	testkit.WaitReady(t, base, out)

	tenant := core.Tenant("Run")
	api := &testkit.Client{T: t, BaseURL: base, Token: core.Token(t, tenant, auth.RoleBodega)}
	f := tenantFixture{ID: tenant, Bodega: api, Usuario: api}
	prod := f.producto("RUN-1")
	m := f.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": f.principal(), "cantidad": 1, "costo_unitario": 1})
	if m.Saldo.Cantidad != "1.0000" {
		t.Fatalf("movement through Run: %+v", m)
	}
	r := api.Get("/api/stock")
	if r.Status != 200 || r.Header.Get("X-Request-ID") == "" {
		t.Fatalf("GET /api/stock through Run: %d %s", r.Status, r.Body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop")
	}
	logs := out.String()
	for _, want := range []string{`"msg":"request"`, `"route":"/api/stock/movimientos"`, `"status":201`, `"latency_ms"`, `"request_id"`, `"tenant_id"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

func TestRutasDesconocidasYMetodos(t *testing.T) {
	h := newHarness(t)
	f := h.tenant("Rutas SpA")
	f.Bodega.Do("PUT", "/api/productos", map[string]any{}).Err(405, "method_not_allowed")
	f.Bodega.Get("/api/no-existe").Err(404, "not_found")
	h.api.Get("/api/no-existe").Err(404, "not_found") // no token: still 404, not 401
	h.api.Get("/api/productos").Err(401, "unauthorized")
}
