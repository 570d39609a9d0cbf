"""Calls a running docclass server through tritonclient (Triton's Python client, which speaks
the Open Inference Protocol v2 over gRPC), as a KServe or Triton caller would: server
liveness, readiness and metadata; for every model GetModelInfo lists, ModelReady,
ModelMetadata and a ModelInfer batch of the five example articles; the summarizer's
sentences and byte offsets; and the status codes of bad requests.

Run by tests/kserve/run.sh, which starts the release server and passes GetModelInfo's JSON
(from grpcurl). Prints one line per check and exits 1 if any failed.
"""

import argparse
import json
import pathlib
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

FAILURES = []


def check(condition, what):
    print(("ok: " if condition else "FAILED: ") + what)
    if not condition:
        FAILURES.append(what)


def bytes_input(name, values):
    tensor = grpcclient.InferInput(name, [len(values)], "BYTES")
    tensor.set_data_from_numpy(np.array([v.encode("utf-8") for v in values], dtype=np.object_))
    return tensor


def refused(client, model, inputs, code, needle, what, **kwargs):
    try:
        client.infer(model, inputs, **kwargs)
    except InferenceServerException as error:
        check(
            error.status() == f"StatusCode.{code}" and needle in error.message(),
            f"{what}: {error.status()} {error.message()!r}",
        )
        return
    check(False, f"{what}: answered instead of {code}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", required=True, help="host:port of the server")
    parser.add_argument("--model-info", required=True, help="GetModelInfo's JSON (grpcurl)")
    parser.add_argument("--examples", required=True, help="directory of the example articles")
    args = parser.parse_args()

    info = json.loads(pathlib.Path(args.model_info).read_text())
    articles = sorted(pathlib.Path(args.examples).glob("*.txt"))
    texts = [path.read_text(encoding="utf-8") for path in articles]
    titles = [path.name for path in articles]
    client = grpcclient.InferenceServerClient(url=args.addr)

    check(client.is_server_live(), "server live")
    check(client.is_server_ready(), "server ready")
    metadata = client.get_server_metadata(as_json=True)
    check(metadata.get("name") == "docclass", f"server metadata {metadata}")

    for model in info["models"]:
        name, version, labels = model["name"], model["version"], model["labels"]
        needs_target = model.get("needsTarget", False)
        check(client.is_model_ready(name), f"{name} ready")
        check(client.is_model_ready(name, version), f"{name} ready in version {version}")
        meta = client.get_model_metadata(name, as_json=True)
        outputs = {o["name"]: o for o in meta["outputs"]}
        check(meta["versions"] == [version], f"{name} metadata versions {meta['versions']}")
        check(
            outputs["scores"]["shape"] == ["-1", str(len(labels))],
            f"{name} scores shape {outputs['scores']['shape']}",
        )
        inputs = [bytes_input("text", texts), bytes_input("title", titles)]
        if needs_target:
            inputs.append(bytes_input("target", ["Iran vows revenge for Soleimani"] * len(texts)))
        result = client.infer(name, inputs, request_id="tritonclient-1", parameters={"top_k": 2})
        response = result.get_response()
        check(
            response.model_name == name and response.model_version == version
            and response.id == "tritonclient-1",
            f"{name} answer names model, version and id",
        )
        classes = [c.decode() for c in result.as_numpy("classes")]
        check(classes == labels, f"{name} classes in GetModelInfo's label order")
        scores = result.as_numpy("scores")
        label = [l.decode() for l in result.as_numpy("label")]
        confidence = result.as_numpy("confidence")
        top = result.as_numpy("top_labels")
        check(scores.shape == (len(texts), len(labels)), f"{name} scores shape {scores.shape}")
        check(np.allclose(scores.sum(axis=1), 1.0, atol=1e-4), f"{name} each row sums to 1")
        check(
            label == [classes[i] for i in scores.argmax(axis=1)]
            and np.allclose(confidence, scores.max(axis=1)),
            f"{name} label and confidence are the best score: {label}",
        )
        check(
            top.shape == (len(texts), 2) and [t.decode() for t in top[:, 0]] == label,
            f"{name} top_labels best first",
        )

    check(client.is_model_ready("summarizer"), "summarizer ready")
    result = client.infer(
        "summarizer", [bytes_input("text", texts)], parameters={"max_sentences": 2}
    )
    starts, ends = result.as_numpy("sentence_start"), result.as_numpy("sentence_end")
    sentences, counts = result.as_numpy("sentences"), result.as_numpy("sentence_count")
    sliced = True
    for row, text in enumerate(texts):
        encoded = text.encode("utf-8")
        for column in range(counts[row]):
            sliced &= encoded[starts[row, column] : ends[row, column]] == sentences[row, column]
    check(bool(sliced) and counts.max() <= 2, "summarizer offsets slice each text to its sentences")

    refused(client, "no-such-model", [bytes_input("text", ["x"])], "NOT_FOUND",
            "no-such-model", "unknown model")
    check(not client.is_model_ready("no-such-model"), "unknown model not ready")
    topic = next(m["name"] for m in info["models"] if m.get("task") == "TASK_TOPIC")
    refused(client, topic, [bytes_input("title", ["A title"])], "INVALID_ARGUMENT",
            '"text" is missing', "missing text")
    numbers = grpcclient.InferInput("text", [1], "FP32")
    numbers.set_data_from_numpy(np.array([1.0], dtype=np.float32))
    refused(client, topic, [numbers], "INVALID_ARGUMENT", "datatype is \"FP32\"",
            "wrong datatype")
    refused(client, topic, [bytes_input("text", ["A text."])], "INVALID_ARGUMENT",
            'parameter "ratio"', "unknown parameter", parameters={"ratio": 0.5})

    total = len(FAILURES)
    print(f"tritonclient: {'passed' if total == 0 else f'{total} checks failed'}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
