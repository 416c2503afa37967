# The targets the README names. `make demo` runs the pipeline on a fresh
# synthetic district; `make test` runs every test, on PostgreSQL too when
# a server answers on 127.0.0.1:5432.

GO        ?= go
DEMO_DIR  ?= demo
PG_DSN    ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

# Use the local PostgreSQL for the storage tests when one is running.
ifeq ($(FRONTLINE_TEST_POSTGRES),)
ifneq ($(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo up),)
export FRONTLINE_TEST_POSTGRES := $(PG_DSN)
endif
endif

.PHONY: build demo test check fuzz bench-ingest bench-score bench-http bench-export clean

build:
	$(GO) build -o frontline ./cmd/frontline

demo: build
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	./frontline gen --cases 20000 --seed 1 --out $(DEMO_DIR)
	./frontline registry load --db $(DEMO_DIR)/frontline.db $(DEMO_DIR)/registry.yaml
	./frontline ingest --db $(DEMO_DIR)/frontline.db $(DEMO_DIR)/events.ndjson
	./frontline case --db $(DEMO_DIR)/frontline.db C2026000042
	./frontline score --db $(DEMO_DIR)/frontline.db --period 2026-06 --kind street
	./frontline satisfaction --db $(DEMO_DIR)/frontline.db --period 2026 --format csv | head -14
	./frontline cadres --db $(DEMO_DIR)/frontline.db --period 2026-Q2 --kind street

test:
	@if [ -n "$$FRONTLINE_TEST_POSTGRES" ]; then echo "PostgreSQL tests: on"; else echo "PostgreSQL tests: off (no server on 127.0.0.1:5432)"; fi
	$(GO) test -race -count=1 ./...
	@echo "the large real samples and the packs printed by LibreOffice, too slow under the race detector, and the dashboard in a browser, on a quiet machine:"
	$(GO) test -count=1 -run 'TestRealSamples|TestPacksPrint' ./cmd/frontline
	$(GO) test -count=1 -run 'TestDashboardInABrowser' ./api

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# Bounded fuzzing over the committed corpus (CI runs this too). Each
# target runs a count of inputs (about 10 s here), not a duration: with a
# duration Go 1.26's fuzzing coordinator can fail a target at the deadline
# with "context deadline exceeded" and no crasher (go.dev/issue/75804).
# FUZZTIME=… (a count like 1000000x, or a duration) overrides every count.
fuzztime = $(if $(FUZZTIME),$(FUZZTIME),$(1))
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzNDJSON$$' -fuzztime=$(call fuzztime,40000x) ./formats
	$(GO) test -run='^$$' -fuzz='^FuzzCSV$$' -fuzztime=$(call fuzztime,60000x) ./formats
	$(GO) test -run='^$$' -fuzz='^FuzzMapped$$' -fuzztime=$(call fuzztime,80000x) ./formats
	$(GO) test -run='^$$' -fuzz='^FuzzOpen311$$' -fuzztime=$(call fuzztime,300000x) ./formats/open311
	$(GO) test -run='^$$' -fuzz='^FuzzPolicyFile$$' -fuzztime=$(call fuzztime,20000x) ./formats
	$(GO) test -run='^$$' -fuzz='^FuzzMappingFile$$' -fuzztime=$(call fuzztime,8000x) ./formats

# Ingest speed against sqlite3 .import and psql \copy (see README).
EVENTS ?= 1000000
bench-ingest: build
	EVENTS=$(EVENTS) PG_DSN='$(PG_DSN)' ./scripts/bench-ingest.sh

# Scoring speed against SQL GROUP BY on the same database (see README).
bench-score: build
	EVENTS=$(EVENTS) ./scripts/bench-score.sh

# The served demo district under load on loopback: reads, ingest, memory (see docs/api.md).
bench-http:
	PG_DSN='$(PG_DSN)' ./scripts/bench-http.sh

# Excel exports: a million-row breach workbook and the demo's meeting pack (see docs/exports.md).
bench-export:
	./scripts/bench-export.sh

clean:
	rm -rf frontline $(DEMO_DIR) bench/out
