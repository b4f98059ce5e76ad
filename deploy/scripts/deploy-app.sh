#!/usr/bin/env bash
# Deploy one Ecosystem service to one server as a new versioned release.
#
#   deploy-app.sh SERVICE HOST
#
#   SERVICE  core | rendiciones | inventario
#   HOST     an ssh destination ([user@]host, e.g. the WireGuard address), or
#            `local` to deploy on this machine (the server itself, or a test tree
#            under DEPLOY_ROOT).
#
# Steps: build (or take BINARY) -> copy releases/<RELEASE>/ to the host (checksummed)
# -> `<new binary> migrate up` -> flip the `current` symlink atomically -> restart
# -> wait for /health and /ready -> on failure flip back to the previous release,
# restart it and check it -> keep the newest KEEP_RELEASES releases.
#
# Environment:
#   RELEASE         release name; must sort after the existing ones
#                   (default: UTC time + commit, e.g. 20250101T120000Z-1a2b3c4d5e6f)
#   BINARY          prebuilt binary to ship instead of building services/SERVICE
#   GOOS, GOARCH    build target (default linux / this machine's architecture)
#   DEPLOY_ROOT     HOST=local only: filesystem root of the target tree (tests: a temp dir)
#   APP_DIR         release root on the host (default $DEPLOY_ROOT/opt/ecosystem/SERVICE)
#   ENV_FILE        service env file (default $DEPLOY_ROOT/etc/ecosystem/SERVICE.env)
#   KEEP_RELEASES   releases kept, current included (default 5)
#   MIGRATE         1 = run migrations before switching (default), 0 = skip
#   MIGRATE_CMD     custom migration command, run by bash on the host with BIN,
#                   RELEASE_DIR, SVC, ENV_FILE, APP_DIR set
#                   (default: systemd-run as the service user with ENV_FILE, or
#                   `BIN migrate up` with ENV_FILE loaded when RESTART_CMD is set)
#   RESTART_CMD     custom restart command, run by bash on the host with SVC, APP_DIR,
#                   ENV_FILE, CURRENT set (default: systemctl restart ecosystem-SERVICE)
#   LOG_CMD         prints recent service logs after a failure (default: journalctl -u)
#   HEALTH_URL      base URL checked from the host (default http://HOST:PORT from
#                   ENV_FILE; 127.0.0.1 when HOST is empty or a wildcard)
#   HEALTH_TIMEOUT  seconds to wait for /health and /ready = 200 (default 60)
#   HEALTH_STABLE_SECONDS  check again after this many seconds (default 5)
#   SSH_OPTS        ssh options (default "-o BatchMode=yes -o ConnectTimeout=10")
#   REMOTE_SUDO     prefix for the remote side (default "sudo -n"; "" when ssh'ing as root)
#
# Exit status: 0 deployed and healthy; 1 failed before the switch (the running
# release was not touched); 2 the new release was unhealthy and the previous one
# is serving again; 3 unhealthy and the previous release could not be restored.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/target.sh
. "$here/lib/target.sh"

if [[ $# -ne 2 || $1 == -h || $1 == --help ]]; then
    awk 'NR > 1 && /^#/ { if ($0 ~ /^# shellcheck/) next; sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 1
fi
svc=$1
host=$2
check_service "$svc"
check_host "$host"
target_settings "$svc" "$host"

commit=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown ]] && [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit="$commit-dirty"
fi
RELEASE=${RELEASE:-$(date -u +%Y%m%dT%H%M%SZ)-${commit}}
tgt_valid_name "$RELEASE" || die "bad RELEASE '$RELEASE' (letters, digits, . _ -)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"

if [[ -n ${BINARY:-} ]]; then
    [[ -f $BINARY && -x $BINARY ]] || die "BINARY=$BINARY is not an executable file"
    cp "$BINARY" "$stage/bin/$svc"
    source_desc="prebuilt $BINARY"
else
    command -v go >/dev/null || die "go not found: install Go or pass BINARY=path/to/$svc"
    [[ -d $repo/services/$svc/cmd/$svc ]] || die "no services/$svc/cmd/$svc in $repo"
    log "building $svc ($RELEASE)"
    (
        cd "$repo/services/$svc"
        CGO_ENABLED=0 GOOS=${GOOS:-linux} GOARCH=${GOARCH:-$(go env GOARCH)} \
            go build -trimpath -ldflags "-s -w -X main.version=$RELEASE" -o "$stage/bin/$svc" "./cmd/$svc"
    )
    source_desc="go build services/$svc/cmd/$svc"
fi
chmod 0755 "$stage/bin/$svc"

{
    printf 'release=%s\n' "$RELEASE"
    printf 'service=%s\n' "$svc"
    printf 'commit=%s\n' "$commit"
    printf 'built_at=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'built_by=%s@%s\n' "$(id -un)" "$(hostname -s 2>/dev/null || echo unknown)"
    printf 'source=%s\n' "$source_desc"
} >"$stage/RELEASE"
(cd "$stage" && sha256sum "bin/$svc" RELEASE >SHA256SUMS)

log "shipping $svc release $RELEASE to $host"
tar -C "$stage" -czf - . | on_target tgt_receive "$RELEASE"

set +e
on_target tgt_activate "$RELEASE"
rc=$?
set -e
case $rc in
    0) log "OK: $svc $RELEASE is live on $host" ;;
    1) log "FAILED before switching: $svc on $host still runs its previous release" ;;
    2) log "FAILED: $RELEASE was unhealthy on $host; rolled back automatically" ;;
    *) log "CRITICAL: $svc on $host is unhealthy and the rollback did not recover it (exit $rc)" ;;
esac
exit "$rc"
