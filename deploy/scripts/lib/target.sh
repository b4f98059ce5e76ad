# shellcheck shell=bash
# Target-side half of deploy-app.sh / rollback-app.sh: everything that happens on
# the server that runs the service. The callers ship these functions (declare -f)
# together with the T_* variables below and run one of them, either locally
# (HOST=local) or over ssh, so both paths execute exactly the same code.
# Needs only bash, coreutils, tar, curl and, when present, flock/systemctl/journalctl.
#
# Layout on the target (APP_DIR = /opt/ecosystem/<svc> unless DEPLOY_ROOT/APP_DIR say otherwise):
#   releases/<name>/bin/<svc>    one directory per release; names sort in deploy order
#   releases/<name>/RELEASE      what was built, from which commit, when
#   current -> releases/<name>   the unit runs current/bin/<svc>; flipped atomically
#   failed/<name>-<time>/        releases that failed their migration or health check
#   deploy.log                   one line per deploy/rollback and its outcome
#
# Inputs (set by lib/common.sh):
#   T_SVC T_UNIT T_APP_DIR T_ENV_FILE T_KEEP T_MIGRATE T_MIGRATE_CMD T_RESTART_CMD
#   T_LOG_CMD T_HEALTH_URL T_HEALTH_TIMEOUT T_HEALTH_STABLE T_DEFAULT_PORT T_ALLOW_UNSORTED

tgt_log() {
    printf '[%s %s] %s\n' "$(date -u +%H:%M:%S)" "${T_SVC}@$(hostname -s 2>/dev/null || echo local)" "$*" >&2
}

tgt_die() {
    tgt_log "ERROR: $*"
    exit 1
}

tgt_valid_name() {
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$ ]]
}

tgt_prepare() {
    [[ $T_APP_DIR == /* && $T_APP_DIR != / ]] || tgt_die "APP_DIR must be an absolute path, got '$T_APP_DIR'"
    mkdir -p "$T_APP_DIR/releases" "$T_APP_DIR/failed"
}

# Serialize deploys and rollbacks of one service on one host.
tgt_lock() {
    exec 9>"$T_APP_DIR/.deploy.lock"
    if command -v flock >/dev/null 2>&1; then
        flock -n 9 || tgt_die "another deploy or rollback of $T_SVC is running on this host"
    fi
}

tgt_current() {
    local link
    link=$(readlink "$T_APP_DIR/current" 2>/dev/null) || return 0
    printf '%s\n' "${link##*/}"
}

# Release names, oldest first (names sort in deploy order).
tgt_releases() {
    local d
    for d in "$T_APP_DIR"/releases/*/; do
        [[ -d $d ]] || continue
        d=${d%/}
        d=${d##*/}
        tgt_valid_name "$d" && printf '%s\n' "$d"
    done | LC_ALL=C sort
}

tgt_record() {
    printf '%s %s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$3" >>"$T_APP_DIR/deploy.log"
}

