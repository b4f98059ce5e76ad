// Command inventario-bench measures inventario's hot path against the
// database alone (issue "Measure"). In one go, on one fresh database, it:
//
//  1. creates the database and runs inventario's migrations;
//  2. starts inventario in this process (production settings, logs
//     formatted and discarded) behind a fake core;
//  3. seeds a tenant with 1,000 products and 1,000,000 units of each
//     (through the API) and refreshes the planner statistics;
//  4. runs POST /api/stock/movimientos at 16 clients, 50/50 entrada/salida of
//     one unit, spread over the 1,000 products and then on one hot product;
//  5. runs pgbench with a custom script doing the same SQL transaction (the
//     same statements, in the same two pipelined round trips) on the same
//     database, for both workloads, alternating with the HTTP runs in slices
//     so that background load on the machine hits both alike;
//  6. runs GET /api/stock?page_size=50;
//
// and prints req/s, p50 and p99 for each, the ratio HTTP/pgbench, and how
// the machine's CPU was spent per request (this process, Postgres, anything
// else), which on a 2-core machine is what limits the figures. It checks the
// ledger at the end and drops the database (-keep keeps it). Linux only (it
// reads /proc); about 80 s with the defaults.
//
//	cd services/inventario && go run ./cmd/inventario-bench
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/benchkit"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/services/inventario/internal/app"
)

const (
	secret   = "bench-secret-0123456789-0123456789-abcdef"
	products = 1000
)

var rounds = 3

