#!/usr/bin/env python3
"""Builds models/aliases.jsonl: every country and territory of the npm package
world-countries (mledoze/countries, ODbL-1.0), pinned by version and integrity, with the
hand-written overrides of scripts/aliases/overrides.jsonl applied and the organisations and
groups it lists added. The output is deterministic: the same package and overrides give the
same bytes.

    python3 scripts/aliases/build.py                      # fetches the package with `npm pack`
    python3 scripts/aliases/build.py --package world-countries-5.1.0.tgz

Standard library only. See scripts/aliases/README.md for the rules applied to the source.
"""

import argparse
import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

PACKAGE = "world-countries"
VERSION = "5.1.0"
INTEGRITY = "sha512-CXR6EBvTbArDlDDIWU3gfKb7Qk0ck2WNZ234b/A0vuecPzIfzzxH+O6Ejnvg1sT8XuiZjVlzOH0h08ZtaO7g0w=="
SOURCE = f"{PACKAGE}@{VERSION}"

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIELDS = ("aliases", "demonyms", "capitals", "seats", "exclude")
KINDS = ("country", "territory", "organisation", "group", "person")
# Letters with no canonical decomposition, spelt as the Rust matcher folds them.
SPECIAL = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
           "ł": "l", "Ł": "L", "đ": "d", "ð": "d", "Đ": "D", "Ð": "D", "þ": "th", "Þ": "Th",
           "ı": "i", "ħ": "h", "Ħ": "H", "\u2019": "'", "\u2018": "'"}


def fold(text):
    """Diacritics dropped, as the matcher folds them (src/mentions/fold.rs)."""
    out = []
    for c in text:
        c = SPECIAL.get(c, c)
        out.append("".join(d for d in unicodedata.normalize("NFD", c)
                           if not unicodedata.combining(d)))
    return "".join(out)


def key(text):
    """The matcher's look-up key: folded, lower-cased, no dots, spaces collapsed, no 'the'."""
    words = fold(text).lower().replace(".", "").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def read_package(path):
    """countries.json of the package: from a .tgz, a directory or the JSON file itself."""
    if path is None:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}"], cwd=tmp,
                           check=True, stdout=subprocess.DEVNULL)
            return read_package(Path(tmp) / f"{PACKAGE}-{VERSION}.tgz")
    path = Path(path)
    if path.is_dir():
        path = path / "countries.json"
    if path.suffix != ".tgz":
        return json.loads(path.read_text(encoding="utf-8"))
    data = path.read_bytes()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        sys.exit(f"{path}: integrity {digest} is not the pinned {INTEGRITY}")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        manifest = json.load(tar.extractfile("package/package.json"))
        if manifest.get("version") != VERSION:
            sys.exit(f"{path}: version {manifest.get('version')}, expected {VERSION}")
        return json.load(tar.extractfile("package/countries.json"))


def latin(form):
    """Whether a form is written in the Latin alphabet (English news names it so)."""
    return fold(form).isascii()


def plural(demonym):
    """The plural of an English demonym: none for those that serve as their own ('Swiss',
    'Chinese', 'French', 'Danish'), else with an s ('Iranians', 'Iraqis')."""
    if demonym.endswith(("s", "x", "sh", "tch", "nch", "ese")):
        return None
    return demonym + "s"


def country(record, sovereign_demonyms):
    """One source record as an alias entry (see README: rules applied to the source)."""
    name = record["name"]["common"]
    kind = "country" if record.get("independent") else "territory"
    aliases = []
    for form in [record["name"]["official"], *record.get("altSpellings", [])]:
        if form == record.get("cca2") or "," in form or "(" in form or not latin(form):
            continue
        words = form.split()
        if len(words) > 1 and words[0] in ("The", "the"):
            form = " ".join(words[1:])
        aliases.append(form)
    demonyms = []
    eng = record.get("demonyms", {}).get("eng", {})
    for gender in ("m", "f"):
        for part in eng.get(gender, "").replace(" or ", ", ").split(", "):
            part = part.strip()
            if not part or (kind == "territory" and part in sovereign_demonyms):
                continue
            demonyms.append(part)
            if plural(part):
                demonyms.append(plural(part))
    entry = {"name": name, "kind": kind, "aliases": aliases, "demonyms": demonyms,
             "capitals": list(record.get("capital", [])), "source": SOURCE}
    return tidy(entry)


