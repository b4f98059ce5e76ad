package app

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"ecosystem/pkg/shared/testkit"
)

// parallel runs f(i) for i in [0, n) in n goroutines released together and
// counts the returned statuses.
func parallel(n int, f func(i int) int) map[int]int {
	var wg sync.WaitGroup
	start := make(chan struct{})
	out := make(chan int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out <- f(i)
		}()
	}
	close(start)
	wg.Wait()
	close(out)
	counts := map[int]int{}
	for s := range out {
		counts[s]++
	}
	return counts
}

// balance reads a balance straight from the table.
func balance(t *testing.T, tenant, producto, bodega string) string {
	t.Helper()
	var q string
	testDB.Raw("SELECT cantidad::text FROM inventario.stock WHERE tenant_id = ? AND producto_id = ? AND bodega_id = ?", tenant, producto, bodega).Scan(&q)
	return q
}

func TestRetirosConcurrentes(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Retiros")
	prod := a.producto("HOT")
	bod := a.principal()
	a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": "20", "costo_unitario": "10"})

	var mu sync.Mutex
	codes := map[string]int{}
	statuses := parallel(50, func(int) int {
		r := a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": bod, "cantidad": "1"})
		if r.Status == 409 {
			var e testkit.ErrorBody
			r.JSON(&e)
			mu.Lock()
			codes[e.Code]++
			mu.Unlock()
		}
		return r.Status
	})
	if statuses[201] != 20 || statuses[409] != 30 || codes["stock_insuficiente"] != 30 {
		t.Fatalf("statuses %v, 409 codes %v; want 20×201 and 30×409 stock_insuficiente", statuses, codes)
	}
	if q := balance(t, a.ID, prod, bod); q != "0.0000" {
		t.Fatalf("balance %s, want 0", q)
	}
	var salidas int64
	testDB.Raw("SELECT count(*) FROM inventario.movimientos WHERE tenant_id = ? AND tipo = 'salida'", a.ID).Scan(&salidas)
	if salidas != 20 {
		t.Fatalf("%d salidas in the ledger", salidas)
	}
}

func TestTransferenciasCruzadas(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Cruzadas")
	prod := a.producto("CRUZ")
	x, y := a.principal(), a.bodega("OTRA")
	a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": x, "cantidad": "1000", "costo_unitario": "10"})
	a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": y, "cantidad": "1000", "costo_unitario": "30"})

	statuses := parallel(16, func(i int) int {
		from, to := x, y
		if i%2 == 1 {
			from, to = y, x
		}
		for range 25 {
			r := a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "transferencia", "producto_id": prod, "bodega_id": from, "bodega_destino_id": to, "cantidad": "1"})
			if r.Status != 201 {
				t.Errorf("transfer: %d %s", r.Status, r.Body)
				return r.Status
			}
		}
		return 201
	})
	if statuses[201] != 16 {
		t.Fatalf("statuses %v", statuses)
	}
	if bx, by := balance(t, a.ID, prod, x), balance(t, a.ID, prod, y); bx != "1000.0000" || by != "1000.0000" {
		t.Fatalf("balances %s + %s, want 1000 each (200 each way)", bx, by)
	}
	// Both balances existed, so nothing should have needed a retry: the
	// locks are taken in bodega order and there was no deadlock to recover
	// from (a retried one would have been invisible to the client).
	if n := metric(t, h, "stock_movement_retries_total"); n != "0" {
		t.Fatalf("%s movement transactions were retried", n)
	}
}

