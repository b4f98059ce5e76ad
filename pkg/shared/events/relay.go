package events

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
	"gorm.io/gorm"
)

// RelayConfig configures a Relay.
type RelayConfig struct {
	DB       *gorm.DB
	Schema   string // the producer's schema holding <schema>.outbox
	AMQPURL  string
	Topology Topology
	Log      *slog.Logger
	Metrics  prometheus.Registerer // may be nil

	BatchSize    int           // rows published per round (default 500)
	PollInterval time.Duration // idle wait between polls (default 100 ms)
	MaxBackoff   time.Duration // cap of the reconnect/failure backoff (default 30 s)
	Retention    time.Duration // published rows kept this long (default 7 days)
}

// Relay publishes a producer's outbox to RabbitMQ: in id order (so in order
// per aggregate), with publisher confirms and mandatory routing, marking a
// row sent only after the broker confirmed it. One relay per schema holds a
// Postgres advisory lock and publishes; other instances wait as standbys, so
// two instances never reorder events. While the broker is unreachable it
// backs off and reconnects; the events simply wait in the outbox.
type Relay struct {
	cfg       RelayConfig
	connected atomic.Bool

	published *prometheus.CounterVec
	failed    prometheus.Counter
	backlog   prometheus.Gauge
	oldest    prometheus.Gauge
}

// NewRelay returns a Relay with defaults filled in.
func NewRelay(cfg RelayConfig) *Relay {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 7 * 24 * time.Hour
	}
	if cfg.Topology.Exchange == "" {
		cfg.Topology = DefaultTopology
	}
	r := &Relay{
		cfg: cfg,
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "events_published_total", Help: "Outbox events published and confirmed by the broker.",
		}, []string{"routing_key"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "events_publish_failed_total", Help: "Publishes nacked, returned as unroutable, or lost with the connection.",
		}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_backlog", Help: "Outbox events not yet published."}),
		oldest:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_oldest_unsent_seconds", Help: "Age of the oldest unpublished outbox event."}),
	}
	if cfg.Metrics != nil {
		cfg.Metrics.MustRegister(r.published, r.failed, r.backlog, r.oldest)
	}
	return r
}

// Connected reports whether the relay currently holds a broker connection
// (or is a standby whose last broker contact worked); /ready shows it.
func (r *Relay) Connected() bool { return r.connected.Load() }

// Ready is a non-critical readiness check.
func (r *Relay) Ready(context.Context) error {
	if !r.Connected() {
		return errors.New("broker unreachable: events wait in the outbox")
	}
	return nil
}

// signals holds one wake-up channel per schema for this process.
var signals sync.Map // schema → chan struct{}

func signal(schema string) chan struct{} {
	ch, _ := signals.LoadOrStore(schema, make(chan struct{}, 1))
	return ch.(chan struct{})
}

// Committed tells this process's relay for schema that a transaction wrote
// events and committed, so they go out now instead of at the next poll.
// Producers call it after commit (never before: the relay would find
// nothing and wait a poll). A relay in another process still finds them by
// polling.
func Committed(schema string) {
	select {
	case signal(schema) <- struct{}{}:
	default:
	}
}

func (r *Relay) lockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte("outbox-relay:" + r.cfg.Schema))
	return int64(h.Sum64() >> 1)
}

// Run publishes until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	go r.watchBacklog(ctx)
	sqlDB, err := r.cfg.DB.DB()
	if err != nil {
		return err
	}
	backoff := newBackoff(500*time.Millisecond, r.cfg.MaxBackoff)
	for ctx.Err() == nil {
		lead, err := r.acquireLeadership(ctx, sqlDB)
		if err != nil {
			if ctx.Err() == nil {
				r.cfg.Log.Warn("outbox relay: database unavailable", "schema", r.cfg.Schema, "error", err.Error())
				r.probeBroker() // keep /ready's broker line about the broker
				sleep(ctx, backoff.next())
			}
			continue
		}
		if lead == nil { // another instance publishes; check the broker for /ready and wait
			r.probeBroker()
			sleep(ctx, 2*time.Second)
			continue
		}
		err = r.lead(ctx, lead, backoff)
		r.release(lead)
		if err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("outbox relay: restarting", "schema", r.cfg.Schema, "error", err.Error())
			sleep(ctx, backoff.next())
		}
	}
	return nil
}

