package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	amqp "github.com/rabbitmq/amqp091-go"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/db/testdb"
)

func amqpURL() string {
	if u := os.Getenv("TEST_AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

func randName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "." + hex.EncodeToString(b)
}

var quiet = slog.New(slog.DiscardHandler)

// setup makes a database with an evt schema holding outbox, inbox and a
// business table, and a topology of the test's own.
func setup(t *testing.T) (*gorm.DB, Topology) {
	t.Helper()
	g, _ := testdb.New(t)
	for _, q := range []string{
		`CREATE SCHEMA evt`,
		`CREATE TABLE evt.outbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE,
			routing_key text NOT NULL, aggregate_id text NOT NULL, payload jsonb NOT NULL,
			created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz, attempts int NOT NULL DEFAULT 0, last_error text)`,
		`CREATE TABLE evt.inbox (event_id uuid PRIMARY KEY, event text NOT NULL, handled_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE evt.efectos (event_id uuid NOT NULL, n int NOT NULL)`,
	} {
		if err := g.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	top := NewTopology(randName("t"))
	t.Cleanup(func() { deleteTopology(top) })
	return g, top
}

var declared sync.Map // topology exchange → queues to delete

func deleteTopology(top Topology) {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	if qs, ok := declared.Load(top.Exchange); ok {
		for _, q := range qs.([]string) {
			_, _ = ch.QueueDelete(q, false, false, false)
			_, _ = ch.QueueDelete(q+".dlq", false, false, false)
		}
	}
	_, _ = ch.QueueDelete(top.Unrouted, false, false, false)
	for _, x := range []string{top.Exchange, top.Unrouted, top.DeadLetter} {
		_ = ch.ExchangeDelete(x, false, false)
	}
}

func remember(top Topology, q string) {
	old, _ := declared.LoadOrStore(top.Exchange, []string{})
	declared.Store(top.Exchange, append(old.([]string), q))
}

// proxy is a TCP forwarder the test can cut, to make the broker unreachable.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cut    atomic.Bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Cut() })
	return p
}

func (p *proxy) URL() string { return "amqp://guest:guest@" + p.ln.Addr().String() + "/" }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.cut.Load() {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

// Cut drops every connection and refuses new ones until Restore.
func (p *proxy) Cut() {
	p.cut.Store(true)
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

func (p *proxy) Restore() { p.cut.Store(false) }

// observe binds a plain queue to every key of the exchange and collects
// envelopes in arrival order.
func observe(t *testing.T, top Topology, key string) (func() []Envelope, func()) {
	t.Helper()
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := conn.Channel()
	if err := top.declareExchanges(ch); err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, key, top.Exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	ds, _ := ch.Consume(q.Name, "", true, true, false, false, nil)
	var mu sync.Mutex
	var got []Envelope
	go func() {
		for d := range ds {
			var e Envelope
			_ = json.Unmarshal(d.Body, &e)
			mu.Lock()
			got = append(got, e)
			mu.Unlock()
		}
	}()
	return func() []Envelope { mu.Lock(); defer mu.Unlock(); return append([]Envelope(nil), got...) }, func() { conn.Close() }
}

func addEvent(t *testing.T, g *gorm.DB, key, agg string, seq int) {
	t.Helper()
	err := g.Transaction(func(tx *gorm.DB) error {
		_, err := Outbox{Schema: "evt"}.Add(context.Background(), tx, key, "prueba.evento", "tenant-1", agg, map[string]int{"seq": seq})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRelaySurvivesBrokerOutageInOrder(t *testing.T) {
	g, top := setup(t)
	px := newProxy(t, "127.0.0.1:5672")
	got, stop := observe(t, top, "#")
	defer stop()
	r := NewRelay(RelayConfig{DB: g, Schema: "evt", AMQPURL: px.URL(), Topology: top, Log: testLog(t), MaxBackoff: 300 * time.Millisecond, PollInterval: 20 * time.Millisecond, BatchSize: 20})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	const perAgg = 150
	aggs := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	for _, a := range aggs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= perAgg; i++ {
				addEvent(t, g, "prueba."+a, a, i)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	// Cut the broker off three times while changes keep happening.
	for i := 0; i < 3; i++ {
		time.Sleep(80 * time.Millisecond)
		px.Cut()
		time.Sleep(250 * time.Millisecond)
		if r.Connected() && i > 0 {
			t.Log("relay still reports connected right after the cut (detected on next use)")
		}
		px.Restore()
	}
	wg.Wait()
	waitFor(t, 30*time.Second, "every event", func() bool {
		seen := map[string]bool{}
		for _, e := range got() {
			seen[e.ID] = true
		}
		return len(seen) == perAgg*len(aggs)
	})
	// In order per aggregate, counting each event at its first arrival
	// (a publish cut before its confirm may legitimately arrive twice).
	last := map[string]int{}
	seen := map[string]bool{}
	for _, e := range got() {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		var d struct{ Seq int }
		_ = json.Unmarshal(e.Data, &d)
		agg := aggOf(t, g, e.ID)
		last[agg] = checkNext(t, last[agg], d.Seq, e.ID)
	}
	var unsent int64
	g.Raw("SELECT count(*) FROM evt.outbox WHERE published_at IS NULL").Scan(&unsent)
	if unsent != 0 {
		t.Fatalf("%d events still unsent", unsent)
	}
}

func aggOf(t *testing.T, g *gorm.DB, eventID string) string {
	var a string
	g.Raw("SELECT aggregate_id FROM evt.outbox WHERE event_id = ?", eventID).Scan(&a)
	return a
}

func checkNext(t *testing.T, prev, seq int, id string) int {
	t.Helper()
	if seq != prev+1 {
		t.Fatalf("event %s: seq %d after %d — out of order or lost", id, seq, prev)
	}
	return seq
}

func TestRelayTreatsReturnedMessagesAsFailures(t *testing.T) {
	g, top := setup(t)
	top.Unrouted = "" // no alternate exchange: nothing can take the event
	r := NewRelay(RelayConfig{DB: g, Schema: "evt", AMQPURL: amqpURL(), Topology: top, Log: quiet, PollInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	addEvent(t, g, "nadie.escucha", "x", 1)
	waitFor(t, 10*time.Second, "a recorded failure", func() bool {
		var n int64
		g.Raw("SELECT count(*) FROM evt.outbox WHERE published_at IS NULL AND attempts > 0 AND last_error LIKE 'unroutable%'").Scan(&n)
		return n == 1
	})
	// Once a queue is bound, the same event goes out.
	got, stop := observe(t, top, "nadie.*")
	defer stop()
	waitFor(t, 20*time.Second, "the event after binding", func() bool { return len(got()) == 1 })
	var unsent int64
	g.Raw("SELECT count(*) FROM evt.outbox WHERE published_at IS NULL").Scan(&unsent)
	if unsent != 0 {
		t.Fatal("event still unsent")
	}
}

// publishRaw sends a body straight to the test exchange.
func publishRaw(t *testing.T, top Topology, key string, body []byte) {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	if err := ch.PublishWithContext(context.Background(), top.Exchange, key, false, false, amqp.Publishing{Body: body, DeliveryMode: amqp.Persistent}); err != nil {
		t.Fatal(err)
	}
}

func envelope(t *testing.T, n int) []byte {
	b, _ := json.Marshal(Envelope{ID: newUUID(), Event: "prueba.evento", TenantID: "t1", OccurredAt: time.Now().UTC(), Version: 1, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))})
	return b
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// insertEffect is the business change of the test handler.
func insertEffect(ctx context.Context, tx *gorm.DB, env Envelope) error {
	var d struct{ N int }
	_ = json.Unmarshal(env.Data, &d)
	return tx.Exec("INSERT INTO evt.efectos (event_id, n) VALUES (?, ?)", env.ID, d.N).Error
}

func effects(g *gorm.DB, n int) int64 {
	var c int64
	g.Raw("SELECT count(*) FROM evt.efectos WHERE n = ?", n).Scan(&c)
	return c
}

func startConsumer(t *testing.T, cfg ConsumerConfig) *Consumer {
	t.Helper()
	remember(cfg.Topology, cfg.Queue)
	c := NewConsumer(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-c.Started():
	case <-time.After(15 * time.Second):
		t.Fatal("consumer did not start")
	}
	return c
}

func TestConsumerCrashAfterCommitBeforeAck(t *testing.T) {
	g, top := setup(t)
	px := newProxy(t, "127.0.0.1:5672")
	var crashed atomic.Bool
	queue := randName("q")
	c := startConsumer(t, ConsumerConfig{AMQPURL: px.URL(), Topology: top, Queue: queue, Keys: []string{"prueba.#"}, DB: g, Schema: "evt",
		Handler: insertEffect, Log: quiet, MaxBackoff: 200 * time.Millisecond,
		AfterCommit: func(Envelope) {
			if crashed.CompareAndSwap(false, true) {
				px.Cut() // the process "dies" between commit and ack
				time.Sleep(100 * time.Millisecond)
				px.Restore()
			}
		}})
	body := envelope(t, 7)
	publishRaw(t, top, "prueba.uno", body)
	var id string
	var e Envelope
	_ = json.Unmarshal(body, &e)
	id = e.ID
	// Redelivered after reconnect, found in the inbox, acked: still one effect.
	waitFor(t, 20*time.Second, "the redelivery recognised as a duplicate", func() bool {
		return testutil.ToFloat64(c.consumed.WithLabelValues(queue, "duplicate")) == 1
	})
	if n := effects(g, 7); n != 1 {
		t.Fatalf("effect applied %d times, want 1", n)
	}
	var inbox int64
	g.Raw("SELECT count(*) FROM evt.inbox WHERE event_id = ?", id).Scan(&inbox)
	if inbox != 1 {
		t.Fatalf("inbox rows %d", inbox)
	}
}

func TestConsumerCrashBeforeCommit(t *testing.T) {
	g, top := setup(t)
	px := newProxy(t, "127.0.0.1:5672")
	var calls atomic.Int64
	queue := randName("q")
	startConsumer(t, ConsumerConfig{AMQPURL: px.URL(), Topology: top, Queue: queue, Keys: []string{"prueba.#"}, DB: g, Schema: "evt",
		Log: quiet, MaxBackoff: 200 * time.Millisecond, Attempts: 1,
		Handler: func(ctx context.Context, tx *gorm.DB, env Envelope) error {
			if err := insertEffect(ctx, tx, env); err != nil {
				return err
			}
			if calls.Add(1) == 1 {
				px.Cut() // dies mid-transaction: the connection to the broker is gone
				go func() { time.Sleep(100 * time.Millisecond); px.Restore() }()
				return fmt.Errorf("crash before commit")
			}
			return nil
		}})
	publishRaw(t, top, "prueba.dos", envelope(t, 8))
	waitFor(t, 20*time.Second, "applied after redelivery", func() bool { return effects(g, 8) == 1 && calls.Load() >= 2 })
	time.Sleep(300 * time.Millisecond)
	if n := effects(g, 8); n != 1 {
		t.Fatalf("effect applied %d times, want 1", n)
	}
}

func TestPoisonMessageIsDeadLetteredAndConsumerGoesOn(t *testing.T) {
	g, top := setup(t)
	queue := randName("q")
	var tries atomic.Int64
	startConsumer(t, ConsumerConfig{AMQPURL: amqpURL(), Topology: top, Queue: queue, Keys: []string{"prueba.#"}, DB: g, Schema: "evt",
		Log: quiet, Attempts: 3, RetryBase: 10 * time.Millisecond,
		Handler: func(ctx context.Context, tx *gorm.DB, env Envelope) error {
			var d struct{ N int }
			_ = json.Unmarshal(env.Data, &d)
			if d.N == 666 {
				tries.Add(1)
				return fmt.Errorf("no sé procesar esto")
			}
			return insertEffect(ctx, tx, env)
		}})
	publishRaw(t, top, "prueba.veneno", envelope(t, 666))
	publishRaw(t, top, "prueba.basura", []byte("esto no es json"))
	publishRaw(t, top, "prueba.bueno", envelope(t, 9))
	waitFor(t, 20*time.Second, "the good event after the poison", func() bool { return effects(g, 9) == 1 })
	waitFor(t, 10*time.Second, "two messages in the DLQ", func() bool { return queueDepth(t, queue+".dlq") == 2 })
	if tries.Load() != 3 {
		t.Fatalf("poison tried %d times, want 3", tries.Load())
	}
	var inbox int64
	g.Raw("SELECT count(*) FROM evt.inbox").Scan(&inbox)
	if inbox != 1 {
		t.Fatalf("inbox has %d rows; a failed event must not be recorded as handled", inbox)
	}
}

func queueDepth(t *testing.T, q string) int {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	qi, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
	if err != nil {
		return -1
	}
	return qi.Messages
}

// testLog sends the component's log to the test output when -v is set.
func testLog(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return quiet
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
