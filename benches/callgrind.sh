#!/usr/bin/env bash
# Instructions per request, counted by callgrind: repeatable whatever else the machine is
# doing (unlike req/s). Starts each given server binary under valgrind with instrumentation off,
# warms it up, counts N requests, and prints instructions per request and the top functions.
#   benches/callgrind.sh [--requests N] [--size 3k] [--rpc classify] [--target CLAIM] [--metrics]
#                        [LABEL=BINARY ...]
# Without LABEL=BINARY it measures target/release/docclass; `echo` as a label measures the
# no-op Echo server of docclass-bench instead. --metrics serves Prometheus metrics as well
# (--metrics-addr on an ephemeral port), as a production server would. --target sends CLAIM
# with every Classify request to our servers (topic and stance toward it; Echo gets none).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=2000 size=3k rpc=classify servers=() serve_extra=() target=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --requests) requests=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --rpc) rpc=$2; shift 2 ;;
        --metrics) serve_extra=(--metrics-addr 127.0.0.1:0); shift ;;
        --target) target=(--target "$2"); shift 2 ;;
        *) servers+=("$1"); shift ;;
    esac
done
[[ ${#servers[@]} -gt 0 ]] || servers=(ours=target/release/docclass)
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
cargo build --release --quiet --bins
bench=target/release/docclass-bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
port=30470 # below the ephemeral range (see run.sh)
for spec in "${servers[@]}"; do
    label=${spec%%=*} binary=${spec#*=}
    port=$((port + 1))
    if [[ $label == echo ]]; then
        command=("$bench" echo-server --addr "127.0.0.1:$port") call=echo claim=()
    else
        command=("$binary" serve --addr "127.0.0.1:$port" --models models "${serve_extra[@]}") call=$rpc
        claim=("${target[@]}")
    fi
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/$label.%p" \
        "${command[@]}" >"$out/$label.log" 2>&1 &
    pid=$!
    "$bench" wait-serving --addr "127.0.0.1:$port" >/dev/null
    "$bench" run --addr "127.0.0.1:$port" --rpc "$call" --size "$size" --concurrency 4 \
        --requests 500 --warmup 0s "${claim[@]}" >/dev/null
    callgrind_control -i on "$pid" >/dev/null
    "$bench" run --addr "127.0.0.1:$port" --rpc "$call" --size "$size" --concurrency 4 \
        --requests "$requests" --warmup 0s "${claim[@]}" >/dev/null
    callgrind_control -i off "$pid" >/dev/null
    callgrind_control -d "$pid" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    dump=$(ls -S "$out"/"$label".[0-9]* | head -1)
    callgrind_annotate --inclusive=no "$dump" >"$out/$label.txt" 2>/dev/null
    total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' "$out/$label.txt")
    echo "== $label: $((total / requests)) instructions per $call request ($size${claim:+, with a claim}, $requests requests)"
    grep -E '^ *[0-9,]+ ' "$out/$label.txt" | grep -v 'PROGRAM TOTALS' | head -15 | cut -c1-160 || true
done
