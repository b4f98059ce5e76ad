# shellcheck shell=bash
# Local-side helpers shared by deploy-app.sh and rollback-app.sh: argument checks,
# the T_* settings for lib/target.sh, and `on_target`, which runs a target
# function locally (HOST=local) or over ssh.

ECOSYSTEM_SERVICES="core rendiciones inventario"

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() {
    log "$*"
    exit 1
}

service_port() {
    case $1 in
        core) echo 5000 ;;
        rendiciones) echo 5050 ;;
        inventario) echo 5060 ;;
        *) return 1 ;;
    esac
}

check_service() {
    local s
    for s in $ECOSYSTEM_SERVICES; do
        [[ $1 == "$s" ]] && return 0
    done
    die "unknown service '$1' (one of: $ECOSYSTEM_SERVICES)"
}

check_host() {
    [[ $1 == local ]] && return 0
    [[ $1 =~ ^([A-Za-z0-9._-]+@)?[A-Za-z0-9._:-]+$ && $1 != -* ]] || die "bad HOST '$1' (use 'local' or [user@]host)"
}

# Sets the T_* variables lib/target.sh reads, from the environment documented in
# deploy-app.sh. Args: SERVICE HOST
target_settings() {
    local svc=$1 host=$2
    TARGET_HOST=$host
    DEPLOY_ROOT=${DEPLOY_ROOT:-}
    DEPLOY_ROOT=${DEPLOY_ROOT%/}
    if [[ -n $DEPLOY_ROOT && $host != local ]]; then
        die "DEPLOY_ROOT is only for HOST=local"
    fi
    if [[ -n $DEPLOY_ROOT && -z ${RESTART_CMD:-} ]]; then
        die "DEPLOY_ROOT needs RESTART_CMD (systemctl would restart the real unit)"
    fi
    T_SVC=$svc
    T_UNIT="ecosystem-$svc.service"
    T_APP_DIR=${APP_DIR:-$DEPLOY_ROOT/opt/ecosystem/$svc}
    T_ENV_FILE=${ENV_FILE:-$DEPLOY_ROOT/etc/ecosystem/$svc.env}
    T_KEEP=${KEEP_RELEASES:-5}
    T_MIGRATE=${MIGRATE:-1}
    T_MIGRATE_CMD=${MIGRATE_CMD:-}
    T_RESTART_CMD=${RESTART_CMD:-}
    T_LOG_CMD=${LOG_CMD:-}
    T_HEALTH_URL=${HEALTH_URL:-}
    T_HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-60}
    T_HEALTH_STABLE=${HEALTH_STABLE_SECONDS:-5}
    T_DEFAULT_PORT=$(service_port "$svc")
    T_ALLOW_UNSORTED=${ALLOW_UNSORTED:-0}
    [[ $T_KEEP =~ ^[0-9]+$ && $T_KEEP -ge 1 ]] || die "KEEP_RELEASES must be a number >= 1"
    [[ $T_KEEP -ge 2 ]] || log "warning: KEEP_RELEASES=1 leaves nothing to roll back to"
    [[ $T_HEALTH_TIMEOUT =~ ^[0-9]+$ ]] || die "HEALTH_TIMEOUT must be whole seconds"
    [[ $T_HEALTH_STABLE =~ ^[0-9]+$ ]] || die "HEALTH_STABLE_SECONDS must be whole seconds"
    [[ $T_MIGRATE == 0 || $T_MIGRATE == 1 ]] || die "MIGRATE must be 0 or 1"

    read -r -a SSH_ARGS <<<"${SSH_OPTS:--o BatchMode=yes -o ConnectTimeout=10}"
    REMOTE_SUDO=${REMOTE_SUDO-sudo -n}
}

# on_target FUNCTION [ARGS...] — run a lib/target.sh function on TARGET_HOST.
# stdin is passed through (deploy-app.sh streams the release tarball this way).
on_target() {
    local script fns
    fns=$(declare -F | awk '$3 ~ /^tgt_/ {print $3}')
    # shellcheck disable=SC2086  # function names are single words
    script="$(declare -p T_SVC T_UNIT T_APP_DIR T_ENV_FILE T_KEEP T_MIGRATE T_MIGRATE_CMD \
        T_RESTART_CMD T_LOG_CMD T_HEALTH_URL T_HEALTH_TIMEOUT T_HEALTH_STABLE T_DEFAULT_PORT \
        T_ALLOW_UNSORTED)
$(declare -f $fns)
set -euo pipefail
umask 022
$(printf '%q ' "$@")"
    if [[ $TARGET_HOST == local ]]; then
        bash -c "$script"
    else
        # The remote login shell only sees base64 text, so any POSIX shell works.
        local b64
        b64=$(printf '%s' "$script" | base64 -w0)
        # shellcheck disable=SC2029  # $b64 is meant to expand here
        ssh "${SSH_ARGS[@]}" "$TARGET_HOST" "$REMOTE_SUDO bash -c \"\$(echo $b64 | base64 -d)\""
    fi
}
