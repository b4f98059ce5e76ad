#!/usr/bin/env bash
# Run the Ecosystem API gateway as an unprivileged, local nginx (development, tests,
# `make run-all`). It renders the same site and snippets that production uses
# (deploy/nginx/sites/ecosystem-gateway.conf + deploy/nginx/ecosystem/) into a runtime
# directory, with the upstreams from the environment, and runs
# `nginx -p DIR -c DIR/conf/nginx.conf`. The system nginx is never touched.
#
#   run-local-gateway.sh [start|run|stop|reload|status|render|check]
#
#   start   render, test, start in the background (pid file), wait for /health.
#           If it is already running: re-render and reload instead.
#   run     render, test and run in the foreground (Ctrl-C stops it).
#   stop    stop the background gateway (TERM, then KILL after 10 s).
#   reload  re-render (e.g. new upstream lists) and reload a running gateway.
#   status  exit 0 when running.
#   render  render the configuration only.   check: render + `nginx -t`.
#
# Environment:
#   GATEWAY_PORT           listen port (default 8080)
#   GATEWAY_HOST           listen address (default 127.0.0.1)
#   CORE_UPSTREAMS         "127.0.0.1:5000" — space-separated host:port lists
#   RENDICIONES_UPSTREAMS  "127.0.0.1:5050"   (flags as in render-upstreams.sh:
#   INVENTARIO_UPSTREAMS   "127.0.0.1:5060"    host:port@backup, @down, @weight=N)
#   GATEWAY_DIR            runtime directory (default <repo>/.data/nginx)
#   GATEWAY_SITE           site file to render (default deploy/nginx/sites/ecosystem-gateway.conf;
#                          the per-server sites and the TLS site work too)
#   GATEWAY_TLS_PORT       TLS listen port for the TLS site (default 8443)
#   GATEWAY_TLS_CERT, GATEWAY_TLS_KEY   certificate for the TLS site
#   NGINX                  nginx binary (default: nginx from PATH, else /usr/sbin/nginx)
#   GATEWAY_WAIT           seconds `start` waits for /health (default 10)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

action=${1:-start}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
GATEWAY_HOST=${GATEWAY_HOST:-127.0.0.1}
GATEWAY_DIR=${GATEWAY_DIR:-$repo/.data/nginx}
GATEWAY_SITE=${GATEWAY_SITE:-$here/sites/ecosystem-gateway.conf}
GATEWAY_TLS_PORT=${GATEWAY_TLS_PORT:-8443}
GATEWAY_WAIT=${GATEWAY_WAIT:-10}
export CORE_UPSTREAMS=${CORE_UPSTREAMS:-127.0.0.1:5000}
export RENDICIONES_UPSTREAMS=${RENDICIONES_UPSTREAMS:-127.0.0.1:5050}
export INVENTARIO_UPSTREAMS=${INVENTARIO_UPSTREAMS:-127.0.0.1:5060}

if [[ -z ${NGINX:-} ]]; then
    NGINX=$(command -v nginx || true)
    [[ -n $NGINX ]] || NGINX=/usr/sbin/nginx
fi

log() { printf 'gateway: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ $GATEWAY_PORT =~ ^[0-9]+$ && $GATEWAY_TLS_PORT =~ ^[0-9]+$ ]] || die "ports must be numbers"
host_re='^[][A-Za-z0-9.:-]+$'
[[ $GATEWAY_HOST =~ $host_re ]] || die "bad GATEWAY_HOST"
[[ $GATEWAY_DIR != *'|'* ]] || die "GATEWAY_DIR must not contain '|'"

mkdir -p "$GATEWAY_DIR"
GATEWAY_DIR=$(cd "$GATEWAY_DIR" && pwd)
conf=$GATEWAY_DIR/conf/nginx.conf
pidfile=$GATEWAY_DIR/run/nginx.pid
errlog=$GATEWAY_DIR/logs/error.log

nginx_cmd() { "$NGINX" -p "$GATEWAY_DIR/" -e "$errlog" -c "$conf" "$@"; }

# kill -0 also succeeds on a zombie that PID 1 has not reaped yet.
alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $st != Z* ]]
}

running_pid() {
    local pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    printf '%s\n' "$pid"
}

