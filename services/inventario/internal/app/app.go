// Package app wires the inventario service: configuration, database, the
// authenticated and tenant-validated /api routes, and its subcommands.
package app

import (
	"context"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/service"
	"ecosystem/pkg/shared/tenant"
	"ecosystem/services/inventario/internal/compras"
	"ecosystem/services/inventario/internal/stock"
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

// gcPercent is the garbage collector's target when GOGC is not set. The live
// heap is a few MB and every request allocates a few kB, so the default
// (100) collects several times a second for little; 400 cuts the CPU a stock
// movement costs in this process by about a sixth (cmd/inventario-bench),
// CPU that on a small server Postgres needs. The heap stays in the tens of MB;
// GOGC and GOMEMLIMIT in the environment still take precedence.
const gcPercent = 400

// Run is the whole program: `inventario [serve|migrate up|down|status]`.
func Run(ctx context.Context, getenv config.Getenv, stdout io.Writer, args []string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	return service.Dispatch(ctx, service.Program{
		Base: cfg.Base, Schema: Schema, Migrations: migrations.Inventario, Stdout: stdout,
		Serve: func(ctx context.Context, env service.Env) error {
			srv, err := New(cfg, env.DB, env.Migrator, env.Log)
			if err != nil {
				return err
			}
			return service.Serve(ctx, srv.Echo, cfg.Addr(), env.Log, cfg.ShutdownTimeout, cfg.ShutdownDrain, srv.Workers...)
		},
	}, args)
}

// Server is the wired service; tests build one with New.
type Server struct {
	Echo    *echo.Echo
	Workers []service.Worker
	Tenants *tenant.Cache
	OpenAPI []byte
	// Stock is the ledger's Go API (the event consumer books entradas with it).
	Stock *stock.Service
}

// deps is what route handlers are built from.
type deps struct {
	cfg     Config
	db      *gorm.DB
	log     *slog.Logger
	metrics prometheus.Registerer
	stock   *stock.Service
}

// New wires the service.
func New(cfg Config, g *gorm.DB, mig *db.Migrator, log *slog.Logger) (*Server, error) {
	reg, metrics := httpx.NewRegistry("inventario")
	spec, err := httpx.MergeOpenAPI(openAPIBase, append([][]byte{httpx.CommonOpenAPI}, openAPIFragments...)...)
	if err != nil {
		return nil, err
	}
	svc, err := stock.NewService(g, log, metrics)
	if err != nil {
		return nil, err
	}
	cache := tenant.NewCache(coreapi.New(cfg.CoreAPIURL), log, metrics)
	cache.Fresh = cfg.TenantCacheTTL
	// stock.movement.created / stock.below_minimum leave through the outbox;
	// processed purchase invoices come in on inventario-events (DESIGN §8).
	top := events.NewTopology(cfg.AMQPExchange)
	relay := events.NewRelay(events.RelayConfig{DB: g, Schema: Schema, AMQPURL: cfg.AMQPURL, Topology: top, Log: log, Metrics: metrics})
	listener := events.TenantListener(cfg.AMQPURL, top, log, metrics, cache.Invalidate)
	buy := compras.NewConsumer(svc, log, metrics)
	invoices := events.NewConsumer(events.ConsumerConfig{
		AMQPURL: cfg.AMQPURL, Topology: top, Queue: compras.QueueFor(top), Keys: compras.Keys,
		DB: g, Schema: Schema, Handler: buy.Handle, Log: log, Metrics: metrics,
	})
	e, err := httpx.New(httpx.Options{
		Service: "inventario", Logger: log, Registry: reg, CORSOrigins: cfg.CORSOrigins, OpenAPI: spec,
		Checks: []httpx.Check{
			{Name: "database", Critical: true, Fn: func(ctx context.Context) error { return db.Ping(ctx, g) }},
			{Name: "migrations", Critical: true, Fn: mig.Current},
			// Events wait in the outbox or the queue while these are down; the
			// HTTP API keeps working, so they do not fail /ready.
			{Name: "broker", Critical: false, Fn: relay.Ready},
			{Name: "invoice_events", Critical: false, Fn: invoices.Ready},
			{Name: "tenant_events", Critical: false, Fn: listener.Ready},
		},
	})
	if err != nil {
		return nil, err
	}
	// Verified tokens are cached until they expire: re-verifying the same
	// token on every request was about a sixth of the CPU of a movement.
	tokens := auth.NewTokenCache(auth.NewSigner(cfg.JWTSecret), 10_000)
	api := httpx.NewRouter(e, "/api", auth.Middleware(tokens), cache.Middleware())
	srv := &Server{Echo: e, Tenants: cache, OpenAPI: spec, Stock: svc, Workers: []service.Worker{
		{Name: "outbox-relay", Run: relay.Run},
		{Name: "tenant-listener", Run: listener.Run},
		{Name: "compras-consumer", Run: invoices.Run},
		svc.PruneWorker(pruneEvery),
	}}
	if err := routes(api, deps{cfg: cfg, db: g, log: log, metrics: metrics, stock: svc}, srv); err != nil {
		return nil, err
	}
	return srv, nil
}
