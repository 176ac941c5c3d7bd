#!/usr/bin/env python3
"""Turns JMH's JSON results (and the peers' JSON) into Markdown tables with derived figures.

    report.py --jmh vector=results/jmh-vector.json --jmh default=results/jmh-default.json \
              --peers results/peers-quick.json --command "benchmarks/scripts/run.sh quick" \
              --out results/report-quick.md

Each --jmh is LABEL=FILE; the label names the JVM path (the Vector API run, the default run).
Derived figures: GFLOP/s for GEMM (2 n^3) and conv2d (2 N O OH OW I KH KW, backward twice that),
GB/s for the memory-bound ops (minimum traffic: softmax and ReLU forward 8 bytes per element, backward
12), ms per training step, and bytes allocated per operation from JMH's gc profiler
(gc.alloc.rate.norm). Standard library only, so any python3 runs it.
"""
import argparse
import json
import os
import platform
import sys
import time

CONV = {  # name: (batch, in_ch, h, w, out_ch, k, pad) at batch 64, stride 1
    "conv1": (1, 28, 28, 6, 5, 2),
    "conv2": (6, 14, 14, 16, 5, 0),
}
UNIT_SECONDS = {"s/op": 1.0, "ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9}


def conv_flops(layer, batch):
    cin, h, w, cout, k, pad = CONV[layer]
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    return 2.0 * batch * cout * oh * ow * cin * k * k


def workload(bench, params):
    """(workload id, flops or None, bytes or None) for a JMH benchmark name and its params."""
    cls, method = bench.split(".")[-2:]
    if cls == "GemmBenchmark":
        n = int(params["n"])
        return "gemm/%d" % n, 2.0 * n ** 3, None
    if cls == "SoftmaxBenchmark":
        rows, cols = (int(v) for v in params["shape"].split("x"))
        per = 8 if method == "forward" else 12
        return "softmax_%s/%s" % ("fwd" if method == "forward" else "bwd", params["shape"]), None, \
            float(per * rows * cols)
    if cls == "ReluBenchmark":
        size = int(params["size"])
        per = 8 if method == "forward" else 12
        return "relu_%s/%d" % ("fwd" if method == "forward" else "bwd", size), None, float(per * size)
    if cls == "Conv2dBenchmark":
        flops = conv_flops(params["layer"], int(params.get("batch", 64)))
        if method == "backward":
            flops *= 2
        return "conv_%s/%s" % ("fwd" if method == "forward" else "bwd", params["layer"]), flops, None
    if cls == "MlpStepBenchmark":
        return "mlp_step", None, None
    if cls == "CnnStepBenchmark":
        return "cnn_step", None, None
    # The same steps written directly on backend primitives: the floor without the front end.
    if cls == "PrimitiveMlpStepBenchmark":
        return "mlp_step_spi", None, None
    if cls == "PrimitiveCnnStepBenchmark":
        return "cnn_step_spi", None, None
    return "%s.%s" % (cls, method), None, None


def load_jmh(label, path):
    rows = []
    with open(path) as f:
        data = json.load(f)
    for entry in data:
        params = entry.get("params", {})
        metric = entry["primaryMetric"]
        seconds = metric["score"] * UNIT_SECONDS[metric["scoreUnit"]]
        error = metric.get("scoreError")
        error = error * UNIT_SECONDS[metric["scoreUnit"]] if isinstance(error, (int, float)) else None
        alloc = None
        for name, sec in entry.get("secondaryMetrics", {}).items():
            if name.lstrip("\u00b7") == "gc.alloc.rate.norm":
                alloc = sec["score"]
        wid, flops, nbytes = workload(entry["benchmark"], params)
        rows.append({
            "label": label, "benchmark": entry["benchmark"].split(".", 3)[-1], "workload": wid,
            "backend": params.get("backend", "?"), "seconds": seconds, "error": error, "flops": flops,
            "bytes": nbytes, "alloc": alloc, "jvm": entry.get("vmVersion", ""),
            "jvmArgs": " ".join(entry.get("jvmArgs", [])),
        })
    return rows


def fmt_time(s):
    if s is None:
        return "—"
    if s >= 1:
        return "%.2f s" % s
    if s >= 1e-3:
        return "%.3f ms" % (s * 1e3)
    return "%.1f µs" % (s * 1e6)


def fmt_bytes(b):
    if b is None:
        return "—"
    if b < 1024:
        return "%.0f B" % b
    if b < 1024 ** 2:
        return "%.1f KiB" % (b / 1024)
    return "%.1f MiB" % (b / 1024 ** 2)


def derived(r):
    if r.get("flops"):
        return "%.1f GFLOP/s" % (r["flops"] / r["seconds"] / 1e9)
    if r.get("bytes"):
        return "%.1f GB/s" % (r["bytes"] / r["seconds"] / 1e9)
    if "_step" in r["workload"]:
        return "%.3f ms/step" % (r["seconds"] * 1e3)
    return ""


def machine():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            if " avx512f" in f.read():
                flags = ", AVX-512"
    except OSError:
        pass
    return "%s%s, %d logical cores, %s" % (cpu, flags, os.cpu_count() or 0, platform.system())


def sort_key(wid):
    """Groups by op, then orders sizes numerically (gemm/512 before gemm/1024; 256x10 before 4096x4096)."""
    op, _, arg = wid.partition("/")
    size = 0
    if arg.isdigit():
        size = int(arg)
    elif "x" in arg and all(p.isdigit() for p in arg.split("x")):
        size = 1
        for p in arg.split("x"):
            size *= int(p)
    return op, size, arg


def flint_table(rows):
    out = ["| benchmark | backend | JVM path | time (± 99.9% error) | derived | allocated / op |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in sorted(rows, key=lambda r: (sort_key(r["workload"]), r["backend"], r["label"])):
        err = " ± %s" % fmt_time(r["error"]) if r["error"] is not None else ""
        out.append("| %s | %s | %s | %s%s | %s | %s |" % (
            r["workload"], r["backend"], r["label"], fmt_time(r["seconds"]), err, derived(r), fmt_bytes(r["alloc"])))
    return out


def find(rows, wid, label=None, backend="cpu"):
    for r in rows:
        if r["workload"] == wid and r["backend"] == backend and (label is None or r["label"] == label):
            return r
    return None


def peer_best(peers, wid, peer):
    """The peer's best figure for a workload; a primitive-level step is compared with the peer's step."""
    if not peers:
        return None
    wid = wid.replace("_step_spi", "_step")
    for r in peers["best"]:
        if r["workload"] == wid and r["peer"] == peer:
            return r
    return None


def peer_config(r):
    if r is None:
        return ""
    if r["peer"] == "torch":
        return "%d thr, %s" % (r["threads"], r.get("capability") or "?")
    return r.get("config", "")


def peers_table(rows, peers, labels):
    workloads = []
    for r in rows:
        if r["workload"] not in workloads and r["backend"] == "cpu":
            workloads.append(r["workload"])
    if peers:
        for r in peers["best"]:
            if r["workload"] not in workloads:
                workloads.append(r["workload"])
    workloads.sort(key=sort_key)
    head = "| workload | " + " | ".join("Flint cpu (%s)" % l for l in labels) + \
        " | NumPy | PyTorch best | Flint / PyTorch time |"
    out = [head, "|" + " --- |" * (len(labels) + 4)]
    for w in workloads:
        cells = [w]
        flint_times = []
        for l in labels:
            r = find(rows, w, l)
            cells.append("%s (%s)" % (fmt_time(r["seconds"]), derived(r)) if r and derived(r) else fmt_time(
                r["seconds"]) if r else "—")
            if r:
                flint_times.append(r["seconds"])
        np_r = peer_best(peers, w, "numpy")
        torch_r = peer_best(peers, w, "torch")
        cells.append(fmt_time(np_r["seconds"]) if np_r else "—")
        cells.append("%s (%s)" % (fmt_time(torch_r["seconds"]), peer_config(torch_r)) if torch_r else "—")
        cells.append("%.2fx" % (min(flint_times) / torch_r["seconds"]) if torch_r and flint_times else "—")
        out.append("| " + " | ".join(cells) + " |")
    return out


def backends_table(rows, label):
    """Each workload on every backend measured, with the speed-up over the CPU."""
    backends = sorted({r["backend"] for r in rows if r["label"] == label}, key=lambda b: (b != "cpu", b))
    workloads = sorted({r["workload"] for r in rows if r["label"] == label}, key=sort_key)
    out = ["| workload | " + " | ".join(backends) + " | " + " | ".join(
        "%s speed-up over cpu" % b for b in backends if b != "cpu") + " |",
        "|" + " --- |" * (1 + 2 * len(backends) - 1)]
    for w in workloads:
        cells = [w]
        cpu = find(rows, w, label, "cpu")
        for b in backends:
            r = find(rows, w, label, b)
            cells.append("%s (%s)" % (fmt_time(r["seconds"]), derived(r)) if r else "—")
        for b in backends:
            if b == "cpu":
                continue
            r = find(rows, w, label, b)
            cells.append("%.1fx" % (cpu["seconds"] / r["seconds"]) if r and cpu else "—")
        out.append("| " + " | ".join(cells) + " |")
    return out


def targets(rows, peers, fast, default):
    """The issue's CPU targets, each with its measured ratio and met/missed."""
    out = ["| target | measured | status |", "| --- | --- | --- |"]

    def line(name, ok, measured):
        status = "not measured" if ok is None else ("met" if ok else "**missed**")
        out.append("| %s | %s | %s |" % (name, measured, status))

    g = find(rows, "gemm/1024", fast)
    ob = peer_best(peers, "gemm/1024", "numpy")
    if g and ob:
        ratio = ob["seconds"] / g["seconds"]
        line("GEMM 1024 (%s) >= 85%% of OpenBLAS" % fast, ratio >= 0.85,
             "%.1f vs %.1f GFLOP/s = %.0f%%" % (2 * 1024 ** 3 / g["seconds"] / 1e9,
                                                2 * 1024 ** 3 / ob["seconds"] / 1e9, 100 * ratio))
    else:
        line("GEMM 1024 (%s) >= 85%% of OpenBLAS" % fast, None, "—")
    g = find(rows, "gemm/1024", default)
    if g:
        gf = 2 * 1024 ** 3 / g["seconds"] / 1e9
        line("GEMM 1024 (%s path) >= 45 GFLOP/s" % default, gf >= 45, "%.1f GFLOP/s" % gf)
    else:
        line("GEMM 1024 (%s path) >= 45 GFLOP/s" % default, None, "—")
    for wid, limit, name in (("mlp_step", 1.0, "MLP step <= PyTorch"), ("cnn_step", 1.5, "CNN step <= 1.5x PyTorch")):
        t = peer_best(peers, wid, "torch")
        for variant, suffix in ((wid, ""), (wid + "_spi", " (primitive-level floor)")):
            f = find(rows, variant, fast)
            if f and t:
                ratio = f["seconds"] / t["seconds"]
                line(name + suffix, ratio <= limit,
                     "%s vs %s = %.2fx" % (fmt_time(f["seconds"]), fmt_time(t["seconds"]), ratio))
            elif not suffix:
                line(name, None, "—")
    f = find(rows, "softmax_fwd/4096x4096", fast)
    t = peer_best(peers, "softmax_fwd/4096x4096", "torch")
    if f and t:
        ratio = t["seconds"] / f["seconds"]
        line("softmax 4096x4096 >= 0.5x PyTorch throughput", ratio >= 0.5,
             "%s vs %s = %.2fx" % (fmt_time(f["seconds"]), fmt_time(t["seconds"]), ratio))
    else:
        line("softmax 4096x4096 >= 0.5x PyTorch throughput", None, "—")
    f = find(rows, "relu_fwd/16777216", fast)
    copies = [r for r in (peers or {}).get("best", []) if r["workload"].startswith("copy/")]
    if f and copies:
        copy = min(copies, key=lambda r: r["seconds"])
        copy_bw = 8 * 16777216 / copy["seconds"] / 1e9
        bw = f["bytes"] / f["seconds"] / 1e9
        line("ReLU 16M >= 50% of copy bandwidth", bw >= 0.5 * copy_bw,
             "%.1f vs %.1f GB/s (%s copy) = %.0f%%" % (bw, copy_bw, copy["peer"], 100 * bw / copy_bw))
    else:
        line("ReLU 16M >= 50% of copy bandwidth", None, "—")
    for wid in ("mlp_step", "cnn_step", "mlp_step_spi", "cnn_step_spi"):
        f = find(rows, wid, fast)
        if f is None and wid.endswith("_spi"):
            continue
        out.append("| %s allocates almost nothing after warm-up | %s per step | %s |" % (
            wid, fmt_bytes(f["alloc"]) if f else "—", "reported" if f and f["alloc"] is not None else "not measured"))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jmh", action="append", default=[], help="LABEL=FILE, JMH JSON (repeatable)")
    parser.add_argument("--peers", help="peers.py JSON")
    parser.add_argument("--command", default="", help="the command that produced the results")
    parser.add_argument("--out", help="write Markdown here as well as to standard output")
    parser.add_argument("--commit", default="", help="the source revision measured")
    parser.add_argument("--load-before", default="", help="/proc/loadavg when the run started")
    args = parser.parse_args()

    rows, labels = [], []
    for spec in args.jmh:
        label, _, path = spec.partition("=")
        if not path:
            parser.error("--jmh takes LABEL=FILE, got '%s'" % spec)
        if not os.path.exists(path):
            print("report: %s not found, skipped" % path, file=sys.stderr)
            continue
        rows.extend(load_jmh(label, path))
        labels.append(label)
    peers = None
    if args.peers and os.path.exists(args.peers):
        with open(args.peers) as f:
            peers = json.load(f)

    md = ["## Flint benchmarks", ""]
    md.append("- Machine: %s" % machine())
    if rows:
        md.append("- JVM: %s" % rows[0]["jvm"])
    md.append("- Date: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    if args.command:
        md.append("- Command: `%s`%s" % (args.command, " at commit %s" % args.commit if args.commit else ""))
    load_after = ""
    try:
        with open("/proc/loadavg") as f:
            load_after = " ".join(f.read().split()[:3])
    except OSError:
        pass
    if args.load_before or load_after:
        # Other work on the machine shows up as noise; the load average says how much there was.
        md.append("- Load average (1, 5, 15 min): %s at the start, %s at the end (%d cores)" % (
            args.load_before or "?", load_after or "?", os.cpu_count() or 0))
    for label in labels:
        args_seen = sorted({r["jvmArgs"] for r in rows if r["label"] == label})
        md.append("- JVM path `%s`: forked JVM arguments `%s`" % (label, "; ".join(args_seen) or "(none)"))
    if peers:
        ob = peers["numpy"]["openblas"]
        md.append("- Peers: NumPy %s on OpenBLAS (%s core, %s threads); PyTorch %s, CPU capabilities tried: %s; "
                  "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for the peers" % (
                      peers["numpy"]["numpy"], ob.get("corename"), ob.get("threads"),
                      ", ".join(sorted({t["torch"] for t in peers["torch"]})) or "not run",
                      ", ".join(t.get("capability") or "?" for t in peers["torch"]) or "—"))
    md += ["", "### Flint", ""] + flint_table(rows)
    if labels:
        fast = labels[0]
        default = labels[1] if len(labels) > 1 else labels[0]
        if len({r["backend"] for r in rows}) > 1:
            md += ["", "### Backends side by side (%s path)" % fast, ""] + backends_table(rows, fast)
        md += ["", "### Flint beside its peers (CPU)", ""] + peers_table(rows, peers, labels)
        md += ["", "### Targets (issue #5; ratios within this one run)", ""] + targets(rows, peers, fast, default)
    text = "\n".join(md) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
