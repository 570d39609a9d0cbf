"""Training speed, side by side in one run: `docclass train` against scikit-learn's
TfidfVectorizer + LogisticRegression on the same FNC-1 subsets (seeded shuffle, first N pairs),
all scored on the official FNC-1 competition test set (25,413 pairs).

Three systems per size:
- **ours, same features as scikit-learn**: every pair as one text, "headline . body", word
  1-2-grams, sublinear TF, min_df 2, TF-IDF, multinomial logistic regression with one L2
  penalty (our mean loss + l2/2 |W|^2 equals scikit-learn's C = 1 / (l2 * n)); timed with all
  cores and with one thread (RAYON_NUM_THREADS=1; scikit-learn's lbfgs fit is one thread);
- **scikit-learn**: the same features and penalty, `tol` 1e-4 (its default: max |gradient|;
  ours stops at L2 norm of the gradient <= 1e-4, never looser), `max_iter` 300;
- **ours, shipped FNC-1 features**: the `fnc1` model's features (headline words and
  headline-body relation features, `--target-features claim`) with the L2 penalty and class
  weighting its cross-validation chose, one fit (no cross-validation).

Timing: ours is the wall-clock time of the whole `docclass train` command (reading the gzip'd
JSONL, features, L-BFGS, writing the model); scikit-learn's is vectorizer fit + LR fit on texts
already in memory (reading and parsing the file is not counted for it).
"""

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peer"))
from peer_train import fnc_relative  # noqa: E402  (the FNC-1 score, as in the peer table)

SHIPPED_FNC1 = ["--target-features", "claim", "--word-ngrams", "1-2", "--min-df", "3",
                "--max-features", "50000", "--l2", "1e-5", "--class-weight-power", "0.75"]


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def joined(row):
    return f"{row['target']} . {row['text']}"


def write(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def run_ours(docclass, data, name, out, test, extra, threads=None):
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    started = time.monotonic()
    subprocess.run([docclass, "train", "--data", data, "--name", name, "--out", out,
                    "--validation", "0", *extra], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    seconds = time.monotonic() - started
    report = json.loads(subprocess.run(
        [docclass, "evaluate", "--model", os.path.join(out, f"{name}.model"), "--data", test,
         "--json"], check=True, capture_output=True, text=True).stdout)
    official = (report.get("official") or {}).get("value")
    return seconds, report["accuracy"], report["macro_f1"], official


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--docclass", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", default="10000,25000,49972")
    parser.add_argument("--l2", type=float, default=1e-5)
    args = parser.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    os.makedirs(args.out, exist_ok=True)
    rows = read(args.train)
    random.Random(42).shuffle(rows)
    test = read(args.test)
    test_texts = [joined(r) for r in test]
    test_labels = [r["stance"] for r in test]
    joined_test = os.path.join(args.out, "fnc1-test-joined.jsonl.gz")
    write(joined_test, ({"text": joined(r), "topic": r["stance"]} for r in test))
    same_features = ["--task", "topic", "--word-ngrams", "1-2", "--min-df", "2", "--l2", str(args.l2)]

    table = []
    for size in (int(s) for s in args.sizes.split(",")):
        subset = rows[:size]
        pairs = os.path.join(args.out, f"fnc1-{size}.jsonl.gz")
        write(pairs, ({"text": r["text"], "target": r["target"], "stance": r["stance"]} for r in subset))
        texts = os.path.join(args.out, f"fnc1-joined-{size}.jsonl.gz")
        write(texts, ({"text": joined(r), "topic": r["stance"]} for r in subset))

        figures = {}
        figures["ours"] = run_ours(args.docclass, texts, f"same-{size}", args.out, joined_test,
                                   same_features)
        figures["ours, 1 thread"] = run_ours(args.docclass, texts, f"same1-{size}", args.out,
                                             joined_test, same_features, threads=1)

        started = time.monotonic()
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        features = vectorizer.fit_transform([joined(r) for r in subset])
        model = LogisticRegression(C=1.0 / (args.l2 * size), tol=1e-4, max_iter=300)
        model.fit(features, [r["stance"] for r in subset])
        seconds = time.monotonic() - started
        predicted = model.predict(vectorizer.transform(test_texts))
        figures["scikit-learn"] = (seconds, accuracy_score(test_labels, predicted),
                                   f1_score(test_labels, predicted, average="macro"),
                                   fnc_relative(test_labels, predicted))

        figures["ours, shipped fnc1 features"] = run_ours(
            args.docclass, pairs, f"claim-{size}", args.out, args.test,
            ["--task", "stance", *SHIPPED_FNC1])
        for system, (seconds, accuracy, macro_f1, score) in figures.items():
            table.append((size, system, seconds, accuracy, macro_f1, score,
                          figures["scikit-learn"][0] / seconds))
            print(f"{size} {system}: {seconds:.1f} s, accuracy {accuracy:.4f}", flush=True)

    print("\n| pairs | system | train s | test accuracy % | test macro-F1 % | FNC score % "
          "| scikit-learn time / this |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size, system, seconds, accuracy, macro_f1, score, ratio in table:
        print(f"| {size} | {system} | {seconds:.1f} | {100 * accuracy:.2f} | {100 * macro_f1:.2f} "
              f"| {score:.2f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
