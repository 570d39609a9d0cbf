"""Target-aware feature templates for NewsMTSC (sentence, target mention) pairs.

Why this module exists: it is the reference for the features `benches/peer/NEWSMTSC_FEATURES.md`
specifies, shared by the cross-validation study (`newsmtsc_cv.py`) and the peer
(`newsmtsc_peer.py`), so the peer scores exactly the features the study chose.

A row becomes one bag of prefixed feature strings; one TF-IDF (sublinear TF, smoothed IDF,
min_df) and one L2 normalisation over the whole bag follow, as the Rust `FeatureExtractor`
does with its seeded hash namespaces. Words are the project's words: the text lower-cased,
split at Unicode word boundaries (UAX #29, `uniseg`, the same rules as the Rust crate
`unicode-segmentation`), keeping segments with a letter or digit.
"""
import json
import os
import unicodedata

from uniseg.wordbreak import words as _segments

TARGET, OTHER = "<t>", "<o>"
# Negation cues: these words, and every word ending in n't / n’t.
NEGATION_CUES = frozenset(
    "not no never nor neither without none nobody nothing nowhere cannot".split())
# A negation scope ends at the first of these characters between two words.
SCOPE_END = set(".,;:!?()[]\"“”«»„")
# Quotation marks: straight " toggles; the others open or close.
QUOTE_OPEN, QUOTE_CLOSE, QUOTE_TOGGLE = set("“„«"), set("”»"), set('"')
# Clause boundaries: punctuation between two words, or one of these words (which starts
# the next clause).
CLAUSE_PUNCT = set(",;:()[]–—")
CLAUSE_WORDS = frozenset(
    "but while although though whereas however because yet despite since unless".split())
# Signed distance buckets (words between the mention and the word, 1 = adjacent).
BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 8), (9, 12), (13, 10**9))
WORD_CHARS = ("L", "N")


def bucket(distance):
    """The index of the distance bucket holding `distance` (>= 1)."""
    for i, (lo, hi) in enumerate(BUCKETS):
        if lo <= distance <= hi:
            return i
    return len(BUCKETS) - 1


def is_word(segment):
    """Whether a UAX #29 segment is a word (holds a letter or a digit)."""
    return any(unicodedata.category(c)[0] in WORD_CHARS for c in segment)


def tokens_of(text, start, end):
    """(word, start, end) of the words of text[start:end], offsets in `text`."""
    out, at = [], start
    for seg in _segments(text[start:end]):
        if is_word(seg):
            out.append((seg.lower(), at, at + len(seg)))
        at += len(seg)
    return out


def quote_state(text):
    """For every character of `text`, whether it lies inside a quotation."""
    inside, state = [], False
    for c in text:
        if c in QUOTE_OPEN:
            state = True
        elif c in QUOTE_CLOSE:
            inside.append(False)
            state = False
            continue
        elif c in QUOTE_TOGGLE:
            state = not state
        inside.append(state)
    return inside


def load_lexicon():
    """VADER's lexicon (MIT): single lower-case words → mean valence (-4..4)."""
    import vaderSentiment
    path = os.path.join(os.path.dirname(vaderSentiment.__file__), "vader_lexicon.txt")
    lex = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, valence = line.split("\t")[:2]
            if word and word[0].isalpha() and all(c.isalpha() or c in "'-" for c in word):
                lex[word] = float(valence)
    return lex


class Item:
    """One position of the masked sentence: a word or a mention placeholder."""
    __slots__ = ("tok", "kind", "start", "gap", "quoted", "clause", "neg", "cap")

    def __init__(self, tok, kind, start, gap, cap):
        self.tok, self.kind, self.start, self.gap, self.cap = tok, kind, start, gap, cap
        self.quoted = self.neg = False
        self.clause = 0


def analyse(row, other_spans=()):
    """The row's sentence as Items: the target's spans (the mention and its
    `further_mentions`) become TARGET, `other_spans` (other targets) OTHER."""
    text = row["text"]
    spans = [(row["target_start"], row["target_end"], TARGET)]
    spans += [(m["start"], m["end"], TARGET) for m in row.get("further_mentions") or []]
    spans += [(s, e, OTHER) for s, e in other_spans]
    chosen = []
    for s, e, k in spans:  # the target first: an overlapping later span is dropped
        if s < e and all(e <= cs or s >= ce for cs, ce, _ in chosen):
            chosen.append((s, e, k))
    chosen.sort()
    items, at = [], 0
    for s, e, k in chosen + [(len(text), len(text), None)]:
        for tok, ts, _ in tokens_of(text, at, s):
            items.append(Item(tok, "w", ts, "", text[ts].isupper()))
        if k is not None:
            items.append(Item(k, k, s, "", True))
        at = max(at, e)
    # gaps: the non-space characters between an item and the previous one
    prev_end = 0
    ends = []
    for it in items:
        it.gap = "".join(c for c in text[prev_end:it.start] if not c.isspace())
        prev_end = it.start + (len(it.tok) if it.kind == "w" else 0)
        if it.kind != "w":
            prev_end = next(e for s, e, _ in chosen if s == it.start)
        ends.append(prev_end)
    inside = quote_state(text)
    clause, neg = 0, False
    for i, it in enumerate(items):
        it.quoted = it.start < len(inside) and inside[it.start]
        if i and (any(c in CLAUSE_PUNCT for c in it.gap) or it.tok in CLAUSE_WORDS):
            clause += 1
        it.clause = clause
        if any(c in SCOPE_END for c in it.gap):
            neg = False
        it.neg = neg and it.kind == "w"
        if it.tok in NEGATION_CUES or it.tok.endswith(("n't", "n’t")):
            neg = True
    return items


