#!/usr/bin/env python3
"""A Python client of docclass: classifies and summarizes one article.

The gRPC stubs are generated at run time with grpcio-tools from the repository's proto/
into a temporary directory, so nothing generated is committed.

    python3 -m pip install -r examples/requirements.txt
    python3 examples/python_client.py --addr 127.0.0.1:50051 [--target TEXT] [--max-evidence N] [FILE]

With a named target ("Qasem Soleimani", "United States") the server reads the stance off the
sentences that mention it; the client prints whether the target is mentioned, the counts and
the evidence sentences.
"""

import argparse
import importlib
import pathlib
import sys
import tempfile

import grpc
from grpc_tools import protoc

REPO = pathlib.Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "proto"
PROTO = "docclass/v1/docclass.proto"
DEFAULT_ARTICLE = REPO.parent / "shared" / "examples" / "000_318465e096284c62.txt"


def generate_stubs(out_dir):
    """Compiles the proto into out_dir and returns the (messages, services) modules."""
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    code = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        str(PROTO_ROOT / PROTO),
    ])
    if code != 0:
        sys.exit(f"protoc failed on {PROTO_ROOT / PROTO} (exit {code})")
    sys.path.insert(0, str(out_dir))
    return (importlib.import_module("docclass.v1.docclass_pb2"),
            importlib.import_module("docclass.v1.docclass_pb2_grpc"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="127.0.0.1:50051", help="server HOST:PORT")
    parser.add_argument("--target", default="", help="target or claim for the stance")
    parser.add_argument("--max-evidence", type=int, default=0,
                        help="evidence sentences for a named target (0 = server default 3, at most 50)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    parser.add_argument("file", nargs="?", default=str(DEFAULT_ARTICLE), help="article text")
    args = parser.parse_args()
    text = pathlib.Path(args.file).read_text(encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="docclass-stubs-") as out_dir:
        pb, pb_grpc = generate_stubs(out_dir)
        with grpc.insecure_channel(args.addr) as channel:
            stub = pb_grpc.DocumentServiceStub(channel)
            try:
                classified = stub.Classify(
                    pb.ClassifyRequest(id=pathlib.Path(args.file).name, text=text,
                                       target=args.target, top_k=3,
                                       max_evidence=args.max_evidence),
                    timeout=args.timeout)
                summary = stub.Summarize(pb.SummarizeRequest(text=text, max_sentences=3),
                                         timeout=args.timeout)
            except grpc.RpcError as error:
                sys.exit(f"{args.addr}: {error.code().name}: {error.details()}")

    print(f"id: {classified.id}")
    for kind in ("topic", "stance"):
        if classified.HasField(kind):
            p = getattr(classified, kind)
            scores = ", ".join(f"{s.label}={s.score:.3f}" for s in p.scores)
            print(f"{kind}: {p.label} ({p.confidence:.3f}, model {p.model}; {scores})")
        elif classified.HasField("target_evidence"):
            print(f"{kind}: (none; the text never mentions {args.target!r})")
        else:
            print(f"{kind}: (none; the stance model needs --target)")
    if classified.HasField("target_evidence"):
        evidence = classified.target_evidence
        entry = f", alias entry {evidence.resolved_entry!r}" if evidence.resolved_entry else ""
        print(f"target: mentioned={str(evidence.mentioned).lower()}, "
              f"{evidence.mentioning_sentences} of {evidence.sentences} sentences, "
              f"{evidence.mentions} mentions{entry}")
        for sentence in evidence.evidence:
            exact = text.encode()[sentence.start:sentence.end].decode() == sentence.text
            print(f"  evidence [{sentence.index}] {sentence.label} ({sentence.score:.3f}): "
                  f"{sentence.text}" + ("" if exact else "  (offsets differ!)"))
    print(f"summary ({len(summary.sentences)} sentences):")
    for sentence in summary.sentences:
        # Byte offsets index the UTF-8 request text.
        exact = text.encode()[sentence.start:sentence.end].decode() == sentence.text
        print(f"  [{sentence.index}] {sentence.text}" + ("" if exact else "  (offsets differ!)"))


if __name__ == "__main__":
    main()
