#!/usr/bin/env bash
# `make bench`: runs each service's measurement in turn on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
say "core: GET /api/auth/me and POST /api/auth/login"
(cd services/core && go run ./cmd/core-bench)
