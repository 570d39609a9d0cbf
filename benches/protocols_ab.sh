#!/usr/bin/env bash
# The two protocols on one release server, interleaved: in each of ROUNDS rounds, 3 KB
# payloads through Classify, ModelInfer with one document per call, ModelInfer with 32, and
# ClassifyStream, one row each, so what the shared machine gives them drifts alike. Prints
# each row and then the per-round ratios and their medians (ModelInfer batch 1 / Classify is
# the bar of issue 25: >= 0.9x). See benches/README.md.
#
#   benches/protocols_ab.sh            (ROUNDS default 5, DURATION default 5s per row)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} DURATION=${DURATION:-5s}
DATA=${DATA:-../shared/data/bbc/test.jsonl}
source benches/start_server.sh
results="$work/results.jsonl"
common=(--addr "$addr" --size 3k --data "$DATA" --duration "$DURATION" --warmup 1s
    --server-pid "$server" --json "$results")
for _ in $(seq "$ROUNDS"); do
    target/release/docclass-bench run "${common[@]}" --rpc classify --concurrency 16 --label classify
    target/release/docclass-bench run "${common[@]}" --rpc model-infer --concurrency 16 --label model-infer
    target/release/docclass-bench run "${common[@]}" --rpc model-infer --batch 32 --concurrency 16 --label model-infer-32
    target/release/docclass-bench run "${common[@]}" --rpc stream --window 32 --concurrency 4 --label stream
done
python3 - "$results" <<'PY'
import json, sys
from statistics import median
rows = [json.loads(line) for line in open(sys.argv[1])]
by = {}
for row in rows:
    by.setdefault(row["label"], []).append(row)
for label, runs in by.items():
    print(f"{label}: req/s {[round(r['requests_per_second']) for r in runs]}, documents/s "
          f"{[round(r['documents_per_second']) for r in runs]}, req per server CPU-s "
          f"{[round(r['requests_per_cpu_second'] or 0) for r in runs]}, p99 ms {[round(r['p99_ms'], 2) for r in runs]}")
def ratios(name, a, b, key_a="requests_per_second", key_b="requests_per_second"):
    each = [x[key_a] / y[key_b] for x, y in zip(by[a], by[b]) if y[key_b]]
    print(f"{name}: {', '.join(f'{v:.2f}' for v in each)}; median {median(each):.2f}x")
ratios("ModelInfer batch 1 / Classify, req/s", "model-infer", "classify")
ratios("ModelInfer batch 1 / Classify, req per server CPU-s", "model-infer", "classify",
       "requests_per_cpu_second", "requests_per_cpu_second")
ratios("ModelInfer batch 32 documents/s / Classify req/s", "model-infer-32", "classify", "documents_per_second")
ratios("ModelInfer batch 32 documents/s / ClassifyStream req/s", "model-infer-32", "stream", "documents_per_second")
PY