def ngrams(toks, lo, hi, prefix):
    """Prefixed word n-grams lo..hi of `toks` (space-joined)."""
    out = []
    for n in range(lo, hi + 1):
        out += [prefix + " ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)]
    return out


def surface(it, cfg):
    """The token an item contributes: placeholders as they are, words NEG-marked in scope."""
    if it.kind == "w" and cfg.get("negation") and it.neg:
        return "neg_" + it.tok
    if it.kind == OTHER and not cfg.get("other_distinct", True):
        return TARGET
    return it.tok


# (row, analyse() result) per (id of the row, with other targets): rows are analysed once per
# process.
_ANALYSED = {}


def features(row, cfg, other_spans=(), lexicon=None):
    """The bag of prefixed features of one row under configuration `cfg`."""
    if not cfg.get("mask", True):  # the unmasked sentence (the plain baseline)
        toks = [t for t, _, _ in tokens_of(row["text"], 0, len(row["text"]))]
        return ngrams(toks, 1, cfg.get("sent_n", 2), "s:")
    key = (id(row), bool(cfg.get("others")))
    # The row is kept with its analysis: once a row is freed, another may get its id.
    if key not in _ANALYSED or _ANALYSED[key][0] is not row:
        _ANALYSED[key] = (row, analyse(row, other_spans if cfg.get("others") else ()))
    items = _ANALYSED[key][1]
    toks = [surface(it, cfg) for it in items]
    tpos = [i for i, it in enumerate(items) if it.kind == TARGET]
    feats = ngrams(toks, 1, cfg.get("sent_n", 2), "s:")
    for w in cfg.get("windows", ()):  # left/right windows of w items around each mention
        for i in tpos:
            feats += ngrams(toks[max(0, i - w):i], 1, cfg.get("win_n", 2), f"l{w}:")
            feats += ngrams(toks[i + 1:i + 1 + w], 1, cfg.get("win_n", 2), f"r{w}:")
    near = []  # (signed distance to the nearest target mention) per item
    for j in range(len(items)):
        d = min((j - i for i in tpos), key=abs)
        near.append(d)
    if cfg.get("distance"):
        for j, it in enumerate(items):
            if it.kind == "w" and near[j] != 0:
                side = "+" if near[j] > 0 else "-"
                feats.append(f"d{side}{bucket(abs(near[j]))}:{toks[j]}")
    tclauses = {items[i].clause for i in tpos}
    if cfg.get("clause"):
        ctoks = [toks[j] for j, it in enumerate(items) if it.clause in tclauses]
        feats += ngrams(ctoks, 1, cfg.get("clause_n", 1), "c:")
    if cfg.get("quotes"):
        tq = any(items[i].quoted for i in tpos)
        feats.append("q:target_in" if tq else "q:target_out")
        feats += ["qw:" + toks[j] for j, it in enumerate(items) if it.kind == "w" and it.quoted]
    if cfg.get("position"):
        first = tpos[0]
        feats.append("p:first" if first == 0 else "p:early" if first <= 2 else "p:later")
        if items[first].clause == 0:
            feats.append("p:clause0")
    if cfg.get("target_words"):
        feats += ["t:" + t for t, _, _ in tokens_of(row["target"], 0, len(row["target"]))]
    if cfg.get("chars"):
        lo, hi = cfg["chars"]
        for t in toks:
            p = f" {t} "
            feats += ["ch:" + p[i:i + n] for n in range(lo, hi + 1) for i in range(len(p) - n + 1)]
    if cfg.get("lexicon") and lexicon is not None:
        feats += lexicon_features(items, near, tclauses, lexicon, cfg)
    return feats


def lexicon_features(items, near, tclauses, lexicon, cfg):
    """Opinion-word features: polarity × distance bucket × same clause × negated × quoted,
    and (with `between`) the words between the mention and each opinion word."""
    out = []
    for j, it in enumerate(items):
        v = lexicon.get(it.tok) if it.kind == "w" else None
        if v is None or abs(v) < cfg.get("lex_min", 1.0):
            continue
        pol = "pos" if v > 0 else "neg"
        if it.neg:
            pol = "neg" if pol == "pos" else "pos"
        d = near[j]
        side = "+" if d > 0 else "-"
        b = bucket(abs(d))
        same = "sc" if it.clause in tclauses else "oc"
        out += [f"x:{pol}", f"x:{pol}:{side}{b}", f"x:{pol}:{same}"]
        if it.quoted:
            out.append(f"x:{pol}:q")
        if cfg.get("between") and abs(d) <= cfg.get("between_max", 8):
            lo, hi = (j - d + 1, j) if d > 0 else (j + 1, j - d)
            out += [f"b{pol}:{items[k].tok}" for k in range(lo, hi) if items[k].kind == "w"]
    return out


def read_rows(path):
    """The rows of a NewsMTSC jsonl file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def other_spans_of(rows):
    """For each row, the spans of the other targets annotated in the same sentence."""
    by_sentence = {}
    for r in rows:
        by_sentence.setdefault(r["sentence_id"], []).append(r)
    out = []
    for r in rows:
        spans = []
        for o in by_sentence[r["sentence_id"]]:
            if o is not r and o["text"] == r["text"]:
                spans.append((o["target_start"], o["target_end"]))
                spans += [(m["start"], m["end"]) for m in o.get("further_mentions") or []]
        out.append(spans)
    return out


def featurize(rows, cfg, lexicon=None):
    """The feature bags of `rows` under `cfg`."""
    others = other_spans_of(rows)
    return [features(r, cfg, o, lexicon) for r, o in zip(rows, others)]
