# Sourced by the benchmark scripts that run in CI: builds the release binaries and starts
# `docclass serve` with the shipped models on an ephemeral loopback port. Sets `server` (its
# pid), `addr` (host:port) and `work` (a temporary directory holding the server's log as
# `$work/log`); the server is stopped and `work` removed when the calling script exits.
cargo build --release --quiet --bins
work=$(mktemp -d)
target/release/docclass serve --addr 127.0.0.1:0 --models models >"$work/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "addr=" "$work/log" && break; sleep 0.1; done
addr=$(grep -o 'addr=[0-9.:]*' "$work/log" | head -1 | cut -d= -f2)
[[ -n "$addr" ]] || { echo "server did not start:"; cat "$work/log"; exit 1; }
target/release/docclass-bench wait-serving --addr "$addr" >/dev/null
