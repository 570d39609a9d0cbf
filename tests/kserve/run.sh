#!/usr/bin/env bash
# Runs tests/kserve/tritonclient_check.py (tritonclient[grpc], pinned in
# tests/kserve/requirements.txt, in its own venv) against the release server, started by
# benches/start_server.sh with the shipped models on a free loopback port. The model list
# comes from the server's own GetModelInfo, read with grpcurl ($GRPCURL, else on PATH).
#
#   bash tests/kserve/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV="${VENV:-target/kserve-venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/kserve/requirements.txt

source benches/start_server.sh
"${GRPCURL:-grpcurl}" -plaintext "$addr" docclass.v1.DocumentService/GetModelInfo >"$work/models.json"
if ! timeout 120 "$VENV/bin/python" tests/kserve/tritonclient_check.py --addr "$addr" \
        --model-info "$work/models.json" --examples ../shared/examples; then
    tail -n 5 "$work/log"
    exit 1
fi
