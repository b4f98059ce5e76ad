#!/usr/bin/env bash
# `make run-all`: build, make sure Postgres and RabbitMQ are there, migrate,
# start core, rendiciones and inventario (and the nginx gateway on :8080 when
# nginx is installed), print where they listen and how to log in, and stop
# everything cleanly on Ctrl-C. Running it again restarts what a previous
# run left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

run=.data/run
logs=.data/logs
mkdir -p "$run" "$logs" .data/storage/rendiciones

# A previous run that was killed without Ctrl-C may still hold the ports.
for pidfile in "$run"/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $(basename "$pidfile" .pid) left by a previous run (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
done
if [ -x deploy/nginx/run-local-gateway.sh ]; then
  GATEWAY_DIR="$PWD/.data/nginx" deploy/nginx/run-local-gateway.sh stop >/dev/null 2>&1 || true
fi

scripts/ensure-postgres.sh
scripts/ensure-rabbitmq.sh
say "building"
make --no-print-directory build >/dev/null

# Development settings: secrets are generated once per checkout and kept in
# .data/dev.env (git-ignored); edit it to change anything.
if [ ! -f .data/dev.env ]; then
  cat >.data/dev.env <<ENV
APP_ENV=development
LOG_LEVEL=info
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ENCRYPTION_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
CORE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecosystem?sslmode=disable
RENDICIONES_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecosystem?sslmode=disable
INVENTARIO_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecosystem?sslmode=disable
AMQP_URL=amqp://guest:guest@127.0.0.1:5672/
CORE_API_URL=http://127.0.0.1:5000
STORAGE_DIR=$PWD/.data/storage/rendiciones
BOOTSTRAP_ADMIN_EMAIL=root@ecosystem.local
BOOTSTRAP_ADMIN_PASSWORD=root-dev-12345
DEMO_TENANT_NOMBRE="Demo SpA"
DEMO_TENANT_RUT=76.543.210-3
DEMO_ADMIN_EMAIL=admin@demo.cl
DEMO_ADMIN_PASSWORD=demo-12345
ENV
  say "wrote development settings to .data/dev.env"
fi
set -a
# shellcheck disable=SC1091
. .data/dev.env
set +a

for svc in core rendiciones inventario; do
  say "migrating $svc"
  "bin/$svc" migrate up >>"$logs/$svc.log"
done
say "demo tenant and admin"
bin/core bootstrap -tenant-nombre "$DEMO_TENANT_NOMBRE" -tenant-rut "$DEMO_TENANT_RUT" \
  -email "$DEMO_ADMIN_EMAIL" -password "$DEMO_ADMIN_PASSWORD" -nombre "Admin Demo" -rol admin

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  say "stopping"
  if [ -x deploy/nginx/run-local-gateway.sh ]; then
    GATEWAY_DIR="$PWD/.data/nginx" deploy/nginx/run-local-gateway.sh stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$run"/*.pid
  say "all stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

declare -A ports=([core]=5000 [rendiciones]=5050 [inventario]=5060)
for svc in core rendiciones inventario; do
  if port_open 127.0.0.1 "${ports[$svc]}"; then
    die "port ${ports[$svc]} is already in use by another program; stop it or set PORT in .data/dev.env"
  fi
  PORT=${ports[$svc]} AUTO_MIGRATE=false "bin/$svc" serve >>"$logs/$svc.log" 2>&1 &
  pids+=($!)
  echo $! >"$run/$svc.pid"
done
for svc in core rendiciones inventario; do
  wait_http "http://127.0.0.1:${ports[$svc]}/ready" 30 || die "$svc did not become ready; see $logs/$svc.log"
done

gateway=""
if command -v nginx >/dev/null 2>&1 && [ -x deploy/nginx/run-local-gateway.sh ]; then
  if GATEWAY_PORT=8080 GATEWAY_DIR="$PWD/.data/nginx" deploy/nginx/run-local-gateway.sh start >>"$logs/gateway.log" 2>&1; then
    gateway="http://127.0.0.1:8080"
  else
    warn "the nginx gateway did not start; see $logs/gateway.log"
  fi
fi

cat <<MSG

  Ecosystem is running (development).

    core         http://127.0.0.1:5000   docs: http://127.0.0.1:5000/docs
    rendiciones  http://127.0.0.1:5050   docs: http://127.0.0.1:5050/docs
    inventario   http://127.0.0.1:5060   docs: http://127.0.0.1:5060/docs
MSG
if [ -n "$gateway" ]; then
  echo "    gateway      $gateway   (every /api route, as in production)"
fi
cat <<MSG

  Log in (POST /api/auth/login):
    demo tenant admin   $DEMO_ADMIN_EMAIL / $DEMO_ADMIN_PASSWORD   (tenant $DEMO_TENANT_NOMBRE)
    platform superadmin $BOOTSTRAP_ADMIN_EMAIL / $BOOTSTRAP_ADMIN_PASSWORD

    curl -s http://127.0.0.1:5000/api/auth/login -H 'Content-Type: application/json' \\
      -d '{"email":"$DEMO_ADMIN_EMAIL","password":"$DEMO_ADMIN_PASSWORD"}'

  Logs: $logs/*.log (JSON lines)   Settings: .data/dev.env
  Press Ctrl-C to stop all three.
MSG

# Exit (and stop the rest) if any service dies.
wait -n "${pids[@]}" || true
warn "a service exited; see $logs/"
