"""Turns the JSON lines benches/run.sh collected into one markdown table with the ratios the
performance issue asks for. Standard library only."""

import argparse
import json
from statistics import median


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--concurrency", default="?")
    parser.add_argument("--duration", default="?")
    args = parser.parse_args()
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    startup = {r["label"]: r for r in rows if r.get("kind") == "startup" and "interleaved" not in r["label"]}
    interleaved = [r for r in rows if r.get("kind") != "startup" and "interleaved" in r["label"]]
    runs = [r for r in rows if r.get("kind") != "startup" and "interleaved" not in r["label"]]

    def size(r):
        b = r["payload_bytes"]
        return "300 B" if b < 1000 else "3 KB" if b < 10000 else "30 KB"

    def per_cpu(r):
        value = r.get("requests_per_cpu_second")
        return f"{value:.0f}" if value else "?"

    def find(label, rpc, sz, paced=False, claim=False, batch=1):
        for r in runs:
            if (r["label"] == label and r["rpc"] == rpc and size(r) == sz and (r["rate"] is not None) == paced
                    and (r.get("target") is not None) == claim and r.get("batch", 1) == batch):
                return r
        return None

    def rpc_name(r):
        if r["rpc"] == "model_infer":
            return f'ModelInfer, batch {r.get("batch", 1)}'
        if r.get("target") is None:
            return r["rpc"]
        return r["rpc"] + (" + named target" if r["label"].endswith("-named") else " + claim")

    def rate(r):
        if r.get("batch", 1) > 1:
            return f'{r["requests_per_second"]:.0f} ({r["documents_per_second"]:.0f} documents/s)'
        return f'{r["requests_per_second"]:.0f}'

    print(f"Concurrency {args.concurrency} (ClassifyStream: 4 streams x 32 in flight), "
          f"{args.duration} measured per row, loopback, load generator on the same 2 cores.\n")
    print("| server | RPC | text | paced at | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | req per server CPU-s | RSS after, MiB |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        memory = r.get("server_memory") or {}
        rss = f'{memory["rss_kib"] / 1024:.1f}' if memory else "?"
        paced = f'{r["rate"]:.0f}/s' if r["rate"] else "max"
        print(f'| {r["label"]} | {rpc_name(r)} | {size(r)} | {paced} | {rate(r)} | '
              f'{r["p50_ms"]:.2f} | {r["p90_ms"]:.2f} | {r["p99_ms"]:.2f} | {r["max_ms"]:.2f} | '
              f'{r["errors"]} | {per_cpu(r)} | {rss} |')

    print("\n| figure | value | target |")
    print("|---|---:|---|")

    def ratio(name, a, b, target):
        if a and b and b["requests_per_second"]:
            value = a["requests_per_second"] / b["requests_per_second"]
            cpu = ""
            if a.get("requests_per_cpu_second") and b.get("requests_per_cpu_second"):
                cpu = f' (per server CPU-second: {a["requests_per_cpu_second"] / b["requests_per_cpu_second"]:.2f}x)'
            print(f"| {name} | {value:.2f}x{cpu} | {target} |")

    for sz in ("300 B", "3 KB", "30 KB"):
        ratio(f"Classify {sz}: ours / Python peer", find("ours", "classify", sz), find("python", "classify", sz),
              ">= 10x" if sz == "3 KB" else "")
        ratio(f"Classify {sz}: ours / no-op Echo", find("ours", "classify", sz), find("echo", "echo", sz),
              ">= 0.60x" if sz == "3 KB" else "")
    ours_rounds = [r for r in interleaved if r["label"] == "ours-interleaved"]
    echo_rounds = [r for r in interleaved if r["label"] == "echo-interleaved"]
    rounds = list(zip(ours_rounds, echo_rounds))
    if rounds:
        by_rate = sorted(o["requests_per_second"] / e["requests_per_second"] for o, e in rounds)
        by_cpu = sorted(o["requests_per_cpu_second"] / e["requests_per_cpu_second"] for o, e in rounds
                        if o.get("requests_per_cpu_second") and e.get("requests_per_cpu_second"))
        each = ", ".join(f'{o["requests_per_second"]:.0f}/{e["requests_per_second"]:.0f}' for o, e in rounds)
        cpu = f" (per server CPU-second: {median(by_cpu):.2f}x)" if by_cpu else ""
        print(f"| Classify 3 KB: ours / no-op Echo, interleaved, median of {len(rounds)} rounds "
              f"(req/s ours/Echo: {each}) | {median(by_rate):.2f}x{cpu} | >= 0.60x |")
    ratio("ClassifyStream / Classify unary, 3 KB (ours)", find("ours", "stream", "3 KB"),
          find("ours", "classify", "3 KB"), ">= 2x")
    ratio("ModelInfer, one document per call / Classify, 3 KB (ours)", find("ours", "model_infer", "3 KB"),
          find("ours", "classify", "3 KB"), ">= 0.9x")
    v2_rounds = list(zip([r for r in interleaved if r["label"] == "ours-interleaved"],
                         [r for r in interleaved if r["label"] == "ours-interleaved-v2"]))
    if v2_rounds:
        by_rate = [v["requests_per_second"] / c["requests_per_second"] for c, v in v2_rounds]
        each = ", ".join(f'{v["requests_per_second"]:.0f}/{c["requests_per_second"]:.0f}' for c, v in v2_rounds)
        print(f"| ModelInfer, one document per call / Classify, 3 KB, interleaved, median of {len(v2_rounds)} "
              f"rounds (req/s ModelInfer/Classify: {each}) | {median(by_rate):.2f}x | >= 0.9x |")
    batched = find("ours", "model_infer", "3 KB", batch=32)
    for name, other in (("Classify", find("ours", "classify", "3 KB")),
                        ("ClassifyStream", find("ours", "stream", "3 KB"))):
        if batched and other and other["requests_per_second"]:
            print(f"| ModelInfer, 32 documents per call (documents/s) / {name} (req/s), 3 KB (ours) | "
                  f'{batched["documents_per_second"] / other["requests_per_second"]:.2f}x | |')
    claimed = find("ours", "classify", "3 KB", claim=True)
    ratio("Classify 3 KB with a claim (topic + stance toward it) / without (ours)", claimed,
          find("ours", "classify", "3 KB"), "")
    ratio("Classify 3 KB with a claim (ours) / no-op Echo", claimed, find("echo", "echo", "3 KB"), "")
    ratio("Classify 3 KB with a claim (ours) / Python peer without", claimed,
          find("python", "classify", "3 KB"), "")
    named = find("ours-named", "classify", "3 KB", claim=True)
    ratio("Classify 3 KB with a named target (topic + stance read off its sentences) / without (ours)",
          named, find("ours", "classify", "3 KB"), "")
    if named and named.get("requests_per_cpu_second"):
        print(f'| server CPU per Classify 3 KB with a named target (ours) | '
              f'{1000 / named["requests_per_cpu_second"]:.3f} ms | < 1 ms |')
    ratio("ClassifyStream / Classify unary, 3 KB, both with a claim (ours)",
          find("ours", "stream", "3 KB", claim=True), claimed, "")
    ratio("ClassifyStream / Classify unary, 3 KB (Python)", find("python", "stream", "3 KB"),
          find("python", "classify", "3 KB"), "")
    for label, rpc in (("ours", "classify"), ("python", "classify"), ("echo", "echo")):
        paced = find(label, rpc, "3 KB", paced=True)
        if paced:
            print(f'| p99 at half max throughput, 3 KB ({label}, {paced["rate"]:.0f}/s) | '
                  f'{paced["p99_ms"]:.2f} ms | {"< 5 ms" if label == "ours" else ""} |')
    def steal(r):
        value = r.get("machine_steal_percent")
        return f", steal {value:.0f}%" if value is not None else ""

    for label, name, target in (("ours-interleaved-paced", "ours", "< 5 ms"),
                                ("echo-interleaved-paced", "no-op Echo", "")):
        paced_rounds = [r for r in interleaved if r["label"] == label]
        if paced_rounds:
            each = ", ".join(f'{r["p99_ms"]:.2f} at {r["rate"]:.0f}/s{steal(r)}' for r in paced_rounds)
            print(f'| p99 at half max throughput, 3 KB ({name}, each round at half its own maximum), '
                  f'median of {len(paced_rounds)} interleaved rounds (p99 ms: {each}) | '
                  f'{median(r["p99_ms"] for r in paced_rounds):.2f} ms | {target} |')
    measured = [r["machine_steal_percent"] for r in rows
                if r.get("kind") != "startup" and r.get("machine_steal_percent") is not None]
    if measured:
        print(f"| share of the machine's CPU time stolen by the hypervisor while rows were measured, "
              f"median (highest) | {median(measured):.1f}% ({max(measured):.1f}%) | |")
    for label, s in startup.items():
        print(f'| start-up to SERVING ({label}) | {s["startup_ms"]} ms | {"< 1 s" if label == "ours" else ""} |')
        print(f'| RSS at start-up, idle ({label}) | {s["rss_kib"] / 1024:.1f} MiB | {"< 150 MB" if label == "ours" else ""} |')
    peaks = [r for r in runs if r["label"] == "ours" and r.get("server_memory")]
    if peaks:
        peak = max(r["server_memory"]["peak_rss_kib"] for r in peaks)
        print(f"| peak RSS under load (ours, VmHWM) | {peak / 1024:.1f} MiB | < 150 MB |")


if __name__ == "__main__":
    main()
