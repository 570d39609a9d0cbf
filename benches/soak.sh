#!/usr/bin/env bash
# Bounded soak of the release server with the shipped models: Classify requests at
# concurrency 64 on loopback after a warm-up, failing on any error or on RSS growth after
# warm-up (more than 20% + 4 MiB). Prints the figures and a closing "N passed, N failed" line.
#
#   bash benches/soak.sh            short version (20,000 requests; what CI runs)
#   bash benches/soak.sh --full     1,000,000 requests
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=20000
[[ "${1:-}" == "--full" ]] && REQUESTS=1000000
CONCURRENCY=64
source benches/start_server.sh
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }

bench() {
    target/release/docclass-bench run --addr "$addr" --rpc classify --size 3k \
        --concurrency "$CONCURRENCY" --connections 8 --requests "$1" --duration 3600s \
        --warmup 1s --server-pid "$server" --json "$work/figures.json" --label "$2"
}
bench $((REQUESTS / 10)) warmup
after_warmup=$(rss)
bench "$REQUESTS" soak
at_end=$(rss)
errors=$(python3 -c 'import json,sys; print(sum(json.loads(l)["errors"] for l in open(sys.argv[1])))' "$work/figures.json")
echo "soak: $REQUESTS Classify requests (3 KB) at concurrency $CONCURRENCY: $errors errors;" \
     "RSS after warm-up ${after_warmup} KiB, at the end ${at_end} KiB"
limit=$(( after_warmup * 12 / 10 + 4096 ))
if [[ "$errors" -eq 0 && "$at_end" -le "$limit" ]]; then
    echo "soak: 1 passed, 0 failed"
else
    echo "soak: 0 passed, 1 failed"
    exit 1
fi
