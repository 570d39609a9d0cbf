#!/usr/bin/env python3
"""Checks that docclass's mention features are the peer's: the feature strings of every row.

Why this script exists: the NewsMTSC peer (`newsmtsc_peer.py`) is only a fair peer if it
scores the same features as `docclass train --target-features mention`. This script runs
`examples/mention_features.rs` (built by cargo) on each file and compares its bags row by row
with `newsmtsc_features.features(row, CHOSEN)`, printing the number of rows that differ and
the first differences. Exit status 1 when any row differs.

Usage: newsmtsc_parity.py [--binary target/release/examples/mention_features]
       [--data ../shared/data/newsmtsc] [--splits train test_rw test_mt]
"""
import argparse
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import newsmtsc_features as nf  # noqa: E402
from newsmtsc_peer import CHOSEN  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="target/release/examples/mention_features")
    ap.add_argument("--data", default=os.path.join("..", "shared", "data", "newsmtsc"))
    ap.add_argument("--splits", nargs="*", default=["train", "test_rw", "test_mt"])
    a = ap.parse_args()
    lexicon = nf.load_lexicon()
    differing = 0
    for split in a.splits:
        path = os.path.join(a.data, f"{split}.jsonl")
        ours = subprocess.run([a.binary, path], check=True, capture_output=True, text=True).stdout.splitlines()
        rows = nf.read_rows(path)
        if len(ours) != len(rows):
            raise SystemExit(f"{split}: {len(ours)} rows from docclass, {len(rows)} in the file")
        split_differing = 0
        for row, line in zip(rows, ours):
            mine = collections.Counter(json.loads(line))
            peer = collections.Counter(nf.features(row, CHOSEN, (), lexicon))
            if mine != peer:
                split_differing += 1
                if split_differing <= 3:
                    print(f"{split} {row['id']}: only docclass {sorted((mine - peer).elements())[:8]}, "
                          f"only peer {sorted((peer - mine).elements())[:8]}")
        print(f"{split}: {len(rows)} rows, {split_differing} with different features")
        differing += split_differing
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
