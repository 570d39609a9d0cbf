"""The Python peer: docclass.v1.DocumentService in grpcio + scikit-learn, written the way a
team would otherwise write this service, so the bench can compare like with like.

Stubs are generated from ../../proto at start-up with grpcio-tools into --out (never
committed). Classify: TfidfVectorizer(word 1-2, sublinear_tf, min_df=2) + LogisticRegression
trained on the BBC train split at start-up. A stance model is not provided (the bench sends
no target, so our server answers the topic only as well). Summarize: the first sentences.

CPython's GIL lets one process use one core, so `--processes N` runs N servers, each binding
the same port with SO_REUSEPORT (the kernel spreads connections) and each with a `--threads`
grpcio thread pool: the usual way to scale a CPU-bound grpcio service on one machine. The
first process trains and pickles the model, starts the other servers (--worker, which load
the pickle) and then becomes one itself (exec). grpcio does not survive fork(), hence
separate processes. Stop them all by the pids written to --pids.
"""

import argparse
import json
import os
import pickle
import subprocess
import re
import signal
import sys
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))


def generate_stubs(out_dir):
    """Compiles docclass.proto into out_dir with grpcio-tools and makes it importable."""
    from grpc_tools import protoc

    os.makedirs(out_dir, exist_ok=True)
    proto = os.path.join(PROTO_ROOT, "docclass", "v1", "docclass.proto")
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        proto,
    ]
    if protoc.main(args) != 0:
        sys.exit(f"grpc_tools.protoc failed on {proto}")
    sys.path.insert(0, out_dir)


def train(path):
    """Fits TF-IDF + logistic regression on the articles in path (JSON lines)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                texts.append(row.get("title", "") + "\n" + row["text"])
                labels.append(row["topic"])
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        LogisticRegression(C=10.0, max_iter=300),
    )
    model.fit(texts, labels)
    return model, len(texts)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def make_servicer(model, documents):
    import grpc
    from docclass.v1 import docclass_pb2 as pb
    from docclass.v1 import docclass_pb2_grpc as pb_grpc

    labels = [str(label) for label in model.classes_]

    def classify_one(request):
        if not request.text.strip():
            return None, "text is empty"
        probabilities = model.predict_proba([request.title + "\n" + request.text])[0]
        order = sorted(range(len(labels)), key=lambda i: (-probabilities[i], labels[i]))
        scores = [pb.LabelScore(label=labels[i], score=float(probabilities[i])) for i in order]
        if request.top_k:
            scores = scores[: request.top_k]
        best = order[0]
        topic = pb.Prediction(
            model="bbc-sklearn",
            label=labels[best],
            confidence=float(probabilities[best]),
            scores=scores,
        )
        return pb.ClassifyResponse(id=request.id, topic=topic), None

    class Servicer(pb_grpc.DocumentServiceServicer):
        def Classify(self, request, context):
            response, error = classify_one(request)
            if error:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, error)
            return response

        def ClassifyStream(self, request_iterator, context):
            for position, request in enumerate(request_iterator):
                response, error = classify_one(request)
                if error:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"request {position}: {error}")
                yield response

        def Summarize(self, request, context):
            if not request.text.strip():
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "text is empty")
            wanted = request.max_sentences or 3
            sentences, start = [], 0
            for match in SENTENCE_END.finditer(request.text):
                sentences.append((start, match.start()))
                start = match.end()
            if start < len(request.text):
                sentences.append((start, len(request.text.rstrip())))
            chosen = sentences[:wanted]
            return pb.SummarizeResponse(
                summary=" ".join(request.text[s:e] for s, e in chosen),
                sentences=[
                    pb.SummarySentence(text=request.text[s:e], index=i, start=s, end=e, score=1.0)
                    for i, (s, e) in enumerate(chosen)
                ],
            )

        def GetModelInfo(self, request, context):
            return pb.GetModelInfoResponse(
                models=[
                    pb.ModelInfo(
                        name="bbc-sklearn",
                        task=pb.TASK_TOPIC,
                        labels=labels,
                        version="sklearn",
                        training_documents=documents,
                    )
                ],
                default_topic_model="bbc-sklearn",
            )

    return Servicer(), pb_grpc


def serve(addr, threads, servicer, pb_grpc, reuse_port):
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=threads),
        options=[
            ("grpc.so_reuseport", 1 if reuse_port else 0),
            ("grpc.max_receive_message_length", 8 << 20),
            ("grpc.max_send_message_length", 8 << 20),
        ],
    )
    pb_grpc.add_DocumentServiceServicer_to_server(servicer, server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if server.add_insecure_port(addr) == 0:
        sys.exit(f"cannot bind {addr}")
    server.start()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_servicer.set("docclass.v1.DocumentService", health_pb2.HealthCheckResponse.SERVING)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(grace=2))
    server.wait_for_termination()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="127.0.0.1:50070")
    parser.add_argument(
        "--train",
        default=os.path.join(HERE, "..", "..", "..", "shared", "data", "bbc", "train.jsonl"),
    )
    parser.add_argument("--out", required=True, help="directory for the stubs and the pickle")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pids", help="write the server process ids here, one a line")
    parser.add_argument("--worker", action="store_true", help="load the pickle, do not train")
    args = parser.parse_args()

    started = time.monotonic()
    pickled = os.path.join(args.out, "model.pkl")
    if args.worker:
        sys.path.insert(0, args.out)
        with open(pickled, "rb") as f:
            model, documents = pickle.load(f)
    else:
        generate_stubs(args.out)
        model, documents = train(args.train)
        with open(pickled, "wb") as f:
            pickle.dump((model, documents), f)
        print(f"trained on {documents} articles in {time.monotonic() - started:.1f} s", file=sys.stderr)
    if args.worker:
        servicer, pb_grpc = make_servicer(model, documents)
        serve(args.addr, args.threads, servicer, pb_grpc, args.processes > 1)
        return
    # Every server process runs the same worker code; this one becomes the last of them
    # (exec frees the training data and keeps the pid the caller knows).
    worker = [sys.executable, os.path.abspath(__file__), "--worker", "--addr", args.addr,
              "--out", args.out, "--threads", str(args.threads), "--processes", str(args.processes)]
    others = [subprocess.Popen(worker) for _ in range(max(args.processes, 1) - 1)]
    if args.pids:
        with open(args.pids, "w") as f:
            f.write("\n".join(str(p) for p in [os.getpid(), *(o.pid for o in others)]) + "\n")
    os.execv(sys.executable, worker)


if __name__ == "__main__":
    main()
