#!/usr/bin/env bash
# Streaming vs in-memory training on the shipped corpora: each corpus is trained twice with
# the same flags (the README's commands), once `--streaming`, and both models are evaluated
# on the corpus' test split, and a third time streaming at the L2 penalty the in-memory run
# chose. Prints test macro-F1 (and the official metric where the corpus has one) of each and
# the differences in points; the bar is |difference| <= 0.5. With --defaults, every run gets
# no flags but task, data and name, so both paths choose the feature settings themselves
# (streaming on its uniform sample of the records).
#   benches/streaming_agreement.sh [--defaults] [corpus ...]   (bbc semeval fnc1 newsmtsc; default all)
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
FLAGS[newsmtsc]="--target-features mention --word-ngrams 1-2 --balanced"

if [ "${1:-}" = --defaults ]; then
    shift
    for c in "${!FLAGS[@]}"; do FLAGS[$c]=""; done
fi
corpora=("$@")
[ ${#corpora[@]} -eq 0 ] && corpora=(bbc semeval fnc1 newsmtsc)
figure() { # model test -> "macro-F1 official"
    "$BIN" evaluate --model "$1" --data "$2" --json 2>/dev/null | python3 -c '
import json, sys
e = json.load(sys.stdin)
official = (e.get("official") or {}).get("value", float("nan"))
print("%.2f %.2f" % (100 * e["macro_f1"], official))'
}
printf '%-10s %-18s %-18s %-7s %-7s %-18s %-7s %-7s %s\n' corpus "memory F1/off" "stream F1/off" dF1 dOff "stream@L2 F1/off" dF1 dOff "seconds mem/stream"
for c in "${corpora[@]}"; do
    for mode in memory streaming fixed; do
        extra=(); [ "$mode" != memory ] && extra=(--streaming)
        # The third run: streaming at the penalty the in-memory run chose (its own CV may
        # choose another on its folds), which isolates the optimiser from the selection.
        [ "$mode" = fixed ] && extra+=(--l2 "$(sed -n 's/.*L2 penalty \([^,]*\),.*/\1/p' "$OUT/$c-memory.log" | tail -1)")
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$BIN" train --task "${TASK[$c]}" --data "${TRAIN[$c]}" --name "$c-$mode" --out "$OUT" \
            ${FLAGS[$c]} "${extra[@]}" > "$OUT/$c-$mode.log" 2>&1 || { cat "$OUT/$c-$mode.log"; exit 1; }
        end=$(date +%s.%N)
        read -r f1 off <<< "$(figure "$OUT/$c-$mode.model" "${TEST[$c]}")"
        eval "${mode}_f1=$f1 ${mode}_off=$off ${mode}_s=$(echo "$end - $start" | bc)"
    done
    delta() { python3 -c "import math; d = float('$1') - float('$2'); print('–' if math.isnan(d) else f'{d:+.2f}')"; }
    printf '%-10s %-18s %-18s %-7s %-7s %-18s %-7s %-7s %.1f/%.1f\n' "$c" "$memory_f1/$memory_off" \
        "$streaming_f1/$streaming_off" "$(delta "$streaming_f1" "$memory_f1")" "$(delta "$streaming_off" "$memory_off")" \
        "$fixed_f1/$fixed_off" "$(delta "$fixed_f1" "$memory_f1")" "$(delta "$fixed_off" "$memory_off")" \
        "$memory_s" "$streaming_s"
done
