// Package app wires the rendiciones service: configuration, database, the
// authenticated and tenant-validated /api routes, background workers and its
// subcommands.
package app

import (
	"context"
	"fmt"
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
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/service"
	"ecosystem/pkg/shared/tenant"
	"ecosystem/services/rendiciones/internal/jobs"
)

// Schema is rendiciones' Postgres schema.
const Schema = "rendiciones"

// Config is rendiciones' configuration.
type Config struct {
	config.Base
	CoreAPIURL string
	// Extraction: Gemini when EnableAI and a key are set, else the local engine.
	EnableAI      bool
	GeminiAPIKey  string
	GeminiModel   string
	GeminiBaseURL string // tests point the real client at a fake server
	StorageDir    string
	MaxUploadMB   int
	Workers       int         // concurrent extraction jobs per instance
	Jobs          jobs.Config // extraction queue timing (EXTRACTION_LEASE, …)
}

// LoadConfig reads rendiciones' environment.
func LoadConfig(getenv config.Getenv) (Config, error) {
	b, err := config.Load(getenv, "rendiciones", "RENDICIONES_DATABASE_URL", 5050)
	if err != nil {
		return Config{}, err
	}
	c := Config{
		Base:          b,
		CoreAPIURL:    config.Or(getenv("CORE_API_URL"), "http://127.0.0.1:5000"),
		GeminiAPIKey:  getenv("GEMINI_API_KEY"),
		GeminiModel:   config.Or(getenv("GEMINI_MODEL"), "gemini-2.5-flash"),
		GeminiBaseURL: getenv("GEMINI_BASE_URL"),
		StorageDir:    getenv("STORAGE_DIR"),
	}
	if c.EnableAI, err = config.Bool(getenv, "ENABLE_AI_EXTRACTION", false); err != nil {
		return Config{}, err
	}
	if c.MaxUploadMB, err = config.Int(getenv, "MAX_UPLOAD_MB", 50); err != nil {
		return Config{}, err
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 1024 {
		return Config{}, fmt.Errorf("MAX_UPLOAD_MB=%d: must be between 1 and 1024", c.MaxUploadMB)
	}
	if c.Workers, err = config.Int(getenv, "EXTRACTION_WORKERS", 2); err != nil {
		return Config{}, err
	}
	if c.Jobs, err = loadJobsConfig(getenv); err != nil {
		return Config{}, err
	}
	if c.StorageDir == "" {
		if b.IsProduction() {
			return Config{}, fmt.Errorf("STORAGE_DIR is not set (e.g. /var/lib/ecosystem/rendiciones)")
		}
		c.StorageDir = ".data/storage/rendiciones"
	}
	return c, nil
}

// UseGemini reports whether extraction goes to Gemini.
func (c Config) UseGemini() bool { return c.EnableAI && c.GeminiAPIKey != "" }

// Run is the whole program: `rendiciones [serve|migrate up|down|status]`.
func Run(ctx context.Context, getenv config.Getenv, stdout io.Writer, args []string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	return service.Dispatch(ctx, service.Program{
		Base: cfg.Base, Schema: Schema, Migrations: migrations.Rendiciones, Stdout: stdout,
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
}

// deps is what route handlers and workers are built from.
type deps struct {
	cfg     Config
	db      *gorm.DB
	log     *slog.Logger
	metrics prometheus.Registerer
	core    *coreapi.Client
	signer  *auth.Signer
}

// New wires the service.
func New(cfg Config, g *gorm.DB, mig *db.Migrator, log *slog.Logger) (*Server, error) {
	reg, metrics := httpx.NewRegistry("rendiciones")
	spec, err := httpx.MergeOpenAPI(openAPIBase, append([][]byte{httpx.CommonOpenAPI}, openAPIFragments...)...)
	if err != nil {
		return nil, err
	}
	// documento.creado / documento.procesado leave through the outbox.
	top := events.NewTopology(cfg.AMQPExchange)
	relay := events.NewRelay(events.RelayConfig{DB: g, Schema: Schema, AMQPURL: cfg.AMQPURL, Topology: top, Log: log, Metrics: metrics})
	core := coreapi.New(cfg.CoreAPIURL)
	cache := tenant.NewCache(core, log, metrics)
	cache.Fresh = cfg.TenantCacheTTL
	listener := events.TenantListener(cfg.AMQPURL, top, log, metrics, cache.Invalidate)
	e, err := httpx.New(httpx.Options{
		Service: "rendiciones", Logger: log, Registry: reg, CORSOrigins: cfg.CORSOrigins, OpenAPI: spec,
		LargeBodyRoutes: largeBodyRoutes,
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
	signer := auth.NewSigner(cfg.JWTSecret)
	api := httpx.NewRouter(e, "/api", auth.Middleware(auth.NewTokenCache(signer, 10_000)), cache.Middleware())
	srv := &Server{Echo: e, Tenants: cache, OpenAPI: spec, Workers: []service.Worker{
		{Name: "outbox-relay", Run: relay.Run},
		{Name: "tenant-listener", Run: listener.Run},
	}}
	if err := routes(api, deps{cfg: cfg, db: g, log: log, metrics: metrics, core: core, signer: signer}, srv); err != nil {
		return nil, err
	}
	return srv, nil
}
