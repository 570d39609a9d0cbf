"""Training speed, side by side: `docclass train` against scikit-learn's TfidfVectorizer +
LogisticRegression on the same FNC-1 subsets (bodies -> stance, target ignored, i.e. topic-style
training), with the same features (word 1-2-grams, sublinear TF, min_df 2) and the same L2
penalty (our mean loss + l2/2 |W|^2 equals scikit-learn's C = 1 / (l2 * n)). Both are scored on
the official FNC-1 competition test set. Prints one markdown table.

Timing: ours is the wall-clock time of the whole `docclass train` command (reading the gzip'd
JSONL, features, L-BFGS, writing the model); scikit-learn's is vectorizer fit + LR fit on
texts already in memory.
"""

import argparse
import gzip
import json
import os
import random
import subprocess
import time


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--docclass", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", default="10000,25000,49972")
    parser.add_argument("--l2", type=float, default=1e-4)
    args = parser.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    os.makedirs(args.out, exist_ok=True)
    rows = read(args.train)
    random.Random(42).shuffle(rows)
    test = read(args.test)
    test_texts = [r["text"] for r in test]
    test_labels = [r["stance"] for r in test]
    table = []
    for size in (int(s) for s in args.sizes.split(",")):
        subset = rows[:size]
        data = os.path.join(args.out, f"fnc1-{size}.jsonl.gz")
        with gzip.open(data, "wt", encoding="utf-8") as f:
            for r in subset:
                f.write(json.dumps({"text": r["text"], "target": r["target"], "stance": r["stance"]}) + "\n")

        started = time.monotonic()
        subprocess.run(
            [args.docclass, "train", "--task", "stance", "--data", data, "--name", f"fnc1-{size}",
             "--out", args.out, "--target-features", "ignore", "--validation", "0",
             "--l2", str(args.l2)],
            check=True, stdout=subprocess.DEVNULL,
        )
        ours_seconds = time.monotonic() - started
        evaluation = json.loads(subprocess.run(
            [args.docclass, "evaluate", "--model", os.path.join(args.out, f"fnc1-{size}.model"),
             "--data", args.test, "--json"],
            check=True, capture_output=True, text=True,
        ).stdout)

        texts = [r["text"] for r in subset]
        labels = [r["stance"] for r in subset]
        started = time.monotonic()
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        features = vectorizer.fit_transform(texts)
        model = LogisticRegression(C=1.0 / (args.l2 * size), max_iter=300)
        model.fit(features, labels)
        sklearn_seconds = time.monotonic() - started
        predicted = model.predict(vectorizer.transform(test_texts))
        table.append((size, ours_seconds, evaluation["accuracy"], evaluation["macro_f1"],
                      sklearn_seconds, accuracy_score(test_labels, predicted),
                      f1_score(test_labels, predicted, average="macro")))
        print(f"{size}: ours {ours_seconds:.1f} s, acc {evaluation['accuracy']:.3f}; "
              f"scikit-learn {sklearn_seconds:.1f} s, acc {table[-1][5]:.3f}", flush=True)

    print("\n| pairs | ours train s | ours test acc | ours test macro-F1 | sklearn train s "
          "| sklearn test acc | sklearn test macro-F1 | time sklearn/ours |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, ours, oa, of1, sk, sa, sf1 in table:
        print(f"| {size} | {ours:.1f} | {oa:.3f} | {of1:.3f} | {sk:.1f} | {sa:.3f} | {sf1:.3f} | {sk / ours:.2f}x |")


if __name__ == "__main__":
    main()
