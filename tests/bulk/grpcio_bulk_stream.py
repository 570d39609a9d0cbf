#!/usr/bin/env python3
"""A stock grpcio client streams N small requests through one ClassifyStream and checks that
every response arrives, in order, and that the stream ends OK.

grpcio writes each request in its own small DATA frame, the pattern h2's small-frame flood
guard counts; the server's windows are sized so such a client is never cut off. Stubs are
generated at run time from proto/ (as examples/python_client.py does).

    python3 tests/bulk/grpcio_bulk_stream.py --addr 127.0.0.1:50051 [--requests 100000]

Prints "grpcio bulk stream: 1 passed, 0 failed" (exit 0) or the failure (exit 1).
"""

import argparse
import pathlib
import sys
import tempfile
import time

import grpc

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "examples"))
from python_client import generate_stubs  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", required=True, help="server HOST:PORT")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the stream")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="docclass-stubs-") as out_dir:
        pb, pb_grpc = generate_stubs(out_dir)
        requests = (pb.ClassifyRequest(id=str(i), text="rates rise") for i in range(args.requests))
        started = time.monotonic()
        received = 0
        failure = None
        with grpc.insecure_channel(args.addr) as channel:
            stub = pb_grpc.DocumentServiceStub(channel)
            try:
                for response in stub.ClassifyStream(requests, timeout=args.timeout):
                    if response.id != str(received):
                        failure = f"response {received} has id {response.id!r}"
                        break
                    if not response.topic.label:
                        failure = f"response {received} has no topic"
                        break
                    received += 1
            except grpc.RpcError as error:
                failure = f"stream ended with {error.code().name}: {error.details()}"
        elapsed = time.monotonic() - started
    if failure is None and received != args.requests:
        failure = f"{received} responses to {args.requests} requests"
    print(f"grpcio bulk stream: {received} of {args.requests} responses in order "
          f"in {elapsed:.1f} s")
    if failure:
        print(f"FAILED: {failure}")
        print("grpcio bulk stream: 0 passed, 1 failed")
        sys.exit(1)
    print("grpcio bulk stream: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
