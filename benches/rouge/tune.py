#!/usr/bin/env python3
"""Chooses docclass's RankWeights on the TRAIN split by coordinate search on ROUGE-2 + ROUGE-L.

Never reads the test split. Usage:
  tune.py --data DIR --binary path/to/summarize_batch [--limit N] [--rounds 2]
The binary is the scratch example (`--idf-from TRAIN.jsonl --input - --weights C,V,P,T,L,SIM`);
the IDF table is built from the full train split.
"""

import argparse
from pathlib import Path

from compare import load_split, reference_count, run_command, score

GRID = {
    0: [0.0, 0.5, 1.0, 2.0, 4.0],  # centrality
    1: [0.0, 0.5, 1.0, 2.0, 4.0],  # coverage
    2: [0.0, 0.25, 0.5, 1.0, 2.0],  # position
    3: [0.0, 0.25, 0.5, 1.0, 2.0],  # title
    4: [0.0, 0.25, 0.5, 1.0, 2.0],  # length
    5: [0.5, 0.65, 0.8, 0.95],  # max_similarity
}
NAMES = ["centrality", "coverage", "position", "title", "length", "max_similarity"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--start", default="4,0,0.25,0.5,0.5,0.8")
    args = ap.parse_args()

    docs = load_split(args.data, "train", args.limit)
    counts = [reference_count(d) for d in docs]
    train = Path(args.data) / "train.jsonl"
    cache = {}

    def evaluate(w):
        key = tuple(w)
        if key not in cache:
            weights = ",".join(str(x) for x in w)
            cmd = f"{args.binary} --idf-from {train} --input - --weights {weights} 2>/dev/null"
            out = run_command(cmd, docs, counts)
            s = score(docs, [out[d["id"]] for d in docs])
            cache[key] = (s["rouge2"] + s["rougeL"], s)
            print(f"{weights}: R1 {s['rouge1']:.4f} R2 {s['rouge2']:.4f} RL {s['rougeL']:.4f}", flush=True)
        return cache[key][0]

    best = [float(x) for x in args.start.split(",")]
    best_score = evaluate(best)
    for _ in range(args.rounds):
        for i, values in GRID.items():
            for v in values:
                trial = best.copy()
                trial[i] = v
                s = evaluate(trial)
                if s > best_score + 1e-6:
                    best, best_score = trial, s
    s = cache[tuple(best)][1]
    print("best on train:", dict(zip(NAMES, best)))
    print(f"train ROUGE F1: R1 {s['rouge1']:.4f} R2 {s['rouge2']:.4f} RL {s['rougeL']:.4f}")


if __name__ == "__main__":
    main()