render() {
    [[ -x $NGINX ]] || die "nginx not found (apt-get install nginx, or set NGINX=)"
    [[ -r $GATEWAY_SITE ]] || die "cannot read site $GATEWAY_SITE"
    local c=$GATEWAY_DIR/conf
    mkdir -p "$c" "$GATEWAY_DIR"/{logs,run,tmp}
    rm -rf "$c/ecosystem.new" "$c/sites.new"
    mkdir -p "$c/ecosystem.new" "$c/sites.new"
    cp -R "$here/ecosystem/." "$c/ecosystem.new/"
    rm -rf "$c/ecosystem.new/upstreams"
    "$here/render-upstreams.sh" "$c/ecosystem.new/upstreams"

    local host=$GATEWAY_HOST
    [[ $host == *:* && $host != \[* ]] && host="[$host]"
    # Same site file as production; only the listen lines, log paths and certificate
    # paths change. IPv6 wildcard listens are dropped (the local gateway binds one address).
    sed -e "/listen \[::\]:.*# @listen/d" \
        -e "s|^\( *\)listen [0-9]*;\( *\)# @listen\$|\1listen $host:$GATEWAY_PORT;|" \
        -e "s|^\( *\)listen [0-9]* ssl http2;\( *\)# @listen-tls\$|\1listen $host:$GATEWAY_TLS_PORT ssl http2;|" \
        -e "s|/var/log/nginx/|$GATEWAY_DIR/logs/|g" \
        -e "s|/etc/ssl/ecosystem/gateway.crt|${GATEWAY_TLS_CERT:-/etc/ssl/ecosystem/gateway.crt}|" \
        -e "s|/etc/ssl/ecosystem/gateway.key|${GATEWAY_TLS_KEY:-/etc/ssl/ecosystem/gateway.key}|" \
        -e "s|/var/www/letsencrypt|$GATEWAY_DIR/acme|" \
        "$GATEWAY_SITE" >"$c/sites.new/$(basename "$GATEWAY_SITE")"

    # Workers run as the invoking user. Under root (CI, containers) nginx would
    # otherwise switch workers to `nobody`, which cannot write the temp dirs below a
    # private runtime directory; this gateway only listens where GATEWAY_HOST says.
    local user_line="# not root: workers run as the invoking user"
    [[ $EUID -eq 0 ]] && user_line="user root;"

    cat >"$c/nginx.conf.new" <<EOF
# Generated by deploy/nginx/run-local-gateway.sh — do not edit.
$user_line
worker_processes 2;
pid $pidfile;
error_log $errlog warn;

events {
    worker_connections 1024;
}

http {
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65s;
    client_body_temp_path $GATEWAY_DIR/tmp/client_body;
    proxy_temp_path $GATEWAY_DIR/tmp/proxy;
    fastcgi_temp_path $GATEWAY_DIR/tmp/fastcgi;
    uwsgi_temp_path $GATEWAY_DIR/tmp/uwsgi;
    scgi_temp_path $GATEWAY_DIR/tmp/scgi;

    include ecosystem/http.conf;
    access_log $GATEWAY_DIR/logs/access.log ecosystem_json;

    include sites/*.conf;
}
EOF
    rm -rf "$c/ecosystem" "$c/sites"
    mv "$c/ecosystem.new" "$c/ecosystem"
    mv "$c/sites.new" "$c/sites"
    mv "$c/nginx.conf.new" "$conf"
}

check() {
    if ! nginx_cmd -t -q; then
        die "configuration test failed ($conf)"
    fi
}

wait_healthy() {
    local host=$GATEWAY_HOST deadline=$((SECONDS + GATEWAY_WAIT))
    [[ $host == 0.0.0.0 ]] && host=127.0.0.1
    [[ $host == *:* && $host != \[* ]] && host="[$host]"
    until curl -fsS -o /dev/null -m 2 "http://$host:$GATEWAY_PORT/health" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            tail -n 20 "$errlog" >&2 || true
            die "no answer on http://$host:$GATEWAY_PORT/health after ${GATEWAY_WAIT}s"
        fi
        sleep 0.2
    done
    log "up on http://$host:$GATEWAY_PORT (core: $CORE_UPSTREAMS; rendiciones: $RENDICIONES_UPSTREAMS; inventario: $INVENTARIO_UPSTREAMS)"
}

stop() {
    local pid i
    if ! pid=$(running_pid); then
        log "not running"
        rm -f "$pidfile"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "pid $pid did not stop in 10s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    log "stopped (pid $pid)"
}

case $action in
    render)
        render
        log "rendered $conf"
        ;;
    check)
        render
        check
        log "configuration OK ($conf)"
        ;;
    start)
        render
        check
        if pid=$(running_pid); then
            nginx_cmd -s reload
            log "already running (pid $pid): reloaded"
        else
            nginx_cmd
        fi
        wait_healthy
        ;;
    run | foreground)
        render
        check
        if pid=$(running_pid); then die "already running in the background (pid $pid)"; fi
        log "running in the foreground on $GATEWAY_HOST:$GATEWAY_PORT"
        exec "$NGINX" -p "$GATEWAY_DIR/" -e "$errlog" -c "$conf" -g 'daemon off;'
        ;;
    reload)
        pid=$(running_pid) || die "not running"
        render
        check
        nginx_cmd -s reload
        log "reloaded (pid $pid)"
        ;;
    stop)
        stop
        ;;
    status)
        if pid=$(running_pid); then
            log "running (pid $pid) on $GATEWAY_HOST:$GATEWAY_PORT"
        else
            log "not running"
            exit 1
        fi
        ;;
    -h | --help | help)
        awk 'NR > 1 && /^#/ { if ($0 ~ /^# shellcheck/) next; sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        ;;
    *)
        die "unknown action '$action' (start|run|stop|reload|status|render|check)"
        ;;
esac
