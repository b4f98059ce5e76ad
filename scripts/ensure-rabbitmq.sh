#!/usr/bin/env bash
# Makes sure RabbitMQ answers on AMQP_HOST:AMQP_PORT (default 127.0.0.1:5672).
# Order: use what is running; else start a project-local node under .data/
# from the system package, installing it with apt when missing and
# permitted. The services work without a broker (events wait in the
# outbox), so failure here is a warning unless REQUIRE_RABBITMQ=1.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

host=${AMQP_HOST:-127.0.0.1}
port=${AMQP_PORT:-5672}
base=${RABBITMQ_DATA_DIR:-$PWD/.data/rabbitmq}

fail() {
  if [ "${REQUIRE_RABBITMQ:-0}" = "1" ]; then die "$*"; fi
  warn "$* — continuing without a broker; events wait in the outbox"
  exit 0
}

if port_open "$host" "$port"; then
  say "rabbitmq: using the broker at $host:$port"
  exit 0
fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  say "RabbitMQ is not installed; installing it"
  apt_install rabbitmq-server || fail "RabbitMQ is missing and cannot be installed here"
fi
say "starting a project-local RabbitMQ node on $host:$port"
mkdir -p "$base"
# Our own config file, so the machine's /etc/rabbitmq cannot move the port.
if [ "$(id -u)" = "0" ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq "$base"; fi
printf 'listeners.tcp.local = %s:%s\nloopback_users = none\n' "$host" "$port" >"$base/rabbitmq.conf"
export RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log" \
  RABBITMQ_NODE_IP_ADDRESS="$host" RABBITMQ_NODE_PORT="$port" \
  RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-ecosystem@localhost}" \
  RABBITMQ_PID_FILE="$base/rabbitmq.pid" RABBITMQ_DIST_PORT=$((port + 20000))
rabbitmq-server -detached >/dev/null 2>&1 || fail "rabbitmq-server did not start (see $base/log)"
for _ in $(seq 1 600); do
  port_open "$host" "$port" && { say "rabbitmq: ready at $host:$port"; exit 0; }
  sleep 0.1
done
fail "RabbitMQ did not open $host:$port within 60 s (see $base/log)"
