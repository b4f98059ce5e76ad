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
		t.Fatalf("routes missing from openapi.yaml:\n%s", strings.Join(missing, "\n"))
	}
	r := h.api.Get("/openapi.json").Want(200).Map()
	if r["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %v", r["openapi"])
	}
	if !strings.Contains(string(h.api.Get("/docs").Want(200).Body), "openapi.json") {
		t.Fatal("/docs does not load the document")
	}
}

// TestRun starts the real program through Run, as main does, bootstraps the
// first superadmin from the environment, logs in, and stops it by cancelling
// the context (what SIGTERM does).
func TestRun(t *testing.T) {
	port := testkit.FreePort(t)
	env := testEnv()
	env["PORT"] = fmt.Sprint(port)
	env["HOST"] = "127.0.0.1"
	env["LOG_LEVEL"] = "info"
	env["BOOTSTRAP_ADMIN_EMAIL"] = "run-admin@plataforma.test"
	env["BOOTSTRAP_ADMIN_PASSWORD"] = "run-admin-clave"
	ctx, cancel := context.WithCancel(context.Background())
	out := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, config.MapEnv(env), out, []string{"serve"}) }()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	testkit.WaitReady(t, base, out)
	resp, err := http.Post(base+"/api/auth/login", "application/json", strings.NewReader(`{"email":"run-admin@plataforma.test","password":"run-admin-clave"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-ID") == "" {
		t.Fatalf("login through Run: %d %s", resp.StatusCode, body)
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
	for _, want := range []string{`"msg":"request"`, `"route":"/api/auth/login"`, `"status":200`, `"latency_ms"`, `"request_id"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

func TestProductionRefusesWeakSecrets(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"jwt corto", map[string]string{"APP_ENV": "production", "JWT_SECRET": "corto", "ENCRYPTION_KEY": strings.Repeat("ab", 32)}, "JWT_SECRET is too short"},
		{"jwt placeholder", map[string]string{"APP_ENV": "production", "JWT_SECRET": "your_jwt_secret_change-me_0123456789abcdef", "ENCRYPTION_KEY": strings.Repeat("ab", 32)}, "placeholder"},
		{"sin jwt", map[string]string{"APP_ENV": "production", "ENCRYPTION_KEY": strings.Repeat("ab", 32)}, "JWT_SECRET is not set"},
		{"sin encryption key", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 40)}, "ENCRYPTION_KEY is not set"},
		{"encryption key corta", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 40), "ENCRYPTION_KEY": "abcd"}, "64 hex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(context.Background(), config.MapEnv(tc.env), io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", err, tc.want)
			}
		})
	}
}
