#!/usr/bin/env bash
# Runs tests/bulk/grpcio_bulk_stream.py against the release server (started by
# benches/start_server.sh with the shipped models on a free loopback port) in a venv with
# the pinned requirements (examples/requirements.txt, shared with the Python client):
# REQUESTS (default 100,000) small requests on one ClassifyStream, every answer in order.
#
#   bash tests/bulk/run.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS="${1:-100000}"

VENV="${VENV:-target/python-client-venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r examples/requirements.txt

source benches/start_server.sh
# Bounded: the whole stream must finish within two minutes.
if ! timeout 120 "$VENV/bin/python" tests/bulk/grpcio_bulk_stream.py --addr "$addr" \
        --requests "$REQUESTS" --timeout 110; then
    tail -n 5 "$work/log"
    exit 1
fi
