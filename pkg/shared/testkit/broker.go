package testkit

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"ecosystem/pkg/shared/events"
)

// AMQPURL is the broker tests use (TEST_AMQP_URL, default the local RabbitMQ).
func AMQPURL() string {
	if u := os.Getenv("TEST_AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// Exchange returns an events exchange name of the test's own (for
// AMQP_EXCHANGE) and deletes it, its companions and queues afterwards, so
// tests never see each other's messages.
func Exchange(t testing.TB, queues ...string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "test." + hex.EncodeToString(b)
	t.Cleanup(func() { _ = events.NewTopology(name).Delete(AMQPURL(), queues...) })
	return name
}