// release gives up leadership. Closing a *sql.Conn only returns it to the
// pool, where a session lock would survive, so unlock explicitly.
func (r *Relay) release(lead *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := lead.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", r.lockKey()); err != nil {
		_ = lead.Raw(func(any) error { return driver.ErrBadConn }) // drop the session, and its lock, with the connection
	}
	_ = lead.Close()
}

// acquireLeadership returns a connection holding the relay's advisory lock,
// or nil when another instance holds it.
func (r *Relay) acquireLeadership(ctx context.Context, sqlDB *sql.DB) (*sql.Conn, error) {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", r.lockKey()).Scan(&got); err != nil {
		_ = conn.Close()
		return nil, err
	}
	if !got {
		_ = conn.Close()
		return nil, nil
	}
	return conn, nil
}

func (r *Relay) probeBroker() {
	conn, err := amqp.DialConfig(r.cfg.AMQPURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		r.connected.Store(false)
		return
	}
	_ = conn.Close()
	r.connected.Store(true)
}

// lead publishes while holding the lock; it returns on any broker or
// database error so Run can back off and start over.
func (r *Relay) lead(ctx context.Context, lock *sql.Conn, backoff *backoff) error {
	conn, err := amqp.DialConfig(r.cfg.AMQPURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		r.connected.Store(false)
		return fmt.Errorf("dial broker: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := r.cfg.Topology.declareExchanges(ch); err != nil {
		return err
	}
	if err := ch.Confirm(false); err != nil {
		return err
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, r.cfg.BatchSize))
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	r.connected.Store(true)
	r.cfg.Log.Info("outbox relay publishing", "schema", r.cfg.Schema, "exchange", r.cfg.Topology.Exchange)
	defer r.connected.Store(false)

	lastPrune, lastLockCheck := time.Time{}, time.Now()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-closed:
			return fmt.Errorf("broker connection closed: %v", e)
		default:
		}
		if time.Since(lastLockCheck) > 5*time.Second {
			if err := lock.PingContext(ctx); err != nil {
				return fmt.Errorf("lost the relay lock connection: %w", err)
			}
			lastLockCheck = time.Now()
		}
		if time.Since(lastPrune) > 10*time.Minute {
			r.prune(ctx)
			lastPrune = time.Now()
		}
		rows, err := r.fetch(ctx)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case e := <-closed:
				return fmt.Errorf("broker connection closed: %v", e)
			case <-signal(r.cfg.Schema):
			case <-time.After(r.cfg.PollInterval):
			}
			continue
		}
		sent, perr := r.publish(ctx, ch, returns, rows)
		if err := r.markSent(ctx, rows[:sent]); err != nil {
			return err
		}
		backoff.reset()
		if perr == nil {
			failures = 0
			continue
		}
		r.failed.Inc()
		failures++
		r.noteFailure(ctx, rows[sent], perr)
		r.cfg.Log.Warn("outbox publish failed", "schema", r.cfg.Schema, "event_id", rows[sent].EventID, "routing_key", rows[sent].RoutingKey, "error", perr.Error())
		if ch.IsClosed() || conn.IsClosed() {
			return perr
		}
		sleep(ctx, min(time.Duration(1<<min(failures, 6))*250*time.Millisecond, r.cfg.MaxBackoff))
	}
}

type outboxRow struct {
	ID         int64
	EventID    string
	RoutingKey string
	Payload    []byte
}

func (r *Relay) fetch(ctx context.Context) ([]outboxRow, error) {
	var rows []outboxRow
	err := r.cfg.DB.WithContext(ctx).Raw(
		"SELECT id, event_id, routing_key, payload FROM "+r.cfg.Schema+".outbox WHERE published_at IS NULL ORDER BY id LIMIT ?",
		r.cfg.BatchSize).Scan(&rows).Error
	return rows, err
}

