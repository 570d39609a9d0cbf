#!/usr/bin/env bash
# Training at scale: wall time, documents per second and peak RSS (/usr/bin/time -v) of
# docclass in memory and --streaming, scikit-learn (in memory) and fastText (1 and 2
# threads), on corpora of 100k, 1M and 3M documents built in a temporary folder from
# ../shared/data by seeded perturbation (benches/peer_python/train_scale.py).
#   benches/train_scale.sh [--sizes 100000,1000000,3000000] [--memory-up-to N] [--peers-up-to N]
#                          [--threads 1,2]   (thread counts of docclass --streaming and fastText)
# In-memory docclass and scikit-learn run up to --memory-up-to documents (default 100000;
# both need ~9-14 KB per document), fastText up to --peers-up-to (default 1000000).
# Every docclass run is one fit at one L2 penalty without validation part (--l2 1e-5
# --validation 0), as the peers fit once.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=100000,1000000,3000000 MEMORY_UP_TO=100000 PEERS_UP_TO=1000000 THREADS=1,2
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --memory-up-to) MEMORY_UP_TO=$2; shift 2 ;;
        --peers-up-to) PEERS_UP_TO=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
VENV=${DOCCLASS_BENCH_VENV:-target/bench/venv}
if ! "$VENV/bin/python" -c "import sklearn, fasttext" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r benches/peer_python/requirements.txt fasttext-wheel==0.9.2 >&2
fi
cargo build --release --bin docclass >&2
BIN=$PWD/target/release/docclass
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=(env "$VENV/bin/python" benches/peer_python/train_scale.py)

measure() { # label documents command... : prints one table row
    local label=$1 documents=$2; shift 2
    if ! /usr/bin/time -v -o "$WORK/time" "$@" > "$WORK/out" 2>&1; then
        echo "$label failed:" >&2; tail -5 "$WORK/out" >&2
        printf '| %s | %s | failed | | | |\n' "$label" "$documents"; return
    fi
    local wall rss
    wall=$(python3 -c "
import sys
for line in open('$WORK/time'):
    if 'Elapsed (wall clock)' in line:
        parts = line.rsplit(' ', 1)[1].strip().split(':')
        print(sum(float(p) * 60 ** i for i, p in enumerate(reversed(parts))))")
    rss=$(awk '/Maximum resident set size/ {print $6}' "$WORK/time")
    # CPU seconds (user + system): on a shared machine wall time measures the neighbours too.
    cpu=$(awk '/User time|System time/ {s += $4} END {print s}' "$WORK/time")
    printf '| %s | %s | %.1f | %.0f | %.1f | %.0f |\n' "$label" "$documents" "$wall" \
        "$(echo "$documents / $wall" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)"
}

echo "| run | documents | wall s | docs/s (wall) | CPU s | peak RSS MB |"
echo "| --- | --- | --- | --- | --- | --- |"
for n in ${SIZES//,/ }; do
    data=$WORK/corpus-$n.jsonl
    "${PY[@]}" build --out "$data" --documents "$n" >&2
    train=(train --task topic --data "$data" --name scale --out "$WORK" --l2 1e-5 --validation 0)
    if [ "$n" -le "$MEMORY_UP_TO" ]; then
        measure "docclass in memory" "$n" "$BIN" "${train[@]}"
    fi
    for threads in ${THREADS//,/ }; do
        measure "docclass --streaming, $threads thread(s)" "$n" \
            env RAYON_NUM_THREADS=$threads "$BIN" "${train[@]}" --streaming --cache-dir "$WORK"
    done
    if [ "$n" -le "$MEMORY_UP_TO" ]; then
        measure "scikit-learn" "$n" "${PY[@]}" sklearn --data "$data"
    fi
    if [ "$n" -le "$PEERS_UP_TO" ]; then
        # fastText reads its own format: the conversion runs before, untimed.
        "${PY[@]}" convert --data "$data"
        for threads in ${THREADS//,/ }; do
            measure "fastText, $threads thread(s)" "$n" "${PY[@]}" fasttext --data "$data" --threads "$threads"
        done
    fi
    rm -f "$data" "$data".fasttext.txt
done