// metric reads one unlabelled sample from the harness's /metrics.
func metric(t *testing.T, h *harness, name string) string {
	t.Helper()
	for _, line := range strings.Split(string(h.api.Get("/metrics").Want(200).Body), "\n") {
		if v, ok := strings.CutPrefix(line, name+"{"); ok {
			return v[strings.LastIndexByte(v, ' ')+1:]
		}
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("metric %s not exposed", name)
	return ""
}

func TestMismaClaveEnParalelo(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Misma clave")
	prod := a.producto("IDEM")
	bod := a.principal()
	a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": "100", "costo_unitario": "10"})

	c := *a.Bodega
	c.Header = map[string][]string{"Idempotency-Key": {"retiro-unico-42"}}
	var mu sync.Mutex
	bodies := map[string]int{}
	statuses := parallel(20, func(int) int {
		r := c.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": bod, "cantidad": "7"})
		mu.Lock()
		bodies[string(r.Body)]++
		mu.Unlock()
		return r.Status
	})
	if statuses[201] != 20 || len(bodies) != 1 {
		t.Fatalf("statuses %v, %d different bodies", statuses, len(bodies))
	}
	if q := balance(t, a.ID, prod, bod); q != "93.0000" {
		t.Fatalf("balance %s, want 93 (applied once)", q)
	}
	var n int64
	testDB.Raw("SELECT count(*) FROM inventario.movimientos WHERE tenant_id = ? AND tipo = 'salida'", a.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("%d salidas booked", n)
	}
}

// TestMezclaAleatoria throws a few thousand random movements from many
// goroutines at a few products and bodegas, then checks the ledger against
// the balances: every balance is the sum of its kardex, no running balance
// ever went negative, and replaying the kardex with the weighted-average rule
// (implemented here independently, in exact rationals) gives every stored
// average.
func TestMezclaAleatoria(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Mezcla")
	prods := []string{a.producto("MIX-1"), a.producto("MIX-2"), a.producto("MIX-3")}
	bods := []string{a.principal(), a.bodega("B2"), a.bodega("B3")}

	var mu sync.Mutex
	ids := []string{}
	unexpected := []string{}
	const workers, perWorker = 24, 125
	parallel(workers, func(w int) int {
		rng := rand.New(rand.NewPCG(uint64(w), 42))
		for range perWorker {
			p, b := prods[rng.IntN(3)], bods[rng.IntN(3)]
			q := fmt.Sprintf("%d.%04d", rng.IntN(8), rng.IntN(10000))
			if q == "0.0000" {
				q = "1"
			}
			body := map[string]any{"producto_id": p, "bodega_id": b, "cantidad": q}
			path := "/api/stock/movimientos"
			switch r := rng.IntN(100); {
			case r < 35:
				body["tipo"], body["costo_unitario"] = "entrada", fmt.Sprintf("%d.%06d", rng.IntN(500), rng.IntN(1000000))
			case r < 65:
				body["tipo"] = "salida"
			case r < 82:
				body["tipo"], body["bodega_destino_id"] = "transferencia", bods[(rng.IntN(2)+1+indexOf(bods, b))%3]
			case r < 92:
				body["tipo"], body["cantidad"] = "ajuste", fmt.Sprintf("%d.%04d", rng.IntN(30), rng.IntN(10000))
				if rng.IntN(2) == 0 {
					body["costo_unitario"] = fmt.Sprintf("%d.%02d", rng.IntN(300), rng.IntN(100))
				}
			default:
				mu.Lock()
				if len(ids) == 0 {
					mu.Unlock()
					continue
				}
				path, body = "/api/stock/movimientos/"+ids[rng.IntN(len(ids))]+"/reversar", nil
				mu.Unlock()
			}
			var r *testkit.Response
			if body == nil {
				r = a.Bodega.Post(path, nil)
			} else {
				r = a.Bodega.Post(path, body)
			}
			mu.Lock()
			switch {
			case r.Status == 201:
				var m movimiento
				r.JSON(&m)
				ids = append(ids, m.ID)
			case r.Status == 409 && strings.Contains(string(r.Body), `"stock_insuficiente"`),
				r.Status == 409 && strings.Contains(string(r.Body), `"movimiento_ya_reversado"`),
				r.Status == 409 && strings.Contains(string(r.Body), `"movimiento_es_reverso"`),
				r.Status == 409 && strings.Contains(string(r.Body), `"reverso_sin_efecto"`):
			default:
				unexpected = append(unexpected, fmt.Sprintf("%d %s", r.Status, r.Body))
			}
			mu.Unlock()
		}
		return 0
	})
	if len(unexpected) > 0 {
		t.Fatalf("%d unexpected answers, e.g. %s", len(unexpected), unexpected[0])
	}
	if len(ids) < workers*perWorker/3 {
		t.Fatalf("only %d movements booked", len(ids))
	}
	checkLedger(t, a.ID)
	t.Logf("%d movements booked", len(ids))
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// checkLedger verifies a tenant's balances against its kardex.
func checkLedger(t *testing.T, tenant string) {
	t.Helper()
	type line struct {
		ProductoID, BodegaID              string
		Variacion, CostoUnitario, Valor   string
		SaldoCantidad, SaldoCostoPromedio string
	}
	var lines []line
	testDB.Raw(`SELECT producto_id, bodega_id, variacion::text, costo_unitario::text, valor::text,
	                   saldo_cantidad::text, saldo_costo_promedio::text
	              FROM inventario.kardex WHERE tenant_id = ? ORDER BY seq, lado`, tenant).Scan(&lines)
	type state struct{ q, avg *big.Rat }
	run := map[string]*state{}
	for i, l := range lines {
		k := l.ProductoID + "/" + l.BodegaID
		s := run[k]
		if s == nil {
			s = &state{q: new(big.Rat), avg: new(big.Rat)}
			run[k] = s
		}
		v, c := rat(l.Variacion), rat(l.CostoUnitario)
		if v.Sign() > 0 {
			if s.q.Sign() == 0 {
				s.avg = c
			} else {
				num := new(big.Rat).Add(new(big.Rat).Mul(s.q, s.avg), new(big.Rat).Mul(v, c))
				s.avg = roundHalfUp(num.Quo(num, new(big.Rat).Add(s.q, v)), 6)
			}
		}
		s.q = new(big.Rat).Add(s.q, v)
		if s.q.Sign() < 0 {
			t.Fatalf("line %d: running balance negative (%s)", i, s.q.FloatString(4))
		}
		if s.q.Cmp(rat(l.SaldoCantidad)) != 0 || s.avg.Cmp(rat(l.SaldoCostoPromedio)) != 0 {
			t.Fatalf("line %d %s: recomputed %s @ %s, stored %s @ %s", i, k, s.q.FloatString(4), s.avg.FloatString(6), l.SaldoCantidad, l.SaldoCostoPromedio)
		}
		if want := roundHalfUp(new(big.Rat).Mul(v, c), 2); want.Cmp(rat(l.Valor)) != 0 {
			t.Fatalf("line %d: valor %s, want %s", i, l.Valor, want.FloatString(2))
		}
	}
	type bal struct{ ProductoID, BodegaID, Cantidad, CostoPromedio string }
	var bals []bal
	testDB.Raw(`SELECT producto_id, bodega_id, cantidad::text, costo_promedio::text FROM inventario.stock WHERE tenant_id = ?`, tenant).Scan(&bals)
	if len(bals) != len(run) {
		t.Fatalf("%d balances, %d kardex series", len(bals), len(run))
	}
	for _, b := range bals {
		s := run[b.ProductoID+"/"+b.BodegaID]
		if s == nil || s.q.Cmp(rat(b.Cantidad)) != 0 || s.avg.Cmp(rat(b.CostoPromedio)) != 0 {
			t.Fatalf("balance %+v differs from its ledger (%v)", b, s)
		}
	}
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad decimal " + s)
	}
	return r
}

// roundHalfUp rounds a non-negative or negative rational half away from zero.
func roundHalfUp(r *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewRat(1, 2))
	n := new(big.Int).Quo(x.Num(), x.Denom())
	if neg {
		n.Neg(n)
	}
	return new(big.Rat).SetFrac(n, scale)
}
