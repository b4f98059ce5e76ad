package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/muestras"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	h := newHarness(t, withoutWorker)
	missing, err := httpx.UndocumentedRoutes(h.srv.Echo, h.srv.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("routes missing from the OpenAPI document:\n%s", strings.Join(missing, "\n"))
	}
	r := h.api.Get("/openapi.json").Want(200).Map()
	if r["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %v", r["openapi"])
	}
}

// runEnv is the environment of a real rendiciones process on an empty
// database (Run migrates it).
func runEnv(t *testing.T, dbURL, coreURL string) map[string]string {
	return map[string]string{
		"RENDICIONES_DATABASE_URL": dbURL, "JWT_SECRET": testSecret, "APP_ENV": "development", "LOG_LEVEL": "info",
		"CORE_API_URL": coreURL, "STORAGE_DIR": t.TempDir(), "HOST": "127.0.0.1", "PORT": fmt.Sprint(testkit.FreePort(t)),
		"EXTRACTION_POLL": "50ms", "AMQP_EXCHANGE": testkit.Exchange(t),
	}
}

// TestRun starts the real program through Run, as main does: it migrates an
// empty database, serves, extracts an uploaded PDF in its worker, and stops
// cleanly when the context ends (what SIGTERM does).
func TestRun(t *testing.T) {
	dbURL, drop, err := testdb.CreateDatabase("run")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	core := testkit.NewFakeCore(t, testSecret)
	env := runEnv(t, dbURL, core.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, config.MapEnv(env), out, []string{"serve"}) }()
	base := "http://127.0.0.1:" + env["PORT"]
	testkit.WaitReady(t, base, out)

	tenant := core.Tenant("Run SpA")
	u := user{Client: (&testkit.Client{T: t, BaseURL: base}).As(core.Token(t, tenant))}
	m := muestras.Factura()
	d := decodeDoc(u.subir("factura.pdf", m.PDF).Want(201))
	if got := u.esperar(d.ID); got.Estado != "procesado" || got.motor() != "local" {
		t.Fatalf("document through Run: %+v", got)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`documentos_procesados_total{estado="procesado",motor="local",service="rendiciones"} 1`, "extraccion_duration_seconds_bucket"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
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
	for _, want := range []string{`"route":"/api/documentos"`, `"status":201`, `"msg":"document extraction"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
}
