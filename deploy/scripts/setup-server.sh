#!/usr/bin/env bash
# Prepare a Debian/Ubuntu server for one or more Ecosystem roles. Idempotent: run
# it again after changing the environment below; existing env files and passwords
# are kept.
#
#   setup-server.sh ROLE[,ROLE...]
#
# Roles:
#   core | rendiciones | inventario  the service: system user ecosystem-<svc>,
#                      /opt/ecosystem/<svc>/releases, /etc/ecosystem/<svc>.env (0600,
#                      generated once with fresh secrets), the systemd unit (enabled;
#                      it starts with the first deploy-app.sh), node exporter, and the
#                      per-server nginx site unless this host is also the gateway
#   backends           core,rendiciones,inventario
#   db                 PostgreSQL: database DB_NAME, one login role and schema per
#                      service in DB_SERVICES, URLs in /etc/ecosystem/db/<svc>.url (0600)
#   broker             RabbitMQ: vhost `ecosystem`, user `ecosystem` (/etc/ecosystem/amqp.url)
#   gateway            nginx API gateway (upstreams from GATEWAY_ENV or *_UPSTREAMS)
#   monitoring         Prometheus with deploy/prometheus/, health-check timer
#   single             everything on one host (topology 2)
#
# Environment:
#   JWT_SECRET        the shared secret (same on every server); generated when unset
#                     and no env file has one yet — copy it to the other servers
#   DB_NAME           database name (default ecosystem)
#   DB_SERVICES       schemas/roles the db role creates (default: core rendiciones inventario)
#   DB_LISTEN         Postgres listen_addresses (default localhost; e.g. localhost,<this server's WireGuard address>)
#   DB_ALLOW          remote access, "svc=CIDR ..." (e.g. "rendiciones=<server-2 WireGuard address>/32"): hostssl + scram
#   SERVICE_HOST      HOST written to new service env files (default 127.0.0.1; the WireGuard
#                     address when other servers must reach the service)
#   CORE_API_URL      written to new rendiciones/inventario env files (default http://127.0.0.1:5000)
#   AMQP_URL          written to new env files when this host is not the broker
#   GEMINI_API_KEY    written to new rendiciones env files (without it: ENABLE_AI_EXTRACTION=false)
#   BOOTSTRAP_ADMIN_EMAIL  first superadmin for a new core env file (password generated)
#   GATEWAY_ENV       topology file with CORE_/RENDICIONES_/INVENTARIO_UPSTREAMS
#                     (e.g. deploy/env/topology-4/gateway.env)
#   GATEWAY_TLS       1 = install the TLS gateway site (certificate in /etc/ssl/ecosystem/)
#   WG_INTERFACE      e.g. wg0: order the services after wg-quick@<if> (drop-in)
#   FIREWALL          1 = apply UFW rules for the roles (needs WG_CIDR, the VPN network; see docs/deployment.md)
#   DEPLOY_ROOT       write files below this root instead of / (tests, image building)
#   DRY_RUN           1 = print system commands (apt, useradd, systemctl, psql, ...)
#                     instead of running them; files are still written when DEPLOY_ROOT is set
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy=$(cd "$here/.." && pwd)

