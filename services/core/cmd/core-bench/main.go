// Command core-bench measures core at 16 concurrent clients on a scratch
// database: GET /api/auth/me (token verified, user and tenant read) against
// GET /health on the same server as the baseline, and POST /api/auth/login
// with the production Argon2id cost. Run by `make bench`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/benchkit"
	"ecosystem/pkg/shared/db/testdb"
)

func main() {
	bin := flag.String("bin", "../../bin/core", "core binary")
	clients := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 8*time.Second, "duration of each workload")
	flag.Parse()
	if err := run(*bin, *clients, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "core-bench:", err)
		os.Exit(1)
	}
}

func run(bin string, clients int, dur time.Duration) error {
	url, drop, err := testdb.CreateDatabase("bench_core", testdb.Schema{Name: "core", FS: migrations.Core})
	if err != nil {
		return err
	}
	defer drop()
	p, err := benchkit.Start(bin, map[string]string{
		"CORE_DATABASE_URL": url, "LOG_LEVEL": "error", "AMQP_EXCHANGE": "bench.core",
		"JWT_SECRET":               "bench-secret-0123456789-0123456789-0123",
		"BOOTSTRAP_ADMIN_EMAIL":    "bench@bench.local",
		"BOOTSTRAP_ADMIN_PASSWORD": "bench-password-1",
	}, io.Discard)
	if err != nil {
		return err
	}
	defer p.Stop()
	hc := benchkit.Client(clients)
	body, _ := json.Marshal(map[string]string{"email": "bench@bench.local", "password": "bench-password-1"})
	login := func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(context.Background(), "POST", p.Base+"/api/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return req, err
	}
	req, _ := login()
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	var tp struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tp)
	resp.Body.Close()
	if tp.AccessToken == "" {
		return fmt.Errorf("login failed: %d", resp.StatusCode)
	}

	fmt.Printf("core, %d clients, %s each (2-core machine, server and load generator share it)\n", clients, dur)
	health := benchkit.Run("GET /health (baseline)", clients, dur, func(int) error {
		req, _ := http.NewRequest("GET", p.Base+"/health", nil)
		return benchkit.Do(hc, req, 200)
	})
	fmt.Println(health)
	me := benchkit.Run("GET /api/auth/me", clients, dur, func(int) error {
		req, _ := http.NewRequest("GET", p.Base+"/api/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+tp.AccessToken)
		return benchkit.Do(hc, req, 200)
	})
	fmt.Println(me)
	lg := benchkit.Run("POST /api/auth/login (Argon2id m=19MiB t=2 p=1)", clients, dur, func(int) error {
		req, _ := login()
		return benchkit.Do(hc, req, 200)
	})
	fmt.Println(lg)
	fmt.Printf("ratios to GET /health: me %.2f, login %.3f\n", me.RPS()/health.RPS(), lg.RPS()/health.RPS())
	return nil
}
