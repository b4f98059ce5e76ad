// Package app wires the inventario service: configuration, database, the
// authenticated and tenant-validated /api routes, and its subcommands.
package app

import (
	"context"
	"io"
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/service"
	"ecosystem/pkg/shared/tenant"
)

// Schema is inventario's Postgres schema.
const Schema = "inventario"

// Config is inventario's configuration.
type Config struct {
	config.Base
	CoreAPIURL string
}

// LoadConfig reads inventario's environment.
func LoadConfig(getenv config.Getenv) (Config, error) {
	b, err := config.Load(getenv, "inventario", "INVENTARIO_DATABASE_URL", 5060)
	if err != nil {
		return Config{}, err
	}
	return Config{Base: b, CoreAPIURL: config.Or(getenv("CORE_API_URL"), "http://127.0.0.1:5000")}, nil
}

// Run is the whole program: `inventario [serve|migrate up|down|status]`.
func Run(ctx context.Context, getenv config.Getenv, stdout io.Writer, args []string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	return service.Dispatch(ctx, service.Program{
		Base: cfg.Base, Schema: Schema, Migrations: migrations.Inventario, Stdout: stdout,
		Serve: func(ctx context.Context, env service.Env) error {
			srv, err := New(cfg, env.DB, env.Migrator, env.Log)
			if err != nil {
				return err
			}
			return service.Serve(ctx, srv.Echo, cfg.Addr(), env.Log, cfg.ShutdownTimeout, srv.Workers...)
		},
	}, args)
}

// Server is the wired service; tests build one with New.
type Server struct {
	Echo    *echo.Echo
	Workers []service.Worker
	Tenants *tenant.Cache
	OpenAPI []byte
}

// deps is what route handlers are built from.
type deps struct {
	cfg     Config
	db      *gorm.DB
	log     *slog.Logger
	metrics prometheus.Registerer
}

// New wires the service.
func New(cfg Config, g *gorm.DB, mig *db.Migrator, log *slog.Logger) (*Server, error) {
	reg, metrics := httpx.NewRegistry("inventario")
	spec, err := httpx.MergeOpenAPI(openAPIBase, append([][]byte{httpx.CommonOpenAPI}, openAPIFragments...)...)
	if err != nil {
		return nil, err
	}
	e, err := httpx.New(httpx.Options{
		Service: "inventario", Logger: log, Registry: reg, CORSOrigins: cfg.CORSOrigins, OpenAPI: spec,
		Checks: []httpx.Check{
			{Name: "database", Critical: true, Fn: func(ctx context.Context) error { return db.Ping(ctx, g) }},
			{Name: "migrations", Critical: true, Fn: mig.Current},
		},
	})
	if err != nil {
		return nil, err
	}
	cache := tenant.NewCache(coreapi.New(cfg.CoreAPIURL), log, metrics)
	api := e.Group("/api", auth.Middleware(auth.NewSigner(cfg.JWTSecret)), cache.Middleware())
	srv := &Server{Echo: e, Tenants: cache, OpenAPI: spec}
	if err := routes(api, deps{cfg: cfg, db: g, log: log, metrics: metrics}, srv); err != nil {
		return nil, err
	}
	return srv, nil
}
