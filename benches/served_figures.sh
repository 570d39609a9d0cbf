#!/usr/bin/env bash
# The FNC-1 figures in the README come from the server: starts the release server with the
# shipped models, classifies the FNC-1 test split (25,413 headline/body pairs; the headline is
# each request's `target`) over ClassifyStream with `docclass-bench served-figures`, and
# compares the figures with `docclass evaluate --json` on the same file: confusion matrix,
# accuracy, macro-F1, per-class figures and the FNC relative score exactly, the expected
# calibration error to 1e-9 (as tests/served_figures.rs does for BBC and SemEval, which are
# fast enough for a debug build). Prints a closing "N passed, N failed" line.
#
#   bash benches/served_figures.sh [MODEL TASK TEST_FILE]    (default: fnc1 stance FNC-1 test)
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-fnc1}
TASK=${2:-stance}
DATA=${3:-../shared/data/fnc1/test.jsonl.gz}
source benches/start_server.sh

started=$(date +%s.%N)
target/release/docclass-bench served-figures --addr "$addr" --model "$MODEL" --task "$TASK" \
    --data "$DATA" >"$work/served.json"
served_s=$(python3 -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$started")
target/release/docclass evaluate --model "models/$MODEL.model" --data "$DATA" --json >"$work/offline.json"

python3 - "$work/served.json" "$work/offline.json" "$MODEL" "$served_s" <<'PY'
import json, sys
served, offline = (json.load(open(p)) for p in sys.argv[1:3])
model, seconds = sys.argv[3], sys.argv[4]
ece = "expected_calibration_error"
exact = {k: v for k, v in served.items() if k != ece}
differ = [k for k in offline if k != ece and exact.get(k) != offline[k]]
if abs(served[ece] - offline[ece]) >= 1e-9:
    differ.append(ece)
official = served.get("official") or {}
print(f"served figures ({model}, {served['documents']} documents, {seconds} s over ClassifyStream):"
      f" accuracy {100 * served['accuracy']:.2f}%, macro-F1 {100 * served['macro_f1']:.2f},"
      f" {official.get('name', 'no official metric')} {official.get('value', float('nan')):.2f}")
if differ or set(served) != set(offline):
    print(f"served figures differ from docclass evaluate in: {differ or 'the fields'}")
    for k in differ:
        print(f"  {k}: served {served.get(k)} / evaluate {offline.get(k)}")
    print("served figures: 0 passed, 1 failed")
    sys.exit(1)
print("served figures: 1 passed, 0 failed")
PY
