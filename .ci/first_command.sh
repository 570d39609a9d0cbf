#!/usr/bin/env bash
# The README's first command, run as written: the line is read from the README's
# "two commands" block (between the readme-commands markers), not copied here. It must start
# the server on the shipped models at 127.0.0.1:50051, which must report SERVING on the
# standard health service, answer one Classify, and exit 0 on SIGTERM.
#
#   GRPCURL=path/to/grpcurl bash .ci/first_command.sh
set -euo pipefail
cd "$(dirname "$0")/.."

GRPCURL="${GRPCURL:-grpcurl}"
ADDR=127.0.0.1:50051

# The commands of the block, in order: lines that are neither blank, comments nor fences.
mapfile -t commands < <(sed -n '/<!-- readme-commands:start -->/,/<!-- readme-commands:end -->/p' README.md |
    grep -vE '^\s*($|#|```|<!--)')
[[ ${#commands[@]} -eq 2 ]] || { echo "README's command block holds ${#commands[@]} commands, expected 2: ${commands[*]}"; exit 1; }
[[ "${commands[1]}" == "bash .ci/run" ]] || { echo "README's second command is '${commands[1]}', not 'bash .ci/run'"; exit 1; }
first="${commands[0]}"
echo "README's first command: $first"

# Something else on the port would answer for us: refuse to start on a busy port.
if (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null; then
    echo "$ADDR is already in use; stop whatever listens there first"; exit 1
fi

log="$(mktemp)"
# `exec` so that the pid is the command's own (cargo run in turn execs the server on Unix).
bash -c "exec $first" >"$log" 2>&1 &
pid=$!
cleanup() {
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT

# Wait for SERVING; the command may have to build first, so the bound is generous.
deadline=$((SECONDS + 900))
until "$GRPCURL" -plaintext -max-time 2 "$ADDR" grpc.health.v1.Health/Check 2>/dev/null | grep -q '"SERVING"'; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "the first command exited before SERVING:"; cat "$log"; exit 1
    fi
    if ((SECONDS > deadline)); then
        echo "no SERVING on $ADDR within 900 s:"; tail -n 50 "$log"; exit 1
    fi
    sleep 0.5
done
kill -0 "$pid" 2>/dev/null || { echo "SERVING on $ADDR, but not from the first command, which exited:"; cat "$log"; exit 1; }
echo "ok: SERVING on $ADDR"

response="$(python3 -c 'import json,sys; print(json.dumps({"id": "readme", "text": open(sys.argv[1]).read()}))' \
    ../shared/examples/000_318465e096284c62.txt |
    "$GRPCURL" -plaintext -max-time 10 -d @ "$ADDR" docclass.v1.DocumentService/Classify)"
echo "$response" | grep -q '"id": "readme"' || { echo "Classify did not echo the id: $response"; exit 1; }
echo "$response" | grep -q '"topic"' || { echo "Classify gave no topic: $response"; exit 1; }
echo "ok: Classify answered with a topic"

kill -TERM "$pid"
for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
    echo "still running 30 s after SIGTERM:"; cat "$log"; exit 1
fi
status=0
wait "$pid" || status=$?
[[ $status -eq 0 ]] || { echo "exited with status $status after SIGTERM:"; cat "$log"; exit 1; }
if "$GRPCURL" -plaintext -max-time 2 "$ADDR" grpc.health.v1.Health/Check >/dev/null 2>&1; then
    echo "something still answers on $ADDR after the server exited"; exit 1
fi
echo "ok: exited 0 on SIGTERM"
