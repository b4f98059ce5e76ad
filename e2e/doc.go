// Package e2e runs the three real binaries together — on separate loopback
// addresses, behind the real nginx gateway, against the real Postgres and
// RabbitMQ — and checks what only the whole system can show: events
// between services, failover, and a core outage.
package e2e
