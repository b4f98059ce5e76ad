// Package httpx is the Echo setup all three services share: request id, JSON
// access log, metrics, recover, body limit, CORS, the error envelope of
// DESIGN §3, health/ready/metrics and the OpenAPI document.
package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ecosystem/pkg/shared/logx"
)

// HeaderRequestID is accepted from clients, generated when absent, returned
// and forwarded to other services and events.
const HeaderRequestID = "X-Request-ID"

// Check is one readiness probe. A non-critical check is reported in /ready's
// body but does not make it fail (e.g. the broker: events wait in the outbox).
type Check struct {
	Name     string
	Critical bool
	Fn       func(ctx context.Context) error
}

// Options configure New.
type Options struct {
	Service   string
	Logger    *slog.Logger
	Registry  *prometheus.Registry
	BodyLimit string // default "1M"
	// LargeBodyRoutes ("POST /api/documentos") skip BodyLimit and enforce their own.
	LargeBodyRoutes []string
	CORSOrigins     []string
	Checks          []Check
	OpenAPI         []byte // the service's OpenAPI 3 document (YAML or JSON)
}

// New returns an Echo instance with the shared middleware and the
// /health, /ready, /metrics, /openapi.json and /docs routes.
func New(o Options) (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(o.Logger)
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(o.Registry)

	e.Use(requestID())
	e.Use(accessLog(o.Logger, m))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Logger.ErrorContext(c.Request().Context(), "panic", "error", err.Error(), "stack", string(stack))
			return err
		},
	}))
	e.Use(BodyLimit(orDefault(o.BodyLimit, "1M"), o.LargeBodyRoutes...))
	if len(o.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  o.CORSOrigins,
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, HeaderRequestID, "Idempotency-Key"},
			ExposeHeaders: []string{HeaderRequestID},
			MaxAge:        600,
		}))
	}

	e.GET("/health", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok", "service": o.Service})
	})
	e.GET("/ready", readyHandler(o.Service, o.Checks))
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry})))
	if o.OpenAPI != nil {
		if err := serveOpenAPI(e, o.Service, o.OpenAPI); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// NewRegistry returns a registry with Go and process collectors and every
// metric labelled with the service name.
func NewRegistry(service string) (*prometheus.Registry, prometheus.Registerer) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, prometheus.WrapRegistererWith(prometheus.Labels{"service": service}, reg)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(HeaderRequestID)
			if !validRequestID(id) {
				id = uuid.NewString()
			}
			c.Response().Header().Set(HeaderRequestID, id)
			r := c.Request()
			c.SetRequest(r.WithContext(logx.WithFields(r.Context(), logx.Fields{RequestID: id})))
			return next(c)
		}
	}
}

// validRequestID keeps client ids short and printable so they are safe in logs.
func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight", Help: "Requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight)
	return m
}

// accessLog writes one JSON line per request and records the metrics. It
// resolves the error into a response first so the logged status is final.
func accessLog(l *slog.Logger, m *metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			m.inflight.Inc()
			defer m.inflight.Dec()
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			route := c.Path()
			if route == "" || c.Get(routeNotFoundKey) != nil {
				route = "unmatched"
			}
			d := time.Since(start)
			st := strconv.Itoa(status)
			m.requests.WithLabelValues(c.Request().Method, route, st).Inc()
			m.latency.WithLabelValues(c.Request().Method, route, st).Observe(d.Seconds())
			if route == "/health" || route == "/metrics" {
				return nil
			}
			f := logx.FromContext(c.Request().Context())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			l.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", c.Request().Method),
				slog.String("route", route),
				// The route template, never the raw path: a path may carry what
				// must not be logged (a card number typed where an id goes).
				slog.Int("status", status),
				slog.Float64("latency_ms", float64(d.Microseconds())/1000),
				slog.Int64("bytes_out", c.Response().Size),
				slog.String("remote_ip", c.RealIP()),
				// request_id, tenant_id and user_id come from the context handler;
				// user_id/tenant_id appear once auth has run.
				slog.Bool("authenticated", f.UserID != ""),
			)
			return nil
		}
	}
}

const routeNotFoundKey = "httpx.route_not_found"

func readyHandler(service string, checks []Check) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
		defer cancel()
		results := map[string]string{}
		status, reason := http.StatusOK, ""
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				results[ch.Name] = err.Error()
				if ch.Critical && status == http.StatusOK {
					status, reason = http.StatusServiceUnavailable, ch.Name+": "+err.Error()
				}
				continue
			}
			results[ch.Name] = "ok"
		}
		body := map[string]any{"service": service, "checks": results}
		if status != http.StatusOK {
			body["status"], body["error"], body["code"] = "not_ready", reason, "unavailable"
			body["request_id"] = logx.RequestID(c.Request().Context())
		} else {
			body["status"] = "ready"
		}
		return c.JSON(status, body)
	}
}