func main() {
	duration := flag.Duration("duration", 15*time.Second, "measured time of each workload (HTTP and pgbench each)")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time before each workload")
	clients := flag.Int("clients", 16, "concurrent clients (HTTP and pgbench)")
	keep := flag.Bool("keep", false, "keep the benchmark database")
	only := flag.String("only", "", "run only the workloads whose name contains this (\"1000\", \"hot\", \"GET\")")
	flag.IntVar(&rounds, "rounds", 3, "alternating HTTP/pgbench slices per workload")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process (client and service) to this file")
	memprofile := flag.String("memprofile", "", "write an allocation profile of this process to this file")
	flag.Parse()
	if *memprofile != "" {
		defer func() {
			if f, err := os.Create(*memprofile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "inventario-bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*duration, *warmup, *clients, *keep, *only); err != nil {
		fmt.Fprintln(os.Stderr, "inventario-bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// result is one measured workload: the latency of every request that
// started inside the measured time.
type result struct {
	lat     []time.Duration
	elapsed time.Duration
	cpu     cpu
}

func (r result) rps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

// add merges another run of the same workload.
func (r result) add(o result) result {
	return result{lat: append(r.lat, o.lat...), elapsed: r.elapsed + o.elapsed, cpu: r.cpu.add(o.cpu)}
}

// pct returns the p-th percentile latency.
func (r result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	return r.lat[len(r.lat)*p/100]
}

func run(duration, warmup time.Duration, clients int, keep bool, only string) error {
	pgbench, err := exec.LookPath("pgbench")
	if err != nil {
		return errors.New("pgbench not found (apt-get install postgresql-client)")
	}
	fmt.Printf("inventario-bench: %d clients, %s per workload (+%s warm-up), GOMAXPROCS=%d, %d CPUs\n",
		clients, duration, warmup, runtime.GOMAXPROCS(0), runtime.NumCPU())

	// 1. A fresh database with inventario's migrations.
	dbURL, drop, err := testdb.CreateDatabase("bench", testdb.Schema{Name: app.Schema, FS: migrations.Inventario})
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("database:", dbURL)
	} else {
		defer drop()
	}

	// 2. inventario in-process, behind a fake core that knows one tenant.
	tenant := uuid.NewString()
	core := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/tenants/"+tenant {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"nombre":"Bench","rut":"76.000.000-0","activo":true}`, tenant)
	}))
	defer core.Close()
	port, err := benchkit.FreePort()
	if err != nil {
		return err
	}
	env := map[string]string{
		"INVENTARIO_DATABASE_URL": dbURL, "JWT_SECRET": secret, "CORE_API_URL": core.URL, "AMQP_EXCHANGE": "bench.inventario",
		"HOST": "127.0.0.1", "PORT": strconv.Itoa(port), "LOG_LEVEL": "info", "APP_ENV": "production",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Logs are formatted as in production and thrown away.
	go func() { done <- app.Run(ctx, func(k string) string { return env[k] }, io.Discard, []string{"serve"}) }()
	defer func() { cancel(); <-done }()
	if err := benchkit.WaitReady(fmt.Sprintf("http://127.0.0.1:%d", port), done); err != nil {
		return err
	}
	token, _, err := auth.NewSigner(secret).Issue(uuid.NewString(), tenant, "bench@bench.test", []string{auth.RoleBodega})
	if err != nil {
		return err
	}
	// Each load goroutine has its own connection (see rawClient); do finds it
	// through the pool, so the seed and the workloads share the code.
	pool := &clientPool{addr: fmt.Sprintf("127.0.0.1:%d", port), auth: "Bearer " + token}
	defer pool.close()
	do := pool.do
	// 3. Seed: 1,000 products with ids pgbench can compute from 1..1000, the
	// PRINCIPAL bodega (first use), and 1,000,000 units of each through the API.
	sqlDB, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	if _, err := sqlDB.Exec(`INSERT INTO inventario.productos (id, tenant_id, sku, nombre, stock_minimo)
		SELECT ('00000000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid, $1, 'BENCH-' || n, 'Producto ' || n, 10
		  FROM generate_series(1, $2) n`, tenant, products); err != nil {
		return err
	}
	status, body, err := do("GET", "/api/stock/bodegas", nil)
	if err != nil || status != 200 {
		return fmt.Errorf("list bodegas: %d %s %v", status, body, err)
	}
	var bodega string
	if err := sqlDB.QueryRow(`SELECT id FROM inventario.bodegas WHERE tenant_id = $1 AND principal`, tenant).Scan(&bodega); err != nil {
		return err
	}
	bodies := make([][2][]byte, products+1) // [n] = {entrada, salida}
	for n := 1; n <= products; n++ {
		pid := productID(n)
		bodies[n][0] = fmt.Appendf(nil, `{"tipo":"entrada","producto_id":%q,"bodega_id":%q,"cantidad":"1","costo_unitario":"%d.%02d"}`, pid, bodega, 10+n%10, n%100)
		bodies[n][1] = fmt.Appendf(nil, `{"tipo":"salida","producto_id":%q,"bodega_id":%q,"cantidad":"1"}`, pid, bodega)
	}
	seedStart := time.Now()
	if err := fanOut(clients, products, func(i int) error {
		b := fmt.Appendf(nil, `{"tipo":"entrada","producto_id":%q,"bodega_id":%q,"cantidad":"1000000","costo_unitario":"10"}`, productID(i+1), bodega)
		status, body, err := do("POST", "/api/stock/movimientos", b)
		if err == nil && status != 201 {
			err = fmt.Errorf("seed: %d %s", status, body)
		}
		return err
	}); err != nil {
		return err
	}
	// Fresh statistics, as autovacuum would have after a bulk load, so the
	// planner sees 1,000 products rather than an empty table.
	if _, err := sqlDB.Exec(`ANALYZE`); err != nil {
		return err
	}
	fmt.Printf("seeded %d products with stock in %s\n\n", products, time.Since(seedStart).Round(time.Millisecond))

	// The pgbench script: the same transaction as the service's hot path.
	var payload string
	if err := sqlDB.QueryRow(`SELECT payload::text FROM inventario.outbox ORDER BY id DESC LIMIT 1`).Scan(&payload); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "inventario-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pg := pgbenchRun{bin: pgbench, dbURL: dbURL, dir: dir, clients: clients, vars: map[string]string{
		"tenant": tenant, "bodega": bodega, "payload": payload,
	}}

	// 4–6. The workloads.
	post := func(pick func(r *rand.Rand) int) func(r *rand.Rand) (string, string, []byte) {
		return func(r *rand.Rand) (string, string, []byte) {
			return "POST", "/api/stock/movimientos", bodies[pick(r)][r.IntN(2)]
		}
	}
	spread := func(r *rand.Rand) int { return 1 + r.IntN(products) }
	hot := func(*rand.Rand) int { return 1 }

	// Each HTTP workload and its pgbench twin run in alternating slices
	// (rounds) rather than one after the other, so that a change in the
	// machine's background load during the run hits both sides alike.
	type row struct {
		name string
		r    result
	}
	var rows []row
	report := func(name string, r result) {
		rows = append(rows, row{name, r})
		fmt.Printf("  %-44s %9.0f req/s  p50 %6.2f ms  p99 %7.2f ms\n", name, r.rps(), ms(r.pct(50)), ms(r.pct(99)))
	}
	// normalized is the ratio the CPU accounting predicts if Postgres spent
	// as much per transaction under the service as under pgbench: what is
	// left is the cost of the service and its client against pgbench's
	// client. pgbench's script computes in SQL what the service computes in
	// Go and starts fresh backends for every slice, so Postgres usually
	// spends somewhat more per pgbench transaction, which flatters the raw
	// ratio; this one does not.
	normalized := func(h, b result) float64 {
		nh, nb := float64(len(h.lat)), float64(len(b.lat))
		pg := b.cpu.pg.Seconds() / nb
		return (pg + b.cpu.pgbench.Seconds()/nb) / (pg + h.cpu.self.Seconds()/nh)
	}
	var spreadNorm, hotNorm float64
	pair := func(label string, pick func(r *rand.Rand) int, sc string, norm *float64) (float64, error) {
		if only != "" && !strings.Contains(label, only) {
			return 0, nil
		}
		if _, err := httpLoad(do, clients, warmup, 0, 201, post(pick)); err != nil {
			return 0, err
		}
		if _, err := pg.run(sc, warmup, 0); err != nil {
			return 0, err
		}
		var h, b result
		slice := duration / time.Duration(rounds)
		for range rounds {
			r, err := httpLoad(do, clients, 0, slice, 201, post(pick))
			if err != nil {
				return 0, fmt.Errorf("HTTP %s: %w", label, err)
			}
			h = h.add(r)
			if r, err = pg.run(sc, 0, slice); err != nil {
				return 0, fmt.Errorf("pgbench %s: %w", label, err)
			}
			b = b.add(r)
		}
		report("HTTP POST /api/stock/movimientos, "+label, h)
		report("pgbench, same transaction, "+label, b)
		*norm = normalized(h, b)
		return h.rps() / b.rps(), nil
	}
	spreadRatio, err := pair("1000 products", spread, script(products), &spreadNorm)
	if err != nil {
		return err
	}
	hotRatio, err := pair("hot product", hot, script(1), &hotNorm)
	if err != nil {
		return err
	}
	if only == "" || strings.Contains("GET /api/stock", only) {
		r, err := httpLoad(do, clients, warmup, duration/2, 200, func(*rand.Rand) (string, string, []byte) {
			return "GET", "/api/stock?page_size=50", nil
		})
		if err != nil {
			return fmt.Errorf("GET /api/stock: %w", err)
		}
		report("HTTP GET /api/stock?page_size=50", r)
	}

	// CPU per request: "client+service" is this process (the load generator
	// and inventario; for pgbench rows, pgbench itself), "postgres" every
	// postgres process, "other" whatever else the machine ran meanwhile.
	fmt.Printf("\n%-44s %8s %8s %8s | %s\n", "workload", "req/s", "p50 ms", "p99 ms", "CPU µs/req: client+service  postgres  other")
	for _, r := range rows {
		n, c := len(r.r.lat), r.r.cpu
		own := c.self
		if c.pgbench > 0 {
			own = c.pgbench
		}
		other := c.machine - c.self - c.pg - c.pgbench
		fmt.Printf("%-44s %8.0f %8.2f %8.2f | %26.0f %9.0f %6.0f\n", r.name, r.r.rps(), ms(r.r.pct(50)), ms(r.r.pct(99)),
			perRequest(own, n), perRequest(c.pg, n), perRequest(max(other, 0), n))
	}
	if spreadRatio > 0 {
		fmt.Printf("\nratio HTTP/pgbench, 1000 products: %.2f   at equal Postgres CPU per transaction: %.2f   (target ≥ 0.80, p99 < 25 ms)\n",
			spreadRatio, spreadNorm)
	}
	if hotRatio > 0 {
		fmt.Printf("ratio HTTP/pgbench, hot product:   %.2f   at equal Postgres CPU per transaction: %.2f\n", hotRatio, hotNorm)
	}
	return checkLedger(sqlDB, tenant)
}