def capitals(form):
    """Whether a form is written in capitals ('ISIS'), which the matcher matches only so."""
    letters = [c for c in fold(form) if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def tidy(entry):
    """Drops repeated forms: within a field, and any form that is already a name or alias
    (the same up to case and dots, and alike in being written in capitals or not: 'Isis'
    stays beside 'ISIS', as they match differently)."""
    seen = {(key(entry["name"]), capitals(entry["name"]))}
    for field in FIELDS:
        kept = []
        for form in entry.get(field, []):
            k = (key(form), capitals(form))
            if k[0] and k not in seen:
                kept.append(form)
                if field != "exclude":
                    seen.add(k)
        entry[field] = kept
    return entry


def read_overrides(path):
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            sys.exit(f"{path}:{number}: {error}")
        unknown = set(item) - {"name", "kind", "remove", "note", *FIELDS}
        if unknown or "name" not in item or "note" not in item:
            sys.exit(f"{path}:{number}: needs name and note; unknown fields {sorted(unknown)}")
        if "kind" in item and item["kind"] not in KINDS:
            sys.exit(f"{path}:{number}: kind must be one of {KINDS}")
        lines.append((number, item))
    return lines


def apply(entries, overrides, path):
    """An override with a kind is a new entry; one without adds to (and removes from) the
    source entry it names."""
    by_name = {e["name"]: e for e in entries}
    for number, item in overrides:
        if "kind" in item:
            if item["name"] in by_name:
                sys.exit(f"{path}:{number}: {item['name']!r} is already an entry")
            entry = {f: item.get(f, []) for f in FIELDS}
            entry.update(name=item["name"], kind=item["kind"], source="overrides")
            entries.append(entry)
            by_name[entry["name"]] = entry
            continue
        entry = by_name.get(item["name"])
        if entry is None:
            sys.exit(f"{path}:{number}: no entry named {item['name']!r}")
        for form in item.get("remove", []):
            hits = [f for f in FIELDS if form in entry[f]]
            if not hits:
                sys.exit(f"{path}:{number}: {item['name']!r} has no form {form!r} to remove")
            for field in hits:
                entry[field].remove(form)
        for field in FIELDS:
            entry[field] = entry[field] + item.get(field, [])
        entry["source"] = f"{SOURCE} + overrides"
    return [tidy(e) for e in entries]


def check_unique(entries):
    """Every name and alias must name one entry only (the matcher refuses the file else)."""
    owner = {}
    clashes = []
    for entry in entries:
        for form in [entry["name"], *entry["aliases"]]:
            other = owner.setdefault(key(form), entry["name"])
            if other != entry["name"]:
                clashes.append(f"{form!r} names both {other!r} and {entry['name']!r}")
    if clashes:
        sys.exit("names shared by two entries (resolve them in the overrides):\n  "
                 + "\n  ".join(clashes))


def render(entries):
    order = {kind: i for i, kind in enumerate(KINDS)}
    entries = sorted(entries, key=lambda e: (order[e["kind"]], key(e["name"])))
    out = [
        "# Alias table of docclass's mention finder: one JSON object a line; lines starting",
        "# with '#' are comments. Generated by scripts/aliases/build.py: do not edit by hand,",
        "# edit scripts/aliases/overrides.jsonl and rebuild (scripts/aliases/README.md).",
        f"# Countries and territories: {SOURCE} (mledoze/countries), Open Database License",
        "# (ODbL) 1.0; this file is a derived database under the same license. Organisations,",
        "# groups and the changes marked \"+ overrides\": scripts/aliases/overrides.jsonl.",
    ]
    for entry in entries:
        line = {"name": entry["name"], "kind": entry["kind"]}
        for field in FIELDS:
            if entry[field]:
                line[field] = entry[field]
        line["source"] = entry["source"]
        out.append(json.dumps(line, ensure_ascii=False))
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", help=f"{PACKAGE}-{VERSION}.tgz, its unpacked directory "
                        "or countries.json (default: fetched with npm pack)")
    parser.add_argument("--overrides", type=Path, default=HERE / "overrides.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "aliases.jsonl")
    args = parser.parse_args()

    records = read_package(args.package)
    sovereign = {part for r in records if r.get("independent")
                 for part in r.get("demonyms", {}).get("eng", {}).values()}
    entries = [country(r, sovereign) for r in records]
    entries = apply(entries, read_overrides(args.overrides), args.overrides)
    check_unique(entries)
    text = render(entries)
    tmp = args.out.with_suffix(".jsonl.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    kinds = {}
    for e in entries:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    print(f"{args.out}: {len(entries)} entries {kinds}", file=sys.stderr)


if __name__ == "__main__":
    main()