# Systemd-style env file -> exported variables (KEY=value, optional quotes, # comments).
tgt_load_env() {
    local file=$1 line key val
    [[ -r $file ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line#"${line%%[![:space:]]*}"}
        [[ -z $line || $line == \#* || $line == \;* ]] && continue
        [[ $line == *=* ]] || continue
        key=${line%%=*}
        key=${key%"${key##*[![:space:]]}"}
        val=${line#*=}
        if [[ $val =~ ^\"(.*)\"$ || $val =~ ^\'(.*)\'$ ]]; then
            val=${BASH_REMATCH[1]}
        fi
        [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && export "$key=$val"
    done <"$file"
}

# stdin: gzip'd tar of the release (bin/<svc>, RELEASE, SHA256SUMS).
tgt_receive() {
    local rel=$1 existing incoming
    tgt_valid_name "$rel" || tgt_die "bad release name '$rel'"
    tgt_prepare
    [[ -e $T_APP_DIR/releases/$rel ]] && tgt_die "release $rel already exists (pick a new RELEASE name)"
    if [[ ${T_ALLOW_UNSORTED:-0} != 1 ]]; then
        existing=$(tgt_releases | tail -n 1)
        if [[ -n $existing ]] && [[ $(printf '%s\n%s\n' "$existing" "$rel" | LC_ALL=C sort | tail -n 1) != "$rel" ]]; then
            tgt_die "release name '$rel' sorts before the newest release '$existing'; names must sort in deploy order (ALLOW_UNSORTED=1 to override)"
        fi
    fi
    incoming="$T_APP_DIR/releases/.incoming-$rel"
    rm -rf "$incoming"
    mkdir -p "$incoming"
    if ! tar -xzf - -C "$incoming" --no-same-owner --no-same-permissions; then
        rm -rf "$incoming"
        tgt_die "could not unpack release $rel"
    fi
    if ! (cd "$incoming" && sha256sum --quiet -c SHA256SUMS >&2); then
        rm -rf "$incoming"
        tgt_die "checksum mismatch in release $rel"
    fi
    chmod 0755 "$incoming" "$incoming/bin" "$incoming/bin/$T_SVC"
    [[ -x $incoming/bin/$T_SVC ]] || { rm -rf "$incoming"; tgt_die "release $rel has no bin/$T_SVC"; }
    mv "$incoming" "$T_APP_DIR/releases/$rel"
    tgt_log "received release $rel"
}

tgt_switch() {
    local rel=$1
    [[ -x $T_APP_DIR/releases/$rel/bin/$T_SVC ]] || tgt_die "release $rel is missing bin/$T_SVC"
    # Relative target: the tree stays valid under a DEPLOY_ROOT or a chroot.
    ln -sfn "releases/$rel" "$T_APP_DIR/.current.tmp"
    mv -Tf "$T_APP_DIR/.current.tmp" "$T_APP_DIR/current"
    tgt_log "current -> releases/$rel"
}

tgt_migrate() {
    local rel=$1 bin
    bin="$T_APP_DIR/releases/$rel/bin/$T_SVC"
    tgt_log "migrate up (release $rel)"
    if [[ -n $T_MIGRATE_CMD ]]; then
        BIN=$bin RELEASE_DIR="$T_APP_DIR/releases/$rel" SVC=$T_SVC ENV_FILE=$T_ENV_FILE APP_DIR=$T_APP_DIR \
            bash -c "$T_MIGRATE_CMD" 9>&-
    elif [[ -z $T_RESTART_CMD ]]; then
        # systemd host: same user, environment file and defaults as the unit.
        systemd-run --quiet --wait --pipe --collect --service-type=exec \
            --unit="${T_UNIT%.service}-migrate-$$" \
            -p User="ecosystem-$T_SVC" -p Group="ecosystem-$T_SVC" \
            -p Environment="APP_ENV=production AUTO_MIGRATE=false" \
            -p EnvironmentFile="$T_ENV_FILE" \
            -p NoNewPrivileges=yes -p ProtectSystem=strict -p ProtectHome=yes -p PrivateTmp=yes \
            "$bin" migrate up
    else
        (
            tgt_load_env "$T_ENV_FILE"
            exec "$bin" migrate up 9>&-
        )
    fi
}

tgt_restart() {
    if [[ -n $T_RESTART_CMD ]]; then
        SVC=$T_SVC APP_DIR=$T_APP_DIR ENV_FILE=$T_ENV_FILE CURRENT="$T_APP_DIR/current" bash -c "$T_RESTART_CMD" 9>&-
    else
        systemctl restart "$T_UNIT" 9>&-
    fi
}

tgt_show_logs() {
    if [[ -n $T_LOG_CMD ]]; then
        SVC=$T_SVC APP_DIR=$T_APP_DIR bash -c "$T_LOG_CMD" >&2 || true
    elif [[ -z $T_RESTART_CMD ]] && command -v journalctl >/dev/null 2>&1; then
        journalctl -u "$T_UNIT" -n 30 --no-pager -o cat >&2 || true
    fi
}

tgt_health_base() {
    if [[ -n $T_HEALTH_URL ]]; then
        printf '%s\n' "${T_HEALTH_URL%/}"
        return
    fi
    local host port
    host=$(unset HOST && tgt_load_env "$T_ENV_FILE" && printf '%s' "${HOST:-}")
    port=$(unset PORT && tgt_load_env "$T_ENV_FILE" && printf '%s' "${PORT:-}")
    [[ -z $port ]] && port=$T_DEFAULT_PORT
    case $host in "" | 0.0.0.0 | "::" | "[::]") host=127.0.0.1 ;; esac
    [[ $host == *:* && $host != \[* ]] && host="[$host]"
    printf 'http://%s:%s\n' "$host" "$port"
}

# 0 when /health and /ready both answer 200 (and still do after T_HEALTH_STABLE s).
tgt_wait_healthy() {
    local base deadline code_h code_r body
    base=$(tgt_health_base)
    deadline=$((SECONDS + T_HEALTH_TIMEOUT))
    tgt_log "waiting up to ${T_HEALTH_TIMEOUT}s for $base/health and $base/ready"
    while :; do
        code_h=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$base/health" || true)
        code_r=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$base/ready" || true)
        if [[ $code_h == 200 && $code_r == 200 ]]; then
            break
        fi
        if ((SECONDS >= deadline)); then
            body=$(curl -s -m 3 "$base/ready" 2>/dev/null | head -c 300 || true)
            tgt_log "health check failed: /health=${code_h:-000} /ready=${code_r:-000} ${body}"
            return 1
        fi
        sleep 0.3
    done
    if ((T_HEALTH_STABLE > 0)); then
        sleep "$T_HEALTH_STABLE"
        code_h=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$base/health" || true)
        code_r=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$base/ready" || true)
        if [[ $code_h != 200 || $code_r != 200 ]]; then
            tgt_log "not stable: after ${T_HEALTH_STABLE}s /health=${code_h:-000} /ready=${code_r:-000}"
            return 1
        fi
    fi
    if [[ -z $T_RESTART_CMD ]] && command -v systemctl >/dev/null 2>&1; then
        systemctl is-active --quiet "$T_UNIT" || { tgt_log "$T_UNIT is not active"; return 1; }
    fi
    tgt_log "healthy: /health=200 /ready=200"
}

tgt_fail_release() {
    local rel=$1 f
    [[ -d $T_APP_DIR/releases/$rel ]] || return 0
    mv "$T_APP_DIR/releases/$rel" "$T_APP_DIR/failed/$rel-$(date -u +%Y%m%dT%H%M%SZ)"
    # keep the three most recent failed releases for inspection
    find "$T_APP_DIR/failed" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %f\n' | sort -rn | awk 'NR > 3 {print $2}' |
        while IFS= read -r f; do
            if tgt_valid_name "$f"; then rm -rf "${T_APP_DIR:?}/failed/$f"; fi
        done
    tgt_log "moved release $rel to failed/"
}

tgt_prune() {
    local keep=$T_KEEP cur rel n
    cur=$(tgt_current)
    n=$(tgt_releases | wc -l)
    ((n > keep)) || return 0
    while IFS= read -r rel; do
        ((n > keep)) || break
        [[ $rel == "$cur" ]] && continue
        rm -rf "${T_APP_DIR:?}/releases/$rel"
        tgt_log "pruned release $rel"
        n=$((n - 1))
    done < <(tgt_releases)
}

# Switch to REL, restart, health-check. Returns 0 when healthy.
tgt_go_live() {
    local rel=$1
    tgt_switch "$rel"
    if ! tgt_restart; then
        tgt_log "restart failed"
        return 1
    fi
    tgt_wait_healthy
}

# Deploy REL (already received): migrate, switch, restart, check; roll back on failure.
# Exit: 0 deployed, 1 nothing changed, 2 rolled back to the previous release, 3 down.
tgt_activate() {
    local rel=$1 prev
    tgt_prepare
    tgt_lock
    [[ -d $T_APP_DIR/releases/$rel ]] || tgt_die "release $rel was not received"
    prev=$(tgt_current)
    [[ $prev == "$rel" ]] && tgt_die "release $rel is already current"
    tgt_log "deploying $rel (current: ${prev:-none})"

    if [[ $T_MIGRATE == 1 ]] && ! tgt_migrate "$rel"; then
        tgt_log "migration failed; current release unchanged (${prev:-none})"
        tgt_fail_release "$rel"
        tgt_record deploy "$rel" "failed-migration"
        exit 1
    fi

    if tgt_go_live "$rel"; then
        tgt_record deploy "$rel" "ok previous=${prev:-none}"
        tgt_prune
        tgt_log "deployed $rel"
        exit 0
    fi

    tgt_show_logs
    if [[ -z $prev || ! -d $T_APP_DIR/releases/$prev ]]; then
        tgt_record deploy "$rel" "failed-no-previous"
        tgt_log "FAILED: $rel is unhealthy and there is no previous release to go back to"
        exit 3
    fi
    tgt_log "rolling back to $prev"
    if tgt_go_live "$prev"; then
        tgt_fail_release "$rel"
        tgt_record deploy "$rel" "failed-rolled-back-to=$prev"
        tgt_log "rolled back to $prev; $rel was not deployed"
        exit 2
    fi
    tgt_show_logs
    tgt_record deploy "$rel" "failed-rollback-failed=$prev"
    tgt_log "CRITICAL: rollback to $prev is unhealthy too"
    exit 3
}

# Go back to REL (default: the release before the current one).
# Exit: 0 done, 1 nothing to do / nothing changed, 2 target unhealthy and the
# previous current restored, 3 down.
tgt_rollback() {
    local want=${1:-} cur target
    tgt_prepare
    tgt_lock
    cur=$(tgt_current)
    [[ -n $cur ]] || tgt_die "no current release"
    if [[ -n $want ]]; then
        tgt_valid_name "$want" || tgt_die "bad release name '$want'"
        [[ -d $T_APP_DIR/releases/$want ]] || tgt_die "release $want not found (see --list)"
        [[ $want != "$cur" ]] || tgt_die "release $want is already current"
        target=$want
    else
        target=$(tgt_releases | awk -v cur="$cur" '$0 == cur {exit} {last = $0} END {print last}')
        [[ -n $target ]] || tgt_die "no release older than $cur to roll back to"
    fi
    tgt_log "rollback $cur -> $target"
    if tgt_go_live "$target"; then
        tgt_record rollback "$target" "ok from=$cur"
        tgt_log "rolled back to $target"
        exit 0
    fi
    tgt_show_logs
    tgt_log "$target is unhealthy; restoring $cur"
    if tgt_go_live "$cur"; then
        tgt_record rollback "$target" "failed-restored=$cur"
        exit 2
    fi
    tgt_record rollback "$target" "failed-restore-failed=$cur"
    tgt_log "CRITICAL: $cur is unhealthy too"
    exit 3
}

tgt_list() {
    local cur rel info
    cur=$(tgt_current)
    while IFS= read -r rel; do
        info=$(grep -E '^(commit|built_at)=' "$T_APP_DIR/releases/$rel/RELEASE" 2>/dev/null | tr '\n' ' ' || true)
        if [[ $rel == "$cur" ]]; then
            printf '* %s  %s\n' "$rel" "$info"
        else
            printf '  %s  %s\n' "$rel" "$info"
        fi
    done < <(tgt_releases)
}
