// Package app wires the core service: configuration, database, routes and
// the serve / migrate / bootstrap subcommands. main only calls Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/service"
	"ecosystem/pkg/shared/tenant"
	"ecosystem/services/core/internal/parametros"
	"ecosystem/services/core/internal/password"
	"ecosystem/services/core/internal/prompts"
	"ecosystem/services/core/internal/sesion"
	"ecosystem/services/core/internal/tenants"
	"ecosystem/services/core/internal/users"
)

// Schema is core's Postgres schema.
const Schema = "core"

// devEncryptionKey is used only in development when ENCRYPTION_KEY is unset.
const devEncryptionKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// Config is core's configuration.
type Config struct {
	config.Base
	EncryptionKey []byte
	Bootstrap     BootstrapConfig
	Hashing       password.Params
}

// BootstrapConfig is the first superadmin (DESIGN §2) and its platform tenant.
type BootstrapConfig struct {
	Email, Password, Nombre string
	TenantNombre, TenantRUT string
}

// LoadConfig reads core's environment.
func LoadConfig(getenv config.Getenv) (Config, error) {
	b, err := config.Load(getenv, "core", "CORE_DATABASE_URL", 5000)
	if err != nil {
		return Config{}, err
	}
	c := Config{Base: b, Hashing: password.Default}
	key := getenv("ENCRYPTION_KEY")
	if key == "" && !b.IsProduction() {
		key = devEncryptionKey
	}
	if c.EncryptionKey, err = config.EncryptionKey(key); err != nil {
		return Config{}, err
	}
	if b.IsProduction() && key == devEncryptionKey {
		return Config{}, errors.New("ENCRYPTION_KEY is the development placeholder; generate one with `openssl rand -hex 32`")
	}
	c.Bootstrap = BootstrapConfig{
		Email:        getenv("BOOTSTRAP_ADMIN_EMAIL"),
		Password:     getenv("BOOTSTRAP_ADMIN_PASSWORD"),
		Nombre:       config.Or(getenv("BOOTSTRAP_ADMIN_NOMBRE"), "Administrador de plataforma"),
		TenantNombre: config.Or(getenv("BOOTSTRAP_TENANT_NOMBRE"), "Plataforma"),
		TenantRUT:    config.Or(getenv("BOOTSTRAP_TENANT_RUT"), "76.000.000-0"),
	}
	return c, nil
}

// Run is the whole program: `core [serve|migrate up|down|status|bootstrap …]`.
func Run(ctx context.Context, getenv config.Getenv, stdout io.Writer, args []string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	return service.Dispatch(ctx, service.Program{
		Base: cfg.Base, Schema: Schema, Migrations: migrations.Core, Stdout: stdout,
		Serve: func(ctx context.Context, env service.Env) error { return serve(ctx, cfg, env) },
		Extra: map[string]func(context.Context, service.Env, []string) error{
			"bootstrap": func(ctx context.Context, env service.Env, args []string) error {
				return bootstrapCmd(ctx, cfg, env.DB, args, stdout)
			},
		},
	}, args)
}

func serve(ctx context.Context, cfg Config, env service.Env) error {
	srv, err := New(cfg, env.DB, env.Migrator, env.Log)
	if err != nil {
		return err
	}
	if cfg.Bootstrap.Email != "" && cfg.Bootstrap.Password != "" {
		if err := srv.bootstrapAdmin(ctx, cfg.Bootstrap); err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
	}
	return service.Serve(ctx, srv.Echo, cfg.Addr(), env.Log, cfg.ShutdownTimeout, cfg.ShutdownDrain, srv.Workers...)
}

// Server is the wired service; tests build one with New and drive Echo.
type Server struct {
	Echo    *echo.Echo
	OpenAPI []byte // the merged document served at /openapi.json
	Workers []service.Worker
	Signer  *auth.Signer
	tenants *tenants.Store
	users   *users.Store
	hashing password.Params
	log     *slog.Logger
}

// New wires stores, handlers and routes.
func New(cfg Config, g *gorm.DB, mig *db.Migrator, log *slog.Logger) (*Server, error) {
	reg, metrics := httpx.NewRegistry("core")
	spec, err := httpx.MergeOpenAPI(openAPIBase, httpx.CommonOpenAPI)
	if err != nil {
		return nil, err
	}
	cipher, err := parametros.NewCipher(cfg.EncryptionKey)
	if err != nil {
		return nil, err
	}
	top := events.NewTopology(cfg.AMQPExchange)
	ts := tenants.NewStore(g)
	// tenants.updated leaves through the outbox; the relay publishes it.
	relay := events.NewRelay(events.RelayConfig{DB: g, Schema: Schema, AMQPURL: cfg.AMQPURL, Topology: top, Log: log, Metrics: metrics})
	// Core checks its own callers' tenants like the other services do, from
	// its table: a deactivated tenant's tokens stop working at once on this
	// instance, and on the others when they hear tenants.updated.
	active := tenant.NewCache(tenants.Fetcher{Store: ts}, log, nil)
	listener := events.TenantListener(cfg.AMQPURL, top, log, metrics, active.Invalidate)
	e, err := httpx.New(httpx.Options{
		Service: "core", Logger: log, Registry: reg, CORSOrigins: cfg.CORSOrigins, OpenAPI: spec,
		Checks: []httpx.Check{
			{Name: "database", Critical: true, Fn: func(ctx context.Context) error { return db.Ping(ctx, g) }},
			{Name: "migrations", Critical: true, Fn: mig.Current},
			{Name: "broker", Critical: false, Fn: relay.Ready},
			{Name: "tenant_events", Critical: false, Fn: listener.Ready},
		},
	})
	if err != nil {
		return nil, err
	}
	s := &Server{
		Echo: e, OpenAPI: spec, Signer: auth.NewSigner(cfg.JWTSecret), log: log, hashing: cfg.Hashing,
		Workers: []service.Worker{{Name: "outbox-relay", Run: relay.Run}, {Name: "tenant-listener", Run: listener.Run}},
		tenants: ts, users: users.NewStore(g),
	}
	sessions := sesion.NewStore(g)
	routes(e, handlers{
		signer:     s.Signer,
		active:     active.Middleware(),
		sesion:     sesion.Handler{Store: sessions, Users: s.users, Tenants: s.tenants, Signer: s.Signer, Log: log},
		tenants:    tenants.Handler{Store: s.tenants, Changed: active.Invalidate},
		users:      users.Handler{Store: s.users, Sessions: sessions, Tenants: s.tenants, Hashing: cfg.Hashing},
		parametros: parametros.Handler{Store: parametros.NewStore(g, cipher)},
		prompts:    prompts.Handler{Store: prompts.NewStore(g)},
	})
	return s, nil
}
