#!/usr/bin/env python3
"""Runs our training commands and the peers on the same splits and prints one table.

For each corpus, our model is trained with the command recorded in the README (into a
temporary directory, so the shipped models are untouched), evaluated with
`docclass evaluate --json` on the official test split, and timed; then the peers of
peer_train.py are trained and evaluated on the same files. AG News has only its official test
split here: `benches/agnews_split.py` splits it 80/20 (seed 42) into a temporary directory,
and every system trains on the 80% and is evaluated on the 20%.
"""
import argparse, json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
import peer_train  # noqa: E402

DATA = os.path.join("..", "shared", "data")

# corpus -> (our training arguments, test file); keep in sync with the README table.
OURS = {
    "bbc": (["--task", "topic", "--data", f"{DATA}/bbc/train.jsonl", "--name", "bbc",
             "--word-ngrams", "1-1", "--min-df", "5", "--l2", "3e-6,1e-5,3e-5"],
            f"{DATA}/bbc/test.jsonl"),
    "semeval2016-stance": (["--task", "stance", "--data", f"{DATA}/semeval2016-stance/train.jsonl",
                            "--name", "semeval2016", "--word-ngrams", "1-3", "--char-ngrams", "2-5", "--balanced"],
                           f"{DATA}/semeval2016-stance/test.jsonl"),
    "fnc1": (["--task", "stance", "--data", f"{DATA}/fnc1/train.jsonl.gz", "--name", "fnc1",
              "--target-features", "claim", "--word-ngrams", "1-2", "--min-df", "3",
              "--max-features", "50000", "--l2", "1e-5",
              "--class-weight-power", "0,0.25,0.5,0.75,1", "--select-by", "mean"],
             f"{DATA}/fnc1/test.jsonl.gz"),
    # {split}: the directory agnews_split.py wrote (train.jsonl = 80%, eval.jsonl = 20%).
    "agnews": (["--task", "topic", "--data", "{split}/train.jsonl", "--name", "agnews",
                "--char-ngrams", "3-6", "--l2", "1e-4,2e-4,4e-4"],
               "{split}/eval.jsonl"),
}
# NewsMTSC: our command (mention features, the README's), evaluated on both test splits; the
# peer is newsmtsc_peer.py on the same feature strings (newsmtsc_parity.py checks they are).
NEWSMTSC = (["--task", "stance", "--target-features", "mention", "--data", f"{DATA}/newsmtsc/train.jsonl",
             "--name", "newsmtsc", "--word-ngrams", "1-2", "--l2", "1e-5,2e-5,4e-5,1e-4", "--balanced", "--folds", "5",
             "--select-by", "macro-f1"],
            ("test_rw", "test_mt"))
SPLITTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agnews_split.py")


def agnews_split(out):
    """Writes the AG News 80/20 split into `out`; returns (train, eval) paths."""
    subprocess.run([sys.executable, SPLITTER, out], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "train.jsonl"), os.path.join(out, "eval.jsonl")


def newsmtsc(binary, defaults=False):
    """Table rows for NewsMTSC: ours and the peer on test_rw and test_mt (F1m = macro-F1)."""
    args, splits = NEWSMTSC
    if defaults:
        args = defaults_of(args)
    system = "docclass, defaults" if defaults else "docclass (linfa-trait softmax)"
    rows = []
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([binary, "train", *args, "--out", out], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        for split in splits:
            r = json.loads(subprocess.run([binary, "evaluate", "--model", os.path.join(out, "newsmtsc.model"),
                                           "--data", f"{DATA}/newsmtsc/{split}.jsonl", "--json"],
                                          check=True, capture_output=True, text=True).stdout)
            rows.append((f"newsmtsc {split}", system, r, seconds))
    peer = json.loads(subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "newsmtsc_peer.py"), "--data", f"{DATA}/newsmtsc"],
                                     check=True, capture_output=True, text=True).stdout)
    for split in splits:
        rows.append((f"newsmtsc {split}", f"scikit-learn target-aware LR (C={peer['C']:g})",
                     peer["splits"][split], peer["train_seconds"]))
    return [(c, system, 100 * r["accuracy"], 100 * r["macro_f1"], s) for c, system, r, s in rows]


def defaults_of(args):
    """The arguments without any setting: task, data and name only (--defaults)."""
    keep = {"--task", "--data", "--name"}
    return [x for i, x in enumerate(args) if x in keep or (i > 0 and args[i - 1] in keep)]


def ours(binary, corpus, split=None, defaults=False):
    args, test = OURS[corpus]
    if defaults:
        args = defaults_of(args)
    if split is not None:
        args, test = [x.format(split=split) for x in args], test.format(split=split)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([binary, "train", *args, "--out", out], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        model = os.path.join(out, args[args.index("--name") + 1] + ".model")
        report = json.loads(subprocess.run([binary, "evaluate", "--model", model, "--data", test, "--json"],
                                           check=True, capture_output=True, text=True).stdout)
    official = report.get("official") or {}
    return report["accuracy"] * 100, report["macro_f1"] * 100, official.get("name", "accuracy"), \
        official.get("value", report["accuracy"] * 100), seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docclass", default="target/release/docclass")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--skip-fasttext", action="store_true")
    ap.add_argument("--defaults", action="store_true",
                    help="train ours with no setting but task, data and name (the feature search within --budget)")
    ap.add_argument("corpora", nargs="*", default=[*OURS, "newsmtsc"])
    a = ap.parse_args()
    print("| corpus | system | accuracy % | macro-F1 % | official metric | train s |")
    print("|---|---|---|---|---|---|")
    for corpus in a.corpora:
        if corpus == "newsmtsc":
            for name, system, acc, f1, seconds in newsmtsc(a.docclass, a.defaults):
                print(f"| {name} | {system} | {acc:.2f} | {f1:.2f} | F1m {f1:.2f} | {seconds:.1f} |", flush=True)
            continue
        with tempfile.TemporaryDirectory() as split:
            files = agnews_split(split) if corpus == "agnews" else None
            acc, f1, name, value, seconds = ours(a.docclass, corpus, split if files else None, a.defaults)
            system = "docclass, defaults" if a.defaults else "docclass (linfa-trait softmax)"
            print(f"| {corpus} | {system} | {acc:.2f} | {f1:.2f} | {name} {value:.2f} | {seconds:.1f} |", flush=True)
            for system, setting, acc, f1, (name, value), seconds in peer_train.run_corpus(
                    DATA, corpus, a.folds, 0, a.skip_fasttext, files=files):
                print(f"| {corpus} | {system} ({setting}) | {acc:.2f} | {f1:.2f} | {name} {value:.2f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
