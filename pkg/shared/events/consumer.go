package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/logx"
)

// Handler applies one event inside the consumer's transaction (nil for a
// broadcast consumer, which has no database work to make idempotent).
type Handler func(ctx context.Context, tx *gorm.DB, env Envelope) error

// PermanentError marks a failure that retrying cannot fix: the message goes
// to the dead-letter queue at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	AMQPURL  string
	Topology Topology
	Queue    string   // durable work queue shared by a service's instances
	Keys     []string // routing keys bound to it
	Handler  Handler
	Log      *slog.Logger
	Metrics  prometheus.Registerer // may be nil

	// DB and Schema hold <schema>.inbox, the ids of handled events. Both nil
	// with Broadcast.
	DB     *gorm.DB
	Schema string
	// Broadcast makes a private, auto-deleted queue per instance (every
	// instance gets every event: cache invalidation) and skips the inbox.
	Broadcast bool

	Attempts      int           // tries per delivery before dead-lettering (default 5)
	RetryBase     time.Duration // first retry delay, doubled each time (default 200 ms)
	DeliveryLimit int           // quorum-queue backstop for crash loops (default 20)
	MaxBackoff    time.Duration // reconnect backoff cap (default 30 s)

	// AfterCommit runs after the handler's transaction commits and before
	// the ack; tests use it to simulate a crash in between.
	AfterCommit func(env Envelope)
}

// Consumer reads a queue with manual acks: it acks only after its own
// transaction (inbox row + handler's changes) commits, so a redelivery of
// an event it already applied is a no-op and one it had not is applied once.
// A delivery that keeps failing is retried with backoff and then
// dead-lettered to <queue>.dlq; the consumer moves on.
type Consumer struct {
	cfg       ConsumerConfig
	consuming atomic.Bool
	consumed  *prometheus.CounterVec
	dead      prometheus.Counter
	connected chan struct{}
}

// NewConsumer returns a Consumer with defaults filled in.
func NewConsumer(cfg ConsumerConfig) *Consumer {
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 200 * time.Millisecond
	}
	if cfg.DeliveryLimit <= 0 {
		cfg.DeliveryLimit = 20
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Topology.Exchange == "" {
		cfg.Topology = DefaultTopology
	}
	c := &Consumer{cfg: cfg, connected: make(chan struct{}),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "events_consumed_total", Help: "Events consumed by result (applied, duplicate, failed).",
		}, []string{"queue", "result"}),
		dead: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "events_dead_lettered_total", Help: "Deliveries sent to the dead-letter queue.",
		}),
	}
	if cfg.Metrics != nil {
		// A service may run several consumers on one registry: they share the vectors.
		c.consumed = register(cfg.Metrics, c.consumed)
		c.dead = register(cfg.Metrics, c.dead)
	}
	return c
}

// register adds m, or returns the equal collector already registered.
func register[T prometheus.Collector](reg prometheus.Registerer, m T) T {
	if err := reg.Register(m); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
		panic(err)
	}
	return m
}

// TenantListener is a broadcast consumer of tenants.updated: every instance
// drops the changed tenant from its validation cache, so a deactivation
// takes effect at once instead of when the cache entry expires.
func TenantListener(url string, top Topology, l *slog.Logger, reg prometheus.Registerer, invalidate func(tenantID string)) *Consumer {
	return NewConsumer(ConsumerConfig{
		AMQPURL: url, Topology: top, Keys: []string{KeyTenantsUpdated}, Broadcast: true, Log: l, Metrics: reg,
		Handler: func(_ context.Context, _ *gorm.DB, env Envelope) error {
			invalidate(env.TenantID)
			return nil
		},
	})
}

// Started is closed once the consumer has declared its queue and is
// consuming (tests wait on it before publishing).
func (c *Consumer) Started() <-chan struct{} { return c.connected }

// Ready is a readiness check: an error while the consumer is not consuming
// (broker down, or its queue refused), so /ready tells an operator that
// events are not being applied.
func (c *Consumer) Ready(context.Context) error {
	if !c.consuming.Load() {
		return fmt.Errorf("not consuming %s (see the log)", c.queueName())
	}
	return nil
}

// Run consumes until ctx ends, reconnecting with backoff.
func (c *Consumer) Run(ctx context.Context) error {
	b := newBackoff(500*time.Millisecond, c.cfg.MaxBackoff)
	for ctx.Err() == nil {
		err := c.session(ctx, b)
		if ctx.Err() != nil {
			return nil
		}
		c.cfg.Log.Warn("event consumer: reconnecting", "queue", c.queueName(), "error", fmt.Sprint(err))
		sleep(ctx, b.next())
	}
	return nil
}

