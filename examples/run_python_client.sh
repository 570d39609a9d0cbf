#!/usr/bin/env bash
# Runs examples/python_client.py against the real server: makes a venv with the pinned
# requirements, starts `docclass serve` with the shipped models on a free loopback port,
# runs the client on a shared example article and checks its output.
#
#   bash examples/run_python_client.sh        (DOCCLASS_BIN=path to use a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-target/python-client-venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r examples/requirements.txt

BIN="${DOCCLASS_BIN:-}"
if [[ -z "$BIN" ]]; then
    cargo build --quiet --bin docclass
    BIN=target/debug/docclass
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the server picks a free port and logs it.
"$BIN" --log-format json serve --addr 127.0.0.1:0 --models models 2>"$work/server.log" &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
    addr="$(sed -n 's/.*"message":"serving","addr":"\([^"]*\)".*/\1/p' "$work/server.log" | head -n1)"
    [[ -n "$addr" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "server exited"; exit 1; }
    sleep 0.2
done
[[ -n "$addr" ]] || { cat "$work/server.log"; echo "server did not start"; exit 1; }

article=../shared/examples/000_318465e096284c62.txt
"$VENV/bin/python" examples/python_client.py --addr "$addr" \
    --target "Iran vows revenge for the killing of Soleimani" "$article" | tee "$work/out.txt"

fail=0
check() {
    if grep -Eq "$1" "$work/out.txt"; then echo "ok: $2"; else echo "FAILED: $2"; fail=1; fi
}
check '^id: 000_318465e096284c62\.txt$' "the id is echoed"
check '^topic: [A-Za-z/]+ \([01]\.[0-9]{3}, model agnews;' "a topic from the default topic model (agnews)"
check '^stance: [A-Za-z]+ \(0\.[0-9]{3}, model [a-z0-9]+;' "a stance toward the target"
check '^summary \(3 sentences\):$' "a three-sentence summary"

# A named target: the stance read off the sentences that mention it, with evidence.
"$VENV/bin/python" examples/python_client.py --addr "$addr" \
    --target "Qasem Soleimani" --max-evidence 2 "$article" | tee -a "$work/out.txt"
check '^stance: [a-z]+ \(0\.[0-9]{3}, model newsmtsc;' "a stance toward the named target"
check '^target: mentioned=true, [1-9][0-9]* of [1-9][0-9]* sentences, [1-9][0-9]* mentions' "mention counts"
check '^  evidence \[[0-9]+\] [a-z]+ \(0\.[0-9]{3}\): .*Soleimani' "evidence sentences mentioning him"
if grep -q 'offsets differ' "$work/out.txt"; then echo "FAILED: byte offsets"; fail=1; else echo "ok: byte offsets slice the text"; fi
[[ $fail -eq 0 ]] && echo "python client: 1 passed, 0 failed" || { echo "python client: 0 passed, 1 failed"; exit 1; }