// rawClient is a minimal HTTP/1.1 keep-alive client: one connection, one
// request at a time, no goroutines of its own. The load generator uses it
// rather than net/http's client, whose per-request hand-offs between the
// caller, a writer and a reader goroutine cost about as much CPU as the
// service's own HTTP layer — on this 2-core machine that CPU is taken from
// Postgres and inventario. pgbench's client is lean C; this keeps the HTTP
// side of the comparison equally lean (it is what wrk does).
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader
	buf  []byte
	body []byte
}

func dial(addr string) (*rawClient, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawClient{conn: c, br: bufio.NewReaderSize(c, 64<<10)}, nil
}

func (c *rawClient) do(method, path, auth string, body []byte) (int, []byte, error) {
	c.buf = append(c.buf[:0], method...)
	c.buf = append(c.buf, ' ')
	c.buf = append(c.buf, path...)
	c.buf = append(c.buf, " HTTP/1.1\r\nHost: inventario\r\nAuthorization: "...)
	c.buf = append(c.buf, auth...)
	if body != nil {
		c.buf = append(c.buf, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		c.buf = strconv.AppendInt(c.buf, int64(len(body)), 10)
	}
	c.buf = append(c.buf, "\r\n\r\n"...)
	c.buf = append(c.buf, body...)
	if _, err := c.conn.Write(c.buf); err != nil {
		return 0, nil, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(h) <= 2 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, _ = strconv.Atoi(string(value))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		for {
			h, err := c.br.ReadSlice('\n')
			if err != nil {
				return 0, nil, err
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace(h)), 16, 64)
			if err != nil {
				return 0, nil, fmt.Errorf("bad chunk size %q", h)
			}
			if err := c.read(int(n) + 2); err != nil { // data and its CRLF
				return 0, nil, err
			}
			c.body = c.body[:len(c.body)-2]
			if n == 0 {
				return status, c.body, nil
			}
		}
	case length >= 0:
		return status, c.body, c.read(length)
	}
	return 0, nil, errors.New("response without length")
}

