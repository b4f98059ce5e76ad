#!/usr/bin/env bash
# `make lint`: staticcheck on every module, then govulncheck when the
# vulnerability database (vuln.go.dev) can be reached.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
modules=(pkg/shared migrations services/core services/rendiciones services/inventario e2e)
for m in "${modules[@]}"; do
  say "staticcheck $m"
  (cd "$m" && go run honnef.co/go/tools/cmd/staticcheck@latest ./...)
done
for m in "${modules[@]}"; do
  say "govulncheck $m"
  if ! out=$(cd "$m" && go run golang.org/x/vuln/cmd/govulncheck@latest ./... 2>&1); then
    if grep -q "fetching vulnerabilities" <<<"$out"; then
      warn "govulncheck skipped: the vulnerability database (vuln.go.dev) cannot be reached from here"
      exit 0
    fi
    printf '%s\n' "$out"
    exit 1
  fi
done
