#!/usr/bin/env bash
# Renders `docclass evaluate --report` in headless Chromium and checks the screenshot is a
# real page: it has the expected size and enough non-white pixels in several colours
# (heat map, bars, calibration plot). Skips (exit 0, says so) when chromium is missing.
#
#   bash tests/report_render.sh [OUT_DIR]       (DOCCLASS_BIN=path to use a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$CHROMIUM" ]]; then
    echo "report render: chromium not installed (apt-get install chromium); skipped"
    echo "report render: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
BIN="${DOCCLASS_BIN:-}"
if [[ -z "$BIN" ]]; then
    cargo build --quiet --bin docclass
    BIN=target/debug/docclass
fi
out="${1:-$(mktemp -d)}"
mkdir -p "$out"

"$BIN" evaluate --model models/bbc.model --data ../shared/data/bbc/test.jsonl \
    --report "$out/report.html" >/dev/null
grep -q '<svg' "$out/report.html" || { echo "no inline SVG in the report"; exit 1; }
if grep -Eq '(src|href)="(https?:|//)' "$out/report.html"; then
    echo "the report loads external resources"; exit 1
fi
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --window-size=1400,1800 --screenshot="$out/report.png" "file://$(realpath "$out/report.html")" \
    >/dev/null 2>&1

python3 - "$out/report.png" <<'PY'
import struct, sys, zlib

path = sys.argv[1]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
        assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
        channels = 3 if colour == 2 else 4
    elif kind == b"IDAT":
        idat += chunk
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
previous = bytearray(stride)
non_white, colours = 0, set()
for y in range(height):
    line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
    kind, row = line[0], bytearray(line[1:])
    for i in range(stride):
        a = row[i - channels] if i >= channels else 0
        b = previous[i]
        c = previous[i - channels] if i >= channels else 0
        if kind == 1: row[i] = (row[i] + a) & 255
        elif kind == 2: row[i] = (row[i] + b) & 255
        elif kind == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    previous = row
    for x in range(0, stride, channels * 4):  # every 4th pixel is plenty
        pixel = bytes(row[x:x + 3])
        if pixel != b"\xff\xff\xff":
            non_white += 1
        colours.add(pixel)
sampled = width * height // 4
share = non_white / sampled
print(f"{path}: {width}x{height}, {share:.1%} non-white, {len(colours)} colours")
assert (width, height) == (1400, 1800), "unexpected screenshot size"
assert share > 0.05, "the page is (nearly) blank"
assert len(colours) > 50, "too few colours for a page with charts"
PY
echo "report render: screenshot $out/report.png"
echo "report render: 1 passed, 0 failed"
