// Command stubsvc is a stand-in for the Ecosystem service binaries, used only by
// deploy/test/run.sh to exercise the deploy scripts and the nginx gateway
// without Postgres. It is deliberately not part of go.work: build it with
//
//	GOWORK=off go build -ldflags "-X main.version=v1 -X main.mode=ok" -o core ./deploy/test/stubsvc/main.go
//
// It speaks the same command line as the real binaries (`serve`, `migrate up`),
// reads HOST and PORT from the environment, serves /health and /ready, and
// answers every other path with a JSON echo of what it received (service,
// version, path, forwarding headers, body size) so the tests can see where the
// gateway routed a request. Behaviour is fixed at build time through -X:
//
//	mode=ok          healthy
//	mode=unready     /health 200 but /ready 503 (a release that must be rolled back)
//	mode=crash       `serve` exits 1 at once
//	mode=badmigrate  `migrate up` exits 1
//
// `stubsvc webhook` listens on HOST:PORT and appends each request body to
// $WEBHOOK_FILE (the health-check alert tests use it).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	version = "dev"
	mode    = "ok"
)

// loadTrailer applies a "STUBCFG key=value ..." line appended to the executable.
func loadTrailer() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open(exe)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return
	}
	n := min(st.Size(), 256)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, st.Size()-n); err != nil {
		return
	}
	i := bytes.LastIndex(buf, []byte("\nSTUBCFG "))
	if i < 0 {
		return
	}
	for _, kv := range strings.Fields(string(buf[i+1:]))[1:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "version":
			version = v
		case "mode":
			mode = v
		}
	}
}

func main() {
	loadTrailer()
	service := os.Getenv("STUB_SERVICE")
	if service == "" {
		service = filepath.Base(os.Args[0])
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", service, "version", version)

	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	switch cmd {
	case "serve":
		if mode == "crash" {
			logger.Error("refusing to start (stub built with mode=crash)")
			os.Exit(1)
		}
		os.Exit(serve(logger, service, echoHandler(service)))
	case "migrate":
		if mode == "badmigrate" {
			fmt.Fprintln(os.Stderr, "migrate: stub built with mode=badmigrate")
			os.Exit(1)
		}
		if f := os.Getenv("STUB_MIGRATE_LOG"); f != "" {
			line := fmt.Sprintf("%s %s %s\n", service, version, strings.Join(os.Args[2:], " "))
			if err := appendFile(f, []byte(line)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		fmt.Println("migrations current")
	case "webhook":
		os.Exit(serve(logger, service, webhookHandler(os.Getenv("WEBHOOK_FILE"))))
	case "version", "--version":
		fmt.Println(version)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", cmd)
		os.Exit(2)
	}
}

func serve(logger *slog.Logger, service string, h http.Handler) int {
	port := os.Getenv("PORT")
	if _, err := strconv.Atoi(port); err != nil {
		logger.Error("PORT must be set to a number")
		return 2
	}
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	srv := &http.Server{Addr: net.JoinHostPort(host, port), Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		logger.Error("listen", "err", err.Error())
		return 1
	}
	logger.Info("listening", "addr", srv.Addr, "mode", mode)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		logger.Error("serve", "err", err.Error())
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", "err", err.Error())
		return 1
	}
	logger.Info("stopped")
	return 0
}

func echoHandler(service string) http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": service, "version": version})
	})
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if mode == "unready" {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unready", "reason": "stub built with mode=unready"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "service": service, "version": version})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		status := http.StatusOK
		// /api/<anything>/fail503, or the header X-Stub-Fail: 503, answers 503:
		// lets the tests watch nginx retry.
		if strings.HasSuffix(r.URL.Path, "/fail503") || r.Header.Get("X-Stub-Fail") == "503" {
			status = http.StatusServiceUnavailable
		}
		if rid := r.Header.Get("X-Request-ID"); rid != "" {
			w.Header().Set("X-Request-ID", "stub-"+rid)
		}
		writeJSON(w, status, map[string]any{
			"service":           service,
			"version":           version,
			"addr":              r.Context().Value(http.LocalAddrContextKey).(net.Addr).String(),
			"method":            r.Method,
			"path":              r.URL.Path,
			"request_id":        r.Header.Get("X-Request-ID"),
			"x_forwarded_for":   r.Header.Get("X-Forwarded-For"),
			"x_forwarded_proto": r.Header.Get("X-Forwarded-Proto"),
			"x_forwarded_host":  r.Header.Get("X-Forwarded-Host"),
			"x_real_ip":         r.Header.Get("X-Real-IP"),
			"body_bytes":        n,
		})
	})
	return mux
}

func webhookHandler(file string) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		mu.Lock()
		err := appendFile(file, append(body, '\n'))
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func appendFile(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
