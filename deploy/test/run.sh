#!/usr/bin/env bash
# Checks for everything under deploy/ (systemd, nginx, scripts, Prometheus, promtail).
#
#   bash deploy/test/run.sh            (from anywhere; exit 0 only when every check passes)
#
# 1. installs nginx, shellcheck and prometheus (promtool) from Debian when missing
#    (apt-get update once; services are not started)
# 2. nginx -t of the gateway, the TLS gateway (throw-away self-signed cert), each
#    per-server site and the tree setup-server.sh installs; then a live local gateway
#    in front of stub services: routing, X-Request-ID, forwarding headers, body
#    limits, retries, JSON errors
# 3. systemd-analyze verify + `security --offline` of the units
# 4. shellcheck of every script
# 5. promtool check config / check rules / test rules; promtail YAML
# 6. deploy-app.sh / rollback-app.sh against a local tree with a stub binary
#    (good deploy, automatic rollback of unhealthy/crashing releases, failed
#    migration, rollback, pruning, locking, the ssh transport through a shim)
# 7. health-check.sh, with a local webhook receiver
# 8. setup-server.sh in DRY_RUN mode into a temporary root
#
# Everything listens on 127.0.0.1 only. KEEP_WORK=1 keeps the temp dir for debugging.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy=$(cd "$here/.." && pwd)
repo=$(cd "$deploy/.." && pwd)
started=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/ecosystem-deploy-test.XXXXXX")
passed=0
failed=0
failures=()
bg_pids=()
gateway_dirs=()
stub_apps=()

