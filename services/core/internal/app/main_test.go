package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/rut"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/core/internal/password"
)

// One migrated database per test package; tests isolate by creating their
// own tenants.
var (
	testURL string
	testDB  *gorm.DB
)

func TestMain(m *testing.M) {
	url, drop, err := testdb.CreateDatabase("core", testdb.Schema{Name: Schema, FS: migrations.Core})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testURL = url
	testDB, err = db.Open(url, 20, slog.New(slog.DiscardHandler))
	if err != nil {
		drop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = events.NewTopology(testExchange).Delete("amqp://guest:guest@127.0.0.1:5672/")
	db.Close(testDB)
	drop()
	os.Exit(code)
}

var testExchange = fmt.Sprintf("test.core.%d", os.Getpid())

const testSecret = "test-secret-0123456789-0123456789-abcdef"

func testEnv() map[string]string {
	return map[string]string{"CORE_DATABASE_URL": testURL, "JWT_SECRET": testSecret, "APP_ENV": "development", "LOG_LEVEL": "error",
		"AMQP_EXCHANGE": testExchange}
}

// harness is a core server over httptest plus helpers to make tenants and users.
type harness struct {
	t     *testing.T
	srv   *Server
	api   *testkit.Client
	super string // superadmin token
}

var seq atomic.Int64

func newHarness(t *testing.T) *harness {
	t.Helper()
	cfg, err := LoadConfig(config.MapEnv(testEnv()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hashing = password.Params{Memory: 1024, Time: 1, Threads: 1} // fast hashes in tests
	sqlDB, _ := testDB.DB()
	srv, err := New(cfg, testDB, db.NewMigrator(sqlDB, Schema, migrations.Core, slog.New(slog.DiscardHandler)), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Echo)
	t.Cleanup(ts.Close)
	h := &harness{t: t, srv: srv, api: &testkit.Client{T: t, BaseURL: ts.URL}}
	email := fmt.Sprintf("root%d@plataforma.test", seq.Add(1))
	if _, _, err := ensureTenantUser(context.Background(), srv.tenants, srv.users, cfg.Hashing, "Plataforma", "76.000.000-0", email, "superclave123", "Root", []string{"superadmin"}); err != nil {
		t.Fatal(err)
	}
	h.super = h.login(email, "superclave123")
	return h
}

// login returns an access token.
func (h *harness) login(email, pw string) string {
	h.t.Helper()
	var tp struct {
		AccessToken string `json:"access_token"`
	}
	h.api.Post("/api/auth/login", map[string]string{"email": email, "password": pw}).Want(200).JSON(&tp)
	return tp.AccessToken
}

// nextRUT returns a fresh valid RUT for a test tenant.
func nextRUT() string {
	body := 50000000 + int(seq.Add(1))*7919%40000000
	return fmt.Sprintf("%d-%s", body, rut.CheckDigit(body))
}

// tenantFixture is a tenant with an admin and a plain user, logged in.
type tenantFixture struct {
	ID, AdminID, UserID   string
	AdminEmail, UserEmail string
	AdminToken, UserToken string
}

func (h *harness) tenant(nombre string) tenantFixture {
	h.t.Helper()
	api := h.api.As(h.super)
	var t struct{ ID string }
	api.Post("/api/tenants", map[string]string{"nombre": nombre, "rut": nextRUT()}).Want(201).JSON(&t)
	n := seq.Add(1)
	f := tenantFixture{ID: t.ID, AdminEmail: fmt.Sprintf("admin%d@t.test", n), UserEmail: fmt.Sprintf("user%d@t.test", n)}
	var u struct{ ID string }
	api.Post("/api/users", map[string]any{"tenant_id": t.ID, "email": f.AdminEmail, "nombre": "Admin", "password": "clave-admin-1", "roles": []string{"admin"}}).Want(201).JSON(&u)
	f.AdminID = u.ID
	api.Post("/api/users", map[string]any{"tenant_id": t.ID, "email": f.UserEmail, "nombre": "Usuario", "password": "clave-user-1"}).Want(201).JSON(&u)
	f.UserID = u.ID
	f.AdminToken = h.login(f.AdminEmail, "clave-admin-1")
	f.UserToken = h.login(f.UserEmail, "clave-user-1")
	return f
}
