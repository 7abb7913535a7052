# tokenrelay: two AWS Lambda functions (refresher, auditpull) and their SAM application.
#
#   make demo    the whole pipeline on a local stack (moto_server + a local AvePoint)
#   make test    every test: unit, integration (moto_server), interop (oidc-provider), end to end
#   make lint    gofmt, go vet, staticcheck, cfn-lint
#   make bench   the benchmarks behind the figures in the README
#   make fuzz    each fuzz target for FUZZTIME
#   make build   bin/{refresher,auditpull}/bootstrap for provided.al2023
#
# sam build calls build-RefresherFunction and build-AuditPullFunction with ARTIFACTS_DIR set.

GO          ?= go
GOOS        ?= linux
GOARCH      ?= arm64
GOFLAGS_LAMBDA := -trimpath -tags lambda.norpc -ldflags "-s -w -buildid="
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
OIDC_DIR    := internal/oauth/testdata/oidc
FUZZTIME    ?= 30s
BENCHTIME   ?= 1x
BIN         := bin

SHELL       := bash
.SHELLFLAGS := -o pipefail -ec

.DEFAULT_GOAL := help
.PHONY: help build build-RefresherFunction build-AuditPullFunction test lint bench fuzz demo \
	tools tools-go tools-test rie npm clean

help:
	@sed -n 's/^#   //p' Makefile

# --- build ---------------------------------------------------------------------------------

build: $(BIN)/refresher/bootstrap $(BIN)/auditpull/bootstrap

$(BIN)/%/bootstrap: FORCE | tools-go
	GOOS=$(GOOS) GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $@ ./functions/$*

build-RefresherFunction: tools-go
	GOOS=$(GOOS) GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/refresher

build-AuditPullFunction: tools-go
	GOOS=$(GOOS) GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/auditpull

FORCE:

# --- tools: each missing one fails loudly, with the fix -----------------------------------

tools-go:
	@command -v $(GO) >/dev/null || { echo "make: go not found: install Go 1.26 or later (https://go.dev/dl/)" >&2; exit 1; }

tools-test: tools-go
	@command -v moto_server >/dev/null || { echo 'make: moto_server not found: pip install "moto[server]" (moto 5)' >&2; exit 1; }
	@command -v node >/dev/null || { echo "make: node not found: install Node.js 20 or later (apt-get install nodejs npm)" >&2; exit 1; }
	@command -v npm >/dev/null || { echo "make: npm not found: install npm (apt-get install npm)" >&2; exit 1; }
	@command -v cfn-lint >/dev/null || { echo "make: cfn-lint not found: pip install cfn-lint (1.x)" >&2; exit 1; }
	@python3 -c 'import boto3' 2>/dev/null || { echo "make: python3 with boto3 not found (examples/python): pip install boto3 (moto[server] brings it)" >&2; exit 1; }

tools: tools-test npm rie

# AWS's Lambda Runtime Interface Emulator, the program `sam local invoke` runs in its container, is
# a tool dependency in go.mod: Go builds it once through the module proxy into its build cache.
# The end-to-end tests and the demo run the functions under it (a failed build fails them).
rie: tools-go
	@$(GO) tool -n aws-lambda-rie >/dev/null || { echo "make: cannot build aws-lambda-rie (go tool -n aws-lambda-rie): check GOPROXY and the network" >&2; exit 1; }

# npm packages come from the committed lockfile only.
npm: $(OIDC_DIR)/node_modules/.package-lock.json

$(OIDC_DIR)/node_modules/.package-lock.json: $(OIDC_DIR)/package-lock.json $(OIDC_DIR)/package.json
	@command -v npm >/dev/null || { echo "make: npm not found: install npm (apt-get install npm)" >&2; exit 1; }
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

# --- test, lint, bench, fuzz --------------------------------------------------------------

# go test -json through scripts/testreport: it prints go test's usual lines, the output of each
# failing test, and a closing count; a skipped test is a failure (a tool the test needs was
# missing), so that nothing passes without having run.
test: tools
	$(GO) test -race -count=1 -json ./... | $(GO) run ./scripts/testreport

lint: tools-go
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@command -v cfn-lint >/dev/null || { echo "make: cfn-lint not found: pip install cfn-lint (1.x)" >&2; exit 1; }
	cfn-lint template.yaml

bench: tools npm
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count 1 ./...

FUZZ_TARGETS := \
	./internal/targets:FuzzParse \
	./internal/credentials:FuzzParse \
	./internal/oauth:FuzzParseResponse \
	./internal/auditapi:FuzzParsePage \
	./internal/canonjson:FuzzCanonical \
	./internal/testkit/localavepoint:FuzzNetString

# -fuzzminimizetime 5s: minimizing a large new input (a key, a PFX) for the default 60s outlives
# -fuzztime and trips a coordinator race of Go 1.26 (golang/go#75804).
fuzz: tools-go
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "== $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
	done

# --- demo ---------------------------------------------------------------------------------

# Built as the bootstraps it builds are (-trimpath, no cgo), the demo shares their build cache:
# a first, cold build compiles the AWS SDK once, not twice.
# The demo needs Go and moto_server only; it checks for moto_server itself, with the install command.
demo: tools-go rie
	CGO_ENABLED=0 $(GO) run -trimpath ./scripts/demo

clean:
	rm -rf $(BIN) .aws-sam .demo
