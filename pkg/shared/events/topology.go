package events

import (
	"errors"
	"fmt"
	"log/slog"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Topology names the broker objects. Tests use their own names so they
// never see each other's messages; services use DefaultTopology.
type Topology struct {
	Exchange string // topic exchange producers publish to
	// Unrouted collects events no service subscribes to yet (the exchange's
	// alternate exchange), so a publish with mandatory=true is returned
	// only when the broker really cannot keep it.
	Unrouted string
	// DeadLetter is the exchange failed deliveries go to.
	DeadLetter string
}

// DefaultTopology is what the services declare.
var DefaultTopology = Topology{Exchange: Exchange, Unrouted: Exchange + ".unrouted", DeadLetter: Exchange + ".dlx"}

// NewTopology derives the names from an exchange name.
func NewTopology(exchange string) Topology {
	return Topology{Exchange: exchange, Unrouted: exchange + ".unrouted", DeadLetter: exchange + ".dlx"}
}

// declareExchanges declares the topic exchange (with its alternate
// exchange and the queue that keeps unrouted events for 7 days) and the
// dead-letter exchange. Every service declares the same, idempotently.
func (t Topology) declareExchanges(ch *amqp.Channel) error {
	var args amqp.Table
	if t.Unrouted != "" {
		if err := ch.ExchangeDeclare(t.Unrouted, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare %s: %w", t.Unrouted, err)
		}
		if _, err := ch.QueueDeclare(t.Unrouted, true, false, false, false, amqp.Table{
			"x-message-ttl": int64(7 * 24 * 3600 * 1000), "x-max-length": int64(1_000_000),
		}); err != nil {
			return fmt.Errorf("declare queue %s: %w", t.Unrouted, err)
		}
		if err := ch.QueueBind(t.Unrouted, "", t.Unrouted, false, nil); err != nil {
			return err
		}
		args = amqp.Table{"alternate-exchange": t.Unrouted}
	}
	if err := ch.ExchangeDeclare(t.Exchange, amqp.ExchangeTopic, true, false, false, false, args); err != nil {
		return fmt.Errorf("declare %s: %w", t.Exchange, err)
	}
	if t.DeadLetter != "" {
		if err := ch.ExchangeDeclare(t.DeadLetter, amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare %s: %w", t.DeadLetter, err)
		}
	}
	return nil
}

// declareQueue declares a durable work queue with its dead-letter queue
// (<queue>.dlq) and binds it. It asks for a quorum queue and falls back to a
// classic one when the broker refuses (e.g. a broker without quorum support).
func (t Topology) declareQueue(conn *amqp.Connection, queue string, keys []string, deliveryLimit int, l *slog.Logger) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer func() { _ = ch.Close() }() // ch may be replaced by reopen below
	if err := t.declareExchanges(ch); err != nil {
		return err
	}
	dlq := queue + ".dlq"
	if _, err := ch.QueueDeclare(dlq, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		if ch, err = reopen(conn, ch, err); err != nil {
			return err
		}
		if _, err := ch.QueueDeclare(dlq, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare %s: %w", dlq, err)
		}
	}
	if err := ch.QueueBind(dlq, queue, t.DeadLetter, false, nil); err != nil {
		return err
	}
	base := amqp.Table{"x-dead-letter-exchange": t.DeadLetter, "x-dead-letter-routing-key": queue}
	quorum := amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int64(deliveryLimit)}
	for k, v := range base {
		quorum[k] = v
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, quorum); err != nil {
		l.Warn("quorum queue refused, using a classic queue", "queue", queue, "error", err.Error())
		if ch, err = reopen(conn, ch, err); err != nil {
			return err
		}
		if _, err := ch.QueueDeclare(queue, true, false, false, false, base); err != nil {
			return fmt.Errorf("declare %s: %w", queue, err)
		}
	}
	for _, k := range keys {
		if err := ch.QueueBind(queue, k, t.Exchange, false, nil); err != nil {
			return fmt.Errorf("bind %s to %s: %w", queue, k, err)
		}
	}
	return nil
}

// reopen replaces a channel the broker closed after a refused declare.
func reopen(conn *amqp.Connection, ch *amqp.Channel, cause error) (*amqp.Channel, error) {
	var ae *amqp.Error
	if !errors.As(cause, &ae) {
		return nil, cause
	}
	_ = ch.Close()
	return conn.Channel()
}

// Delete removes the topology's exchanges and its unrouted queue, plus the
// given work queues and their dead-letter queues (tests clean up with it).
func (t Topology) Delete(url string, queues ...string) error {
	conn, err := amqp.Dial(url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	for _, q := range queues {
		_, _ = ch.QueueDelete(q, false, false, false)
		_, _ = ch.QueueDelete(q+".dlq", false, false, false)
	}
	if t.Unrouted != "" {
		_, _ = ch.QueueDelete(t.Unrouted, false, false, false)
	}
	for _, x := range []string{t.Exchange, t.Unrouted, t.DeadLetter} {
		if x != "" {
			_ = ch.ExchangeDelete(x, false, false)
		}
	}
	return nil
}
