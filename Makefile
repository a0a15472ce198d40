# shopstack — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
STACK ?=
FN ?= counter
PAYLOAD ?= {"number": 10}
GO ?= go

.PHONY: help test plan plan-diff diagram invoke functions coldstart bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

test: ## every test: functions (against DynamoDB Local), stacks under mocks for every environment, policies, workflows, the /docs page in Chromium
	dev/dynamolocal/install.sh
	dev/docs/install.sh browser
	$(GO) vet ./...
	# -timeout: on a busy 2-core machine the build and engine packages have run past go test's
	# 10-minute default (measured at load average ~30); a hang still ends.
	# -vet=off: `go vet` above already ran every check go test's subset would repeat.
	# -ldflags=-w: no DWARF in test binaries, which go test relinks on every run: a third less
	# link CPU (tests/: 17.6 -> 11.9 CPU-s); stack traces do not need it.
	# ./tests ./lambdabuild first: go test starts packages in the order named, and these two
	# run longest (the engine scenarios; the one cold build); last in ./... order they ran alone
	# at the end while the other packages had finished.
	$(GO) test -count=1 -timeout 30m -vet=off -ldflags=-w ./tests ./lambdabuild ./...

# -v: a first run compiles for minutes; the go command then names each package as it compiles it
# (nothing when the cache has them), and the plan names each function as it builds it.
plan: ## offline plan under mocks: STACK=<env>, or every environment
	$(GO) run -v ./cmd/plan $(if $(STACK),-stack $(STACK))

plan-diff: ## resources added/removed/changed since BASE=<git ref> (planned in a temporary worktree)
	@test -n '$(BASE)' || { echo 'usage: make plan-diff BASE=<git ref> [STACK=<env>]' >&2; exit 2; }
	$(GO) run ./cmd/plan -base '$(BASE)' $(if $(STACK),-stack $(STACK))

diagram: ## architecture of STACK=<env> (or every environment) to docs/diagram-<env>.mmd, and .svg with Graphviz
	$(GO) run ./cmd/diagram $(if $(STACK),-stack $(STACK))

invoke: ## build FN for this machine and invoke it through the Lambda Runtime API with PAYLOAD
	@$(GO) run ./cmd/invoke -fn '$(FN)' -payload '$(PAYLOAD)'

functions: ## build every function archive for Lambda: <name> <sha256> <bytes>
	@$(GO) run -v ./cmd/functions

coldstart: ## cold start of every function against aws-lambda-go's hello world built the same way: init and first-invoke p50/p90 and ratios (N=<starts per function>)
	dev/dynamolocal/install.sh
	$(GO) run ./cmd/coldstart $(if $(N),-n $(N))

bench: ## benchmarks (figures recorded in README.md)
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: cost cost-diff

cost: ## monthly cost per region, service and resource, and per 1,000 orders: STACK=<env>, or every environment
	$(GO) run ./cmd/cost $(if $(STACK),-stack $(STACK))

cost-diff: ## monthly cost difference per resource and in total since BASE=<git ref> (priced in a temporary worktree)
	@test -n '$(BASE)' || { echo 'usage: make cost-diff BASE=<git ref> [STACK=<env>]' >&2; exit 2; }
	$(GO) run ./cmd/cost -base '$(BASE)' $(if $(STACK),-stack $(STACK))

.PHONY: dev load
DEV_PORT ?= 3001

dev: ## the whole API on 127.0.0.1:3001 (DEV_PORT=) with DynamoDB Local and a sample catalog, API docs at /docs; writes .build/local/outputs.json; Ctrl-C stops it
	dev/dynamolocal/install.sh
	dev/docs/install.sh
	$(GO) build -o .build/local/dev ./cmd/dev
	.build/local/dev -port $(DEV_PORT) $(if $(DYNAMODB_PORT),-dynamodb-port $(DYNAMODB_PORT))

load: ## concurrent shoppers against the local API (LOAD_URL=<make dev's apiUrl>, else its own); req/s, p50/p99, errors, stock check
	dev/dynamolocal/install.sh
	$(GO) run ./cmd/load $(if $(LOAD_URL),-url '$(LOAD_URL)') $(LOAD_FLAGS)

.PHONY: openapi client
# OPENAPI is the committed API contract (the Go side names it once too: openapi.File).
OPENAPI := contract/openapi/openapi.json
CLIENT := clients/typescript

openapi: ## the API contract (OpenAPI 3.0) from the route table and Go types into OPENAPI, and the curl examples in functions/README.md; commit them
	$(GO) run ./cmd/openapi -o $(OPENAPI) -readme functions/README.md

client: ## the typed TypeScript client in clients/typescript: schema.d.ts from OPENAPI with the pinned openapi-typescript, then tsc; commit it
	cd $(CLIENT) && npm ci --ignore-scripts --no-audit --no-fund
	$(CLIENT)/node_modules/.bin/openapi-typescript $(OPENAPI) -o $(CLIENT)/schema.d.ts
	$(CLIENT)/node_modules/.bin/tsc -p $(CLIENT)

.PHONY: signin
signin: ## print an ID token of USERNAME=<email> PASSWORD=<password> in STACK=<env>'s user pool (SRP, the public client); needs the Pulumi CLI
	@test -n '$(STACK)' -a -n '$(USERNAME)' -a -n '$(PASSWORD)' || { echo 'usage: make signin STACK=<env> USERNAME=<email> PASSWORD=<password>' >&2; exit 2; }
	@[ -f clients/signin/node_modules/.package-lock.json ] || (cd clients/signin && npm ci --ignore-scripts --no-audit --no-fund >&2)
	@set -o pipefail; pulumi stack output --json -s '$(STACK)' | SHOPSTACK_PASSWORD='$(PASSWORD)' node clients/signin/signin.mjs --outputs - --username '$(USERNAME)'

.PHONY: chaos
chaos: ## a short load under each DynamoDB fault (latency, cut answers, throttling, conflicts, outage) against the local platform; per fault: statuses, p50/p99, invariants
	dev/dynamolocal/install.sh
	$(GO) run ./cmd/chaos $(CHAOS_FLAGS)

.PHONY: failover
failover: ## plan a writer-region move with the old writer down: STACK=<env> TO=<region>; config change, targeted `pulumi up`, its preview
	@test -n '$(STACK)' -a -n '$(TO)' || { echo 'usage: make failover STACK=<env> TO=<region>' >&2; exit 2; }
	$(GO) run ./cmd/failover -stack '$(STACK)' -to '$(TO)'
