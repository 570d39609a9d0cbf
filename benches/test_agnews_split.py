"""Tests of benches/agnews_split.py (standard library only; run by .ci/run).

Why this file exists: the `agnews` model is trained on this split, so the split must be the
same bytes on every machine and run, stratified, and never written into the repository.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "agnews_split.py")
SHARED = os.path.join(HERE, "..", "..", "shared", "data", "agnews", "test.jsonl")
# SHA-256 of the seed-42 split of the shared AG News test file (7,600 rows).
PINNED = {"train.jsonl": "3aef82662fa7cea545c6dacf6850b5fb3f72447f22de364227206e8cbfa6f656",
          "eval.jsonl": "c4d5932ae7aee4fe2d0a66784397ccd1ccd5c55eb918533880f0d0a5a278e22d"}


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


def digests(directory):
    out = {}
    for name in ("train.jsonl", "eval.jsonl"):
        with open(os.path.join(directory, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


class SplitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "rows.jsonl")
        with open(self.data, "w", encoding="utf-8") as f:
            for i in range(100):
                f.write(json.dumps({"id": i, "text": f"row {i}", "topic": "ab"[i % 5 == 0]}) + "\n")

    def tearDown(self):
        self.tmp.cleanup()

    def split(self, name, *extra):
        out = os.path.join(self.tmp.name, name)
        done = run(out, "--data", self.data, *extra)
        self.assertEqual(done.returncode, 0, done.stderr)
        return out

    def test_same_bytes_every_run(self):
        self.assertEqual(digests(self.split("one")), digests(self.split("two")))

    def test_seed_changes_the_split(self):
        self.assertNotEqual(digests(self.split("one")), digests(self.split("two", "--seed", "7")))

    def test_stratified_80_20_and_disjoint(self):
        out = self.split("one")
        rows = {}
        for name in ("train.jsonl", "eval.jsonl"):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                rows[name] = [json.loads(line) for line in f]
        held = [r["topic"] for r in rows["eval.jsonl"]]
        self.assertEqual((held.count("a"), held.count("b")), (16, 4))
        ids = [r["id"] for r in rows["train.jsonl"] + rows["eval.jsonl"]]
        self.assertEqual(sorted(ids), list(range(100)))

    def test_refuses_the_repository(self):
        done = run(os.path.join(HERE, "split-here"), "--data", self.data)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("inside the repository", done.stderr)
        self.assertFalse(os.path.exists(os.path.join(HERE, "split-here")))

    def test_missing_field_is_named(self):
        done = run(os.path.join(self.tmp.name, "x"), "--data", self.data, "--label-field", "label")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("line 1: no 'label' field", done.stderr)

    @unittest.skipUnless(os.path.exists(SHARED), "no shared AG News file")
    def test_shared_split_matches_the_pinned_digests(self):
        out = os.path.join(self.tmp.name, "ag")
        done = run(out, "--data", SHARED)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(digests(out), PINNED)


if __name__ == "__main__":
    unittest.main()
