#!/usr/bin/env bash
# Roll one Ecosystem service on one server back to an earlier release.
#
#   rollback-app.sh SERVICE HOST [RELEASE]
#   rollback-app.sh SERVICE HOST --list
#
# Without RELEASE: the newest release older than the current one. The switch is
# the same as a deploy's (atomic `current` symlink, restart, /health + /ready
# check); when the target release is unhealthy the release that was current is
# put back. Migrations are not reverted: releases must tolerate the newer schema
# (expand/contract), or run `<svc> migrate down` by hand first.
#
# Environment: the same as deploy-app.sh (DEPLOY_ROOT, APP_DIR, ENV_FILE,
# RESTART_CMD, LOG_CMD, HEALTH_URL, HEALTH_TIMEOUT, HEALTH_STABLE_SECONDS,
# SSH_OPTS, REMOTE_SUDO).
#
# Exit status: 0 rolled back and healthy; 1 nothing changed (no older release,
# unknown release, lock held); 2 the target was unhealthy and the previous current
# release serves again; 3 neither is healthy.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/target.sh
. "$here/lib/target.sh"

if [[ $# -lt 2 || $# -gt 3 || $1 == -h || $1 == --help ]]; then
    awk 'NR > 1 && /^#/ { if ($0 ~ /^# shellcheck/) next; sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 1
fi
svc=$1
host=$2
want=${3:-}
check_service "$svc"
check_host "$host"
# --list needs no restart command; give DEPLOY_ROOT users a harmless default.
if [[ $want == --list && -n ${DEPLOY_ROOT:-} && -z ${RESTART_CMD:-} ]]; then
    RESTART_CMD=false
fi
target_settings "$svc" "$host"

if [[ $want == --list ]]; then
    on_target tgt_list
    exit 0
fi
if [[ -n $want ]]; then
    tgt_valid_name "$want" || die "bad release name '$want'"
fi

set +e
on_target tgt_rollback "$want"
rc=$?
set -e
case $rc in
    0) log "OK: $svc on $host rolled back" ;;
    1) log "nothing changed on $host" ;;
    2) log "FAILED: the target release was unhealthy; the previous current release serves again" ;;
    *) log "CRITICAL: $svc on $host is unhealthy (exit $rc)" ;;
esac
exit "$rc"
