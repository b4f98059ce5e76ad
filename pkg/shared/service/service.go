// Package service runs a service's HTTP server and background workers
// together and shuts them down gracefully on SIGINT/SIGTERM (DESIGN §2).
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// Worker is a background loop (job worker, outbox relay, event consumer). It
// returns when ctx is cancelled, after finishing what it has in hand.
type Worker struct {
	Name string
	Run  func(ctx context.Context) error
}

// Serve listens on addr, serves e and runs workers until ctx is cancelled,
// then stops accepting, lets in-flight requests and jobs finish within
// timeout, and returns.
//
// With drain > 0, on shutdown the server first goes on
// answering for drain, closing each connection after its response
// ("Connection: close"), and only then closes its listener. It never closes
// an idle connection itself during the drain — a gateway could be sending a
// request on it at that instant, and a POST cannot be retried — so the
// gateway's idle-connection timeout must be shorter than drain (nginx
// upstream keepalive_timeout 1s against SHUTDOWN_DRAIN 2s). After the drain
// no connection is left to reuse, and refused connects are retried on the
// next instance safely, even for POST.
func Serve(ctx context.Context, e *echo.Echo, addr string, l *slog.Logger, timeout, drain time.Duration, workers ...Worker) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	var draining atomic.Bool
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if draining.Load() {
				w.Header().Set("Connection", "close")
			}
			e.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(l.Handler(), slog.LevelWarn),
	}
	l.Info("listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	errc := make(chan error, len(workers)+1)
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				l.Error("worker stopped", "worker", w.Name, "error", err.Error())
				errc <- fmt.Errorf("%s: %w", w.Name, err)
			}
		}()
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()

	var runErr error
	select {
	case <-ctx.Done():
		l.Info("shutting down", "timeout_s", timeout.Seconds())
	case runErr = <-errc:
		l.Error("shutting down after failure", "error", runErr.Error())
	}
	if drain > 0 {
		draining.Store(true)
		l.Info("draining", "drain_s", drain.Seconds())
		time.Sleep(drain)
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		l.Warn("http shutdown incomplete", "error", err.Error())
	}
	stopWork()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		l.Warn("workers did not stop within the shutdown timeout")
	}
	l.Info("stopped")
	return runErr
}