usage() {
    awk 'NR > 1 && /^#/ { if ($0 ~ /^# shellcheck/) next; sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
}
[[ $# -eq 1 && $1 != -h && $1 != --help ]] || usage

ROOT=${DEPLOY_ROOT:-}
ROOT=${ROOT%/}
DRY_RUN=${DRY_RUN:-0}
DB_NAME=${DB_NAME:-ecosystem}
DB_SERVICES=${DB_SERVICES:-core rendiciones inventario}
DB_LISTEN=${DB_LISTEN:-localhost}
DB_ALLOW=${DB_ALLOW:-}
SERVICE_HOST=${SERVICE_HOST:-127.0.0.1}
WG_INTERFACE=${WG_INTERFACE:-}
FIREWALL=${FIREWALL:-0}

log() { printf 'setup-server: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# Files are written unless this is a dry run against the real root.
write_files() { [[ $DRY_RUN != 1 || -n $ROOT ]]; }

# System commands: printed in a dry run.
run() {
    if [[ $DRY_RUN == 1 ]]; then
        printf '+ %s\n' "$*"
    else
        "$@"
    fi
}

# put SRC DEST MODE — install a repo file at DEST (below ROOT).
put() {
    local src=$1 dest=$2 mode=$3
    if write_files; then
        install -D -m "$mode" "$src" "$ROOT$dest"
    fi
    log "installed $dest"
}

# put_text DEST MODE < content
put_text() {
    local dest=$1 mode=$2 tmp
    if write_files; then
        mkdir -p "$(dirname "$ROOT$dest")"
        tmp=$(mktemp "$(dirname "$ROOT$dest")/.setup.XXXXXX")
        cat >"$tmp"
        chmod "$mode" "$tmp"
        mv -f "$tmp" "$ROOT$dest"
    else
        cat >/dev/null
    fi
    log "wrote $dest"
}

exists() { [[ -e $ROOT$1 ]]; }

secret() { openssl rand -hex "${1:-32}"; }

# --- roles -------------------------------------------------------------------------
services=()
want_db=0 want_broker=0 want_gateway=0 want_monitoring=0
IFS=, read -r -a roles <<<"$1"
for r in "${roles[@]}"; do
    case $r in
        core | rendiciones | inventario) services+=("$r") ;;
        backends) services+=(core rendiciones inventario) ;;
        db) want_db=1 ;;
        broker) want_broker=1 ;;
        gateway) want_gateway=1 ;;
        monitoring) want_monitoring=1 ;;
        single | all)
            services+=(core rendiciones inventario)
            want_db=1 want_broker=1 want_gateway=1 want_monitoring=1
            ;;
        *) die "unknown role '$r'" ;;
    esac
