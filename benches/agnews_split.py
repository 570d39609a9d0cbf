#!/usr/bin/env python3
"""Seeded, stratified 80/20 split of AG News' official test split (the only one here).

Why this script exists: `../shared/data/agnews/` holds only the 7,600-row official test split,
so the `agnews` topic model is trained on 80% of it and evaluated on the other 20%. This script
makes that split the same way every time: the rows of each topic (taken in file order, topics
in sorted order) are shuffled by one `random.Random(seed)`, the first round(20%) of each go to
`eval.jsonl`, the rest to `train.jsonl`; both files keep the source's line order and bytes.
It prints the SHA-256 and per-topic counts of both files. Standard library only.

Usage: python3 benches/agnews_split.py OUT_DIR [--data ../shared/data/agnews/test.jsonl]
       [--seed 42] [--eval-fraction 0.2] [--label-field topic]
OUT_DIR must be outside the repository (the corpora are never copied into it).
"""
import argparse
import hashlib
import json
import os
import random
import sys
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def split(lines, label_field, seed, fraction):
    """(train indices, eval indices), each in file order."""
    by_label = {}
    for i, line in enumerate(lines):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise SystemExit(f"line {i + 1}: not JSON ({e.msg})")
        if not isinstance(row, dict) or label_field not in row:
            raise SystemExit(f"line {i + 1}: no {label_field!r} field")
        by_label.setdefault(str(row[label_field]), []).append(i)
    rng = random.Random(seed)
    held = set()
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        held.update(rows[:round(fraction * len(rows))])
    train = [i for i in range(len(lines)) if i not in held]
    return train, sorted(held)


def write(path, lines):
    """Writes `lines` to `path` atomically; returns its SHA-256."""
    data = b"".join(lines)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data", "agnews", "test.jsonl"))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--eval-fraction", type=float, default=0.2)
    ap.add_argument("--label-field", default="topic")
    a = ap.parse_args()
    if not 0.0 < a.eval_fraction < 1.0:
        raise SystemExit(f"--eval-fraction must be between 0 and 1, got {a.eval_fraction}")
    out = os.path.realpath(a.out_dir)
    if os.path.commonpath([out, os.path.realpath(REPO)]) == os.path.realpath(REPO):
        raise SystemExit(f"{a.out_dir}: inside the repository; write the split elsewhere")
    try:
        with open(a.data, "rb") as f:
            lines = [line if line.endswith(b"\n") else line + b"\n" for line in f if line.strip()]
    except OSError as e:
        raise SystemExit(f"{a.data}: {e.strerror}")
    train, held = split([line.decode("utf-8") for line in lines], a.label_field, a.seed, a.eval_fraction)
    os.makedirs(out, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("eval.jsonl", held)):
        chosen = [lines[i] for i in rows]
        digest = write(os.path.join(out, name), chosen)
        counts = Counter(str(json.loads(line)[a.label_field]) for line in chosen)
        per = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"{digest}  {os.path.join(out, name)}  ({len(chosen)} rows: {per})")


if __name__ == "__main__":
    sys.exit(main())
