#!/usr/bin/env bash
# Streaming vs in-memory training on the shipped corpora: each corpus is trained twice with
# the same flags (the README's commands), once `--streaming`, and both models are evaluated
# on the corpus' test split. Prints test macro-F1 (and the official metric where the corpus
# has one) of each and the difference in points; the bar is |difference| <= 0.5.
#   benches/streaming_agreement.sh [corpus ...]   (bbc semeval fnc1 newsmtsc; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cargo build --release --bin docclass >&2
BIN=target/release/docclass

declare -A TRAIN TEST FLAGS TASK
TASK[bbc]=topic; TRAIN[bbc]=$DATA/bbc/train.jsonl; TEST[bbc]=$DATA/bbc/test.jsonl
FLAGS[bbc]="--word-ngrams 1-1 --min-df 5 --l2 3e-6,1e-5,3e-5"
TASK[semeval]=stance; TRAIN[semeval]=$DATA/semeval2016-stance/train.jsonl
TEST[semeval]=$DATA/semeval2016-stance/test.jsonl
FLAGS[semeval]="--word-ngrams 1-3 --char-ngrams 2-5 --balanced"
TASK[fnc1]=stance; TRAIN[fnc1]=$DATA/fnc1/train.jsonl.gz; TEST[fnc1]=$DATA/fnc1/test.jsonl.gz
FLAGS[fnc1]="--target-features claim --word-ngrams 1-2 --min-df 3 --max-features 50000 --l2 1e-5"
TASK[newsmtsc]=stance; TRAIN[newsmtsc]=$DATA/newsmtsc/train.jsonl
TEST[newsmtsc]=$DATA/newsmtsc/test_mt.jsonl
FLAGS[newsmtsc]="--balanced"

corpora=("$@")
[ ${#corpora[@]} -eq 0 ] && corpora=(bbc semeval fnc1 newsmtsc)
figure() { # model test -> "macro-F1 official"
    "$BIN" evaluate --model "$1" --data "$2" --json 2>/dev/null | python3 -c '
import json, sys
e = json.load(sys.stdin)
official = (e.get("official") or {}).get("value", float("nan"))
print("%.2f %.2f" % (100 * e["macro_f1"], official))'
}
printf '%-10s %-22s %-22s %-8s %-8s %s\n' corpus "in-memory F1/official" "streaming F1/official" "dF1" "dOff" "seconds mem/stream"
for c in "${corpora[@]}"; do
    for mode in memory streaming; do
        extra=(); [ "$mode" = streaming ] && extra=(--streaming)
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$BIN" train --task "${TASK[$c]}" --data "${TRAIN[$c]}" --name "$c-$mode" --out "$OUT" \
            ${FLAGS[$c]} "${extra[@]}" > "$OUT/$c-$mode.log" 2>&1 || { cat "$OUT/$c-$mode.log"; exit 1; }
        end=$(date +%s.%N)
        read -r f1 off <<< "$(figure "$OUT/$c-$mode.model" "${TEST[$c]}")"
        eval "${mode}_f1=$f1 ${mode}_off=$off ${mode}_s=$(echo "$end - $start" | bc)"
    done
    printf '%-10s %-22s %-22s %-8s %-8s %.1f/%.1f\n' "$c" "$memory_f1/$memory_off" "$streaming_f1/$streaming_off" \
        "$(echo "$streaming_f1 - $memory_f1" | bc)" "$(python3 -c "print(f'{$streaming_off - $memory_off:.2f}')" 2>/dev/null || echo nan)" \
        "$memory_s" "$streaming_s"
done
