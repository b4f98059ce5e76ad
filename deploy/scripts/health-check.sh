#!/usr/bin/env bash
# Check every Ecosystem server and exit non-zero when any is down.
#
#   health-check.sh [name=URL ...]
#
# Targets, first found wins:
#   1. the arguments,
#   2. HEALTH_TARGETS (whitespace/newline-separated name=URL),
#   3. the file HEALTH_TARGETS_FILE (default /etc/ecosystem/health-targets.conf):
#      one `name=URL` per line, # comments (examples: deploy/env/topology-*/health-targets.conf),
#   4. the three services on this host (127.0.0.1:5000/5050/5060).
# A base URL (no path) checks URL/health (liveness) and URL/ready (database and
# migrations); a URL with a path, such as the gateway's https://api.example.com/health,
# is checked as is. Any answer but 200 — or none within HEALTH_TIMEOUT — is DOWN.
#
# Environment:
#   HEALTH_TIMEOUT     seconds per request (default 5)
#   HEALTH_RETRIES     extra attempts before calling a target DOWN (default 1, 2 s apart)
#   CHECK_READY        0 = only /health for base URLs (default 1)
#   ALERT_WEBHOOK_URL  when set, POST {"text": ..., "down": [...], "host": ...} there
#                      (Slack-compatible) if anything is down
#   ALERT_STATE_FILE   when set, alert only when the set of down targets changes, and
#                      send a recovery message once everything is up again (for cron/timers)
#
# Exit status: 0 all up, 1 at least one down, 2 usage/configuration error.
set -euo pipefail

HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-5}
HEALTH_RETRIES=${HEALTH_RETRIES:-1}
CHECK_READY=${CHECK_READY:-1}
HEALTH_TARGETS_FILE=${HEALTH_TARGETS_FILE:-/etc/ecosystem/health-targets.conf}
ALERT_WEBHOOK_URL=${ALERT_WEBHOOK_URL:-}
ALERT_STATE_FILE=${ALERT_STATE_FILE:-}

usage() {
    awk 'NR > 1 && /^#/ { if ($0 ~ /^# shellcheck/) next; sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
}

[[ ${1:-} == -h || ${1:-} == --help ]] && usage
[[ $HEALTH_TIMEOUT =~ ^[0-9]+$ && $HEALTH_RETRIES =~ ^[0-9]+$ ]] || {
    echo "health-check: HEALTH_TIMEOUT and HEALTH_RETRIES must be whole numbers" >&2
    exit 2
}

targets=()
if [[ $# -gt 0 ]]; then
    targets=("$@")
elif [[ -n ${HEALTH_TARGETS:-} ]]; then
    read -r -d '' -a targets <<<"$HEALTH_TARGETS" || true
elif [[ -r $HEALTH_TARGETS_FILE ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [[ -n $line ]] && targets+=("$line")
    done <"$HEALTH_TARGETS_FILE"
else
    targets=(core=http://127.0.0.1:5000 rendiciones=http://127.0.0.1:5050 inventario=http://127.0.0.1:5060)
fi
[[ ${#targets[@]} -gt 0 ]] || {
    echo "health-check: no targets" >&2
    exit 2
}

json_escape() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    printf '%s' "$s"
}

# probe URL -> prints "CODE MS" (CODE 000 when there was no answer)
probe() {
    local out
    out=$(curl -s -o /dev/null -m "$HEALTH_TIMEOUT" -w '%{http_code} %{time_total}' "$1" 2>/dev/null) || true
    [[ -n $out ]] || out="000 0"
    awk '{printf "%s %d\n", $1, $2 * 1000}' <<<"$out"
}

check_target() {
    local url=$1 rest path code ms detail="" ok=1 u
    local -a urls
    rest=${url#*://}
    path=
    [[ $rest == */* ]] && path=/${rest#*/}
    if [[ -z $path || $path == / ]]; then
        url=${url%/}
        urls=("$url/health")
        [[ $CHECK_READY == 1 ]] && urls+=("$url/ready")
    else
        urls=("$url")
    fi
    for u in "${urls[@]}"; do
        read -r code ms < <(probe "$u")
        detail+="${u##*/}=$code(${ms}ms) "
        [[ $code == 200 ]] || ok=0
    done
    printf '%s\n' "${detail% }"
    [[ $ok == 1 ]]
}

down=()
for t in "${targets[@]}"; do
    if [[ $t != *=* ]]; then
        echo "health-check: target '$t' is not name=URL" >&2
        exit 2
    fi
    name=${t%%=*}
    url=${t#*=}
    if [[ ! $url =~ ^https?:// ]]; then
        echo "health-check: $name: '$url' is not an http(s) URL" >&2
        exit 2
    fi
    attempt=0
    while :; do
        if detail=$(check_target "$url"); then
            printf 'OK    %-14s %s  %s\n' "$name" "$url" "$detail"
            break
        fi
        if ((attempt >= HEALTH_RETRIES)); then
            printf 'DOWN  %-14s %s  %s\n' "$name" "$url" "$detail"
            down+=("$name")
            break
        fi
        attempt=$((attempt + 1))
        sleep 2
    done
done

send_alert() {
    local text=$1 list="" n payload
    for n in "${down[@]}"; do
        list+="\"$(json_escape "$n")\","
    done
    payload=$(printf '{"text":"%s","down":[%s],"host":"%s"}' \
        "$(json_escape "$text")" "${list%,}" "$(json_escape "$(hostname -f 2>/dev/null || hostname)")")
    if ! curl -fsS -m 10 -X POST -H 'Content-Type: application/json' --data-binary "$payload" \
        "$ALERT_WEBHOOK_URL" >/dev/null; then
        echo "health-check: could not deliver the alert to ALERT_WEBHOOK_URL" >&2
    fi
}

state=""
[[ ${#down[@]} -gt 0 ]] && state=$(printf '%s ' "${down[@]}")
state=${state% }

if [[ -n $ALERT_WEBHOOK_URL ]]; then
    previous=""
    if [[ -n $ALERT_STATE_FILE && -r $ALERT_STATE_FILE ]]; then
        previous=$(<"$ALERT_STATE_FILE")
    fi
    if [[ -n $state ]]; then
        if [[ -z $ALERT_STATE_FILE || $state != "$previous" ]]; then
            send_alert "Ecosystem: DOWN: $state"
        fi
    elif [[ -n $ALERT_STATE_FILE && -n $previous ]]; then
        send_alert "Ecosystem: recovered (was down: $previous)"
    fi
fi
if [[ -n $ALERT_STATE_FILE ]]; then
    printf '%s' "$state" >"$ALERT_STATE_FILE"
fi

if [[ -n $state ]]; then
    echo "health-check: ${#down[@]} of ${#targets[@]} down: $state" >&2
    exit 1
fi
echo "health-check: all ${#targets[@]} up"