done
# de-duplicate, keep order
if [[ ${#services[@]} -gt 0 ]]; then
    read -r -a services <<<"$(printf '%s\n' "${services[@]}" | awk '!seen[$0]++' | tr '\n' ' ')"
fi
for s in $DB_SERVICES; do
    case $s in core | rendiciones | inventario) ;; *) die "DB_SERVICES: unknown service '$s'" ;; esac
done
if [[ $FIREWALL == 1 ]]; then
    [[ ${WG_CIDR:-} =~ ^[0-9.]+/[0-9]+$ ]] || die "FIREWALL=1 needs WG_CIDR (e.g. the WireGuard network)"
fi
if [[ $DRY_RUN != 1 && -z $ROOT && $EUID -ne 0 ]]; then
    die "run as root (or DRY_RUN=1 / DEPLOY_ROOT=dir to try it out)"
fi
has_service() {
    local s
    for s in "${services[@]}"; do [[ $s == "$1" ]] && return 0; done
    return 1
}
summary="${services[*]:-}"
if ((want_db)); then summary+=" db"; fi
if ((want_broker)); then summary+=" broker"; fi
if ((want_gateway)); then summary+=" gateway"; fi
if ((want_monitoring)); then summary+=" monitoring"; fi
log "roles: ${summary# }"

# --- packages ----------------------------------------------------------------------
packages=(ca-certificates curl openssl tar)
[[ ${#services[@]} -gt 0 ]] && packages+=(prometheus-node-exporter postgresql-client)
((want_db)) && packages+=(postgresql)
((want_broker)) && packages+=(rabbitmq-server)
((want_gateway)) && packages+=(nginx)
[[ ${#services[@]} -gt 0 && $want_gateway == 0 ]] && packages+=(nginx)
((want_monitoring)) && packages+=(prometheus prometheus-alertmanager)
[[ $FIREWALL == 1 ]] && packages+=(ufw)
[[ -n $WG_INTERFACE ]] && packages+=(wireguard-tools)
read -r -a packages <<<"$(printf '%s\n' "${packages[@]}" | awk '!seen[$0]++' | tr '\n' ' ')"
log "packages: ${packages[*]}"
run apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"

# --- shared secret -----------------------------------------------------------------
if [[ -z ${JWT_SECRET:-} ]]; then
    for s in core rendiciones inventario; do
        if exists "/etc/ecosystem/$s.env"; then
            JWT_SECRET=$(sed -n 's/^JWT_SECRET=//p' "$ROOT/etc/ecosystem/$s.env" | head -n 1)
            [[ -n $JWT_SECRET ]] && break
        fi
    done
fi
if [[ -z ${JWT_SECRET:-} && ${#services[@]} -gt 0 ]]; then
    JWT_SECRET=$(secret 32)
    log "generated a new JWT_SECRET: copy JWT_SECRET from /etc/ecosystem/*.env to every other server"
fi
if write_files; then
    install -d -m 0755 "$ROOT/etc/ecosystem"
    install -d -m 0700 "$ROOT/etc/ecosystem/db"
fi

# --- database ----------------------------------------------------------------------
db_url_file() { echo "/etc/ecosystem/db/$1.url"; }

if ((want_db)); then
    [[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad DB_NAME"
    for s in $DB_SERVICES; do
        f=$(db_url_file "$s")
        if exists "$f"; then
            pw=$(sed -n 's#^postgres://[^:]*:\([^@]*\)@.*#\1#p' "$ROOT$f")
        else
            pw=$(secret 24)
            printf 'postgres://%s_user:%s@127.0.0.1:5432/%s?sslmode=disable\n' "$s" "$pw" "$DB_NAME" | put_text "$f" 0600
        fi
        if [[ $DRY_RUN == 1 ]]; then
            printf '+ psql: role %s_user, database %s, schema %s owned by it, search_path\n' "$s" "$DB_NAME" "$s"
        else
            runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -v role="${s}_user" -v pw="$pw" \
                -v schema="$s" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'pw';
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";
ALTER ROLE :"role" IN DATABASE :"db" SET search_path = :"schema";
\c :"db"
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"role";
SQL
        fi
    done
    # listen_addresses and remote access (hostssl + scram-sha-256), managed block in pg_hba.conf
    if [[ $DRY_RUN == 1 ]]; then
        printf '+ psql: ALTER SYSTEM SET listen_addresses = %s; pg_hba entries: %s\n' "$DB_LISTEN" "${DB_ALLOW:-none}"
    else
        runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -v listen="$DB_LISTEN" <<'SQL'
ALTER SYSTEM SET password_encryption = 'scram-sha-256';
ALTER SYSTEM SET listen_addresses = :'listen';
SQL
        hba=$(runuser -u postgres -- psql -tAc 'SHOW hba_file')
        block="# BEGIN ecosystem (setup-server.sh)"$'\n'
        for entry in $DB_ALLOW; do
            s=${entry%%=*}
            cidr=${entry#*=}
            [[ $s =~ ^(core|rendiciones|inventario)$ && $cidr =~ ^[0-9a-fA-F.:]+/[0-9]+$ ]] || die "DB_ALLOW: bad entry '$entry'"
            block+="hostssl ${DB_NAME} ${s}_user ${cidr} scram-sha-256"$'\n'
        done
        block+="# END ecosystem"
        awk -v block="$block" '
            /^# BEGIN ecosystem/ {skip = 1; next}
            /^# END ecosystem/ {skip = 0; next}
            !skip {print}
            END {print block}' "$hba" >"$hba.new"
        chown postgres:postgres "$hba.new"
        chmod 0640 "$hba.new"
        mv "$hba.new" "$hba"
        systemctl restart postgresql
    fi
fi

# --- broker --------------------------------------------------------------------------
if ((want_broker)); then
    f=/etc/ecosystem/amqp.url
    if exists "$f"; then
        amqp_pw=$(sed -n 's#^amqp://[^:]*:\([^@]*\)@.*#\1#p' "$ROOT$f")
    else
        amqp_pw=$(secret 24)
        printf 'amqp://ecosystem:%s@127.0.0.1:5672/ecosystem\n' "$amqp_pw" | put_text "$f" 0600
    fi
    if [[ $DRY_RUN == 1 ]]; then
        printf '+ rabbitmqctl: vhost ecosystem, user ecosystem, permissions\n'
    else
        rabbitmqctl list_vhosts -q | grep -qx ecosystem || rabbitmqctl add_vhost ecosystem
        if rabbitmqctl list_users -q | awk '{print $1}' | grep -qx ecosystem; then
            rabbitmqctl change_password ecosystem "$amqp_pw" >/dev/null
        else
            rabbitmqctl add_user ecosystem "$amqp_pw" >/dev/null
        fi
        rabbitmqctl set_permissions -p ecosystem ecosystem '.*' '.*' '.*' >/dev/null
        rabbitmqctl delete_user guest >/dev/null 2>&1 || true
    fi
    AMQP_URL=${AMQP_URL:-amqp://ecosystem:$amqp_pw@127.0.0.1:5672/ecosystem}
fi

# --- services ----------------------------------------------------------------------
# set_key FILE KEY VALUE — replace KEY=... in an env file being generated
set_key() {
    local file=$1 key=$2 val=$3 tmp
    tmp=$(mktemp)
    awk -v k="$key" -v v="$val" 'BEGIN {done = 0}
        index($0, k "=") == 1 {print k "=" v; done = 1; next}
        {print}
        END {if (!done) print k "=" v}' "$file" >"$tmp"
    cat "$tmp" >"$file"
    rm -f "$tmp"
}

new_env_file() {
    local s=$1 tmp url
    tmp=$(mktemp)
    cp "$deploy/env/$s.env.example" "$tmp"
    set_key "$tmp" HOST "$SERVICE_HOST"
    set_key "$tmp" JWT_SECRET "$JWT_SECRET"
    if [[ -n ${AMQP_URL:-} ]]; then set_key "$tmp" AMQP_URL "$AMQP_URL"; fi
    if [[ -n ${CORS_ORIGINS:-} ]]; then set_key "$tmp" CORS_ORIGINS "$CORS_ORIGINS"; fi
    if exists "$(db_url_file "$s")"; then
        url=$(<"$ROOT$(db_url_file "$s")")
        set_key "$tmp" "$(tr '[:lower:]' '[:upper:]' <<<"$s")_DATABASE_URL" "$url"
    fi
    case $s in
        core)
            set_key "$tmp" ENCRYPTION_KEY "$(secret 32)"
            if [[ -n ${BOOTSTRAP_ADMIN_EMAIL:-} ]]; then
                set_key "$tmp" BOOTSTRAP_ADMIN_EMAIL "$BOOTSTRAP_ADMIN_EMAIL"
                set_key "$tmp" BOOTSTRAP_ADMIN_PASSWORD "$(secret 16)"
                log "core: first superadmin $BOOTSTRAP_ADMIN_EMAIL, password in /etc/ecosystem/core.env (remove both lines after the first login)"
            else
                sed -i -e 's/^BOOTSTRAP_ADMIN_/# BOOTSTRAP_ADMIN_/' "$tmp"
            fi
            ;;
        rendiciones)
            set_key "$tmp" CORE_API_URL "${CORE_API_URL:-http://127.0.0.1:5000}"
            if [[ -n ${GEMINI_API_KEY:-} ]]; then
                set_key "$tmp" GEMINI_API_KEY "$GEMINI_API_KEY"
            else
                set_key "$tmp" ENABLE_AI_EXTRACTION false
                set_key "$tmp" GEMINI_API_KEY ""
            fi
            ;;
        inventario)
            set_key "$tmp" CORE_API_URL "${CORE_API_URL:-http://127.0.0.1:5000}"
            ;;
    esac
    put_text "/etc/ecosystem/$s.env" 0600 <"$tmp"
    rm -f "$tmp"
    if grep -q 'CHANGE_ME' "$ROOT/etc/ecosystem/$s.env" 2>/dev/null; then
        log "$s: fill in the CHANGE_ME values in /etc/ecosystem/$s.env (e.g. the database URL from the db server's /etc/ecosystem/db/$s.url)"
    fi
}

for s in "${services[@]}"; do
    if ! id -u "ecosystem-$s" >/dev/null 2>&1 || [[ $DRY_RUN == 1 ]]; then
        run useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "ecosystem-$s"
    fi
    if write_files; then
        install -d -m 0755 "$ROOT/opt/ecosystem/$s/releases" "$ROOT/opt/ecosystem/$s/failed"
    fi
    put "$deploy/systemd/ecosystem-$s.service" "/etc/systemd/system/ecosystem-$s.service" 0644
    if [[ -n $WG_INTERFACE ]]; then
        [[ $WG_INTERFACE =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad WG_INTERFACE"
        printf '[Unit]\n# The service binds its WireGuard address: start after the tunnel.\nWants=wg-quick@%s.service\nAfter=wg-quick@%s.service\n' \
            "$WG_INTERFACE" "$WG_INTERFACE" | put_text "/etc/systemd/system/ecosystem-$s.service.d/wireguard.conf" 0644
    fi
    if exists "/etc/ecosystem/$s.env"; then
        log "keeping existing /etc/ecosystem/$s.env"
    else
        new_env_file "$s"
    fi
    run systemctl daemon-reload
    run systemctl enable "ecosystem-$s.service"
done

# --- nginx -------------------------------------------------------------------------
install_nginx_common() {
    put "$deploy/nginx/ecosystem/http.conf" /etc/nginx/conf.d/ecosystem-http.conf 0644
    local f
    for f in proxy.conf errors.conf not-found.conf locations/core.conf locations/rendiciones.conf locations/inventario.conf; do
        put "$deploy/nginx/ecosystem/$f" "/etc/nginx/ecosystem/$f" 0644
    done
}

enable_site() {
    local name=$1
    put "$deploy/nginx/sites/$name" "/etc/nginx/sites-available/$name" 0644
    if write_files; then
        mkdir -p "$ROOT/etc/nginx/sites-enabled"
        ln -sfn "../sites-available/$name" "$ROOT/etc/nginx/sites-enabled/$name"
    fi
}

nginx_done=0
if ((want_gateway)); then
    install_nginx_common
    if write_files; then
        if [[ -n ${GATEWAY_ENV:-} ]]; then
            "$deploy/nginx/render-upstreams.sh" "$ROOT/etc/nginx/ecosystem/upstreams" "$GATEWAY_ENV"
        else
            "$deploy/nginx/render-upstreams.sh" "$ROOT/etc/nginx/ecosystem/upstreams"
        fi
    fi
    log "rendered /etc/nginx/ecosystem/upstreams/ (${GATEWAY_ENV:-environment/defaults})"
    if [[ ${GATEWAY_TLS:-0} == 1 ]]; then
        enable_site ecosystem-gateway-tls.conf
        rm -f "$ROOT/etc/nginx/sites-enabled/ecosystem-gateway.conf"
    else
        enable_site ecosystem-gateway.conf
        rm -f "$ROOT/etc/nginx/sites-enabled/ecosystem-gateway-tls.conf"
    fi
    rm -f "$ROOT/etc/nginx/sites-enabled/default"
    nginx_done=1
elif [[ ${#services[@]} -gt 0 ]]; then
    install_nginx_common
    for s in "${services[@]}"; do
        # upstream = where this server's instance listens (HOST/PORT of its env file)
        h=$(sed -n 's/^HOST=//p' "$ROOT/etc/ecosystem/$s.env" 2>/dev/null | head -n 1)
        p=$(sed -n 's/^PORT=//p' "$ROOT/etc/ecosystem/$s.env" 2>/dev/null | head -n 1)
        case ${h:-} in "" | 0.0.0.0) h=127.0.0.1 ;; esac
        case $s in core) p=${p:-5000} ;; rendiciones) p=${p:-5050} ;; inventario) p=${p:-5060} ;; esac
        if write_files; then
            tmpd=$(mktemp -d)
            CORE_UPSTREAMS="$h:$p" RENDICIONES_UPSTREAMS="$h:$p" INVENTARIO_UPSTREAMS="$h:$p" \
                "$deploy/nginx/render-upstreams.sh" "$tmpd"
            install -D -m 0644 "$tmpd/$s.conf" "$ROOT/etc/nginx/ecosystem/upstreams/$s.conf"
            rm -rf "$tmpd"
        fi
        enable_site "ecosystem-$s.conf"
    done
    rm -f "$ROOT/etc/nginx/sites-enabled/default"
    nginx_done=1
fi
if ((nginx_done)); then
    run nginx -t
    run systemctl reload-or-restart nginx
fi

# --- monitoring --------------------------------------------------------------------
if ((want_monitoring)); then
    put "$deploy/scripts/health-check.sh" /opt/ecosystem/tools/health-check.sh 0755
    put "$deploy/systemd/ecosystem-health-check.service" /etc/systemd/system/ecosystem-health-check.service 0644
    put "$deploy/systemd/ecosystem-health-check.timer" /etc/systemd/system/ecosystem-health-check.timer 0644
    if ! exists /etc/ecosystem/health-targets.conf; then
        printf 'core=http://127.0.0.1:5000\nrendiciones=http://127.0.0.1:5050\ninventario=http://127.0.0.1:5060\n' |
            put_text /etc/ecosystem/health-targets.conf 0644
        log "edit /etc/ecosystem/health-targets.conf (see deploy/env/topology-*/health-targets.conf)"
    fi
    if exists /etc/prometheus/prometheus.yml && ! grep -q 'ecosystem' "$ROOT/etc/prometheus/prometheus.yml"; then
        if write_files; then cp "$ROOT/etc/prometheus/prometheus.yml" "$ROOT/etc/prometheus/prometheus.yml.orig"; fi
        log "saved the packaged prometheus.yml as prometheus.yml.orig"
    fi
    put "$deploy/prometheus/prometheus.yml" /etc/prometheus/prometheus.yml 0644
    put "$deploy/prometheus/alerts.yml" /etc/prometheus/alerts.yml 0644
    log "edit the scrape targets in /etc/prometheus/prometheus.yml for your topology"
    run promtool check config /etc/prometheus/prometheus.yml
    run systemctl daemon-reload
    run systemctl enable --now ecosystem-health-check.timer
    run systemctl reload-or-restart prometheus
    log "promtail is not packaged by Debian: install Grafana's promtail and use deploy/promtail/config.yml"
fi

# --- firewall ----------------------------------------------------------------------
if [[ $FIREWALL == 1 ]]; then
    run ufw allow 22/tcp
    run ufw allow 51820/udp
    if ((want_gateway)) || [[ ${#services[@]} -gt 0 ]]; then
        run ufw allow 80/tcp
        run ufw allow 443/tcp
    fi
    for s in "${services[@]}"; do
        case $s in core) p=5000 ;; rendiciones) p=5050 ;; inventario) p=5060 ;; esac
        run ufw allow from "$WG_CIDR" to any port "$p" proto tcp
    done
    [[ ${#services[@]} -gt 0 ]] && run ufw allow from "$WG_CIDR" to any port 9100 proto tcp
    ((want_db)) && run ufw allow from "$WG_CIDR" to any port 5432 proto tcp
    ((want_broker)) && run ufw allow from "$WG_CIDR" to any port 5672 proto tcp
    ((want_monitoring)) && run ufw allow from "$WG_CIDR" to any port 9090 proto tcp
    run ufw --force enable
fi

log "done. Next: deploy/scripts/deploy-app.sh <service> <this host> from a build machine (see docs/deployment.md)"
