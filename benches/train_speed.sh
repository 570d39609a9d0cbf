#!/usr/bin/env bash
# Training speed against scikit-learn on FNC-1 subsets (10k, 25k, all 49,972 pairs), both in
# one run on the same machine; see benches/peer_python/train_speed.py for what is timed.
#   benches/train_speed.sh [--sizes 10000,25000,49972]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/bench
VENV=${DOCCLASS_BENCH_VENV:-$OUT/venv}
mkdir -p "$OUT"
cargo build --release --bin docclass >&2
if ! "$VENV/bin/python" -c "import sklearn, grpc_tools, grpc_health" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r benches/peer_python/requirements.txt >&2
fi
"$VENV/bin/python" benches/peer_python/train_speed.py \
    --train ../shared/data/fnc1/train.jsonl.gz --test ../shared/data/fnc1/test.jsonl.gz \
    --docclass target/release/docclass --out "$OUT/train_speed" "$@"
