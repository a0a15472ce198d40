# shopstack — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
STACK ?=
FN ?= counter
PAYLOAD ?= {"number": 10}
GO ?= go

.PHONY: help test plan invoke functions bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

test: ## every test: functions (against DynamoDB Local), stacks under mocks for every environment, policies
	$(GO) vet ./...
	$(GO) test -count=1 ./...

plan: ## offline plan under mocks: STACK=<env>, or every environment
	$(GO) run ./cmd/plan $(if $(STACK),-stack $(STACK))

invoke: ## build FN for this machine and invoke it through the Lambda Runtime API with PAYLOAD
	@$(GO) run ./cmd/invoke -fn '$(FN)' -payload '$(PAYLOAD)'

functions: ## build every function archive for Lambda: <name> <sha256> <bytes>
	@$(GO) run ./cmd/functions

bench: ## benchmarks (figures recorded in README.md)
	$(GO) test -run '^$$' -bench . -benchmem ./...