cleanup() {
    local d p
    set +e
    for d in "${gateway_dirs[@]}"; do
        GATEWAY_DIR=$d "$deploy/nginx/run-local-gateway.sh" stop >/dev/null 2>&1
    done
    for d in "${stub_apps[@]}"; do
        SVC=${d##*/} APP_DIR=$d ENV_FILE=/dev/null "$here/stubctl.sh" stop >/dev/null 2>&1
    done
    for p in "${bg_pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
        echo "work dir kept: $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

section() { printf '\n== %s  (t=%ss)\n' "$*" "$((SECONDS - started))"; }
pass() {
    passed=$((passed + 1))
    printf 'ok    %s\n' "$1"
}
fail() {
    failed=$((failed + 1))
    failures+=("$1")
    printf 'FAIL  %s\n' "$1"
    if [[ -n ${2:-} && -s $2 ]]; then
        tail -n 40 "$2" | sed 's/^/      | /'
    fi
}
# t NAME CMD... — passes when CMD exits 0 (its output is shown on failure)
t() {
    local name=$1
    shift
    if "$@" >"$work/t.out" 2>&1; then pass "$name"; else fail "$name" "$work/t.out"; fi
}
# eq NAME ACTUAL EXPECTED [LOG] — LOG (default: the last deploy/rollback output) is shown on failure
eq() {
    if [[ $2 == "$3" ]]; then
        pass "$1"
    else
        printf 'expected: %s\nactual:   %s\n' "$3" "$2" >"$work/t.out"
        if [[ -s ${4:-$work/dep.out} ]]; then
            printf -- '--- %s\n' "${4:-last command output}" >>"$work/t.out"
            tail -n 25 "${4:-$work/dep.out}" >>"$work/t.out"
        fi
        fail "$1" "$work/t.out"
    fi
}
# has NAME HAYSTACK NEEDLE
has() {
    if [[ $2 == *"$3"* ]]; then
        pass "$1"
    else
        printf 'expected to contain: %s\nactual: %s\n' "$3" "$2" >"$work/t.out"
        fail "$1" "$work/t.out"
    fi
}

used_ports=" "
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        # Below the kernel's ephemeral range (32768+), so no outgoing connection holds it.
        p=$((10000 + RANDOM % 22000))
        [[ $used_ports == *" $p "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            used_ports+="$p "
            echo "$p"
            return 0
        fi
    done
    echo "no free port" >&2
    return 1
}

wait_http() { # URL [seconds]
    local deadline=$((SECONDS + ${2:-10}))
    until curl -fsS -o /dev/null -m 1 "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

json_field() { # FIELD < json  (flat string/number fields only; no jq dependency)
    local in
    in=$(cat)
    if [[ $in =~ \"$1\":\"([^\"]*)\" || $in =~ \"$1\":([0-9.]+) ]]; then
        printf '%s\n' "${BASH_REMATCH[1]}"
    fi
}

# ---------------------------------------------------------------------------------
section "1. packages"
need=()
pkg_missing() {
    local installed
    installed=$(apt-cache policy "$1" 2>/dev/null | awk '/Installed:/ {print $2}')
    [[ -z $installed || $installed == "(none)" ]]
}
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
if [[ ${#need[@]} -gt 0 ]]; then
    to_install=()
    for p in "${need[@]}"; do
        if pkg_missing "$p"; then to_install+=("$p"); fi
    done
    if [[ ${#to_install[@]} -gt 0 ]]; then
        [[ $EUID -eq 0 ]] || { echo "missing packages (${to_install[*]}) and not root: install them first" >&2; exit 1; }
        echo "installing: ${to_install[*]}"
        # Never start the packaged nginx/prometheus services (policy-rc.d: 101 = deny).
        created_policy=0
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 0755 /usr/sbin/policy-rc.d
            created_policy=1
        fi
        apt-get update -q >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${to_install[@]}" \
            >>"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log"; exit 1; }
        if [[ $created_policy == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
    fi
fi
export PATH="$PATH:/usr/sbin:/sbin"
for c in nginx shellcheck promtool curl openssl systemd-analyze go; do
    t "tool available: $c" command -v "$c"
done
pkg_seconds=$((SECONDS - started))

# ---------------------------------------------------------------------------------
section "2. stub service binary"
stubdir=$work/stubs
mkdir -p "$stubdir"
# One build; the variants are copies with a "STUBCFG" trailer (see stubsvc/main.go).
if (cd "$here/stubsvc" && GOWORK=off GOFLAGS='' GOPROXY=off CGO_ENABLED=0 \
    go build -trimpath -o "$stubdir/stub" ./main.go) >"$work/build.log" 2>&1; then
    pass "stub binary built (GOWORK=off go build)"
else
    fail "stub binary built" "$work/build.log"
    echo "cannot continue without the stub binary" >&2
    exit 1
fi
variant() { # NAME VERSION MODE
    mkdir -p "$stubdir/$1"
    cp "$stubdir/stub" "$stubdir/$1/stub"
    printf '\nSTUBCFG version=%s mode=%s\n' "$2" "$3" >>"$stubdir/$1/stub"
}
variant v1 v1 ok
variant v2 v2 ok
variant v3 v3 unready
variant v4 v4 crash
variant v5 v5 badmigrate
variant v6 v6 ok
variant v7 v7 ok
variant v8 v8 ok
eq "stub variant reports its trailer version" "$("$stubdir/v3/stub" version)" v3

# A stub instance outside the deploy tests: NAME PORT -> pid in bg_pids
start_stub() {
    local name=$1 port=$2
    STUB_SERVICE=$name HOST=127.0.0.1 PORT=$port "$stubdir/v1/stub" serve >>"$work/stub-$name-$port.log" 2>&1 &
    bg_pids+=($!)
}

# ---------------------------------------------------------------------------------
section "3. nginx configuration (nginx -t)"
gw_port=$(free_port)
t "gateway site renders and passes nginx -t" env GATEWAY_DIR="$work/ngx-gw" GATEWAY_PORT="$gw_port" \
    "$deploy/nginx/run-local-gateway.sh" check

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=api.example.com" \
    -keyout "$work/tls.key" -out "$work/tls.crt" >"$work/openssl.log" 2>&1 || true
t "TLS gateway site passes nginx -t (self-signed cert)" env GATEWAY_DIR="$work/ngx-tls" \
    GATEWAY_PORT="$gw_port" GATEWAY_TLS_PORT="$(free_port)" \
    GATEWAY_SITE="$deploy/nginx/sites/ecosystem-gateway-tls.conf" \
    GATEWAY_TLS_CERT="$work/tls.crt" GATEWAY_TLS_KEY="$work/tls.key" \
    "$deploy/nginx/run-local-gateway.sh" check
for s in core rendiciones inventario; do
    t "per-server site ecosystem-$s.conf passes nginx -t" env GATEWAY_DIR="$work/ngx-$s" \
        GATEWAY_PORT="$gw_port" GATEWAY_SITE="$deploy/nginx/sites/ecosystem-$s.conf" \
        "$deploy/nginx/run-local-gateway.sh" check
done
gateway_plus_site_rejected() {
    local d=$work/ngx-gw rc=0
    cp "$work/ngx-core/conf/sites/ecosystem-core.conf" "$d/conf/sites/"
    nginx -q -t -p "$d/" -e "$d/logs/error.log" -c "$d/conf/nginx.conf" 2>/dev/null || rc=$?
    rm -f "$d/conf/sites/ecosystem-core.conf"
    [[ $rc -ne 0 ]]
}
t "gateway + per-server site on one host is rejected (duplicate upstream)" gateway_plus_site_rejected

for topo in "$deploy"/env/topology-*/gateway.env; do
    name=${topo#"$deploy/env/"}
    t "upstreams render from $name" "$deploy/nginx/render-upstreams.sh" "$work/upstreams-${name%%/*}" "$topo"
done
t "render-upstreams: flags backup/down/weight" env CORE_UPSTREAMS="127.0.0.1:1 127.0.0.2:2@backup 127.0.0.3:3@down,weight=2" \
    "$deploy/nginx/render-upstreams.sh" "$work/upstreams-flags"
has "render-upstreams: backup/down/weight written" "$(cat "$work/upstreams-flags/core.conf" 2>/dev/null)" \
    "server 127.0.0.3:3 max_fails=2 fail_timeout=10s down weight=2;"
t "render-upstreams rejects a bad address" bash -c \
    "! CORE_UPSTREAMS='not-an-address' '$deploy/nginx/render-upstreams.sh' '$work/upstreams-bad' 2>/dev/null"

# ---------------------------------------------------------------------------------
section "4. local gateway in front of stub services"
core_a=$(free_port)
core_b=$(free_port)
rend_p=$(free_port)
inv_p=$(free_port)
dead_p=$(free_port)
start_stub core "$core_a"
start_stub core "$core_b"
start_stub rendiciones "$rend_p"
start_stub inventario "$inv_p"
for p in "$core_a" "$core_b" "$rend_p" "$inv_p"; do wait_http "http://127.0.0.1:$p/health" 10 || true; done
gw=http://127.0.0.1:$gw_port
gwdir=$work/gateway
gateway_dirs+=("$gwdir")
gateway() {
    GATEWAY_DIR=$gwdir GATEWAY_PORT=$gw_port "$deploy/nginx/run-local-gateway.sh" "$@"
}
t "run-local-gateway.sh start" env CORE_UPSTREAMS="127.0.0.1:$core_a 127.0.0.1:$core_b" \
    RENDICIONES_UPSTREAMS="127.0.0.1:$rend_p" INVENTARIO_UPSTREAMS="127.0.0.1:$inv_p" \
    GATEWAY_DIR="$gwdir" GATEWAY_PORT="$gw_port" "$deploy/nginx/run-local-gateway.sh" start
t "run-local-gateway.sh status" gateway status

route_of() { curl -s -m 5 "$gw$1" | json_field service; }
for r in /api/auth/login /api/tenants /api/tenants/0190-x /api/users /api/parametros /api/ai-prompts/extraccion_documento/activo; do
    eq "route $r -> core" "$(route_of "$r")" core
done
for r in /api/documentos /api/documentos/1/archivo /api/tarjetas /api/tarjetas/1/items /api/rendiciones /api/rendiciones/1/export; do
    eq "route $r -> rendiciones" "$(route_of "$r")" rendiciones
done
for r in /api/productos /api/stock /api/stock/bodegas /api/stock/movimientos /api/stock/kardex; do
    eq "route $r -> inventario" "$(route_of "$r")" inventario
done
eq "gateway /health" "$(curl -s -m 5 "$gw/health")" healthy
eq "gateway /health/core proxies the service" "$(curl -s -m 5 "$gw/health/core" | json_field status)" ok
eq "gateway /ready/inventario proxies the service" "$(curl -s -m 5 "$gw/ready/inventario" | json_field status)" ready
eq "unknown prefix /api/authx -> 404" "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$gw/api/authx")" 404
eq "unknown path -> JSON not_found" "$(curl -s -m 5 "$gw/metrics" | json_field code)" not_found

hdrs=$work/hdrs
body=$(curl -s -m 5 -D "$hdrs" -H 'X-Request-ID: req-123.abc' "$gw/api/users") || true
eq "client X-Request-ID forwarded" "$(json_field request_id <<<"$body")" req-123.abc
eq "X-Request-ID returned to the client" "$(tr -d '\r' <"$hdrs" | sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')" req-123.abc
gen=$(curl -s -m 5 "$gw/api/users" | json_field request_id) || true
t "X-Request-ID generated when absent (32 hex)" grep -Eq '^[0-9a-f]{32}$' <<<"$gen"
bad=$(curl -s -m 5 -H 'X-Request-ID: bad id {"x"}' "$gw/api/users" | json_field request_id) || true
t "unsafe X-Request-ID replaced" grep -Eq '^[0-9a-f]{32}$' <<<"$bad"
body=$(curl -s -m 5 -H 'X-Forwarded-For: 127.0.0.99' "$gw/api/productos") || true
eq "X-Forwarded-For appended" "$(json_field x_forwarded_for <<<"$body")" "127.0.0.99, 127.0.0.1"
eq "X-Real-IP set" "$(json_field x_real_ip <<<"$body")" 127.0.0.1
eq "X-Forwarded-Proto set" "$(json_field x_forwarded_proto <<<"$body")" http
eq "X-Forwarded-Host set" "$(json_field x_forwarded_host <<<"$body")" "127.0.0.1"

head -c $((11 * 1024 * 1024)) /dev/zero >"$work/11m.bin"
head -c $((40 * 1024 * 1024)) /dev/zero >"$work/40m.bin"
head -c $((52 * 1024 * 1024)) /dev/zero >"$work/52m.bin"
out=$(curl -s -m 20 -X POST -H 'Content-Type: text/csv' --data-binary @"$work/11m.bin" -w ' %{http_code}' "$gw/api/tarjetas/1/items") || true
has "11 MB to /api/tarjetas -> 413" "$out" " 413"
has "413 is the JSON error shape" "$out" '"code":"payload_too_large"'
out=$(curl -s -m 30 -X POST -H 'Content-Type: application/pdf' --data-binary @"$work/40m.bin" "$gw/api/documentos") || true
eq "40 MB upload to /api/documentos streamed through" "$(json_field body_bytes <<<"$out")" $((40 * 1024 * 1024))
eq "52 MB upload to /api/documentos -> 413 (gateway limit 51M: 50 MB files plus multipart overhead)" \
    "$(curl -s -o /dev/null -m 30 -X POST -H 'Content-Type: application/pdf' --data-binary @"$work/52m.bin" -w '%{http_code}' "$gw/api/documentos")" 413
rm -f "$work"/*m.bin

# Retries: a dead instance first in the list; every GET must still succeed.
t "reload with a dead core instance in the upstream" env CORE_UPSTREAMS="127.0.0.1:$dead_p 127.0.0.1:$core_a" \
    RENDICIONES_UPSTREAMS="127.0.0.1:$rend_p" INVENTARIO_UPSTREAMS="127.0.0.1:$inv_p" \
    GATEWAY_DIR="$gwdir" GATEWAY_PORT="$gw_port" "$deploy/nginx/run-local-gateway.sh" reload
sleep 0.5
codes=""
for i in 1 2 3 4 5 6; do codes+="$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$gw/api/users?i=$i" || true) "; done
eq "GETs succeed with one instance down (proxy_next_upstream)" "$codes" "200 200 200 200 200 200 "
t "access log shows the retry (502 then 200)" grep -q "\"upstream_status\":\"502, 200\"" "$gwdir/logs/ecosystem-gateway.access.log"
t "access log is JSON with request_id" grep -q '"request_id":"req-123.abc"' "$gwdir/logs/ecosystem-gateway.access.log"

t "reload with two live core instances" env CORE_UPSTREAMS="127.0.0.1:$core_a 127.0.0.1:$core_b" \
    RENDICIONES_UPSTREAMS="127.0.0.1:$rend_p" INVENTARIO_UPSTREAMS="127.0.0.1:$inv_p" \
    GATEWAY_DIR="$gwdir" GATEWAY_PORT="$gw_port" "$deploy/nginx/run-local-gateway.sh" reload
sleep 0.5
# (before the 503 checks: answers of 503 count as failures against max_fails)
hosts=""
for i in 1 2 3 4; do hosts+="$(curl -s -m 5 "$gw/api/tenants" | json_field addr || true) "; done
has "requests are balanced over both core instances" "$hosts" "127.0.0.1:$core_b"
curl -s -o /dev/null -m 5 -H 'X-Request-ID: get-503' "$gw/api/users/fail503" || true
curl -s -o /dev/null -m 5 -X POST -H 'X-Request-ID: post-503' "$gw/api/users/fail503" || true
sleep 0.2
get_line=$(grep '"request_id":"get-503"' "$gwdir/logs/ecosystem-gateway.access.log" || true)
post_line=$(grep '"request_id":"post-503"' "$gwdir/logs/ecosystem-gateway.access.log" || true)
has "GET answered 503 is retried once on the other instance" "$get_line" '"upstream_status":"503, 503"'
has "POST answered 503 is not retried" "$post_line" '"upstream_status":"503"'
# Stock movements with an Idempotency-Key are retried even as POST (inventario
# deduplicates the key); without one they are not. Two inventario instances here.
t "reload with two inventario instances" env CORE_UPSTREAMS="127.0.0.1:$core_a 127.0.0.1:$core_b" \
    RENDICIONES_UPSTREAMS="127.0.0.1:$rend_p" INVENTARIO_UPSTREAMS="127.0.0.1:$inv_p 127.0.0.1:$core_a" \
    GATEWAY_DIR="$gwdir" GATEWAY_PORT="$gw_port" "$deploy/nginx/run-local-gateway.sh" reload
sleep 0.5
curl -s -o /dev/null -m 5 -X POST -H 'X-Stub-Fail: 503' -H 'Idempotency-Key: k-1' -H 'X-Request-ID: mov-key-503' "$gw/api/stock/movimientos" || true
curl -s -o /dev/null -m 5 -X POST -H 'X-Stub-Fail: 503' -H 'X-Request-ID: mov-nokey-503' "$gw/api/stock/movimientos" || true
sleep 0.2
key_line=$(grep '"request_id":"mov-key-503"' "$gwdir/logs/ecosystem-gateway.access.log" || true)
nokey_line=$(grep '"request_id":"mov-nokey-503"' "$gwdir/logs/ecosystem-gateway.access.log" || true)
has "POST movimiento with Idempotency-Key answered 503 is retried on the other instance" "$key_line" '"upstream_status":"503, 503"'
has "POST movimiento without Idempotency-Key is not retried" "$nokey_line" '"upstream_status":"503"'

t "reload with every core instance down" env CORE_UPSTREAMS="127.0.0.1:$dead_p" \
    RENDICIONES_UPSTREAMS="127.0.0.1:$rend_p" INVENTARIO_UPSTREAMS="127.0.0.1:$inv_p" \
    GATEWAY_DIR="$gwdir" GATEWAY_PORT="$gw_port" "$deploy/nginx/run-local-gateway.sh" reload
sleep 0.5
out=$(curl -s -m 5 -w ' %{http_code}' "$gw/api/users") || true
has "core down -> 502" "$out" " 502"
has "502 is the JSON error shape" "$out" '"code":"upstream_unavailable"'
eq "other services unaffected" "$(route_of /api/productos)" inventario
t "run-local-gateway.sh stop" gateway stop
t "gateway no longer answers" bash -c "! curl -s -m 2 -o /dev/null '$gw/health'"
t "status after stop is non-zero" bash -c "! GATEWAY_DIR='$gwdir' '$deploy/nginx/run-local-gateway.sh' status 2>/dev/null"

# ---------------------------------------------------------------------------------
section "5. systemd units (systemd-analyze verify, security)"
# systemd is not PID 1 here, but `systemd-analyze verify` works offline on unit files.
# It insists that ExecStart binaries exist, so the units are checked from a copy whose
# /opt/ecosystem paths point at stub executables in the temp dir (nothing else changes).
sd=$work/systemd
mkdir -p "$sd/units"
for s in core rendiciones inventario; do
    mkdir -p "$sd/root/opt/ecosystem/$s/current/bin"
    printf '#!/bin/sh\nexit 0\n' >"$sd/root/opt/ecosystem/$s/current/bin/$s"
    chmod 0755 "$sd/root/opt/ecosystem/$s/current/bin/$s"
done
mkdir -p "$sd/root/opt/ecosystem/tools"
cp "$deploy/scripts/health-check.sh" "$sd/root/opt/ecosystem/tools/"
for u in "$deploy"/systemd/*.service "$deploy"/systemd/*.timer; do
    sed "s#/opt/ecosystem/#$sd/root/opt/ecosystem/#g" "$u" >"$sd/units/${u##*/}"
done
verify_units() {
    local out rc
    out=$(cd "$sd/units" && systemd-analyze verify --man=no "$@" 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out"
    [[ $rc -eq 0 && -z $out ]]
}
for u in ecosystem-core.service ecosystem-rendiciones.service ecosystem-inventario.service; do
    t "systemd-analyze verify $u" verify_units "./$u"
    t "systemd-analyze security $u <= 2.0" systemd-analyze security --offline=true --threshold=20 --no-pager "$sd/units/$u"
done
t "systemd-analyze verify health-check service+timer" verify_units ./ecosystem-health-check.service ./ecosystem-health-check.timer
for s in core rendiciones inventario; do
    u=$deploy/systemd/ecosystem-$s.service
    t "$s unit: ExecStart/ExecStartPre/EnvironmentFile" bash -c "
        grep -qx 'ExecStart=/opt/ecosystem/$s/current/bin/$s serve' '$u' &&
        grep -qx 'ExecStartPre=/opt/ecosystem/$s/current/bin/$s migrate up' '$u' &&
        grep -qx 'EnvironmentFile=/etc/ecosystem/$s.env' '$u' &&
        grep -qx 'User=ecosystem-$s' '$u' && grep -qx 'Restart=on-failure' '$u' &&
        grep -qx 'TimeoutStopSec=20s' '$u' && grep -qx 'KillSignal=SIGTERM' '$u'"
done
t "rendiciones unit: storage writable via StateDirectory" grep -qx 'StateDirectory=ecosystem/rendiciones' "$deploy/systemd/ecosystem-rendiciones.service"

# ---------------------------------------------------------------------------------
section "6. shellcheck"
while IFS= read -r f; do
    t "shellcheck ${f#"$repo/"}" shellcheck -x "$f"
done < <({ find "$deploy" "$repo/scripts" -name '*.sh' -type f; echo "$repo/.ci/run"; } | sort)

# ---------------------------------------------------------------------------------
section "7. Prometheus and promtail"
t "promtool check config" promtool check config "$deploy/prometheus/prometheus.yml"
t "promtool check rules" promtool check rules "$deploy/prometheus/alerts.yml"
t "promtool test rules" promtool test rules "$deploy/prometheus/tests/alerts_test.yml"
for a in EcosystemServiceDown EcosystemHigh5xxRatio EcosystemHighLatencyP99 EcosystemOutboxBacklog \
    EcosystemOutboxStale EcosystemEventsDeadLettered EcosystemCoreUnreachable; do
    t "alert $a is unit-tested" grep -q "alertname: $a\$" "$deploy/prometheus/tests/alerts_test.yml"
done
if command -v promtail >/dev/null 2>&1; then
    t "promtail -check-syntax" promtail -check-syntax -config.expand-env=true -config.file "$deploy/promtail/config.yml"
elif python3 -c 'import yaml' >/dev/null 2>&1; then
    t "promtail config is valid YAML (no promtail binary here)" python3 -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
jobs = {j["job_name"]: j for j in c["scrape_configs"]}
stages = jobs["ecosystem-services"]["pipeline_stages"]
keys = stages[0]["json"]["expressions"]
for k in ("level", "service", "request_id", "tenant_id", "route", "status"):
    assert k in keys, k
assert "journal" in jobs["ecosystem-services"]
' "$deploy/promtail/config.yml"
else
    t "promtail config extracts the log keys" bash -c "for k in level service request_id tenant_id route status; do grep -q \"^ *\$k: \$k\$\" '$deploy/promtail/config.yml' || exit 1; done"
fi

# ---------------------------------------------------------------------------------
section "8. deploy-app.sh / rollback-app.sh (local target)"
root=$work/deploy-root
app=$root/opt/ecosystem/core
port=$(free_port)
mkdir -p "$root/etc/ecosystem"
printf 'HOST=127.0.0.1\nPORT=%s\nSTUB_SERVICE=core\nSTUB_MIGRATE_LOG=%s\n' "$port" "$work/migrations.log" >"$root/etc/ecosystem/core.env"
stub_apps+=("$app")
restart_cmd="$(printf '%q' "$here/stubctl.sh") restart"

dep() { # RELEASE VERSION -> exit code of deploy-app.sh; output in $work/dep.out
    local rc=0
    # shellcheck disable=SC2016  # LOG_CMD is expanded by the target-side bash
    env DEPLOY_ROOT="$root" RESTART_CMD="$restart_cmd" LOG_CMD='tail -n 3 "$APP_DIR/service.log"' \
        HEALTH_TIMEOUT="${HT:-20}" HEALTH_STABLE_SECONDS="${HS:-0}" KEEP_RELEASES=3 RELEASE="$1" BINARY="$stubdir/$2/stub" \
        "$deploy/scripts/deploy-app.sh" core local || rc=$?
    return "$rc"
}
rb() { # [RELEASE] -> exit code of rollback-app.sh
    local rc=0
    env DEPLOY_ROOT="$root" RESTART_CMD="$restart_cmd" HEALTH_TIMEOUT="${HT:-20}" HEALTH_STABLE_SECONDS=0 \
        "$deploy/scripts/rollback-app.sh" core local "$@" || rc=$?
    return "$rc"
}
# rc_of CMD... — prints CMD's exit code; its output goes to $work/dep.out
rc_of() {
    local rc=0
    "$@" >"$work/dep.out" 2>&1 || rc=$?
    echo "$rc"
}
serving() { curl -s -m 3 "http://127.0.0.1:$port/api/version" | json_field version; }
current() { basename "$(readlink "$app/current" 2>/dev/null)"; }
pid_of() { cat "$app/run.pid" 2>/dev/null; }
releases() { find "$app/releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' '; }

eq "first deploy (r01, v1) exits 0" "$(rc_of dep r01-v1 v1)" 0
eq "current -> releases/r01-v1" "$(readlink "$app/current")" releases/r01-v1
eq "v1 serving" "$(serving)" v1
has "migrations ran with the new binary" "$(cat "$work/migrations.log" 2>/dev/null)" "core v1 up"
t "release carries RELEASE and SHA256SUMS" bash -c "grep -q '^release=r01-v1' '$app/releases/r01-v1/RELEASE' && test -s '$app/releases/r01-v1/SHA256SUMS'"
t "env file loaded for the service (STUB_SERVICE=core)" bash -c "curl -s -m 3 http://127.0.0.1:$port/x | grep -q '\"service\":\"core\"'"

eq "second deploy (r02, v2, 1 s stability re-check) exits 0" "$(HS=1 rc_of dep r02-v2 v2)" 0
eq "v2 serving" "$(serving)" v2

eq "unhealthy release (r03: /ready 503) exits 2" "$(HT=3 rc_of dep r03-v3 v3)" 2
has "deploy log says it rolled back" "$(cat "$work/dep.out")" "rolled back to r02-v2"
eq "current back on r02-v2" "$(current)" r02-v2
eq "v2 still serving after automatic rollback" "$(serving)" v2
t "failed release moved to failed/" bash -c "ls '$app/failed' | grep -q '^r03-v3-' && test ! -e '$app/releases/r03-v3'"

eq "crashing release (r04) exits 2" "$(HT=3 rc_of dep r04-v4 v4)" 2
eq "v2 serving after the crash rollback" "$(serving)" v2

pid_before=$(pid_of) || true
eq "failed migration (r05) exits 1" "$(rc_of dep r05-v5 v5)" 1
eq "current untouched after failed migration" "$(current)" r02-v2
eq "service not restarted after failed migration" "$(pid_of)" "$pid_before"
eq "v2 serving after failed migration" "$(serving)" v2

eq "release name sorting before the newest is refused" "$(rc_of dep r00-old v6)" 1
t "refused release left nothing behind" bash -c "test ! -e '$app/releases/r00-old' && ! ls -A '$app/releases' | grep -q '^\.incoming'"

eq "rollback-app.sh exits 0" "$(rc_of rb)" 0
eq "rollback: current -> r01-v1" "$(current)" r01-v1
eq "rollback: v1 serving" "$(serving)" v1
eq "rollback with no older release exits 1" "$(rc_of rb)" 1
eq "v1 still serving" "$(serving)" v1

eq "deploy r06 exits 0" "$(rc_of dep r06-v6 v6)" 0
eq "deploy r07 exits 0" "$(rc_of dep r07-v7 v7)" 0
eq "deploy r08 exits 0" "$(rc_of dep r08-v8 v8)" 0
eq "v8 serving" "$(serving)" v8
eq "pruned to KEEP_RELEASES=3" "$(releases)" "r06-v6 r07-v7 r08-v8 "
# an unhealthy rollback target: the current release is put back
mkdir -p "$app/releases/r07a-bad/bin" && cp "$stubdir/v3/stub" "$app/releases/r07a-bad/bin/core"
eq "rollback to an unhealthy release exits 2" "$(HT=3 rc_of rb r07a-bad)" 2
eq "current restored (r08)" "$(current)" r08-v8
eq "v8 serving after the failed rollback" "$(serving)" v8
rm -rf "$app/releases/r07a-bad"
eq "rollback to an explicit release (r06) exits 0" "$(rc_of rb r06-v6)" 0
eq "v6 serving" "$(serving)" v6
rb --list >"$work/dep.out" 2>&1 || true
has "--list marks the current release" "$(cat "$work/dep.out")" "* r06-v6"
eq "rollback to an unknown release exits 1" "$(rc_of rb r99-nope)" 1

# A second deploy while one holds the lock is refused.
(flock "$app/.deploy.lock" sleep 3) &
lock_pid=$!
sleep 0.3
eq "concurrent deploy/rollback refused (flock)" "$(rc_of rb r07-v7)" 1
has "lock message" "$(cat "$work/dep.out")" "another deploy or rollback"
wait "$lock_pid" || true
eq "v6 still serving" "$(serving)" v6
log_text=$(cat "$app/deploy.log" 2>/dev/null) || true
has "deploy.log: automatic rollback recorded" "$log_text" "deploy r03-v3 failed-rolled-back-to=r02-v2"
has "deploy.log: failed migration recorded" "$log_text" "deploy r05-v5 failed-migration"
has "deploy.log: rollback recorded" "$log_text" "rollback r01-v1 ok from=r02-v2"
has "deploy.log: failed rollback recorded" "$log_text" "rollback r07a-bad failed-restored=r08-v8"
t "no temporary leftovers" bash -c "! ls -A '$app' '$app/releases' | grep -Eq '^\.(incoming|current\.tmp)'"

# The ssh transport: a shim `ssh` runs the remote command locally (no sshd here), so
# the base64 + remote-shell path of lib/common.sh is exercised end to end.
shim=$work/shim
mkdir -p "$shim"
cat >"$shim/ssh" <<'EOF'
#!/usr/bin/env bash
# test shim: ssh [-o opt]... HOST COMMAND -> sh -c COMMAND (locally)
while [[ $1 == -* ]]; do
    if [[ $1 == -o ]]; then shift 2; else shift; fi
done
echo "$1" >>"${SSH_SHIM_LOG:?}"
shift
exec sh -c "$*"
EOF
chmod 0755 "$shim/ssh"
rapp=$work/remote/opt/ecosystem/inventario
rport=$(free_port)
mkdir -p "$work/remote/etc"
printf 'HOST=127.0.0.1\nPORT=%s\nSTUB_SERVICE=inventario\n' "$rport" >"$work/remote/etc/inventario.env"
stub_apps+=("$rapp")
rdep() {
    local rc=0
    env PATH="$shim:$PATH" SSH_SHIM_LOG="$work/ssh.log" REMOTE_SUDO="" APP_DIR="$rapp" \
        ENV_FILE="$work/remote/etc/inventario.env" RESTART_CMD="$restart_cmd" HEALTH_TIMEOUT=3 \
        HEALTH_STABLE_SECONDS=0 "$@" || rc=$?
    return "$rc"
}
eq "deploy over the ssh transport exits 0" "$(rc_of rdep RELEASE=r1 BINARY="$stubdir/v1/stub" "$deploy/scripts/deploy-app.sh" inventario deploy-target)" 0
eq "deploy over ssh #2 exits 0" "$(rc_of rdep RELEASE=r2 BINARY="$stubdir/v2/stub" "$deploy/scripts/deploy-app.sh" inventario deploy-target)" 0
eq "v2 serving (ssh)" "$(curl -s -m 3 "http://127.0.0.1:$rport/x" | json_field version)" v2
eq "rollback over ssh exits 0" "$(rc_of rdep "$deploy/scripts/rollback-app.sh" inventario deploy-target)" 0
eq "v1 serving after rollback (ssh)" "$(curl -s -m 3 "http://127.0.0.1:$rport/x" | json_field version)" v1
has "ssh shim was used with the given host" "$(sort -u "$work/ssh.log" 2>/dev/null)" deploy-target
t "DEPLOY_ROOT is refused for remote hosts" bash -c "! DEPLOY_ROOT=/tmp/x RESTART_CMD=true '$deploy/scripts/deploy-app.sh' core some-host 2>/dev/null"
t "unknown service is refused" bash -c "! '$deploy/scripts/deploy-app.sh' nope local 2>/dev/null"

# ---------------------------------------------------------------------------------
section "9. health-check.sh"
hook_p=$(free_port)
WEBHOOK_FILE=$work/webhook.jsonl HOST=127.0.0.1 PORT=$hook_p STUB_SERVICE=webhook "$stubdir/v1/stub" webhook >"$work/webhook.log" 2>&1 &
bg_pids+=($!)
wait_http "http://127.0.0.1:$hook_p/" 10 || true
dead=$(free_port)
hc() {
    local rc=0
    env HEALTH_RETRIES=0 HEALTH_TIMEOUT=2 "$@" || rc=$?
    return "$rc"
}
eq "all up -> exit 0" "$(rc_of hc "$deploy/scripts/health-check.sh" core="http://127.0.0.1:$port" gw="http://127.0.0.1:$port/health")" 0
eq "one down -> exit 1" "$(rc_of hc HEALTH_TARGETS="core=http://127.0.0.1:$port dead=http://127.0.0.1:$dead" \
    ALERT_WEBHOOK_URL="http://127.0.0.1:$hook_p/hook" "$deploy/scripts/health-check.sh")" 1
has "DOWN line names the target" "$(cat "$work/dep.out")" "DOWN  dead"
sleep 0.2
has "webhook got the alert" "$(cat "$work/webhook.jsonl" 2>/dev/null)" '"down":["dead"]'
printf 'core = http://127.0.0.1:%s   # comment\n# only a comment\ndead=http://127.0.0.1:%s\n' "$port" "$dead" >"$work/targets.conf"
eq "targets file, state file: first failure alerts" "$(rc_of hc HEALTH_TARGETS_FILE="$work/targets.conf" \
    ALERT_STATE_FILE="$work/hc.state" ALERT_WEBHOOK_URL="http://127.0.0.1:$hook_p/hook" "$deploy/scripts/health-check.sh")" 1
eq "state file: repeat failure does not alert again" "$(rc_of hc HEALTH_TARGETS_FILE="$work/targets.conf" \
    ALERT_STATE_FILE="$work/hc.state" ALERT_WEBHOOK_URL="http://127.0.0.1:$hook_p/hook" "$deploy/scripts/health-check.sh")" 1
printf 'core=http://127.0.0.1:%s\n' "$port" >"$work/targets.conf"
eq "state file: recovery exits 0" "$(rc_of hc HEALTH_TARGETS_FILE="$work/targets.conf" \
    ALERT_STATE_FILE="$work/hc.state" ALERT_WEBHOOK_URL="http://127.0.0.1:$hook_p/hook" "$deploy/scripts/health-check.sh")" 0
sleep 0.2
eq "webhook: 2 alerts + 1 recovery" "$(grep -c . "$work/webhook.jsonl" 2>/dev/null)" 3
has "recovery message" "$(tail -n 1 "$work/webhook.jsonl" 2>/dev/null)" "recovered"
# unready instance: a v3 stub answers /health 200 but /ready 503
unready_p=$(free_port)
HOST=127.0.0.1 PORT=$unready_p "$stubdir/v3/stub" serve >/dev/null 2>&1 &
bg_pids+=($!)
wait_http "http://127.0.0.1:$unready_p/health" 10 || true
eq "/ready 503 counts as down" "$(rc_of hc "$deploy/scripts/health-check.sh" r="http://127.0.0.1:$unready_p")" 1
eq "CHECK_READY=0 checks liveness only" "$(rc_of hc CHECK_READY=0 "$deploy/scripts/health-check.sh" r="http://127.0.0.1:$unready_p")" 0
eq "bad target -> exit 2" "$(rc_of hc "$deploy/scripts/health-check.sh" nonsense)" 2

# ---------------------------------------------------------------------------------
section "10. setup-server.sh (DRY_RUN into a temp root)"
ss=$work/ss
eq "setup-server.sh single exits 0" "$(rc_of env DRY_RUN=1 DEPLOY_ROOT="$ss" BOOTSTRAP_ADMIN_EMAIL=admin@example.com \
    "$deploy/scripts/setup-server.sh" single)" 0
for f in etc/systemd/system/ecosystem-core.service etc/systemd/system/ecosystem-rendiciones.service \
    etc/systemd/system/ecosystem-inventario.service etc/ecosystem/core.env etc/ecosystem/rendiciones.env \
    etc/ecosystem/inventario.env etc/nginx/sites-enabled/ecosystem-gateway.conf \
    etc/nginx/ecosystem/upstreams/core.conf etc/prometheus/prometheus.yml etc/prometheus/alerts.yml \
    opt/ecosystem/tools/health-check.sh; do
    t "installed /$f" test -e "$ss/$f"
done
eq "env files are 0600" "$(stat -c '%a' "$ss"/etc/ecosystem/*.env | sort -u)" 600
jwts=$(sed -n 's/^JWT_SECRET=//p' "$ss"/etc/ecosystem/*.env | sort -u) || true
t "one JWT_SECRET on every service, 64 hex" grep -Eqx '[0-9a-f]{64}' <<<"$jwts"
t "ENCRYPTION_KEY generated (64 hex)" grep -Eq '^ENCRYPTION_KEY=[0-9a-f]{64}$' "$ss/etc/ecosystem/core.env"
t "database URLs filled in" bash -c "! grep -h '_DATABASE_URL=' '$ss'/etc/ecosystem/*.env | grep -q CHANGE_ME"
t "no AI key -> ENABLE_AI_EXTRACTION=false" grep -qx 'ENABLE_AI_EXTRACTION=false' "$ss/etc/ecosystem/rendiciones.env"
sums_before=$(cat "$ss"/etc/ecosystem/*.env "$ss"/etc/ecosystem/db/*.url | sha256sum) || true
eq "second run exits 0" "$(rc_of env DRY_RUN=1 DEPLOY_ROOT="$ss" "$deploy/scripts/setup-server.sh" single)" 0
eq "second run keeps secrets and env files" "$(cat "$ss"/etc/ecosystem/*.env "$ss"/etc/ecosystem/db/*.url | sha256sum)" "$sums_before"
for s in core rendiciones inventario; do
    sed "s#/opt/ecosystem/#$sd/root/opt/ecosystem/#g" "$ss/etc/systemd/system/ecosystem-$s.service" >"$sd/units/installed-$s.service"
    t "installed ecosystem-$s.service verifies" verify_units "./installed-$s.service"
done

# nginx -t on the tree as installed (/etc/nginx layout), logs redirected to the temp dir.
nginx_tree_check() { # ROOT
    local r=$1 n=$1/ngx-check
    rm -rf "$n"
    mkdir -p "$n/logs" "$n/conf"
    cp -R "$r/etc/nginx/." "$n/conf/"
    for f in "$n"/conf/sites-enabled/*; do
        sed -i -e '/listen \[::\]/d' -e "s#/var/log/nginx/#$n/logs/#g" \
            -e 's/listen 80;/listen 127.0.0.1:'"$gw_port"';/' "$(readlink -f "$f")"
    done
    cat >"$n/conf/nginx.conf" <<EOF
pid $n/nginx.pid;
error_log $n/logs/error.log;
events {}
http {
    access_log $n/logs/access.log;
    client_body_temp_path $n/tmp_body;
    proxy_temp_path $n/tmp_proxy;
    include conf.d/*.conf;
    include sites-enabled/*;
}
EOF
    nginx -q -t -p "$n/" -e "$n/logs/error.log" -c "$n/conf/nginx.conf"
}
t "nginx -t on the installed gateway tree" nginx_tree_check "$ss"
ss2=$work/ss-rendiciones
eq "setup-server.sh rendiciones (service host) exits 0" "$(rc_of env DRY_RUN=1 DEPLOY_ROOT="$ss2" SERVICE_HOST=127.0.0.2 \
    JWT_SECRET="$(head -n 1 <<<"$jwts")" CORE_API_URL=http://127.0.0.1:5000 "$deploy/scripts/setup-server.sh" rendiciones)" 0
t "per-server site enabled" test -L "$ss2/etc/nginx/sites-enabled/ecosystem-rendiciones.conf"
has "per-server upstream points at the service's HOST:PORT" "$(cat "$ss2/etc/nginx/ecosystem/upstreams/rendiciones.conf" 2>/dev/null)" "server 127.0.0.2:5050"
t "given JWT_SECRET reused" grep -qx "JWT_SECRET=$(head -n 1 <<<"$jwts")" "$ss2/etc/ecosystem/rendiciones.env"
t "nginx -t on the installed service-host tree" nginx_tree_check "$ss2"
eq "unknown role refused" "$(rc_of env DRY_RUN=1 DEPLOY_ROOT="$work/ss3" "$deploy/scripts/setup-server.sh" nope 2>/dev/null)" 1

# ---------------------------------------------------------------------------------
total=$((SECONDS - started))
printf '\n'
if [[ $failed -gt 0 ]]; then
    printf 'failed checks:\n'
    printf '  - %s\n' "${failures[@]}"
fi
printf 'took %ss (package installation %ss)\n' "$total" "$pkg_seconds"
printf 'deploy: %d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