func (c *rawClient) read(n int) error {
	start := len(c.body)
	c.body = slices.Grow(c.body, n)[:start+n]
	_, err := io.ReadFull(c.br, c.body[start:])
	return err
}

// clientPool hands each caller an idle connection, dialling when none is.
type clientPool struct {
	addr, auth string
	mu         sync.Mutex
	idle       []*rawClient
}

func (p *clientPool) do(method, path string, body []byte) (int, []byte, error) {
	p.mu.Lock()
	var c *rawClient
	if n := len(p.idle); n > 0 {
		c, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.mu.Unlock()
	if c == nil {
		var err error
		if c, err = dial(p.addr); err != nil {
			return 0, nil, err
		}
	}
	status, b, err := c.do(method, path, p.auth, body)
	if err != nil {
		c.conn.Close()
		return 0, nil, err
	}
	b = slices.Clone(b)
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	return status, b, nil
}

func (p *clientPool) close() {
	for _, c := range p.idle {
		c.conn.Close()
	}
}

// productID is the id of the n-th seeded product (pgbench computes it the
// same way from n).
func productID(n int) string { return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fanOut runs f(0..n-1) on k goroutines and returns the first error.
func fanOut(k, n int, f func(i int) error) error {
	var mu sync.Mutex
	var first error
	next := 0
	var wg sync.WaitGroup
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= n || first != nil
				mu.Unlock()
				if stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// httpLoad runs clients loops of requests for warmup+duration and measures
// the requests that started after the warm-up.
func httpLoad(do func(string, string, []byte) (int, []byte, error), clients int, warmup, duration time.Duration, want int,
	next func(r *rand.Rand) (string, string, []byte)) (result, error) {
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+duration)
	before := sampleCPU()
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), uint64(start.UnixNano())))
			for {
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				method, path, body := next(r)
				status, b, err := do(method, path, body)
				if err == nil && status != want {
					err = fmt.Errorf("%s %s: %d %s", method, path, status, b)
				}
				if err != nil {
					errs[c] = err
					return
				}
				if !t0.Before(from) {
					lat[c] = append(lat[c], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	r := summarize(slices.Concat(lat...), duration)
	r.cpu = sampleCPU().sub(before)
	return r, nil
}

func summarize(lat []time.Duration, elapsed time.Duration) result {
	return result{lat: lat, elapsed: elapsed}
}

// script is the pgbench transaction of the service's hot path: batch 1
// (BEGIN; one statement reading product and bodega and locking the balance)
// and batch 2 (one
// statement updating the balance, inserting the ledger row and the outbox
// event, then COMMIT), each sent as one pipeline like the service sends it.
// The service computes the new balance in Go from what batch 1 read; pgbench
// cannot carry values from one pipeline to the next, so it computes them in
// SQL from the locked row (UPDATE … RETURNING feeding the INSERT). The event
// payload is a real one from the seed, sent as a parameter so that it is
// parsed on every transaction as the service's is.
func script(n int) string {
	pick := fmt.Sprintf(`\set n random(1, %d)`, n)
	if n == 1 {
		pick = `\set n 1`
	}
	return pick + `
\set e random(0, 1)
\set c random(1000, 1999)
\startpipeline
BEGIN;
SELECT 'p', id, activo, stock_minimo::text, sku, NULL::text, NULL::text FROM inventario.productos WHERE tenant_id = :tenant AND id = ('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid UNION ALL SELECT 'b', id, activa, NULL, codigo, NULL, NULL FROM inventario.bodegas WHERE tenant_id = :tenant AND id IN (:bodega, :bodega) UNION ALL SELECT 's', l.bodega_id, NULL, NULL, NULL, l.cantidad::text, l.costo_promedio::text FROM (SELECT bodega_id, cantidad, costo_promedio FROM inventario.stock WHERE tenant_id = :tenant AND producto_id = ('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid AND bodega_id IN (:bodega, :bodega) ORDER BY bodega_id FOR UPDATE) l;
\endpipeline
\startpipeline
WITH w0 AS (UPDATE inventario.stock SET cantidad = cantidad + CASE WHEN :e = 1 THEN 1 ELSE -1 END, costo_promedio = CASE WHEN :e = 1 THEN round((cantidad * costo_promedio + :c / 100.0) / (cantidad + 1), 6) ELSE costo_promedio END, updated_at = now() WHERE tenant_id = :tenant AND producto_id = ('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid AND bodega_id = :bodega RETURNING producto_id, cantidad, costo_promedio), w1 AS (INSERT INTO inventario.movimientos (id, tenant_id, tipo, producto_id, bodega_id, bodega_destino_id, cantidad, variacion, costo_unitario, valor, saldo_cantidad, saldo_costo_promedio, destino_saldo_cantidad, destino_saldo_costo_promedio, motivo, referencia, reverso_de, usuario_id, created_at) SELECT gen_random_uuid(), :tenant, CASE WHEN :e = 1 THEN 'entrada' ELSE 'salida' END, w0.producto_id, :bodega, NULL, 1, CASE WHEN :e = 1 THEN 1 ELSE -1 END, CASE WHEN :e = 1 THEN :c / 100.0 ELSE w0.costo_promedio END, round(CASE WHEN :e = 1 THEN :c / 100.0 ELSE -w0.costo_promedio END, 2), w0.cantidad, w0.costo_promedio, NULL, NULL, '', '', NULL, 'bench', now() FROM w0) INSERT INTO inventario.outbox (event_id, routing_key, aggregate_id, payload, created_at) VALUES (gen_random_uuid(), 'stock.movement.created', :n, :payload, now());
COMMIT;
\endpipeline
`
}

// pgbenchRun runs pgbench against the benchmark database.
type pgbenchRun struct {
	bin, dbURL, dir string
	clients         int
	vars            map[string]string
	runs            int
	childCPU        time.Duration
}

// run runs script for duration and returns its latencies; with a warmup it
// only runs it for that long and measures nothing.
func (p *pgbenchRun) run(script string, warmup, duration time.Duration) (result, error) {
	p.runs++
	file := filepath.Join(p.dir, fmt.Sprintf("script%d.sql", p.runs))
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		return result{}, err
	}
	if warmup > 0 {
		_, err := p.exec(file, warmup, "")
		return result{}, err
	}
	prefix := filepath.Join(p.dir, fmt.Sprintf("log%d", p.runs))
	before, child := sampleCPU(), p.childCPU
	if _, err := p.exec(file, duration, prefix); err != nil {
		return result{}, err
	}
	used := sampleCPU().sub(before)
	used.pgbench = p.childCPU - child
	logs, _ := filepath.Glob(prefix + ".*")
	var lat []time.Duration
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			return result{}, err
		}
		// client_id transaction_no time_us script_no time_epoch time_us_part
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Fields(line)
			if len(f) < 3 {
				continue
			}
			us, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return result{}, fmt.Errorf("pgbench log %q: %w", line, err)
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
	}
	r := summarize(lat, duration)
	r.cpu = used
	return r, nil
}

