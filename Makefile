# Portail ACI — the two commands: `make run` and `make test`.
GO      ?= go
BIN     := bin/aci
ADDR    ?= 127.0.0.1:8080
export ADDR

.PHONY: run build test bench bench-go fuzz generate fmt vet staticcheck tidy-check check refdata postgres chromium clean docker nginx

## run: build, start a private PostgreSQL under .data/ (when DATABASE_URL is unset), migrate, load demo data, serve on ADDR
run: postgres build
	@exec ./$(BIN) run --exit-with-parent

build:
	$(GO) build -o $(BIN) ./cmd/aci

## test: every test, against a real PostgreSQL started by the test harness
test: postgres chromium nginx
	$(GO) test -count=1 -timeout 30m ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

## bench: the server on a private cluster (.data/bench) with BENCH_DATA (national; or demo), once the
## start-up burst of its jobs is over (at most BENCH_SETTLE, 10m), each page loaded for BENCH_DURATION
## (10s) at 32 connections from a second process; writes docs/benchmarks.md
BENCH_DURATION ?= 10s
BENCH_DATA ?= national
BENCH_SETTLE ?= 10m
export BENCH_DURATION BENCH_DATA BENCH_SETTLE
bench: postgres build
	./$(BIN) bench

## bench-go: the Go micro-benchmarks (funding schedules, commune search...)
bench-go: postgres
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run each fuzz target of the domain and of the handlers' form parsers for FUZZTIME (make
## test runs them briefly: a fixed count of inputs rather than a duration, so a loaded machine cannot
## end a run mid-input); seed corpora in each package's testdata/fuzz/
FUZZTIME ?= 30s
TEST_FUZZTIME ?= 10000x
FUZZPKGS ?= ./internal/domain/... ./internal/server
fuzz:
	@for pkg in $$($(GO) list $(FUZZPKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done; done

## generate: regenerate templ files (committed)
generate:
	$(GO) tool templ generate

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

## staticcheck: static analysis (pinned in go.mod as a tool)
staticcheck:
	$(GO) tool staticcheck ./...

## tidy-check: fail when `go mod tidy` would change go.mod or go.sum
tidy-check:
	@$(GO) mod tidy -diff || (echo "go mod tidy modifierait go.mod/go.sum : lancez go mod tidy"; exit 1)

## check: what CI checks besides the tests
check: tidy-check vet staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: fichiers à formater"; exit 1)
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "templ generate a modifié des fichiers : commitez-les"; exit 1)

## refdata: regenerate internal/refdata/data from the npm package @etalab/decoupage-administratif
refdata:
	bash scripts/refdata.sh

postgres:
	@bash scripts/ensure-postgres.sh

chromium:
	@bash scripts/ensure-chromium.sh

nginx:
	@bash scripts/ensure-nginx.sh

docker:
	docker compose up --build

clean:
	rm -rf bin
