# The single entry point for people and CI (see README).
SHELL := /bin/bash
MODULES := pkg/shared migrations services/core services/rendiciones services/inventario
SERVICES := core rendiciones inventario

.PHONY: all build test vet fmt-check lint run-all migrate bench

all: build

build:
	@mkdir -p bin
	@for s in $(SERVICES); do (cd services/$$s && go build -o ../../bin/$$s ./cmd/$$s) || exit 1; done
	@echo "binaries in bin/: $(SERVICES)"

vet:
	@for m in $(MODULES); do (cd $$m && go vet ./...) || exit 1; done

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: fmt-check vet
	@for m in $(MODULES); do (cd $$m && go test -count=1 ./...) || exit 1; done
