#!/usr/bin/env bash
# The warm plan of every environment, before (BASE) and after (HEAD), in alternating rounds of one
# run: the plan binary alone, and `make -s plan` (go run from the build cache, then the plan).
# Nothing changes between rounds: every function archive is cached, every package compiled.
#
#	bench/warmplan.sh [BASE=main] [ROUNDS=5]   prints the median seconds of each and HEAD/BASE
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main}
rounds=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for side in base head; do
	ref=$base
	[ "$side" = head ] && ref=HEAD
	mkdir "$work/$side"
	git archive "$ref" | tar -x -C "$work/$side"
	(cd "$work/$side" && go build -o plan.bin ./cmd/plan && ./plan.bin >/dev/null 2>&1 && make -s plan >/dev/null 2>&1) || {
		echo "warming $side ($ref) failed" >&2
		exit 1
	}
done

# seconds <dir> <command...>: wall seconds of one run, its output discarded.
seconds() {
	local dir=$1 start end
	shift
	start=$(date +%s.%N)
	(cd "$dir" && "$@" >/dev/null 2>&1)
	end=$(date +%s.%N)
	echo "$end - $start" | bc
}

echo "warm plan of every environment, $rounds alternating rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$rounds"); do
	for side in base head; do
		seconds "$work/$side" ./plan.bin >>"$work/$side.bin"
		seconds "$work/$side" make -s plan >>"$work/$side.make"
	done
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for what in bin make; do
	b=$(median "$work/base.$what")
	h=$(median "$work/head.$what")
	label="plan binary"
	[ "$what" = make ] && label="make -s plan"
	awk -v l="$label" -v b="$b" -v h="$h" -v base="$base" 'BEGIN { printf "%-13s %s %6.2f s   HEAD %6.2f s   HEAD/%s %.2fx\n", l, base, b, h, base, h / b }'
done
