#!/usr/bin/env bash
# Helpers shared by the developer scripts (sourced, not run).

# say prints a progress line.
say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# can_install reports whether we may install Debian packages: root (or
# passwordless sudo) and not forbidden with NO_INSTALL=1.
can_install() {
  [ "${NO_INSTALL:-0}" = "1" ] && return 1
  [ "$(id -u)" = "0" ] && return 0
  command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
}

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"; else sudo -n "$@"; fi
}

APT_UPDATED=0
# apt_install installs packages, running apt-get update once per script run.
apt_install() {
  can_install || return 1
  if [ "$APT_UPDATED" = "0" ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# port_open HOST PORT succeeds when something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_http URL SECONDS waits for a 200.
wait_http() {
  local url=$1 secs=${2:-30} i
  for ((i = 0; i < secs * 10; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