// publish sends rows in order and returns how many, from the start, the
// broker confirmed and routed; err tells why the next one failed.
func (r *Relay) publish(ctx context.Context, ch *amqp.Channel, returns <-chan amqp.Return, rows []outboxRow) (int, error) {
	pending := make([]*amqp.DeferredConfirmation, 0, len(rows))
	var pubErr error
	for _, row := range rows {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, r.cfg.Topology.Exchange, row.RoutingKey, true, false, amqp.Publishing{
			ContentType: "application/json", DeliveryMode: amqp.Persistent, MessageId: row.EventID,
			Timestamp: time.Now().UTC(), Body: row.Payload,
		})
		if err != nil {
			pubErr = fmt.Errorf("publish: %w", err)
			break
		}
		pending = append(pending, dc)
	}
	confirmed := 0
	for _, dc := range pending {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ok, err := dc.WaitContext(wctx)
		cancel()
		if err != nil {
			pubErr = fmt.Errorf("waiting for confirm: %w", err)
			break
		}
		if !ok {
			pubErr = errors.New("broker nacked the publish")
			break
		}
		confirmed++
	}
	// A return for a message arrives before its ack, so every return of the
	// confirmed messages is already in the channel.
	returned := map[string]bool{}
	for drained := false; !drained; {
		select {
		case ret, ok := <-returns:
			if !ok { // closed with the channel
				drained = true
				break
			}
			returned[ret.MessageId] = true
		default:
			drained = true
		}
	}
	for i := 0; i < confirmed; i++ {
		if returned[rows[i].EventID] {
			return i, fmt.Errorf("unroutable: the broker returned %s (%s)", rows[i].RoutingKey, rows[i].EventID)
		}
	}
	if confirmed < len(rows) && pubErr == nil {
		pubErr = errors.New("publish incomplete")
	}
	for i := 0; i < confirmed; i++ {
		r.published.WithLabelValues(rows[i].RoutingKey).Inc()
	}
	return confirmed, pubErr
}

func (r *Relay) markSent(ctx context.Context, rows []outboxRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	// Marked with a detached context: the broker already has them, so a
	// shutdown must not leave them to be sent twice.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return r.cfg.DB.WithContext(mctx).Exec("UPDATE "+r.cfg.Schema+".outbox SET published_at = now() WHERE id IN ?", ids).Error
}

func (r *Relay) noteFailure(ctx context.Context, row outboxRow, cause error) {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_ = r.cfg.DB.WithContext(context.WithoutCancel(ctx)).Exec(
		"UPDATE "+r.cfg.Schema+".outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", msg, row.ID).Error
}

func (r *Relay) prune(ctx context.Context) {
	res := r.cfg.DB.WithContext(ctx).Exec("DELETE FROM "+r.cfg.Schema+".outbox WHERE published_at < ?", time.Now().Add(-r.cfg.Retention))
	if res.Error == nil && res.RowsAffected > 0 {
		r.cfg.Log.Info("outbox pruned", "schema", r.cfg.Schema, "rows", res.RowsAffected)
	}
}

// watchBacklog keeps the backlog gauges fresh on every instance.
func (r *Relay) watchBacklog(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		var st struct {
			N   int64
			Age float64
		}
		err := r.cfg.DB.WithContext(ctx).Raw("SELECT count(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS age FROM " +
			r.cfg.Schema + ".outbox WHERE published_at IS NULL").Scan(&st).Error
		if err == nil {
			r.backlog.Set(float64(st.N))
			r.oldest.Set(st.Age)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// backoff is a capped exponential delay.
type backoff struct{ cur, base, max time.Duration }

func newBackoff(base, max time.Duration) *backoff { return &backoff{base: base, max: max} }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.base
	} else if b.cur *= 2; b.cur > b.max {
		b.cur = b.max
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
