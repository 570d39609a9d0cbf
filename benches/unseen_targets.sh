#!/usr/bin/env bash
# How a per-target stance model does on targets it never saw, measured on training data only:
# for each target of TRAIN, train on the other targets' examples and evaluate on that target's
# (only the shared, target-independent weights fire for it), then print F_avg per held-out
# target and their mean. The test split is never read.
#   benches/unseen_targets.sh TRAIN.jsonl [docclass train options ...]
# e.g. benches/unseen_targets.sh ../shared/data/semeval2016-stance/train.jsonl \
#        --word-ngrams 1-3 --char-ngrams 2-5 --balanced --l2 1e-4 --untargeted-copies 0.5
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { sed -n 2,8p "$0" >&2; exit 2; }
train=$1
shift
cargo build --release --quiet --bin docclass
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One training file without each target and one file of that target alone.
python3 - "$train" "$work" <<'EOF'
import json, sys
train, work = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(train, encoding="utf-8") if line.strip()]
targets = sorted({r["target"] for r in rows if r.get("target")})
if len(targets) < 2:
    sys.exit(f"{train}: need examples of at least two targets, found {len(targets)}")
for i, target in enumerate(targets):
    with open(f"{work}/rest-{i}.jsonl", "w", encoding="utf-8") as rest, \
         open(f"{work}/held-{i}.jsonl", "w", encoding="utf-8") as held:
        for r in rows:
            (held if r.get("target") == target else rest).write(json.dumps(r) + "\n")
    with open(f"{work}/target-{i}.txt", "w", encoding="utf-8") as name:
        name.write(target)
EOF
sum=0 count=0
for rest in "$work"/rest-*.jsonl; do
    i=${rest##*/rest-}
    i=${i%.jsonl}
    if ! target/release/docclass train --task stance --data "$rest" --name "held-out-$i" \
        --out "$work" --validation 0 "$@" >"$work/train-$i.log" 2>&1; then
        cat "$work/train-$i.log" >&2
        exit 1
    fi
    f_avg=$(target/release/docclass evaluate --model "$work/held-out-$i.model" \
        --data "$work/held-$i.jsonl" --json 2>/dev/null |
        python3 -c 'import json, sys; print(round(json.load(sys.stdin)["official"]["value"], 2))')
    printf '%-40s F_avg %6.2f\n' "$(cat "$work/target-$i.txt")" "$f_avg"
    sum=$(python3 -c "print($sum + $f_avg)")
    count=$((count + 1))
done
printf '%-40s F_avg %6.2f\n' "mean over $count held-out targets" "$(python3 -c "print($sum / $count)")"
