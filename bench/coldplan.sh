#!/usr/bin/env bash
# A first `make plan` against its floor, side by side in one run, each with an empty Go build
# cache; the module cache stays warm, so downloads are not measured (a first clone also downloads
# the modules: `go mod download` before this script).
#
# The floor is what any Pulumi Go program of ours must compile on a new machine: a minimal
# program importing the same Pulumi SDK packages as stacks/ (read from `go list`, so it follows
# the program), plus the cross-build of one aws-lambda-go hello world with the functions' flags.
# Ours is `make plan` in a copy of HEAD's tracked files (no .build/ cache): it compiles cmd/plan,
# builds every function and plans every environment.
#
#	bench/coldplan.sh        prints seconds and peak RSS of each step and the ratios
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

# measure <label> <dir> <command...>: wall seconds and the largest process's peak RSS (GNU time
# %M: the maximum resident set of the biggest child, here one compile) with an empty GOCACHE.
measure() {
	local label=$1 dir=$2
	shift 2
	local cache
	cache=$(mktemp -d "$work/gocache.XXXX")
	local start
	start=$(date +%s)
	# Each stderr line gets the seconds since the start: how soon the first progress shows.
	(cd "$dir" && GOCACHE=$cache /usr/bin/time -f '%e %M' -o "$work/$label.time" "$@" >"$work/$label.out" \
		2> >(while IFS= read -r line; do echo "$(($(date +%s) - start))s $line"; done >"$work/$label.err")) || {
		echo "$label failed:" >&2
		tail -20 "$work/$label.err" >&2
		exit 1
	}
	read -r secs kb <"$work/$label.time"
	printf '%-28s %8.1f s %8.0f MB\n' "$label" "$secs" "$((kb / 1024))"
}

# The floor program: the Pulumi SDK packages stacks/ imports, in a module with our go.mod's
# versions.
mkdir -p "$work/floor/program" "$work/floor/hello"
sed 's/^module .*/module floor/' go.mod >"$work/floor/go.mod"
cp go.sum "$work/floor/"
{
	echo 'package main'
	echo 'import ('
	echo '	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"'
	go list -f '{{join .Imports "\n"}}' ./stacks | grep '^github.com/pulumi/' | grep -vx 'github.com/pulumi/pulumi/sdk/v3/go/pulumi' | sed 's/.*/	_ "&"/'
	echo ')'
	echo 'func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }'
} >"$work/floor/program/main.go"
cat >"$work/floor/hello/main.go" <<'GO'
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() { lambda.Start(func() (string, error) { return "hello", nil }) }
GO

# Ours: HEAD's tracked files, as a fresh clone has them.
mkdir "$work/clone"
git archive HEAD | tar -x -C "$work/clone"

echo "cold builds, empty GOCACHE each, warm GOMODCACHE; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# The functions' flags (lambdabuild: buildFlags) and environment.
measure floor-program "$work/floor" go build -o "$work/floor/p" ./program
measure floor-hello-lambda "$work/floor" env GOOS=linux GOARCH=arm64 CGO_ENABLED=0 \
	go build -trimpath -tags lambda.norpc -ldflags '-s -w -buildid=' -o "$work/floor/bootstrap" ./hello
measure make-plan "$work/clone" make -s plan
measure make-functions "$work/clone" bash -c 'rm -rf .build/functions && make -s functions'

read -r p pk <"$work/floor-program.time"
read -r h hk <"$work/floor-hello-lambda.time"
read -r m mk <"$work/make-plan.time"
read -r f fk <"$work/make-functions.time"
awk -v p="$p" -v h="$h" -v m="$m" -v pk="$pk" -v hk="$hk" -v mk="$mk" -v f="$f" -v fk="$fk" 'BEGIN {
	floor = p + h; peak = (pk > hk ? pk : hk)
	printf "floor (program + hello world) %8.1f s %8.0f MB\n", floor, peak / 1024
	printf "make plan / floor             %8.2fx %8.2fx (time, peak RSS)\n", m / floor, mk / peak
	printf "make functions / hello world  %8.2fx %8.2fx\n", f / h, fk / hk
}'
sleep 1 # the stderr readers finish
echo "make plan's stderr: $(wc -l <"$work/make-plan.err") lines; the first and the last three:"
head -1 "$work/make-plan.err"
tail -3 "$work/make-plan.err"
