"""Helpers of benches/train_scale.sh: build a large labeled corpus from ../shared/data by
seeded perturbation, and train the scikit-learn and fastText peers on it.

  train_scale.py build --out FILE --documents N [--seed S]
  train_scale.py sklearn --data FILE
  train_scale.py convert --data FILE        (writes FILE.fasttext.txt)
  train_scale.py fasttext --data FILE --threads T

The corpus: BBC train (5 topics) and the AG News test split (4 topics, labels prefixed
`ag-`), each document copied with words dropped (10%), neighbours swapped (5%) and words
replaced by a random word of the pool (5%), all from one seeded generator, so the copies
are not identical and the vocabulary grows with the corpus as real text does.
"""

import argparse
import json
import random
import sys
import time


def sources(data):
    docs = []
    for path, prefix in ((f"{data}/bbc/train.jsonl", ""), (f"{data}/agnews/test.jsonl", "ag-")):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                label = r.get("topic", r.get("label"))
                docs.append((prefix + str(label), (r.get("title") or "") + " " + r["text"]))
    return docs


def build(args):
    rng = random.Random(args.seed)
    docs = sources(args.data)
    pool = [w for _, text in docs[:2000] for w in text.split()]
    with open(args.out, "w") as out:
        for i in range(args.documents):
            label, text = docs[rng.randrange(len(docs))]
            words = text.split()
            kept = []
            for w in words:
                r = rng.random()
                if r < 0.10:
                    continue
                if r < 0.15:
                    w = pool[rng.randrange(len(pool))]
                kept.append(w)
            for j in range(len(kept) - 1):
                if rng.random() < 0.05:
                    kept[j], kept[j + 1] = kept[j + 1], kept[j]
            out.write(json.dumps({"id": str(i), "text": " ".join(kept), "topic": label}) + "\n")


def read(path):
    texts, labels = [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            texts.append(r["text"])
            labels.append(r["topic"])
    return texts, labels


def sklearn(args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    start = time.time()
    texts, labels = read(args.data)
    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform(texts)
    LogisticRegression(C=10.0, max_iter=300).fit(x, labels)
    print(f"sklearn: {len(texts)} documents in {time.time() - start:.1f} s", file=sys.stderr)


def convert(args):
    with open(args.data) as f, open(args.data + ".fasttext.txt", "w") as out:
        for line in f:
            r = json.loads(line)
            text = r["text"].replace("\n", " ")
            out.write(f"__label__{r['topic']} {text}\n")


def fasttext_train(args):
    import fasttext

    start = time.time()
    fasttext.train_supervised(input=args.data + ".fasttext.txt", epoch=5, wordNgrams=2, thread=args.threads, verbose=0)
    print(f"fasttext: trained in {time.time() - start:.1f} s", file=sys.stderr)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", required=True)
    b.add_argument("--documents", type=int, required=True)
    b.add_argument("--seed", type=int, default=7)
    b.add_argument("--data", default="../shared/data")
    s = sub.add_parser("sklearn")
    s.add_argument("--data", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--data", required=True)
    t = sub.add_parser("fasttext")
    t.add_argument("--data", required=True)
    t.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    {"build": build, "sklearn": sklearn, "fasttext": fasttext_train, "convert": convert}[args.command](args)


if __name__ == "__main__":
    main()