func (c *Consumer) queueName() string {
	if c.cfg.Broadcast && c.cfg.Queue == "" {
		host, _ := os.Hostname()
		return "broadcast." + host + "." + strconv.Itoa(os.Getpid())
	}
	return c.cfg.Queue
}

func (c *Consumer) session(ctx context.Context, b *backoff) error {
	conn, err := amqp.DialConfig(c.cfg.AMQPURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return err
	}
	defer conn.Close()
	queue := c.queueName()
	if c.cfg.Broadcast {
		if err := c.declareBroadcast(conn, queue); err != nil {
			return err
		}
	} else if err := c.cfg.Topology.declareQueue(conn, queue, c.cfg.Keys, c.cfg.DeliveryLimit, c.cfg.Log); err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := ch.Qos(32, 0, false); err != nil {
		return err
	}
	deliveries, err := ch.ConsumeWithContext(ctx, queue, "", false, c.cfg.Broadcast, false, false, nil)
	if err != nil {
		return err
	}
	select {
	case <-c.connected:
	default:
		close(c.connected)
	}
	c.consuming.Store(true)
	defer c.consuming.Store(false)
	b.reset()
	c.cfg.Log.Info("event consumer started", "queue", queue, "keys", c.cfg.Keys)
	for {
		select {
		case <-ctx.Done():
			return nil
		case d, ok := <-deliveries:
			if !ok {
				return errors.New("delivery channel closed")
			}
			c.deliver(ctx, queue, d)
		}
	}
}

func (c *Consumer) declareBroadcast(conn *amqp.Connection, queue string) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := c.cfg.Topology.declareExchanges(ch); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(queue, false, true, true, false, nil); err != nil {
		return err
	}
	for _, k := range c.cfg.Keys {
		if err := ch.QueueBind(queue, k, c.cfg.Topology.Exchange, false, nil); err != nil {
			return err
		}
	}
	return nil
}

// deliver handles one delivery to the end: ack, or dead-letter.
func (c *Consumer) deliver(ctx context.Context, queue string, d amqp.Delivery) {
	var env Envelope
	if err := json.Unmarshal(d.Body, &env); err != nil || env.ID == "" || env.Event == "" {
		c.cfg.Log.Error("event malformed, dead-lettered", "queue", queue, "message_id", d.MessageId, "error", fmt.Sprint(err))
		c.deadLetter(d)
		return
	}
	hctx := logx.WithFields(ctx, logx.Fields{RequestID: env.RequestID, TenantID: env.TenantID})
	var err error
	var applied bool
	for attempt := 1; attempt <= c.cfg.Attempts; attempt++ {
		applied, err = c.handle(hctx, env)
		var pe *PermanentError
		if err == nil || errors.As(err, &pe) || ctx.Err() != nil {
			break
		}
		c.cfg.Log.Warn("event handler failed, retrying", "event", env.Event, "event_id", env.ID, "attempt", attempt, "error", err.Error())
		if attempt < c.cfg.Attempts {
			sleep(ctx, c.cfg.RetryBase<<(attempt-1))
		}
	}
	if ctx.Err() != nil && err != nil {
		// Shutting down: leave it for redelivery rather than dead-lettering.
		_ = d.Nack(false, true)
		return
	}
	if err != nil {
		c.cfg.Log.Error("event failed, dead-lettered", "queue", queue, "event", env.Event, "event_id", env.ID, "error", err.Error())
		c.consumed.WithLabelValues(queue, "failed").Inc()
		c.deadLetter(d)
		return
	}
	if c.cfg.AfterCommit != nil {
		c.cfg.AfterCommit(env)
	}
	if err := d.Ack(false); err != nil {
		// The event is committed; a redelivery will find it in the inbox.
		c.cfg.Log.Warn("ack failed after commit", "event_id", env.ID, "error", err.Error())
	}
	result := "applied"
	if !applied {
		result = "duplicate"
	}
	c.consumed.WithLabelValues(queue, result).Inc()
}

func (c *Consumer) deadLetter(d amqp.Delivery) {
	c.dead.Inc()
	_ = d.Nack(false, false) // the queue's dead-letter exchange routes it to <queue>.dlq
}

// handle runs the handler once in a transaction with the inbox insert; it
// reports false when the event had already been handled.
func (c *Consumer) handle(ctx context.Context, env Envelope) (bool, error) {
	if c.cfg.Broadcast || c.cfg.DB == nil {
		return true, c.cfg.Handler(ctx, nil, env)
	}
	applied := false
	err := c.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("INSERT INTO "+c.cfg.Schema+".inbox (event_id, event) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING", env.ID, env.Event)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // handled before: a redelivery
		}
		applied = true
		return c.cfg.Handler(ctx, tx, env)
	})
	return applied, err
}
