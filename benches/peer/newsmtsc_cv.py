#!/usr/bin/env python3
"""Grouped cross-validation of NewsMTSC feature sets, on the train split only.

Why this script exists: it is how the feature templates in `NEWSMTSC_FEATURES.md` were
chosen. Every variant is scored by 5-fold StratifiedGroupKFold over `train.jsonl`, grouped by
`sentence_id` (the rows of one sentence never straddle folds), for two seeds; the figure is
the macro-F1 over the three classes (F1m) at the best C of the grid, mean over the 10 folds,
with the two seeds' means shown so seed noise can be read off. The test splits are never
read here.

Usage: newsmtsc_cv.py [--data ../shared/data/newsmtsc] [--variants NAME ...] [--list]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import newsmtsc_features as nf  # noqa: E402

BASE = {"mask": True, "windows": (), "sent_n": 2}
# Each variant: a name and its configuration; later ones build on earlier ones.
STEPS = [
    ("sentence", {"mask": False}),
    ("masked", {}),
    ("+win6", {"windows": (6,)}),
    ("+win2,4,8", {"windows": (2, 4, 8)}),
    ("+win1,3,6,10", {"windows": (1, 3, 6, 10)}),
    ("+distance", {"windows": (2, 4, 8), "distance": True}),
    ("+negation", {"windows": (2, 4, 8), "negation": True}),
    ("+quotes", {"windows": (2, 4, 8), "quotes": True}),
    ("+clause", {"windows": (2, 4, 8), "clause": True}),
    ("+clause12", {"windows": (2, 4, 8), "clause": True, "clause_n": 2}),
    ("+position", {"windows": (2, 4, 8), "position": True}),
    ("+target_words", {"windows": (2, 4, 8), "target_words": True}),
    ("+others", {"windows": (2, 4, 8), "others": True}),
    ("+others_same", {"windows": (2, 4, 8), "others": True, "other_distinct": False}),
    ("+lexicon", {"windows": (2, 4, 8), "lexicon": True}),
    ("+lexicon_between", {"windows": (2, 4, 8), "lexicon": True, "between": True}),
    ("+chars2-5", {"windows": (2, 4, 8), "chars": (2, 5)}),
    ("+sent_n1", {"windows": (2, 4, 8), "sent_n": 1}),
    ("+sent_n3", {"windows": (2, 4, 8), "sent_n": 3}),
]
C_GRID = (1.0, 3.0, 10.0, 30.0)


def cross_validate(bags, y, groups, c_grid, class_weight, min_df, seeds=(0, 1), folds=5):
    """F1m per (seed, C): mean over folds; returns {C: [seed means]} and fold scores."""
    scores = {c: [] for c in c_grid}
    for seed in seeds:
        per_c = {c: [] for c in c_grid}
        cv = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
        for tr, va in cv.split(np.zeros(len(y)), y, groups):
            vec = TfidfVectorizer(analyzer=lambda b: b, sublinear_tf=True, min_df=min_df)
            xtr = vec.fit_transform([bags[i] for i in tr])
            xva = vec.transform([bags[i] for i in va])
            for c in c_grid:
                lr = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
                lr.fit(xtr, y[tr])
                per_c[c].append(f1_score(y[va], lr.predict(xva), average="macro"))
        for c in c_grid:
            scores[c].append(float(np.mean(per_c[c])))
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join("..", "shared", "data", "newsmtsc"))
    ap.add_argument("--variants", nargs="*", help="names of STEPS to run (default all)")
    ap.add_argument("--config", action="append", default=[],
                    help="NAME=JSON: an extra variant (JSON merged onto the base)")
    ap.add_argument("--class-weight", choices=("none", "balanced"), default="balanced")
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--c-grid", type=float, nargs="*", default=list(C_GRID))
    a = ap.parse_args()
    rows = nf.read_rows(os.path.join(a.data, "train.jsonl"))
    y = np.array([r["stance"] for r in rows])
    groups = np.array([r["sentence_id"] for r in rows])
    lexicon = nf.load_lexicon()
    steps = [s for s in STEPS if not a.variants or s[0] in a.variants]
    steps += [(n, json.loads(j)) for n, j in (c.split("=", 1) for c in a.config)]
    cw = None if a.class_weight == "none" else "balanced"
    print(f"class_weight={a.class_weight} min_df={a.min_df} C grid={a.c_grid}")
    print("| variant | F1m (best C) | seed 0 | seed 1 | best C | F1m per C | s |")
    print("|---|---|---|---|---|---|---|")
    for name, extra in steps:
        cfg = {**BASE, **extra}
        t0 = time.perf_counter()
        bags = nf.featurize(rows, cfg, lexicon)
        scores = cross_validate(bags, y, groups, a.c_grid, cw, a.min_df)
        best = max(a.c_grid, key=lambda c: np.mean(scores[c]))
        per_c = " ".join(f"{100 * np.mean(scores[c]):.1f}" for c in a.c_grid)
        s0, s1 = scores[best]
        print(f"| {name} | {100 * np.mean(scores[best]):.2f} | {100 * s0:.2f} | {100 * s1:.2f} | "
              f"{best:g} | {per_c} | {time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
