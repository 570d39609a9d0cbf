#!/usr/bin/env python3
"""ROUGE comparison of docclass's extractive summarizer against Lead-N and sumy baselines.

Every system returns, for each article, as many sentences as the reference summary has, and is
scored with Google's rouge-score (F1 of ROUGE-1, ROUGE-2, ROUGE-L, Porter stemming) against the
same reference text. Each system uses its own sentence splitter: docclass its Rust splitter,
Lead-N and sumy the pysbd segmenter (offline; nltk's punkt data is never needed).

Usage:
  compare.py --data DIR --split test --summarizer-cmd "CMD"
CMD is run once through the shell with JSON lines {"id","title","text","max_sentences"} on
stdin and must print JSON lines {"id","summary",...}.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pysbd
from rouge_score import rouge_scorer

METRICS = ("rouge1", "rouge2", "rougeL")

_SEGMENTER = pysbd.Segmenter(language="en", clean=False)
# Reference summaries often join sentences without a space ("said.The"): re-insert one.
_JOINED = re.compile(r"([.!?][\"'\u201d\u2019)]?)(?=[A-Z\"\u201c\u2018])")
_WORD = re.compile(r"\w+", re.UNICODE)


def load_split(data_dir, split, limit=None):
    """Articles of DIR/SPLIT.jsonl as dicts (id, title, text, summary, ...)."""
    path = Path(data_dir) / f"{split}.jsonl"
    with path.open(encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    return docs[:limit] if limit else docs


def pysbd_sentences(text):
    """Sentences of TEXT with pysbd, paragraph by paragraph (blank lines / newlines)."""
    out = []
    for para in re.split(r"\n+", text):
        out.extend(s.strip() for s in _SEGMENTER.segment(para) if s.strip())
    return out


def reference(doc):
    """The reference summary with a space restored between joined sentences."""
    return _JOINED.sub(r"\1 ", doc["summary"]).strip()


def reference_count(doc):
    """Number of sentences in the reference summary (at least 1)."""
    return max(1, len(pysbd_sentences(reference(doc))))


def run_command(cmd, docs, counts):
    """Runs the summarizer command once on all DOCS; returns {id: summary}."""
    payload = "".join(
        json.dumps(
            {"id": d["id"], "title": d["title"], "text": d["text"], "max_sentences": n}
        )
        + "\n"
        for d, n in zip(docs, counts)
    )
    proc = subprocess.run(
        cmd, shell=True, input=payload, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"summarizer command failed ({proc.returncode}): {proc.stderr.strip()}")
    out = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec["id"]] = rec.get("summary", "")
    missing = [d["id"] for d in docs if d["id"] not in out]
    if missing:
        sys.exit(f"summarizer command returned no summary for {len(missing)} ids, e.g. {missing[:3]}")
    return out


class OfflineTokenizer:
    """sumy tokenizer without nltk data: pysbd for sentences, a \\w+ regex for words."""

    language = "english"

    def to_sentences(self, paragraph):
        return tuple(pysbd_sentences(paragraph))

    def to_words(self, sentence):
        return tuple(_WORD.findall(sentence))


def sumy_systems():
    """Name → function(doc, n) → summary string, for the sumy baselines."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    stemmer = Stemmer("english")
    stop_words = get_stop_words("english")
    tokenizer = OfflineTokenizer()

    def make(cls):
        summarizer = cls(stemmer)
        summarizer.stop_words = stop_words

        def run(doc, n):
            parser = PlaintextParser.from_string(doc["text"], tokenizer)
            return " ".join(str(s) for s in summarizer(parser.document, n))

        return run

    return {
        "sumy LexRank": make(LexRankSummarizer),
        "sumy TextRank": make(TextRankSummarizer),
        "sumy LSA": make(LsaSummarizer),
        "sumy Luhn": make(LuhnSummarizer),
    }


def lead(doc, n):
    """The first N pysbd sentences of the article."""
    return " ".join(pysbd_sentences(doc["text"])[:n])


def score(docs, summaries):
    """Mean F1 of each metric of SUMMARIES (list, same order as DOCS)."""
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for doc, summary in zip(docs, summaries):
        result = scorer.score(reference(doc), summary)
        for m in METRICS:
            totals[m] += result[m].fmeasure
    return {m: totals[m] / len(docs) for m in METRICS}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory with SPLIT.jsonl")
    ap.add_argument("--split", default="test")
    ap.add_argument("--summarizer-cmd", required=True, help="shell command: JSONL on stdin -> JSONL on stdout")
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--no-baselines", action="store_true", help="score docclass only")
    args = ap.parse_args()

    docs = load_split(args.data, args.split, args.limit)
    counts = [reference_count(d) for d in docs]
    rows = []

    t0 = time.perf_counter()
    ours = run_command(args.summarizer_cmd, docs, counts)
    secs = time.perf_counter() - t0
    rows.append(("docclass", score(docs, [ours[d["id"]] for d in docs]), secs))

    if not args.no_baselines:
        systems = {"Lead-N": lead}
        systems.update(sumy_systems())
        for name, fn in systems.items():
            t0 = time.perf_counter()
            summaries = [fn(d, n) for d, n in zip(docs, counts)]
            secs = time.perf_counter() - t0
            rows.append((name, score(docs, summaries), secs))

    print(
        f"ROUGE F1 on {args.split} ({len(docs)} articles, N = reference sentence count, "
        f"mean N = {sum(counts) / len(counts):.2f}; time: producing all summaries, "
        "docclass including process start and IDF build)\n"
    )
    print("| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 | summarizing time (s) |")
    print("|---|---|---|---|---|")
    for name, s, secs in rows:
        print(f"| {name} | {s['rouge1']:.4f} | {s['rouge2']:.4f} | {s['rougeL']:.4f} | {secs:.1f} |")


if __name__ == "__main__":
    main()