func (p *pgbenchRun) exec(file string, d time.Duration, logPrefix string) (string, error) {
	u, err := url.Parse(p.dbURL)
	if err != nil {
		return "", err
	}
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(p.clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Round(time.Second).Seconds())), "-f", file,
		"-h", u.Hostname(), "-p", orDefault(u.Port(), "5432"), "-U", orDefault(u.User.Username(), "postgres")}
	for k, v := range p.vars {
		args = append(args, "-D", k+"="+v)
	}
	if logPrefix != "" {
		args = append(args, "--log", "--log-prefix="+logPrefix)
	}
	args = append(args, strings.TrimPrefix(u.Path, "/"))
	cmd := exec.Command(p.bin, args...)
	cmd.Env = os.Environ()
	if pw, ok := u.User.Password(); ok {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+pw)
	}
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "aborted") {
		return "", fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	p.childCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return string(out), nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// checkLedger makes sure the benchmark left the books straight.
func checkLedger(db *sql.DB, tenant string) error {
	var bad int
	err := db.QueryRow(`
		SELECT count(*) FROM inventario.stock s
		 WHERE s.tenant_id = $1 AND s.cantidad <> (SELECT sum(k.variacion) FROM inventario.kardex k
		                                            WHERE k.tenant_id = s.tenant_id AND k.producto_id = s.producto_id AND k.bodega_id = s.bodega_id)`,
		tenant).Scan(&bad)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d balances differ from their ledger", bad)
	}
	fmt.Println("ledger check: every balance equals the sum of its movements")
	return nil
}
