package tenant

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/testkit"
)

const secret = "tenant-test-secret-0123456789-0123456789"

// fakeCore is a real HTTP server standing in for core's GET /api/tenants/:id.
type fakeCore struct {
	calls  atomic.Int64
	mu     sync.Mutex
	activo map[string]bool
	down   atomic.Bool
	delay  time.Duration
	srv    *httptest.Server
}

func newFakeCore(t *testing.T) *fakeCore {
	f := &fakeCore{activo: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if f.down.Load() {
			// Simulate an unreachable core: hang up without answering.
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		time.Sleep(f.delay)
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(401)
			return
		}
		id := r.URL.Path[len("/api/tenants/"):]
		f.mu.Lock()
		act, ok := f.activo[id]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(404)
			return
		}
		_ = json.NewEncoder(w).Encode(coreapi.Tenant{ID: id, Nombre: "T " + id, Activo: act})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCore) set(id string, activo bool) {
	f.mu.Lock()
	f.activo[id] = activo
	f.mu.Unlock()
}

// service is a tiny protected API using the real middleware chain.
func service(t *testing.T, f *fakeCore) (*Cache, *testkit.Client, *time.Time) {
	cache := NewCache(coreapi.New(f.srv.URL), slog.New(slog.DiscardHandler), nil)
	now := time.Now()
	cache.SetClock(func() time.Time { return now })
	e, err := httpx.New(httpx.Options{Service: "test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e.GET("/api/cosa", func(c echo.Context) error { return c.String(200, "ok") }, auth.Middleware(auth.NewSigner(secret)), cache.Middleware())
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	return cache, &testkit.Client{T: t, BaseURL: ts.URL}, &now
}

// tid names a test tenant with a stable UUID.
func tid(name string) string { return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)).String() }

func token(t *testing.T, tenant string) string {
	tok, _, err := auth.NewSigner(secret).Issue("u1", tenant, "u@t.test", []string{"usuario"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestMiddleware(t *testing.T) {
	f := newFakeCore(t)
	f.set(tid("activo"), true)
	f.set(tid("inactivo"), false)
	_, api, now := service(t, f)

	t.Run("cacheado no llama a core", func(t *testing.T) {
		api.As(token(t, tid("activo"))).Get("/api/cosa").Want(200)
		before := f.calls.Load()
		for i := 0; i < 10; i++ {
			api.As(token(t, tid("activo"))).Get("/api/cosa").Want(200)
		}
		if got := f.calls.Load() - before; got != 0 {
			t.Fatalf("%d calls to core for a cached tenant", got)
		}
	})
	t.Run("tras 30 s se vuelve a consultar", func(t *testing.T) {
		before := f.calls.Load()
		*now = now.Add(31 * time.Second)
		api.As(token(t, tid("activo"))).Get("/api/cosa").Want(200)
		if f.calls.Load()-before != 1 {
			t.Fatal("expired entry not refreshed")
		}
	})
	t.Run("inactivo o inexistente da 403 tenant_inactivo", func(t *testing.T) {
		api.As(token(t, tid("inactivo"))).Get("/api/cosa").Err(403, "tenant_inactivo")
		api.As(token(t, tid("fantasma"))).Get("/api/cosa").Err(403, "tenant_inactivo")
	})
	t.Run("core caído: se sirve el dato viejo hasta 10 min", func(t *testing.T) {
		f.down.Store(true)
		defer f.down.Store(false)
		*now = now.Add(5 * time.Minute)
		api.As(token(t, tid("activo"))).Get("/api/cosa").Want(200)
		// Core is known to be down: the next requests do not wait on it.
		before := f.calls.Load()
		for i := 0; i < 5; i++ {
			api.As(token(t, tid("activo"))).Get("/api/cosa").Want(200)
		}
		if f.calls.Load() != before {
			t.Fatalf("asked core %d more times while it was known to be down", f.calls.Load()-before)
		}
		*now = now.Add(6 * time.Minute) // 11 min since the last good answer
		api.As(token(t, tid("activo"))).Get("/api/cosa").Err(503, "core_no_disponible")
	})
	t.Run("core caído y nada en caché: 503", func(t *testing.T) {
		f.set(tid("nuevo"), true)
		f.down.Store(true)
		defer f.down.Store(false)
		api.As(token(t, tid("nuevo"))).Get("/api/cosa").Err(503, "core_no_disponible")
	})
	t.Run("sin token: 401 antes de llamar a core", func(t *testing.T) {
		before := f.calls.Load()
		api.Get("/api/cosa").Err(401, "unauthorized")
		if f.calls.Load() != before {
			t.Fatal("called core without a token")
		}
	})
}

func TestColdCacheCollapsesConcurrentLookups(t *testing.T) {
	f := newFakeCore(t)
	f.set(tid("frio"), true)
	f.delay = 200 * time.Millisecond // long enough for all requests to pile up
	_, api, _ := service(t, f)
	tok := token(t, tid("frio"))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := api.As(tok).Do("GET", "/api/cosa", nil)
			if r.Status != 200 {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("100 concurrent requests on a cold cache made %d calls to core, want 1", n)
	}
}

func TestInvalidateForcesRefetch(t *testing.T) {
	f := newFakeCore(t)
	f.set(tid("t1"), true)
	cache, api, _ := service(t, f)
	api.As(token(t, tid("t1"))).Get("/api/cosa").Want(200)
	f.set(tid("t1"), false)
	api.As(token(t, tid("t1"))).Get("/api/cosa").Want(200) // still cached
	cache.Invalidate(tid("t1"))
	api.As(token(t, tid("t1"))).Get("/api/cosa").Err(403, "tenant_inactivo")
	if _, err := cache.Get(context.Background(), tid("t1"), "x"); err != nil {
		t.Fatal(err)
	}
}
