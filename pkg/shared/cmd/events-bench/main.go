// Command events-bench measures the event path of DESIGN §8 on this
// machine, each figure next to a baseline from the same run:
//
//   - relay throughput: events/s the outbox relay publishes (with publisher
//     confirms, mandatory, marking rows sent) against raw confirmed
//     publishing of the same messages with no database;
//   - end-to-end latency from the producer's commit to the consumer's commit
//     (outbox → relay → RabbitMQ → consumer with inbox), p50/p99 at a steady
//     rate, against publish → receive of a bare message at the same rate.
//
// Run by `make bench`; it needs the local Postgres and RabbitMQ.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/testkit"
)

func main() {
	n := flag.Int("n", 10000, "events for the throughput measurement")
	rate := flag.Int("rate", 300, "events per second for the latency measurement")
	dur := flag.Duration("d", 10*time.Second, "duration of the latency measurement")
	batchFlag = flag.Int("batch", 0, "relay batch size (0: the relay's default)")
	flag.Parse()
	if err := run(*n, *rate, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "events-bench:", err)
		os.Exit(1)
	}
}

const schema = "evt"

var batchFlag *int

func run(n, rate int, dur time.Duration) error {
	url, drop, err := testdb.CreateDatabase("bench_events")
	if err != nil {
		return err
	}
	defer drop()
	quiet := slog.New(slog.DiscardHandler)
	g, err := db.Open(url, 20, quiet)
	if err != nil {
		return err
	}
	defer db.Close(g)
	for _, q := range []string{
		`CREATE SCHEMA evt`,
		`CREATE TABLE evt.outbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE,
			routing_key text NOT NULL, aggregate_id text NOT NULL, payload jsonb NOT NULL,
			created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz, attempts int NOT NULL DEFAULT 0, last_error text)`,
		`CREATE INDEX outbox_unsent_idx ON evt.outbox (id) WHERE published_at IS NULL`,
		`CREATE TABLE evt.inbox (event_id uuid PRIMARY KEY, event text NOT NULL, handled_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE evt.efectos (event_id uuid PRIMARY KEY)`,
	} {
		if err := g.Exec(q).Error; err != nil {
			return err
		}
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	top := events.NewTopology("bench." + hex.EncodeToString(b))
	queue := top.Exchange + ".q"
	defer func() { _ = top.Delete(testkit.AMQPURL(), queue) }()

	fmt.Printf("events: %d events for throughput, %d/s for %s for latency (2-core machine, Postgres and RabbitMQ local)\n", n, rate, dur)

	batch := *batchFlag
	if batch <= 0 {
		batch = 500 // the relay's default
	}
	base, err := rawPublish(top, n, batch)
	if err != nil {
		return err
	}
	relayRate, err := relayThroughput(g, top, n, batch)
	if err != nil {
		return err
	}
	fmt.Printf("%-52s %8.0f events/s\n", fmt.Sprintf("raw confirmed publish, batches of %d (baseline)", batch), base)
	fmt.Printf("%-52s %8.0f events/s   ratio %.2f\n", "outbox relay (confirms, mandatory, rows marked)", relayRate, relayRate/base)

	bp50, bp99, err := rawLatency(top, rate, dur)
	if err != nil {
		return err
	}
	p50, p99, err := endToEnd(g, top, queue, rate, dur)
	if err != nil {
		return err
	}
	fmt.Printf("%-52s p50 %6.2f ms   p99 %6.2f ms\n", "publish → receive, bare message (baseline)", ms(bp50), ms(bp99))
	fmt.Printf("%-52s p50 %6.2f ms   p99 %6.2f ms   (%.1fx / %.1fx)\n", "commit → consumer commit (outbox, relay, inbox)", ms(p50), ms(p99),
		float64(p50)/float64(bp50), float64(p99)/float64(bp99))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func dial(top events.Topology) (*amqp.Connection, *amqp.Channel, error) {
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		return nil, nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, ch, nil
}

// rawPublish publishes n messages with confirms, in batches as large as the
// relay's, straight from memory.
func rawPublish(top events.Topology, n, batch int) (float64, error) {
	conn, ch, err := dial(top)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if err := ch.ExchangeDeclare(top.Exchange+".raw", "topic", false, true, false, false, nil); err != nil {
		return 0, err
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return 0, err
	}
	if err := ch.QueueBind(q.Name, "#", top.Exchange+".raw", false, nil); err != nil {
		return 0, err
	}
	if err := ch.Confirm(false); err != nil {
		return 0, err
	}
	body, _ := json.Marshal(events.Envelope{ID: "x", Event: "bench", TenantID: "t", Version: 1, Data: json.RawMessage(`{"n":1}`)})
	start := time.Now()
	for sent := 0; sent < n; {
		var pending []*amqp.DeferredConfirmation
		for i := 0; i < batch && sent < n; i++ {
			dc, err := ch.PublishWithDeferredConfirmWithContext(context.Background(), top.Exchange+".raw", "bench.x", true, false,
				amqp.Publishing{ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: body})
			if err != nil {
				return 0, err
			}
			pending = append(pending, dc)
			sent++
		}
		for _, dc := range pending {
			dc.Wait()
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// relayThroughput fills the outbox with n events, then times a relay
// draining it.
func relayThroughput(g *gorm.DB, top events.Topology, n, batch int) (float64, error) {
	if err := g.Exec(`INSERT INTO evt.outbox (event_id, routing_key, aggregate_id, payload)
		SELECT gen_random_uuid(), 'bench.throughput', (i % 50)::text,
		       jsonb_build_object('id', gen_random_uuid(), 'event', 'bench', 'tenant_id', 't', 'version', 1, 'data', jsonb_build_object('n', i))
		FROM generate_series(1, ?) AS i`, n).Error; err != nil {
		return 0, err
	}
	conn, ch, err := dial(top)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = ch // the exchange is declared by the relay; the unrouted queue keeps the messages
	r := events.NewRelay(events.RelayConfig{DB: g, Schema: schema, AMQPURL: testkit.AMQPURL(), Topology: top,
		Log: slog.New(slog.DiscardHandler), PollInterval: 5 * time.Millisecond, BatchSize: batch})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { _ = r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for {
		var left int64
		if err := g.Raw("SELECT count(*) FROM evt.outbox WHERE published_at IS NULL").Scan(&left).Error; err != nil {
			return 0, err
		}
		if left == 0 {
			return float64(n) / time.Since(start).Seconds(), nil
		}
		if time.Since(start) > 2*time.Minute {
			return 0, fmt.Errorf("relay left %d events after 2 minutes", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func percentiles(lat []time.Duration) (time.Duration, time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
}

// rawLatency publishes a timestamped bare message at rate and measures
// when a consumer on the same broker receives it.
func rawLatency(top events.Topology, rate int, dur time.Duration) (time.Duration, time.Duration, error) {
	conn, ch, err := dial(top)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	x := top.Exchange + ".rawlat"
	if err := ch.ExchangeDeclare(x, "topic", false, true, false, false, nil); err != nil {
		return 0, 0, err
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return 0, 0, err
	}
	if err := ch.QueueBind(q.Name, "#", x, false, nil); err != nil {
		return 0, 0, err
	}
	cch, _ := conn.Channel()
	ds, err := cch.Consume(q.Name, "", false, true, false, false, nil)
	if err != nil {
		return 0, 0, err
	}
	if err := ch.Confirm(false); err != nil {
		return 0, 0, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	total := int(dur.Seconds() * float64(rate))
	got := make(chan struct{})
	go func() {
		for i := 0; i < total; i++ {
			d := <-ds
			var sent int64
			_ = json.Unmarshal(d.Body, &sent)
			mu.Lock()
			lat = append(lat, time.Since(time.Unix(0, sent)))
			mu.Unlock()
			_ = d.Ack(false)
		}
		close(got)
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 0; i < total; i++ {
		<-tick.C
		body, _ := json.Marshal(time.Now().UnixNano())
		dc, err := ch.PublishWithDeferredConfirmWithContext(context.Background(), x, "lat", false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body})
		if err != nil {
			return 0, 0, err
		}
		go dc.Wait()
	}
	<-got
	p50, p99 := percentiles(lat)
	return p50, p99, nil
}

// endToEnd commits events at rate (one per transaction, as a service does)
// with a relay and a consumer running, and measures commit → consumer commit.
func endToEnd(g *gorm.DB, top events.Topology, queue string, rate int, dur time.Duration) (time.Duration, time.Duration, error) {
	var mu sync.Mutex
	committed := map[string]time.Time{}
	var lat []time.Duration
	seen := 0
	total := int(dur.Seconds() * float64(rate))
	all := make(chan struct{})
	c := events.NewConsumer(events.ConsumerConfig{AMQPURL: testkit.AMQPURL(), Topology: top, Queue: queue, Keys: []string{"bench.e2e"},
		DB: g, Schema: schema, Log: slog.New(slog.DiscardHandler),
		Handler: func(ctx context.Context, tx *gorm.DB, env events.Envelope) error {
			return tx.Exec("INSERT INTO evt.efectos (event_id) VALUES (?)", env.ID).Error
		},
		AfterCommit: func(env events.Envelope) {
			now := time.Now()
			mu.Lock()
			// An event picked up by a poll before the producer noted its
			// commit time has no entry yet; it counts, unmeasured.
			if t, ok := committed[env.ID]; ok {
				lat = append(lat, now.Sub(t))
			}
			if seen++; seen == total {
				close(all)
			}
			mu.Unlock()
		}})
	r := events.NewRelay(events.RelayConfig{DB: g, Schema: schema, AMQPURL: testkit.AMQPURL(), Topology: top, Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = c.Run(ctx) }()
	go func() { defer wg.Done(); _ = r.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	select {
	case <-c.Started():
	case <-time.After(15 * time.Second):
		return 0, 0, fmt.Errorf("consumer did not start")
	}
	time.Sleep(300 * time.Millisecond)
	ob := events.Outbox{Schema: schema}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 0; i < total; i++ {
		<-tick.C
		var id string
		err := g.Transaction(func(tx *gorm.DB) error {
			env, err := ob.Add(ctx, tx, "bench.e2e", "bench.evento", "t", fmt.Sprint(i%50), map[string]int{"n": i})
			id = env.ID
			return err
		})
		if err != nil {
			return 0, 0, err
		}
		mu.Lock()
		committed[id] = time.Now()
		mu.Unlock()
		events.Committed(schema)
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		mu.Lock()
		defer mu.Unlock()
		return 0, 0, fmt.Errorf("only %d of %d events reached the consumer", seen, total)
	}
	mu.Lock()
	defer mu.Unlock()
	p50, p99 := percentiles(lat)
	return p50, p99, nil
}
