#!/usr/bin/env bash
# Runs, against the release server (started by benches/start_server.sh with the shipped
# models on a free loopback port), tests/kserve/proto_matches_kserve.py (the served
# `inference` protocol against the descriptor in KServe's SDK wheel, pinned) and
# tests/kserve/tritonclient_check.py (tritonclient[grpc], pinned in
# tests/kserve/requirements.txt), in their own venv. The model list comes from the server's
# own GetModelInfo, read with grpcurl ($GRPCURL, else on PATH). The README's tritonclient
# example runs as written too.
#
#   bash tests/kserve/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV="${VENV:-target/kserve-venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/kserve/requirements.txt

# KServe's own SDK wheel (not installed: only its compiled grpc_predict_v2 descriptor is read).
KSERVE_WHEEL_DIR=target/kserve-wheel
KSERVE_WHEEL="$KSERVE_WHEEL_DIR/kserve-0.21.0-py3-none-any.whl"
if [[ ! -f "$KSERVE_WHEEL" ]]; then
    "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
        -d "$KSERVE_WHEEL_DIR" kserve==0.21.0
fi

source benches/start_server.sh
GRPCURL="${GRPCURL:-grpcurl}"
"$GRPCURL" -plaintext -protoset-out "$work/served.protoset" "$addr" \
    describe inference.GRPCInferenceService >/dev/null
"$VENV/bin/python" tests/kserve/proto_matches_kserve.py --kserve-wheel "$KSERVE_WHEEL" \
    --served "$work/served.protoset"
"$GRPCURL" -plaintext "$addr" docclass.v1.DocumentService/GetModelInfo >"$work/models.json"
# The README's tritonclient example, as written (its address replaced by the server's).
sed -n '/<!-- readme-tritonclient:start -->/,/<!-- readme-tritonclient:end -->/p' README.md \
    | grep -v '^<!--\|^```' | sed "s/localhost:50051/$addr/" >"$work/readme_example.py"
"$VENV/bin/python" "$work/readme_example.py" | tee "$work/readme_example.out"
grep -q "^True True$" "$work/readme_example.out" || { echo "FAILED: README tritonclient example"; exit 1; }
echo "ok: the README's tritonclient example runs"
if ! timeout 120 "$VENV/bin/python" tests/kserve/tritonclient_check.py --addr "$addr" \
        --model-info "$work/models.json" --examples ../shared/examples; then
    tail -n 5 "$work/log"
    exit 1
fi
