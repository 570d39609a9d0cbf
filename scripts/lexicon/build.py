#!/usr/bin/env python3
"""Builds `vader_words.tsv`, the opinion-word lexicon of the NewsMTSC mention features.

Why this script exists: the lexicon is VADER's `vader_lexicon.txt` (vaderSentiment 3.3.2 on
PyPI, MIT licence), reduced to single words, and it must come from that file, not be typed by
hand. This script downloads the wheel with `pip download --no-deps`, checks the SHA-256 of
`vader_lexicon.txt`, keeps the entries whose token starts with a letter and holds only letters,
`'` and `-` (the filter `benches/peer/newsmtsc_features.py` applies), and writes them as
`token TAB mean-valence`, each token once in the source's order, to `vader_words.tsv` beside this script
(atomically). `src/features/mention/lexicon.rs` embeds that file.

Usage: python3 scripts/lexicon/build.py [--wheel PATH]   (PATH: an already downloaded wheel)
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = "3.3.2"
LEXICON = "vaderSentiment/vader_lexicon.txt"
SHA256 = "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5"
HERE = os.path.dirname(os.path.abspath(__file__))


def wheel_path(given, scratch):
    """The wheel to read: `given`, or one pip downloads into `scratch`."""
    if given:
        return given
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary", ":all:", "-d", scratch, f"vaderSentiment=={VERSION}"], check=True)
    wheels = [f for f in os.listdir(scratch) if f.endswith(".whl")]
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {scratch}, found {wheels}")
    return os.path.join(scratch, wheels[0])


def is_single_word(token):
    """Whether a lexicon token is one word: a letter first, then letters, ' or -."""
    return bool(token) and token[0].isalpha() and all(c.isalpha() or c in "'-" for c in token)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(wheel_path(a.wheel, scratch)) as wheel:
            raw = wheel.read(LEXICON)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{LEXICON}: SHA-256 {digest}, expected {SHA256}")
    # A token listed twice (ten are: "ok", "lol", ...) keeps its first place and its last
    # valence, as a Python dict filled line by line (the peer's reading) does.
    valence = {}
    for line in raw.decode("utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and is_single_word(fields[0]):
            valence[fields[0]] = float(fields[1])
    out = [f"{token}\t{value:g}\n" for token, value in valence.items()]
    target = os.path.join(HERE, "vader_words.tsv")
    with open(target + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.writelines(out)
    os.replace(target + ".tmp", target)
    print(f"wrote {target}: {len(out)} words")


if __name__ == "__main__":
    main()
