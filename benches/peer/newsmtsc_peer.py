#!/usr/bin/env python3
"""The scikit-learn peer for the NewsMTSC target-dependent stance model.

Why this script exists: it runs side by side with `docclass evaluate` on NewsMTSC. It builds
the feature set chosen by grouped cross-validation on train (`CHOSEN` below, specified in
`NEWSMTSC_FEATURES.md`), picks C by 5-fold StratifiedGroupKFold on train (groups =
`sentence_id`, scored by macro-F1), trains LogisticRegression on all of train and prints, as
JSON, per test split (test_rw, test_mt): macro-F1 over the three classes (F1m), accuracy,
per-class precision / recall / F1 / support and expected calibration error (15 equal-width
bins over the top-label confidence, as `src/train/metrics.rs` computes it; the peer's
probabilities are the raw softmax, not temperature-calibrated).

Usage: newsmtsc_peer.py [--data ../shared/data/newsmtsc] [--splits test_rw test_mt]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import newsmtsc_cv  # noqa: E402
import newsmtsc_features as nf  # noqa: E402

# The feature set chosen by newsmtsc_cv.py (see NEWSMTSC_FEATURES.md for each template).
CHOSEN = {"mask": True, "sent_n": 2, "windows": (2, 4, 8), "lexicon": True, "between": True,
          "target_words": True, "quotes": True, "clause": True, "clause_n": 2, "negation": True}
CLASS_WEIGHT = "balanced"
MIN_DF = 2
C_GRID = (1.0, 3.0, 10.0)
BINS = 15


def expected_calibration_error(confidence, correct, bins=BINS):
    """ECE of the top-label confidence over `bins` equal-width bins (metrics.rs's formula)."""
    confidence = np.asarray(confidence, dtype=np.float32).astype(np.float64)
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    total, ece = max(len(confidence), 1), 0.0
    for b in range(bins):
        members = index == b
        n = int(members.sum())
        if n:
            ece += n / total * abs(confidence[members].mean() - np.asarray(correct)[members].mean())
    return ece


def report(y_true, proba, classes):
    """The figures of one test split."""
    predicted = classes[np.argmax(proba, axis=1)]
    p, r, f, s = precision_recall_fscore_support(y_true, predicted, labels=classes, zero_division=0)
    return {
        "documents": len(y_true),
        "macro_f1": float(f.mean()),
        "accuracy": float(accuracy_score(y_true, predicted)),
        "per_class": [{"label": str(c), "precision": float(pi), "recall": float(ri), "f1": float(fi),
                       "support": int(si)} for c, pi, ri, fi, si in zip(classes, p, r, f, s)],
        "expected_calibration_error": expected_calibration_error(
            proba.max(axis=1), predicted == np.asarray(y_true)),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join("..", "shared", "data", "newsmtsc"))
    ap.add_argument("--splits", nargs="*", default=["test_rw", "test_mt"])
    a = ap.parse_args()
    lexicon = nf.load_lexicon() if CHOSEN.get("lexicon") else None
    train = nf.read_rows(os.path.join(a.data, "train.jsonl"))
    y = np.array([r["stance"] for r in train])
    groups = np.array([r["sentence_id"] for r in train])
    started = time.perf_counter()
    bags = nf.featurize(train, CHOSEN, lexicon)
    scores = newsmtsc_cv.cross_validate(bags, y, groups, C_GRID, CLASS_WEIGHT, MIN_DF, seeds=(0,))
    c = max(C_GRID, key=lambda k: np.mean(scores[k]))
    vec = TfidfVectorizer(analyzer=lambda b: b, sublinear_tf=True, min_df=MIN_DF)
    lr = LogisticRegression(C=c, max_iter=3000, class_weight=CLASS_WEIGHT)
    lr.fit(vec.fit_transform(bags), y)
    out = {
        "system": "scikit-learn TF-IDF (target-aware views) + LogisticRegression",
        "features": {k: list(v) if isinstance(v, tuple) else v for k, v in CHOSEN.items()},
        "class_weight": CLASS_WEIGHT, "min_df": MIN_DF, "C": c,
        "l2_penalty_equivalent": 1.0 / (c * len(train)),
        "cv_macro_f1_by_C": {f"{k:g}": float(np.mean(v)) for k, v in scores.items()},
        "train_seconds": time.perf_counter() - started,
        "splits": {},
    }
    for split in a.splits:
        rows = nf.read_rows(os.path.join(a.data, f"{split}.jsonl"))
        proba = lr.predict_proba(vec.transform(nf.featurize(rows, CHOSEN, lexicon)))
        out["splits"][split] = report([r["stance"] for r in rows], proba, lr.classes_)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
