#!/usr/bin/env bash
# Cold starts before (BASE) and after (this tree), side by side in one `make coldstart` run: the
# functions of BASE, extracted with git archive, are started in the same rounds as this tree's,
# the baselines (hello, hello-dynamodb) and every function; each init median is a ratio to hello.
#
#	bench/coldstart.sh [BASE=main] [N=30]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main}
n=${2:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$base" | tar -x -C "$work"
dev/dynamolocal/install.sh
echo "BASE=$base ($(git rev-parse --short "$base")) against $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
go run ./cmd/coldstart -n "$n" -base "$work"
