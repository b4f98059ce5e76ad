package app

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/inventario/internal/compras"
)

// One migrated database per test package; tests isolate by creating their
// own tenants.
var (
	testURL string
	testDB  *gorm.DB
)

func TestMain(m *testing.M) {
	url, drop, err := testdb.CreateDatabase("inventario", testdb.Schema{Name: Schema, FS: migrations.Inventario})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testURL = url
	testDB, err = db.Open(url, 40, slog.New(slog.DiscardHandler))
	if err != nil {
		drop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	top := events.NewTopology(testExchange)
	_ = top.Delete(testkit.AMQPURL(), compras.QueueFor(top))
	db.Close(testDB)
	drop()
	os.Exit(code)
}

const testSecret = "test-secret-0123456789-0123456789-abcdef"

// testExchange keeps this package's events away from every other test's.
var testExchange = fmt.Sprintf("test.inventario.%d", os.Getpid())

func testEnv(coreURL string) map[string]string {
	return map[string]string{"INVENTARIO_DATABASE_URL": testURL, "JWT_SECRET": testSecret, "APP_ENV": "development",
		"LOG_LEVEL": "error", "CORE_API_URL": coreURL, "AMQP_EXCHANGE": testExchange}
}

// harness is an inventario server over httptest with a fake core.
type harness struct {
	t    *testing.T
	srv  *Server
	core *testkit.FakeCore
	api  *testkit.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	core := testkit.NewFakeCore(t, testSecret)
	cfg, err := LoadConfig(config.MapEnv(testEnv(core.URL)))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := testDB.DB()
	srv, err := New(cfg, testDB, db.NewMigrator(sqlDB, Schema, migrations.Inventario, slog.New(slog.DiscardHandler)), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Echo)
	t.Cleanup(ts.Close)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return &harness{t: t, srv: srv, core: core, api: &testkit.Client{T: t, BaseURL: ts.URL, HTTP: hc}}
}

// tenantFixture is a tenant with clients for each kind of user.
type tenantFixture struct {
	ID      string
	Bodega  *testkit.Client // role bodega: reads and writes inventory
	Usuario *testkit.Client // plain user: reads only
	Admin   *testkit.Client
}

func (h *harness) tenant(nombre string) tenantFixture {
	id := h.core.Tenant(nombre)
	return tenantFixture{
		ID:      id,
		Bodega:  h.api.As(h.core.Token(h.t, id, auth.RoleBodega)),
		Usuario: h.api.As(h.core.Token(h.t, id, auth.RoleUsuario)),
		Admin:   h.api.As(h.core.Token(h.t, id, auth.RoleAdmin)),
	}
}

// producto creates a product and returns its id.
func (f tenantFixture) producto(sku string, extra ...map[string]any) string {
	body := map[string]any{"sku": sku, "nombre": "Producto " + sku}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	var p struct{ ID string }
	f.Bodega.Post("/api/productos", body).Want(201).JSON(&p)
	return p.ID
}

// principal returns the tenant's PRINCIPAL bodega id.
func (f tenantFixture) principal() string {
	var l struct {
		Data []struct {
			ID        string
			Principal bool
		}
	}
	f.Usuario.Get("/api/stock/bodegas").Want(200).JSON(&l)
	for _, b := range l.Data {
		if b.Principal {
			return b.ID
		}
	}
	f.Bodega.T.Fatal("no PRINCIPAL bodega")
	return ""
}

// bodega creates a bodega and returns its id.
func (f tenantFixture) bodega(codigo string) string {
	var b struct{ ID string }
	f.Bodega.Post("/api/stock/bodegas", map[string]any{"codigo": codigo, "nombre": "Bodega " + codigo}).Want(201).JSON(&b)
	return b.ID
}

// mov books a movement and returns the decoded response.
func (f tenantFixture) mov(body map[string]any) movimiento {
	f.Bodega.T.Helper()
	var m movimiento
	f.Bodega.Post("/api/stock/movimientos", body).Want(201).JSON(&m)
	return m
}

// movimiento and saldo mirror the API's JSON (decimals as strings).
type saldo struct {
	ProductoID    string `json:"producto_id"`
	BodegaID      string `json:"bodega_id"`
	Cantidad      string `json:"cantidad"`
	CostoPromedio string `json:"costo_promedio"`
	Valor         string `json:"valor"`
}

type movimiento struct {
	ID              string  `json:"id"`
	Tipo            string  `json:"tipo"`
	ProductoID      string  `json:"producto_id"`
	BodegaID        string  `json:"bodega_id"`
	BodegaDestinoID *string `json:"bodega_destino_id"`
	Cantidad        string  `json:"cantidad"`
	Variacion       string  `json:"variacion"`
	CostoUnitario   string  `json:"costo_unitario"`
	Valor           string  `json:"valor"`
	Motivo          string  `json:"motivo"`
	Referencia      string  `json:"referencia"`
	ReversoDe       *string `json:"reverso_de"`
	ReversadoPor    *string `json:"reversado_por"`
	UsuarioID       *string `json:"usuario_id"`
	CreatedAt       string  `json:"created_at"`
	Saldo           saldo   `json:"saldo"`
	SaldoDestino    *saldo  `json:"saldo_destino"`
}
