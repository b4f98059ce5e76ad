// Package apitest starts the whole rendiciones API for the end-to-end tests
// of the tarjetas and rendicion packages: the real routes over httptest, a
// real migrated Postgres database, a fake core over HTTP, and the service's
// log captured so tests can check what it wrote.
package apitest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/logx"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/app"
)

// Secret signs the test tokens.
const Secret = "apitest-secret-0123456789-0123456789-abcdef"

// Database creates one migrated database for a test package (call it from
// TestMain) and returns its URL, a pool and the drop function.
func Database(prefix string) (string, *gorm.DB, func(), error) {
	url, drop, err := testdb.CreateDatabase(prefix, testdb.Schema{Name: app.Schema, FS: migrations.Rendiciones})
	if err != nil {
		return "", nil, nil, err
	}
	g, err := db.Open(url, 20, slog.New(slog.DiscardHandler))
	if err != nil {
		drop()
		return "", nil, nil, err
	}
	return url, g, func() { db.Close(g); drop() }, nil
}

// Harness is one running service.
type Harness struct {
	T    *testing.T
	DB   *gorm.DB
	Core *testkit.FakeCore
	Srv  *app.Server
	API  *testkit.Client // no token
	Log  *Buffer         // everything the service logged, at debug level
}

// New starts the service on the test database.
func New(t *testing.T, url string, g *gorm.DB) *Harness {
	t.Helper()
	core := testkit.NewFakeCore(t, Secret)
	env := map[string]string{
		"RENDICIONES_DATABASE_URL": url, "JWT_SECRET": Secret, "APP_ENV": "development",
		"CORE_API_URL": core.URL, "STORAGE_DIR": t.TempDir(), "LOG_LEVEL": "debug",
		"AMQP_EXCHANGE": testkit.Exchange(t),
	}
	cfg, err := app.LoadConfig(config.MapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	buf := &Buffer{}
	log := logx.New(buf, "rendiciones", "debug")
	sqlDB, err := g.DB()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.New(cfg, g, db.NewMigrator(sqlDB, app.Schema, migrations.Rendiciones, log), log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Echo)
	t.Cleanup(ts.Close)
	return &Harness{T: t, DB: g, Core: core, Srv: srv, API: &testkit.Client{T: t, BaseURL: ts.URL}, Log: buf}
}

// Buffer collects the service's log lines.
type Buffer = testkit.Buffer

// Actor is a user of a tenant with a client that sends their token.
type Actor struct {
	ID  string
	API *testkit.Client
}

// Tenant is a tenant with one user per role and two plain users.
type Tenant struct {
	ID        string
	Admin     Actor
	Aprobador Actor
	Usuario   Actor
	Otro      Actor // a second usuario
}

var seq atomic.Int64

// Categorías and centros de costo every test tenant has in core.
var (
	Categorias   = []string{"ALIMENTACION", "COMBUSTIBLE", "TRANSPORTE", "ALOJAMIENTO", "SALUD", "OFICINA"}
	CentrosCosto = []string{"CC-100", "CC-200"}
)

// Tenant registers a tenant in the fake core with its parametros and users.
func (h *Harness) Tenant(nombre string) Tenant {
	id := h.Core.Tenant(fmt.Sprintf("%s %d", nombre, seq.Add(1)))
	for _, c := range Categorias {
		h.Core.Parametro(id, "categoria_gasto", c, map[string]string{"nombre": strings.ToLower(c)})
	}
	for _, c := range CentrosCosto {
		h.Core.Parametro(id, "centro_costo", c, "centro "+c)
	}
	return Tenant{
		ID:        id,
		Admin:     h.Actor(id, auth.RoleAdmin),
		Aprobador: h.Actor(id, auth.RoleAprobador),
		Usuario:   h.Actor(id, auth.RoleUsuario),
		Otro:      h.Actor(id, auth.RoleUsuario),
	}
}

// Actor mints a token for a new user of tenant with roles.
func (h *Harness) Actor(tenant string, roles ...string) Actor {
	tok, uid := h.Core.TokenFor(h.T, uuid.NewString(), tenant, roles...)
	return Actor{ID: uid, API: h.API.As(tok)}
}

// Doc is a processed document as the extraction pipeline leaves it.
type Doc struct {
	SubidoPor     string // user id
	Estado        string // default procesado
	TipoDocumento string
	RutEmisor     string
	RazonSocial   string
	Folio         string
	Fecha         string // YYYY-MM-DD or ""
	Moneda        string // default CLP
	Total         string
	Neto          string // "" → null
	IVA           string
	Exento        string
}

// Documento inserts a document straight into the table (the upload and
// extraction pipeline has its own tests) and returns its id.
func (h *Harness) Documento(tenant string, d Doc) string {
	h.T.Helper()
	if d.Estado == "" {
		d.Estado = "procesado"
	}
	if d.Moneda == "" {
		d.Moneda = "CLP"
	}
	if d.TipoDocumento == "" {
		d.TipoDocumento = "boleta"
	}
	id := uuid.New()
	ext := map[string]any{
		"tipo_documento": d.TipoDocumento, "rut_emisor": d.RutEmisor, "razon_social_emisor": d.RazonSocial,
		"folio": d.Folio, "fecha_emision": d.Fecha, "moneda": d.Moneda, "monto_total": d.Total,
		"monto_neto": null(d.Neto), "monto_iva": null(d.IVA), "monto_exento": null(d.Exento),
		"items": []any{}, "advertencias": []any{}, "motor": "local",
	}
	js, _ := json.Marshal(ext)
	var fecha any
	if d.Fecha != "" {
		fecha = d.Fecha
	}
	err := h.DB.Exec(`INSERT INTO rendiciones.documentos_procesados
		(id, tenant_id, subido_por, nombre_archivo, tipo_mime, tamano, sha256, storage_key, estado, motor, extraccion,
		 tipo_documento, rut_emisor, razon_social_emisor, folio, fecha_emision, moneda, monto_total, procesado_at)
		VALUES (?, ?, ?, ?, 'application/pdf', 1234, ?, ?, ?, 'local', ?, ?, ?, ?, ?, ?, ?, ?, now())`,
		id, tenant, d.SubidoPor, "doc-"+d.Folio+".pdf", strings.ReplaceAll(uuid.NewString(), "-", "")+strings.ReplaceAll(uuid.NewString(), "-", ""),
		"test/"+id.String(), d.Estado, string(js), d.TipoDocumento, d.RutEmisor, d.RazonSocial, d.Folio, fecha, d.Moneda, d.Total).Error
	if err != nil {
		h.T.Fatal(err)
	}
	return id.String()
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}
