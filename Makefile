# Voronka — two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
# The module proxy without its `direct` fallback: `direct` cannot reach anything here and turns a
# missing version into a confusing error.
export GOPROXY := $(firstword $(subst $(comma), ,$(shell go env GOPROXY)))
comma := ,
export CGO_ENABLED := 0
export GOFLAGS := -buildvcs=false

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN := bin/voronka
RUN_DB ?= voronka-demo.db
RUN_EMAIL ?= admin@example.com
RUN_PASSWORD ?= voronka-demo
RUN_DEALS ?= 5000

.PHONY: run build test vet fmt-check bench clean

## run: build, migrate and start Voronka on SQLite with a demo account (a few thousand deals) on the
## first start; prints the URL and the login.
run: build
	@echo "Login: $(RUN_EMAIL)  Password: $(RUN_PASSWORD)"
	VORONKA_ADMIN_EMAIL=$(RUN_EMAIL) VORONKA_ADMIN_PASSWORD=$(RUN_PASSWORD) ./$(BIN) serve -db $(RUN_DB) -demo -demo-deals $(RUN_DEALS)

## build: the single binary, web assets embedded.
build:
	go build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/voronka

## test: vet, gofmt check, and every test on SQLite and PostgreSQL.
test: vet fmt-check
	go test -count=1 ./...

vet:
	go vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## bench: Go benchmarks (figures go to docs/benchmarks.md).
bench:
	go test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin $(RUN_DB) $(RUN_DB)-wal $(RUN_DB)-shm
