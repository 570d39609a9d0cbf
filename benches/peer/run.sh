#!/usr/bin/env bash
# Side-by-side training benchmark: our `docclass train` (the exact commands recorded in the
# README) against scikit-learn TF-IDF + LogisticRegression and fastText, on the same splits,
# in one run. Prints one markdown table. Usage: bash benches/peer/run.sh [corpus ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/peer-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r benches/peer/requirements.txt
fi
cargo build --release --quiet
"$VENV/bin/python" benches/peer/compare.py --docclass target/release/docclass "$@"
