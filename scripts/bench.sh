#!/usr/bin/env bash
# `make bench`: each service's measurement in turn, on this machine, each
# against a baseline measured in the same run. Needs `make build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
say "core: GET /api/auth/me and POST /api/auth/login against GET /health"
(cd services/core && go run ./cmd/core-bench -bin ../../bin/core)
say "rendiciones: local-engine pages/s and peak RSS during 4 concurrent 50 MB uploads"
(cd services/rendiciones && go run ./cmd/rendiciones-bench -bin ../../bin/rendiciones)
say "inventario: POST /api/stock/movimientos at 16 clients against pgbench running the same transaction"
(cd services/inventario && go run ./cmd/inventario-bench)
say "events: outbox relay events/s against raw confirmed publishing; commit → consumer commit latency against a bare message"
(cd pkg/shared && go run ./cmd/events-bench)
