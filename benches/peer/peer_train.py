#!/usr/bin/env python3
"""Peer benchmark for docclass: scikit-learn TF-IDF + LogisticRegression and fastText.

For each corpus present under --data-dir (bbc, semeval2016-stance, fnc1, agnews), trains both
peers on the official train split, evaluates on the official test split and prints a markdown
table: accuracy, macro-F1, the official metric (SemEval F_avg, FNC-1 relative score) and
training wall time. Stance corpora feed "target + text" as a single input (for FNC-1: the
headline, " . ", then the article body; both peers see exactly that one string per pair).

fastText reads its training file in order and does not shuffle it (with thread=1 strictly
so), and the corpora are stored sorted (BBC by topic, FNC-1 by body): the training lines are
therefore written in a seeded random order, otherwise the last class of the file dominates the
final, decaying-learning-rate updates (BBC came out at 36.9% accuracy that way).
"""
import argparse, gzip, json, os, random, re, tempfile, time
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.metrics import accuracy_score, f1_score

CORPORA = {
    # name: (label field, uses target)
    "bbc": ("topic", False),
    "agnews": ("topic", False),
    "semeval2016-stance": ("stance", True),
    "fnc1": ("stance", True),
}


def read_jsonl(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def label_of(r, field):
    for k in (field, "label", "topic", "stance"):
        if k in r:
            return str(r[k])
    raise KeyError(field)


def input_of(r, uses_target):
    if uses_target:
        return f"{r.get('target', '')} . {r.get('text', '')}"
    return f"{r.get('title', '')} . {r.get('text', '')}"


def fnc_relative(y_true, y_pred):
    score = best = 0.0
    for t, p in zip(y_true, y_pred):
        rt, rp = t != "unrelated", p != "unrelated"
        best += 0.25 + (0.75 if rt else 0.0)
        if rt == rp:
            score += 0.25
        if rt and t == p:
            score += 0.75
    return 100.0 * score / best


def official(name, y_true, y_pred):
    if name.startswith("semeval"):
        f = f1_score(y_true, y_pred, labels=["FAVOR", "AGAINST"], average=None, zero_division=0)
        return "F_avg", 100.0 * f.mean()
    if name == "fnc1":
        return "FNC rel.", fnc_relative(y_true, y_pred)
    return "accuracy", 100.0 * accuracy_score(y_true, y_pred)


def train_sklearn(X, y, folds, seed):
    pipe = Pipeline([
        ("tfidf", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ("lr", LogisticRegression(max_iter=2000)),
    ])
    grid = GridSearchCV(pipe, {"lr__C": [0.3, 1.0, 3.0, 10.0, 30.0, 100.0]}, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                        scoring="f1_macro", n_jobs=1)
    grid.fit(X, y)
    return grid.best_estimator_, f"C={grid.best_params_['lr__C']:g}"


def clean_ft(s):
    return re.sub(r"\s+", " ", s.lower()).strip()


def train_fasttext(X, y, epoch, seed):
    import fasttext
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)  # the files are sorted by label or body; see module doc
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for i in order:
            f.write(f"__label__{y[i]} {clean_ft(X[i])}\n")
        path = f.name
    try:
        m = fasttext.train_supervised(path, wordNgrams=2, epoch=epoch, lr=0.5, dim=100, thread=1, seed=seed, verbose=0)
    finally:
        os.unlink(path)
    return m


def run_corpus(data_dir, name, folds, seed, skip_fasttext, ft_epoch=25, files=None):
    """Trains and evaluates the peers on one corpus: `data_dir/name/{train,test}.jsonl`, or
    the (train, test) paths `files` when given (AG News' split of its test file).

    Returns rows (system, setting, accuracy %, macro-F1 %, (metric name, value), train s).
    """
    d = os.path.join(data_dir, name)
    field, uses_target = CORPORA[name]
    train_path, test_path = files or (os.path.join(d, "train.jsonl"), os.path.join(d, "test.jsonl"))
    tr, te = read_jsonl(train_path), read_jsonl(test_path)
    Xtr = [input_of(r, uses_target) for r in tr]; ytr = [label_of(r, field) for r in tr]
    Xte = [input_of(r, uses_target) for r in te]; yte = [label_of(r, field) for r in te]
    rows = []
    t0 = time.perf_counter(); m, note = train_sklearn(Xtr, ytr, folds, seed); dt = time.perf_counter() - t0
    rows.append(("sklearn tfidf(1-2,sublinear)+LR", note, list(m.predict(Xte)), dt))
    if not skip_fasttext:
        t0 = time.perf_counter(); ft = train_fasttext(Xtr, ytr, ft_epoch, seed); dt = time.perf_counter() - t0
        # ft.f.predict avoids fasttext's numpy>=2 incompatibility in FastText.predict
        p = [ft.f.predict(clean_ft(x) + "\n", 1, 0.0, "strict")[0][1].replace("__label__", "") for x in Xte]
        rows.append(("fastText (wordNgrams=2)", f"epoch={ft_epoch}", p, dt))
    return [(system, note, 100 * accuracy_score(yte, p), 100 * f1_score(yte, p, average="macro"),
             official(name, yte, p), dt) for system, note, p, dt in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--corpora", nargs="*", default=list(CORPORA))
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--ft-epoch", type=int, default=25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-fasttext", action="store_true")
    a = ap.parse_args()
    print("| corpus | model | setting | accuracy % | macro-F1 % | official metric | train s |")
    print("|---|---|---|---|---|---|---|")
    for name in a.corpora:
        if not any(os.path.exists(os.path.join(a.data_dir, name, f)) for f in ("train.jsonl", "train.jsonl.gz")):
            continue  # absent, or (AG News) no train split: compare.py makes one
        for system, note, acc, f1, (mname, mval), dt in run_corpus(
                a.data_dir, name, a.folds, a.seed, a.skip_fasttext, a.ft_epoch):
            print(f"| {name} | {system} | {note} | {acc:.2f} | {f1:.2f} | {mname} {mval:.2f} | {dt:.1f} |")


if __name__ == "__main__":
    main()
