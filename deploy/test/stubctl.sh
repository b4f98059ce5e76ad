#!/usr/bin/env bash
# Test helper: stands in for `systemctl restart ecosystem-<svc>` in deploy/test/run.sh.
# deploy-app.sh runs it as RESTART_CMD with SVC, APP_DIR and ENV_FILE set.
#
#   stubctl.sh restart   stop the running instance (pid file), start current/bin/$SVC serve
#   stubctl.sh stop      stop it
#
# Like systemd with Type=exec, `restart` returns once the new process is spawned;
# whether it stays up is for the deploy script's health check to find out.
set -euo pipefail

: "${SVC:?}" "${APP_DIR:?}" "${ENV_FILE:?}"
pidfile=$APP_DIR/run.pid
logfile=$APP_DIR/service.log

# kill -0 also succeeds on a zombie that PID 1 has not reaped yet.
alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $st != Z* ]]
}

stop() {
    local pid i
    [[ -s $pidfile ]] || return 0
    pid=$(<"$pidfile")
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$pidfile"
}

case ${1:-} in
    restart)
        stop
        (
            set -a
            # shellcheck disable=SC1090  # test env file written by run.sh
            . "$ENV_FILE"
            set +a
            exec setsid "$APP_DIR/current/bin/$SVC" serve </dev/null >>"$logfile" 2>&1
        ) &
        echo $! >"$pidfile"
        ;;
    stop) stop ;;
    *)
        echo "usage: stubctl.sh restart|stop" >&2
        exit 2
        ;;
esac
