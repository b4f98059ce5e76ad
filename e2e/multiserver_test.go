package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ecosystem/pkg/shared/testkit"
)

// tenantSetup logs in as the bootstrap superadmin through base and creates
// a tenant with an admin who also operates the warehouse.
func tenantSetup(t *testing.T, api *testkit.Client, nombre, rut string) (tenantID, token string) {
	t.Helper()
	var tp struct {
		AccessToken string `json:"access_token"`
	}
	api.Post("/api/auth/login", map[string]string{"email": "root@e2e.test", "password": "root-e2e-12345"}).Want(200).JSON(&tp)
	sa := api.As(tp.AccessToken)
	var tn struct{ ID string }
	sa.Post("/api/tenants", map[string]string{"nombre": nombre, "rut": rut}).Want(201).JSON(&tn)
	email := "admin-" + randHex(3) + "@e2e.test"
	sa.Post("/api/users", map[string]any{"tenant_id": tn.ID, "email": email, "nombre": "Admin", "password": "admin-e2e-123", "roles": []string{"admin"}}).Want(201)
	api.Post("/api/auth/login", map[string]string{"email": email, "password": "admin-e2e-123"}).Want(200).JSON(&tp)
	return tn.ID, tp.AccessToken
}

var coreEnv = map[string]string{"BOOTSTRAP_ADMIN_EMAIL": "root@e2e.test", "BOOTSTRAP_ADMIN_PASSWORD": "root-e2e-12345"}

// TestMultiServer runs the seed's topology 1 on loopback addresses: core,
// rendiciones and two inventario instances each on its own address, the
// real nginx gateway in front, and checks failover and a core outage.
func TestMultiServer(t *testing.T) {
	c := newCluster(t)
	corePort := listen(t, "127.0.0.2", 5000)
	core := c.Start("core", "core", "127.0.0.2", corePort, coreEnv)
	coreURL := core.URL()
	rend := c.Start("rendiciones", "rendiciones", "127.0.0.3", listen(t, "127.0.0.3", 5050), map[string]string{"CORE_API_URL": coreURL})
	invA := c.Start("inventario-a", "inventario", "127.0.0.4", listen(t, "127.0.0.4", 5060), map[string]string{"CORE_API_URL": coreURL})
	invB := c.Start("inventario-b", "inventario", "127.0.0.5", listen(t, "127.0.0.5", 5060), map[string]string{"CORE_API_URL": coreURL})
	gw := startGateway(t, core.Addr, rend.Addr, invA.Addr+" "+invB.Addr)

	api := &testkit.Client{T: t, BaseURL: gw.URL}
	_, tok := tenantSetup(t, api, "Multi Servidor SpA", "77.777.777-7")
	admin := api.As(tok)

	// The scenario, all through the gateway.
	var prod struct{ ID string }
	admin.Post("/api/productos", map[string]any{"sku": "MS-1", "nombre": "Tornillo", "unidad": "un", "stock_minimo": "5"}).Want(201).JSON(&prod)
	var bodegas struct {
		Data []struct {
			ID, Codigo string
		}
	}
	admin.Get("/api/stock/bodegas").Want(200).JSON(&bodegas)
	if len(bodegas.Data) == 0 {
		t.Fatal("no PRINCIPAL bodega")
	}
	bodega := bodegas.Data[0].ID
	admin.Post("/api/stock/movimientos", map[string]any{"tipo": "entrada", "producto_id": prod.ID, "bodega_id": bodega, "cantidad": "1000000", "costo_unitario": "150"}).Want(201)
	up := admin.Post("/api/documentos", testkit.File("archivo", "factura.pdf", facturaCompra(t, 501, []linea{{"X-1", "Cosa", 1, 1000}})))
	up.Want(201)
	if up.Header.Get("X-Request-ID") == "" {
		t.Fatal("gateway did not return X-Request-ID")
	}

	t.Run("una instancia de inventario se detiene a mitad de carga: ninguna solicitud falla", func(t *testing.T) {
		var ok, failed atomic.Int64
		var firstErr atomic.Value
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hc := &http.Client{Timeout: 20 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					var req *http.Request
					if i%2 == 0 {
						req, _ = http.NewRequest("GET", gw.URL+"/api/stock?producto_id="+prod.ID, nil)
					} else {
						body := fmt.Sprintf(`{"tipo":"salida","producto_id":%q,"bodega_id":%q,"cantidad":"1"}`, prod.ID, bodega)
						req, _ = http.NewRequest("POST", gw.URL+"/api/stock/movimientos", strings.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Idempotency-Key", randHex(8))
					}
					req.Header.Set("Authorization", "Bearer "+tok)
					resp, err := hc.Do(req)
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						continue
					}
					resp.Body.Close()
					if resp.StatusCode >= 300 {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, fmt.Sprintf("%s %s → %d", req.Method, req.URL.Path, resp.StatusCode))
						continue
					}
					ok.Add(1)
				}
			}()
		}
		time.Sleep(700 * time.Millisecond)
		invA.Stop() // SIGTERM: graceful, the gateway moves to the other instance
		time.Sleep(1500 * time.Millisecond)
		close(stop)
		wg.Wait()
		if failed.Load() > 0 {
			t.Fatalf("%d of %d requests failed while an instance stopped; first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
		}
		if ok.Load() < 20 {
			t.Fatalf("only %d requests ran", ok.Load())
		}
		t.Logf("%d requests, none failed", ok.Load())
	})

	t.Run("core congelado: se sirven tenants cacheados y health-check.sh lo reporta", func(t *testing.T) {
		// Warm every cache first (inventario-b and rendiciones).
		admin.Get("/api/productos").Want(200)
		admin.Get("/api/documentos").Want(200)
		core.Pause() // SIGSTOP: connections hang, nothing answers
		defer core.Resume()
		start := time.Now()
		admin.Get("/api/productos").Want(200)
		admin.Get("/api/documentos").Want(200)
		admin.Get("/api/stock").Want(200)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("cached tenants took %s while core was down", d)
		}
		script := filepath.Join(repoRoot(t), "deploy/scripts/health-check.sh")
		cmd := exec.Command(script, "core="+coreURL, "rendiciones="+rend.URL(), "inventario="+invB.URL())
		cmd.Env = append(os.Environ(), "HEALTH_TIMEOUT=2", "HEALTH_RETRIES=1")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("health-check.sh exited 0 with core frozen:\n%s", out)
		}
		if !strings.Contains(strings.ToLower(string(out)), "core") {
			t.Fatalf("health-check.sh did not name core:\n%s", out)
		}
		t.Logf("health-check.sh:\n%s", out)
	})
}
