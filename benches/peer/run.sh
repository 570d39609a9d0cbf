#!/usr/bin/env bash
# Side-by-side training benchmark: our `docclass train` (the exact commands recorded in the
# README) against scikit-learn TF-IDF + LogisticRegression and fastText, on the same splits,
# in one run, and (newsmtsc) the target-aware NewsMTSC peer, and (agnews) AG News' 80/20 split of
# its test file. Prints one markdown table. Usage: bash benches/peer/run.sh [corpus ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/peer-venv
# (Re)install when the venv is missing or the pinned requirements changed since it was made.
if [ ! -x "$VENV/bin/python" ] || ! cmp -s benches/peer/requirements.txt "$VENV/requirements.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r benches/peer/requirements.txt
  cp benches/peer/requirements.txt "$VENV/requirements.txt"
fi
cargo build --release --quiet
"$VENV/bin/python" benches/peer/compare.py --docclass target/release/docclass "$@"
