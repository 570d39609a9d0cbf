#!/usr/bin/env bash
# Two builds of a server side by side, for the p99 target: in each of ROUNDS rounds, every
# given server is started alone, driven at full speed, then paced at half the maximum it just
# reached; one line per server and round. The servers run in turn within a round, so what the
# shared machine gives them drifts alike. See benches/README.md.
#
#   benches/paced_ab.sh [--rounds N] LABEL=BINARY ... [echo=DOCCLASS_BENCH_BINARY ...]
#
# BINARY is a `docclass` binary (served with --models models); a label starting with "echo"
# takes a `docclass-bench` binary and serves its no-op Echo service instead. The load generator
# is target/release/docclass-bench (LOADGEN to override). DURATION (default 8s) per row.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=6 servers=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        *=*) servers+=("$1"); shift ;;
        *) echo "usage: $0 [--rounds N] LABEL=BINARY ..." >&2; exit 2 ;;
    esac
done
[[ ${#servers[@]} -gt 0 ]] || { echo "usage: $0 [--rounds N] LABEL=BINARY ..." >&2; exit 2; }
LOADGEN=${LOADGEN:-target/release/docclass-bench}
DURATION=${DURATION:-8s}
DATA=${DATA:-../shared/data/bbc/test.jsonl}
[[ -x $LOADGEN ]] || cargo build --release --quiet --bins
port=30160 # below the ephemeral range (see run.sh)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

for round in $(seq "$rounds"); do
    for spec in "${servers[@]}"; do
        label=${spec%%=*} binary=${spec#*=}
        if [[ $label == echo* ]]; then
            "$binary" echo-server --addr "127.0.0.1:$port" >/dev/null 2>&1 &
            rpc=echo
        else
            "$binary" serve --addr "127.0.0.1:$port" --models models >/dev/null 2>&1 &
            rpc=classify
        fi
        pid=$!
        "$LOADGEN" wait-serving --addr "127.0.0.1:$port" >/dev/null
        run() {
            "$LOADGEN" run --addr "127.0.0.1:$port" --rpc "$rpc" --size 3k --data "$DATA" \
                --concurrency 16 --duration "$DURATION" "$@" 2>&1
        }
        # figure PATTERN OUTPUT: the part of a run's report matching PATTERN, or the whole
        # report on stderr and a failed script when the run did not produce it.
        figure() { grep -o "$1" <<<"$2" || { echo "$label: $2" >&2; exit 1; }; }
        out=$(run --warmup 2s)
        max=$(figure '= [0-9]* req/s' "$out" | grep -o '[0-9]*')
        out=$(run --warmup 1s --rate $((max / 2)))
        paced=$(figure 'p50.*' "$out")
        echo "round $round $label: max $max req/s; at $((max / 2))/s: $paced"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=
    done
done
