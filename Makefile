# The single entry point for people and CI (see README).
SHELL := /bin/bash
MODULES := pkg/shared migrations services/core services/rendiciones services/inventario e2e
SERVICES := core rendiciones inventario
export GOFLAGS := -buildvcs=false

.PHONY: all build run-all test test-go test-deploy vet fmt fmt-check lint migrate bench deps clean

all: build

## build: compile the three services into bin/
build:
	@mkdir -p bin
	@for s in $(SERVICES); do (cd services/$$s && go build -trimpath -o ../../bin/$$s ./cmd/$$s) || exit 1; done

## run-all: set up Postgres/RabbitMQ, migrate, run the three services (Ctrl-C stops them)
run-all:
	@scripts/run-all.sh

## deps: make sure Postgres and RabbitMQ answer (what the tests need)
deps:
	@scripts/ensure-postgres.sh
	@REQUIRE_RABBITMQ=1 scripts/ensure-rabbitmq.sh

## test: set up what the tests need, then gofmt, vet, the deployment checks (installing nginx, shellcheck, promtool) and every module's tests (e2e last)
test: deps fmt-check vet test-deploy test-go

test-go:
	@for m in $(MODULES); do echo "==> go test $$m"; (cd $$m && go test -count=1 -timeout 15m ./...) || exit 1; done

test-deploy:
	@if [ -x deploy/test/run.sh ]; then deploy/test/run.sh; fi

vet:
	@for m in $(MODULES); do (cd $$m && go vet ./...) || exit 1; done

fmt:
	@gofmt -w $(MODULES)

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## lint: vet plus staticcheck and govulncheck (fetched through the Go module proxy)
lint: vet fmt-check
	@scripts/lint.sh

## migrate: apply every service's pending migrations (uses .data/dev.env when present)
migrate: build deps
	@set -a; [ -f .data/dev.env ] && . .data/dev.env; set +a; for s in $(SERVICES); do bin/$$s migrate up || exit 1; done

## bench: the performance measurements of every issue, printed as figures and ratios
bench: build deps
	@scripts/bench.sh

clean:
	rm -rf bin
