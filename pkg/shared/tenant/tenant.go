// Package tenant validates the caller's tenant against core (DESIGN §4): a
// fresh answer is reused for 30 s, a stale one for up to 10 min while core is
// unreachable, and concurrent look-ups of one tenant collapse into one call.
package tenant

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/coreapi"
)

// Fetcher is the part of coreapi.Client the cache needs.
type Fetcher interface {
	Tenant(ctx context.Context, bearer, id string) (coreapi.Tenant, error)
}

// Cache holds tenant answers from core.
type Cache struct {
	fetch   Fetcher
	Fresh   time.Duration
	Stale   time.Duration
	Timeout time.Duration
	// DownGrace: after core was found unreachable, stale entries are served
	// without asking core again for this long, so requests do not each wait
	// out the 5 s timeout while core is down.
	DownGrace time.Duration
	now       func() time.Time
	log       *slog.Logger

	mu      sync.Mutex
	entries map[string]entry
	gens    map[string]uint64 // bumped by Invalidate so an in-flight fetch cannot resurrect a dropped entry
	group   singleflight.Group
	// downUntil is when core is worth asking again after a failure.
	downUntil time.Time

	lookups   *prometheus.CounterVec
	reachable prometheus.Gauge
}

type entry struct {
	t  coreapi.Tenant
	at time.Time
}

// NewCache returns a cache with the DESIGN §4 timings; reg may be nil.
func NewCache(f Fetcher, l *slog.Logger, reg prometheus.Registerer) *Cache {
	c := &Cache{
		fetch: f, Fresh: 30 * time.Second, Stale: 10 * time.Minute, Timeout: 5 * time.Second, DownGrace: 10 * time.Second,
		now: time.Now, log: l, entries: map[string]entry{}, gens: map[string]uint64{},
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenant_lookups_total", Help: "Tenant validations by result (hit, fetch, stale, error).",
		}, []string{"result"}),
		reachable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "core_reachable", Help: "1 when the last call to core succeeded, 0 when core was unreachable.",
		}),
	}
	c.reachable.Set(1)
	if reg != nil {
		reg.MustRegister(c.lookups, c.reachable)
	}
	return c
}

// SetClock replaces time.Now (tests).
func (c *Cache) SetClock(now func() time.Time) { c.now = now }

// Invalidate drops a tenant so the next request asks core again (on the
// tenants.updated event).
func (c *Cache) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
	c.gens[id]++
}

// Get returns the tenant, from cache when fresh, else from core.
func (c *Cache) Get(ctx context.Context, id, bearer string) (coreapi.Tenant, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	gen := c.gens[id]
	down := c.now().Before(c.downUntil)
	c.mu.Unlock()
	age := c.now().Sub(e.at)
	if ok && age < c.Fresh {
		c.lookups.WithLabelValues("hit").Inc()
		return e.t, nil
	}
	if ok && down && age < c.Stale {
		c.lookups.WithLabelValues("stale").Inc()
		return e.t, nil
	}
	v, err, _ := c.group.Do(id, func() (any, error) {
		// Detached from the first caller: its cancellation must not fail the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Timeout)
		defer cancel()
		t, err := c.fetch.Tenant(fctx, bearer, id)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.gens[id] == gen {
			c.entries[id] = entry{t: t, at: c.now()}
		}
		c.mu.Unlock()
		return t, nil
	})
	if err == nil {
		c.mu.Lock()
		c.downUntil = time.Time{}
		c.mu.Unlock()
		c.reachable.Set(1)
		c.lookups.WithLabelValues("fetch").Inc()
		return v.(coreapi.Tenant), nil
	}
	if errors.Is(err, coreapi.ErrUnavailable) {
		c.mu.Lock()
		c.downUntil = c.now().Add(c.DownGrace)
		c.mu.Unlock()
		c.reachable.Set(0)
		if ok && c.now().Sub(e.at) < c.Stale {
			c.lookups.WithLabelValues("stale").Inc()
			c.log.WarnContext(ctx, "core unreachable, serving cached tenant", "tenant", id, "age_s", int(c.now().Sub(e.at).Seconds()), "error", err.Error())
			return e.t, nil
		}
	}
	c.lookups.WithLabelValues("error").Inc()
	return coreapi.Tenant{}, err
}

func isAppErr(err error) bool {
	_, ok := apperr.As(err)
	return ok
}

// Middleware answers 403 tenant_inactivo for an inactive or unknown tenant and
// 503 core_no_disponible when core is down and nothing usable is cached. It
// runs after auth.Middleware.
func (c *Cache) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(ec echo.Context) error {
			p := auth.From(ec)
			t, err := c.Get(ec.Request().Context(), p.TenantID, p.Token)
			switch {
			case err == nil && t.Activo:
				return next(ec)
			case err == nil, errors.Is(err, coreapi.ErrNotFound), errors.Is(err, coreapi.ErrForbidden):
				return apperr.New(403, apperr.CodeTenantInactive, "el tenant está inactivo o no existe")
			case errors.Is(err, coreapi.ErrUnauthorized):
				return apperr.Unauthorized("token inválido o expirado")
			case isAppErr(err):
				return err // the fetcher's own answer (core reads its database directly)
			default:
				c.log.ErrorContext(ec.Request().Context(), "tenant validation failed", "tenant", p.TenantID, "error", err.Error())
				return apperr.Unavailable(apperr.CodeCoreUnavailable, "no se pudo validar el tenant: core no disponible")
			}
		}
	}
}
