#!/usr/bin/env bash
# ROUGE comparison of docclass against Lead-N and sumy (LexRank, TextRank, LSA, Luhn).
#
# Usage: benches/rouge/run.sh [VENV_DIR] [SUMMARIZER_CMD]
#   VENV_DIR        where to create the Python venv (default: $CARGO_TARGET_DIR or target, /rouge-venv)
#   SUMMARIZER_CMD  shell command reading JSONL on stdin, writing JSONL (default:
#                   "target/release/docclass summarize --batch - --models models", i.e. the
#                   shipped summarizer, whose IDF comes from the BBC training split)
# Environment: DATA (default: ../shared/data/bbc above the crate), SPLIT (default: test), PYTHON.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$crate/target}"
venv="${1:-$target/rouge-venv}"
data="${DATA:-}"
if [[ -z "$data" ]]; then
  dir="$crate"
  while [[ "$dir" != "/" && ! -f "$dir/shared/data/bbc/test.jsonl" ]]; do dir="$(dirname "$dir")"; done
  data="$dir/shared/data/bbc"
fi
[[ -f "$data/${SPLIT:-test}.jsonl" ]] || { echo "no ${SPLIT:-test}.jsonl in $data (set DATA)" >&2; exit 1; }

if [[ ! -x "$venv/bin/python" ]]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

(cd "$crate" && cargo build --release --quiet)
default_cmd="$target/release/docclass summarize --batch - --models $crate/models"
cmd="${2:-$default_cmd}"

# nltk must never fetch data: point it at an empty directory.
export NLTK_DATA="$venv/no-nltk-data"
mkdir -p "$NLTK_DATA"
echo "summarizer command: $cmd" >&2
"$venv/bin/python" "$here/compare.py" --data "$data" --split "${SPLIT:-test}" --summarizer-cmd "$cmd"
