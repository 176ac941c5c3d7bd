#!/usr/bin/env python3
"""Turns JMH's JSON results (and the peers' JSON) into Markdown tables with derived figures, one
section per instruction set, with the targets of issues 13 and 5 marked met or missed.

    report.py --jmh avx512:vector=results/jmh-avx512-vector-quick.json \
              --jmh avx512:default=results/jmh-avx512-default-quick.json \
              --peers avx512=results/peers-avx512-quick.json  (the same for avx2) \
              --command "benchmarks/scripts/run.sh quick" --out results/report-quick.md

Each --jmh is ISA:LABEL=FILE: the instruction set the JVM ran with and the JVM path (the Vector API
run, the default run); each --peers is ISA=FILE. Sections follow the order of first mention.

Each --stream is ISA:K=JMHFILE[+JMHFILE...],PEERSFILE, round K of run.sh's paired rounds: a JMH run of
the paired rows (the memory-bound ReLU 16M, softmax 4096x4096 and 16M-float copy; GEMM 1024, conv2 and
the training steps; in a second file, the training-step GEMM shapes) and, right after it, the peers'
same rows. This machine's memory bandwidth and
speed drift by up to 2x over minutes, so for those rows the report compares figures of one round only:
per round Flint's time / PyTorch's best time, and the row's ratio and status are the median of those
ratios over the rounds (its times the medians over rounds); GEMM 1024's OpenBLAS target and the MLP
step's target likewise. Without round files the rows keep the main run's figures.
Each --interleaved is ISA=FILE, interleave.py's JSON: rows timed by turns, a Flint sample and a sample
of every peer configuration within about a second, over several rounds; per round Flint's time /
the time of PyTorch's configuration with the lowest median, and the row's ratio the median of those.
Its rows take precedence over the rounds' (run.sh now interleaves instead of running rounds).
Derived figures: GFLOP/s for GEMM (2 n^3) and conv2d (2 N O OH OW I KH KW, backward twice that),
GB/s for the memory-bound ops (minimum traffic: softmax and ReLU forward 8 bytes per element, backward
12), ms per training step, and bytes allocated per operation from JMH's gc profiler
(gc.alloc.rate.norm). Times and allocations are medians of the measured iterations (all forks), as
the peers' figures are medians of their samples: JMH's score is the mean, and with the quick run's
three iterations one iteration still warming up (C2 not done compiling the step) moved cnn_step's
mean 25% and its allocation from 57 KiB to 4.1 MiB per step. Beside the time: the fastest and the
slowest iteration. Standard library only, so any python3 runs it.
"""
import argparse
import json
import os
import platform
import statistics
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
    if cls == "GemmShapeBenchmark":
        m, n, k = (int(v) for v in params["shape"].split(":")[1].split("x"))
        return "gemm/%s" % params["shape"], 2.0 * m * n * k, None
    if cls == "SoftmaxBenchmark":
        rows, cols = (int(v) for v in params["shape"].split("x"))
        per = 8 if method == "forward" else 12
        return "softmax_%s/%s" % ("fwd" if method == "forward" else "bwd", params["shape"]), None, \
            float(per * rows * cols)
    if cls == "ReluBenchmark":
        size = int(params["size"])
        per = 8 if method == "forward" else 12
        return "relu_%s/%d" % ("fwd" if method == "forward" else "bwd", size), None, float(per * size)
    if cls == "CopyBenchmark":
        size = int(params["size"])
        return "copy/%d" % size, None, float(8 * size)   # read + write, as the peers' copies count
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


def iterations(metric):
    """One figure per measured iteration over all forks (JMH's rawData); its score if there is none."""
    samples = [x for fork in metric.get("rawData") or [] for x in fork]
    return samples or [metric["score"]]


def load_jmh(label, path):
    rows = []
    with open(path) as f:
        data = json.load(f)
    for entry in data:
        params = entry.get("params", {})
        metric = entry["primaryMetric"]
        unit = UNIT_SECONDS[metric["scoreUnit"]]
        samples = iterations(metric)
        seconds = statistics.median(samples) * unit
        spread = (min(samples) * unit, max(samples) * unit) if len(samples) > 1 else None
        alloc = None
        for name, sec in entry.get("secondaryMetrics", {}).items():
            if name.lstrip("\u00b7") == "gc.alloc.rate.norm":
                alloc = statistics.median(iterations(sec))
        wid, flops, nbytes = workload(entry["benchmark"], params)
        rows.append({
            "label": label, "benchmark": entry["benchmark"].split(".", 3)[-1], "workload": wid,
            "backend": params.get("backend", "?"), "seconds": seconds, "spread": spread, "flops": flops,
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


def cpuinfo():
    """The first processor's fields of /proc/cpuinfo ({} where there is none)."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                info[key.strip()] = value.strip()
    except OSError:
        pass
    return info


# The flags that decide which kernels run: vector width, fma, and AVX-512's subsets.
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512cd", "avx512bw",
                "avx512vl", "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx_vnni", "amx_tile")


def machine():
    info = cpuinfo()
    cpu = info.get("model name") or platform.processor() or "unknown"
    ident = ""
    if "cpu family" in info:
        ident = " (%s family %s, model %s, stepping %s)" % (info.get("vendor_id", "?"), info["cpu family"],
                                                          info.get("model", "?"), info.get("stepping", "?"))
    flags = set(info.get("flags", "").split())
    shown = [f for f in VECTOR_FLAGS if f in flags]
    return "%s%s, %d logical cores, %s; vector flags: %s" % (
        cpu, ident, os.cpu_count() or 0, platform.system(), " ".join(shown) or "none found")


ISA_NAMES = {"avx512": "AVX-512", "avx2": "AVX2", "native": "the processor's own"}


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
    out = ["| benchmark | backend | JVM path | time (median; fastest–slowest iteration) | derived | allocated / op (median) |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in sorted(rows, key=lambda r: (sort_key(r["workload"]), r["backend"], r["label"])):
        err = " (%s–%s)" % (fmt_time(r["spread"][0]), fmt_time(r["spread"][1])) if r["spread"] else ""
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


def paired_rows(rounds):
    """The rows of run.sh's paired rounds, {workload: figures}: per round Flint's time and
    PyTorch's best of that round (rounds without both are left out), and over the rounds the median
    of the per-round ratios and the median times. rounds: [(K, JMH rows, peers JSON or None)]."""
    paired = {}
    for k, rows, peers in rounds:
        for r in rows:
            if r["backend"] != "cpu":
                continue
            t = peer_best(peers, r["workload"], "torch")
            if t is None:
                continue
            n = peer_best(peers, r["workload"], "numpy")
            paired.setdefault(r["workload"], {"rounds": []})["rounds"].append({
                "k": k, "flint": r["seconds"], "torch": t["seconds"], "torch_r": t, "bytes": r["bytes"],
                "numpy": n["seconds"] if n else None, "ratio": r["seconds"] / t["seconds"]})
    for p in paired.values():
        rs = p["rounds"]
        p["ratio"] = statistics.median(x["ratio"] for x in rs)
        p["flint"] = statistics.median(x["flint"] for x in rs)
        p["torch"] = statistics.median(x["torch"] for x in rs)
        numpy = [x["numpy"] for x in rs if x["numpy"] is not None]
        p["numpy"] = statistics.median(numpy) if numpy else None
        p["bytes"] = rs[0]["bytes"]
        configs = []
        for x in rs:
            c = peer_config(x["torch_r"])
            if c not in configs:
                configs.append(c)
        p["torch_config"] = " / ".join(configs)
    return paired


def interleaved_rows(data):
    """The rows of interleave.py's JSON in paired_rows' form, {workload: figures}: round i pairs
    Flint's sample i with sample i of PyTorch's configuration with the lowest median (and NumPy's);
    the row's ratio is the median of the per-round ratios."""
    paired = {}
    for e in data.get("workloads", []):
        wid, _, nbytes = workload(e["benchmark"], e["params"])
        torch_configs = [c for c in e["peers"].values() if c["peer"] == "torch" and c["samples"]]
        if not e["flint"] or not torch_configs:
            continue
        best = min(torch_configs, key=lambda c: statistics.median(c["samples"]))
        numpy = next((c["samples"] for c in e["peers"].values() if c["peer"] == "numpy"), None)
        rounds = []
        for i, (f, t) in enumerate(zip(e["flint"], best["samples"])):
            rounds.append({"k": str(i + 1), "flint": f, "torch": t, "torch_r": dict(best, peer="torch"),
                           "bytes": nbytes, "numpy": numpy[i] if numpy and i < len(numpy) else None,
                           "ratio": f / t})
        torch_cores = cores_busy(best["samples"], best.get("cpu"))
        config = peer_config(dict(best, peer="torch"))
        p = {"rounds": rounds, "how": "interleaved", "bytes": nbytes,
             "ratio": statistics.median(x["ratio"] for x in rounds),
             "flint": statistics.median(e["flint"]), "torch": statistics.median(best["samples"]),
             "numpy": statistics.median(numpy) if numpy else None,
             "torch_config": config + ("; %.1f cores busy" % torch_cores if torch_cores is not None else ""),
             "flint_cores": cores_busy(e["flint"], e.get("flint_cpu")), "torch_cores": torch_cores}
        paired[wid] = p
    return paired


def cores_busy(wall, cpu):
    """Median over samples of the process's CPU seconds / wall seconds (interleave.py records both per
    call), or None where the samples have no CPU time (JSON from before it was recorded)."""
    ratios = [c / w for w, c in zip(wall, cpu or []) if c is not None and w > 0]
    return statistics.median(ratios) if ratios else None


def how(p, what="rounds"):
    """How a paired figure was taken: run.sh's rounds minutes apart, or interleaved samples."""
    if p.get("how") == "interleaved":
        return "median of %d interleaved rounds" % len(p["rounds"])
    return "median of %d back-to-back %s" % (len(p["rounds"]), what)


def fmt_rounds(p):
    if p.get("how") == "interleaved":
        ratios = [x["ratio"] for x in p["rounds"]]
        return "%.2fx-%.2fx" % (min(ratios), max(ratios))
    return ", ".join("%.2fx" % x["ratio"] for x in p["rounds"])


def interleaved_table(paired):
    """The interleaved rows: medians of each side's samples, and the per-round ratios' spread."""
    out = ["| workload | Flint (median) | PyTorch best configuration (median) | OpenBLAS (median) | "
           "Flint / PyTorch per round: median (lowest-highest) | rounds |", "|" + " --- |" * 6]
    for w in sorted(paired, key=sort_key):
        p = paired[w]
        if p.get("how") != "interleaved":
            continue
        ratios = [x["ratio"] for x in p["rounds"]]
        flint_cores = p.get("flint_cores")
        out.append("| %s | %s%s | %s (%s) | %s | **%.2fx** (%.2fx-%.2fx) | %d |" % (
            w, fmt_time(p["flint"]), " (%.1f cores busy)" % flint_cores if flint_cores is not None else "",
            fmt_time(p["torch"]), p["torch_config"], fmt_time(p["numpy"]),
            p["ratio"], min(ratios), max(ratios), len(ratios)))
    out += ["", "Each round: one sample of Flint's benchmark (in one of two or three JVMs run one after the "
                "other, each warmed up) and one of every peer "
                "configuration (PyTorch per CPU capability at 1 and 2 threads; NumPy where it has the workload), "
                "in alternating order, all within about a second, each sample begun once the process timed "
                "before it had gone quiet (scripts/interleave.py). A row's ratio is the "
                "median over rounds of Flint's sample / the sample of PyTorch's configuration with the lowest "
                "median; the main run's ratios compare figures measured minutes apart. \"Cores busy\" is the "
                "median over samples of the process's CPU time / wall time (all its threads, spinning ones "
                "included). PyTorch's thread count is torch.set_num_threads; this build hands matrix "
                "products to Debian's BLAS (OpenBLAS, its own threads), which that setting does not reach, so "
                "a 1-thread configuration's GEMMs can still keep every core busy."]
    return out


def paired_table(paired, rows, peers, fast):
    """Each paired row round by round, beside the main run's unpaired ratio."""
    ks = sorted({x["k"] for p in paired.values() for x in p["rounds"]}, key=lambda k: (len(k), k))
    out = ["| workload | " + " | ".join("round %s: Flint / PyTorch" % k for k in ks) +
           " | paired ratio (median) | main run, unpaired |", "|" + " --- |" * (len(ks) + 3)]
    for w in sorted(paired, key=sort_key):
        p = paired[w]
        cells = [w]
        for k in ks:
            x = next((x for x in p["rounds"] if x["k"] == k), None)
            if x is None:
                cells.append("—")
                continue
            cell = "%s / %s = %.2fx" % (fmt_time(x["flint"]), fmt_time(x["torch"]), x["ratio"])
            if x["bytes"] and w.startswith("copy/"):
                cell += " (%.1f / %.1f GB/s)" % (x["bytes"] / x["flint"] / 1e9, x["bytes"] / x["torch"] / 1e9)
            if x["numpy"] and w.startswith("gemm/"):
                cell += " (OpenBLAS %s)" % fmt_time(x["numpy"])
            cells.append(cell)
        cells.append("**%.2fx** of %d rounds" % (p["ratio"], len(p["rounds"])))
        f = find(rows, w, fast)
        t = peer_best(peers, w, "torch")
        cells.append("%s / %s = %.2fx" % (fmt_time(f["seconds"]), fmt_time(t["seconds"]), f["seconds"] / t["seconds"])
                     if f and t else "—")
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "Each round: a JMH run of these rows alone, then at once the peers' same rows (copy/ is the "
                "bandwidth witness, Flint's `copyBlocks` beside PyTorch's threaded `copy_`, not a target). The paired ratio is the median over rounds of the round's Flint time / PyTorch's best "
                "time in that round; the main run's ratio compares figures measured minutes apart."]
    return out


def is_shape(wid):
    """A training-step GEMM (gemm/NT:128x512x784), as opposed to a square one (gemm/1024)."""
    return wid.startswith("gemm/") and ":" in wid


def row_limit(wid):
    """Issue 13: every row at most PyTorch's time, the MLP step at most 0.85x; None where no target."""
    if wid.startswith("copy/") or wid.endswith("_spi"):
        return None   # a bandwidth reference, and the primitive-level floors, are not rows of the target
    return 0.85 if wid == "mlp_step" else 1.0


def status(ok):
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def peers_table(rows, peers, labels, shapes, paired=None):
    """Flint beside NumPy and PyTorch; with shapes, the training-step GEMMs only, else the rest. A row
    in paired (paired_rows) shows its paired rounds' figures: medians over rounds, and as its ratio
    the median of the per-round ratios."""
    paired = paired or {}
    workloads = []
    for r in rows:
        if r["workload"] not in workloads and r["backend"] == "cpu":
            workloads.append(r["workload"])
    if peers:
        for r in peers["best"]:
            if r["workload"] not in workloads:
                workloads.append(r["workload"])
    for w in paired:
        if w not in workloads:
            workloads.append(w)
    workloads = [w for w in workloads if is_shape(w) == shapes]
    workloads.sort(key=sort_key)
    if shapes:
        labels = [l for l in labels if any(r["label"] == l and is_shape(r["workload"]) for r in rows)]
    head = "| workload | " + " | ".join("Flint cpu (%s)" % l for l in labels) + \
        " | NumPy | PyTorch best | Flint / PyTorch time | target | status |"
    out = [head, "|" + " --- |" * (len(labels) + 6)]
    for w in workloads:
        if w in paired:
            p = paired[w]
            cells = [w]
            flint = fmt_time(p["flint"])
            if p["bytes"]:
                flint += " (%s)" % derived({"workload": w, "seconds": p["flint"], "bytes": p["bytes"]})
            # the rounds run the fast (first) path's JVM arguments; the other paths keep the main run's figure
            tag = " (interleaved)" if p.get("how") == "interleaved" else " (paired)"
            cells.append(flint + tag)
            for l in labels[1:]:
                r = find(rows, w, l)
                cells.append(("%s (%s)" % (fmt_time(r["seconds"]), derived(r)) if derived(r) else fmt_time(
                    r["seconds"])) if r else "—")
            cells.append(fmt_time(p["numpy"]) + tag if p["numpy"] else "—")
            cells.append("%s (%s)%s" % (fmt_time(p["torch"]), p["torch_config"], tag))
            cells.append("%.2fx%s: %s (%s)" % (p["ratio"], tag, how(p), fmt_rounds(p)))
            limit = row_limit(w)
            cells.append("<= %.2fx" % limit if limit else "—")
            cells.append(status(p["ratio"] <= limit) if limit else "—")
            out.append("| " + " | ".join(cells) + " |")
            continue
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
        ratio = min(flint_times) / torch_r["seconds"] if torch_r and flint_times else None
        cells.append("%.2fx" % ratio if ratio is not None else "—")
        limit = row_limit(w)
        cells.append("<= %.2fx" % limit if limit else "—")
        cells.append(status(None if ratio is None else ratio <= limit) if limit else "—")
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


def targets(rows, peers, fast, default, paired=None, rounds=()):
    """The CPU targets of issues 13 and 5, each with its measured ratio and met/missed; also returns
    {target: status} for the summary across instruction sets. The rows in paired take their paired
    ratio (median over run.sh's rounds); rounds are the round files (relu vs copy bandwidth)."""
    paired = paired or {}
    out = ["| target | measured | status |", "| --- | --- | --- |"]
    summary = {}

    def line(name, ok, measured):
        out.append("| %s | %s | %s |" % (name, measured, status(ok)))
        summary[name] = status(ok)

    for n in (256, 512, 1024, 2048):
        g = find(rows, "gemm/%d" % n, fast)
        ob = peer_best(peers, "gemm/%d" % n, "numpy")
        name = "GEMM %d (%s) >= 90%% of OpenBLAS" % (n, fast)
        p = paired.get("gemm/%d" % n)
        shares = [x["numpy"] / x["flint"] for x in p["rounds"] if x["numpy"]] if p else []
        if shares:
            # OpenBLAS's time / Flint's in each round, median over the rounds
            share = statistics.median(shares)
            spread = ("%.0f%%-%.0f%%" % (100 * min(shares), 100 * max(shares)) if p.get("how") == "interleaved"
                      else ", ".join("%.0f%%" % (100 * x) for x in shares))
            line(name, share >= 0.9, "%.1f vs %.1f GFLOP/s = %.0f%%, paired: %s (%s)" % (
                2 * n ** 3 / p["flint"] / 1e9, 2 * n ** 3 / p["numpy"] / 1e9, 100 * share, how(p), spread))
        elif g and ob:
            ratio = ob["seconds"] / g["seconds"]
            line(name, ratio >= 0.9, "%.1f vs %.1f GFLOP/s = %.0f%%" % (
                2 * n ** 3 / g["seconds"] / 1e9, 2 * n ** 3 / ob["seconds"] / 1e9, 100 * ratio))
        elif g or ob:
            line(name, None, "Flint or NumPy not run at this size")

    def rows_within(select, name):
        checked, missed, npaired, ninterleaved = 0, [], 0, 0
        ratios = []   # (workload, ratio) in the rows' order; a paired row once, by its paired ratio
        for r in rows:
            w = r["workload"]
            if r["label"] != fast or r["backend"] != "cpu" or not select(w):
                continue
            if w in paired:
                if all(w != x for x, _ in ratios):
                    ratios.append((w, paired[w]["ratio"]))
                continue
            t = peer_best(peers, w, "torch")
            if t is not None:
                ratios.append((w, r["seconds"] / t["seconds"]))
        for w in sorted(paired, key=sort_key):
            if select(w) and all(w != x for x, _ in ratios):
                ratios.append((w, paired[w]["ratio"]))
        for w, ratio in ratios:
            limit = row_limit(w)
            if limit is None:
                continue
            checked += 1
            npaired += w in paired
            ninterleaved += paired.get(w, {}).get("how") == "interleaved"
            if ratio > limit:
                missed.append("%s %.2fx%s" % (w, ratio, " (paired)" if w in paired else ""))
        if checked:
            line(name, not missed, "%d of %d within%s%s" % (
                checked - len(missed), checked, "; missed: " + ", ".join(missed) if missed else "",
                "; %d row%s by the paired ratio (median of %s)" % (
                    npaired, "s" if npaired > 1 else "",
                    "interleaved rounds" if ninterleaved == npaired else
                    "back-to-back rounds" if not ninterleaved else "interleaved or back-to-back rounds")
                if npaired else ""))
        else:
            line(name, None, "—")

    rows_within(is_shape, "training-step GEMM shapes <= PyTorch time")
    rows_within(lambda w: not is_shape(w), "every benchmark row <= 1.0x PyTorch time (MLP step 0.85x)")
    t = peer_best(peers, "mlp_step", "torch")
    for variant, suffix in (("mlp_step", ""), ("mlp_step_spi", " (primitive-level floor)")):
        f = find(rows, variant, fast)
        if variant in paired:
            p = paired[variant]
            line("MLP step <= 0.85x PyTorch" + suffix, p["ratio"] <= 0.85,
                 "%s vs %s = %.2fx, paired: %s (%s)" % (
                     fmt_time(p["flint"]), fmt_time(p["torch"]), p["ratio"], how(p), fmt_rounds(p)))
        elif f and t:
            ratio = f["seconds"] / t["seconds"]
            line("MLP step <= 0.85x PyTorch" + suffix, ratio <= 0.85,
                 "%s vs %s = %.2fx" % (fmt_time(f["seconds"]), fmt_time(t["seconds"]), ratio))
        elif not suffix:
            line("MLP step <= 0.85x PyTorch", None, "—")
    # issue 5's targets that issue 13 does not restate
    g = find(rows, "gemm/1024", default) if default != fast else None
    if g:
        gf = 2 * 1024 ** 3 / g["seconds"] / 1e9
        line("GEMM 1024 (%s path) >= 45 GFLOP/s (issue 5)" % default, gf >= 45, "%.1f GFLOP/s" % gf)
    f = find(rows, "relu_fwd/16777216", fast)
    copies = [r for r in (peers or {}).get("best", []) if r["workload"].startswith("copy/")]
    # Paired: per round ReLU's bandwidth / the peers' best copy bandwidth of the same round, median.
    shares = []
    for k, rrows, rpeers in rounds:
        rf = find(rrows, "relu_fwd/16777216")
        rc = [r for r in (rpeers or {}).get("best", []) if r["workload"].startswith("copy/")]
        if rf and rc:
            shares.append((rf["bytes"] / rf["seconds"]) / (8 * 16777216 / min(r["seconds"] for r in rc)))
    relu_p, copy_p = paired.get("relu_fwd/16777216"), paired.get("copy/16777216")
    if not shares and relu_p and copy_p and relu_p.get("how") == "interleaved":
        # interleaved: ReLU's median against the copy's best peer median, taken about 15 s apart
        copy_s = min(x for x in (copy_p["torch"], copy_p["numpy"]) if x)
        share = (relu_p["bytes"] / relu_p["flint"]) / (8 * 16777216 / copy_s)
        line("ReLU 16M >= 50% of copy bandwidth (issue 5)", share >= 0.5,
             "%.1f vs %.1f GB/s = %.0f%%, interleaved medians" % (
                 relu_p["bytes"] / relu_p["flint"] / 1e9, 8 * 16777216 / copy_s / 1e9, 100 * share))
    elif shares:
        share = statistics.median(shares)
        line("ReLU 16M >= 50% of copy bandwidth (issue 5)", share >= 0.5,
             "%.0f%%, paired: median of %d back-to-back rounds (%s)" % (
                 100 * share, len(shares), ", ".join("%.0f%%" % (100 * x) for x in shares)))
    elif f and copies:
        copy = min(copies, key=lambda r: r["seconds"])
        copy_bw = 8 * 16777216 / copy["seconds"] / 1e9
        bw = f["bytes"] / f["seconds"] / 1e9
        line("ReLU 16M >= 50% of copy bandwidth (issue 5)", bw >= 0.5 * copy_bw,
             "%.1f vs %.1f GB/s (%s copy) = %.0f%%" % (bw, copy_bw, copy["peer"], 100 * bw / copy_bw))
    for wid in ("mlp_step", "cnn_step", "mlp_step_spi", "cnn_step_spi"):
        f = find(rows, wid, fast)
        if f is None:
            continue
        out.append("| %s allocates almost nothing after warm-up | %s per step | %s |" % (
            wid, fmt_bytes(f["alloc"]), "reported" if f["alloc"] is not None else "not measured"))
    return out, summary


def peers_line(peers):
    ob = peers["numpy"]["openblas"]
    env = peers.get("environment") or {}
    env_text = ", ".join("%s=%s" % (k, v) for k, v in sorted(env.items()) if v) or "none of OPENBLAS_CORETYPE, " \
        "OPENBLAS_L2_SIZE, DNNL_MAX_CPU_ISA set"
    return "NumPy %s on OpenBLAS (%s core, %s threads); PyTorch %s, CPU capabilities tried: %s; environment: %s" % (
        peers["numpy"]["numpy"], ob.get("corename"), ob.get("threads"),
        ", ".join(sorted({t["torch"] for t in peers["torch"]})) or "not run",
        ", ".join(t.get("capability") or "?" for t in peers["torch"]) or "—", env_text)


def settle_note(interleaved):
    """How long Flint's JVMs took, after the fixed warm-up, until their JIT was quiet ('' for older files)."""
    runs = [(x["seconds"], x["state"], w["workload"]) for w in interleaved.get("workloads", [])
            for x in w.get("flint_settle", [])]
    if not runs:
        return ""
    warm = (interleaved.get("timing") or {}).get("flint_warmup_s")
    longest = max(runs)
    busy = [r for r in runs if r[1] != "quiet"]
    return ("; each Flint JVM warmed %s s, then on until its JIT had been quiet for a second: median %.1f s "
            "more, longest %.1f s (%s)%s" % (
                "%g" % warm if warm is not None else "?", statistics.median(r[0] for r in runs), longest[0],
                longest[2], ", %d JVMs still compiling at the limit" % len(busy) if busy else ""))


def section(isa, rows, labels, peers, rounds=(), interleaved=None):
    """The Markdown of one instruction set, and its {target: status}. rounds: run.sh's earlier paired
    rounds, [(K, JMH rows, peers JSON or None)]; interleaved: interleave.py's JSON (its rows take
    precedence over the rounds')."""
    md = ["## Instruction set: %s" % ISA_NAMES.get(isa, isa), ""]
    for label in labels:
        args_seen = sorted({r["jvmArgs"] for r in rows if r["label"] == label})
        md.append("- JVM path `%s`: forked JVM arguments `%s`" % (label, "; ".join(args_seen) or "(none)"))
    if peers:
        md.append("- Peers: " + peers_line(peers))
    else:
        md.append("- Peers: not run")
    md += ["", "### Flint", ""] + flint_table(rows)
    summary = {}
    if labels:
        fast = labels[0]
        default = labels[1] if len(labels) > 1 else labels[0]
        if len({r["backend"] for r in rows}) > 1:
            md += ["", "### Backends side by side (%s path)" % fast, ""] + backends_table(rows, fast)
        paired = paired_rows(rounds)
        if interleaved:
            paired.update(interleaved_rows(interleaved))
            failed = interleaved.get("failed") or []
            md.insert(3 + len(labels), "- Interleaved: %d workloads in %.0f s (`%s`)%s%s" % (
                len(interleaved.get("workloads", [])), interleaved.get("seconds_taken", 0),
                "scripts/interleave.py --isa %s --mode %s" % (interleaved.get("isa"), interleaved.get("mode")),
                settle_note(interleaved),
                "; failed: " + "; ".join("%s (%s)" % (f["workload"], f["error"]) for f in failed) if failed else ""))
        md += ["", "### Flint beside its peers (CPU)", ""] + peers_table(rows, peers, labels, False, paired)
        if any(p.get("how") == "interleaved" for p in paired.values()):
            md += ["", "### Rows timed by turns with the peers (%s path)" % fast, ""] + interleaved_table(paired)
        if any(p.get("how") != "interleaved" for p in paired.values()):
            md += ["", "### Rows in paired rounds (%s path)" % fast, ""] + \
                paired_table({w: p for w, p in paired.items() if p.get("how") != "interleaved"}, rows, peers, fast)
        elif rounds:
            md += ["", "Paired rounds: %d given, none with both Flint's and PyTorch's figures; the rows above "
                   "are the main run's." % len(rounds)]
        if any(is_shape(r["workload"]) for r in rows):
            md += ["", "### The GEMMs of the training steps (OPS:MxNxK, W stored (out, in))", ""] + \
                peers_table(rows, peers, labels, True, paired)
        table, summary = targets(rows, peers, fast, default, paired, rounds)
        md += ["", "### Targets (ratios within this one run)", ""] + table
    return md, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jmh", action="append", default=[], help="ISA:LABEL=FILE, JMH JSON (repeatable)")
    parser.add_argument("--peers", action="append", default=[], help="ISA=FILE, peers.py JSON (repeatable)")
    parser.add_argument("--stream", action="append", default=[],
                        help="ISA:K=JMHFILE,PEERSFILE, paired round K of the drifting rows (repeatable)")
    parser.add_argument("--interleaved", action="append", default=[],
                        help="ISA=FILE, interleave.py's JSON: rows timed by turns with the peers (repeatable)")
    parser.add_argument("--command", default="", help="the command that produced the results")
    parser.add_argument("--out", help="write Markdown here as well as to standard output")
    parser.add_argument("--commit", default="", help="the source revision measured")
    parser.add_argument("--load-before", default="", help="/proc/loadavg when the run started")
    args = parser.parse_args()

    isas, rows, labels, peers = [], {}, {}, {}
    for spec in args.jmh:
        key, _, path = spec.partition("=")
        isa, _, label = key.rpartition(":")
        isa = isa or "native"
        if not path or not label:
            parser.error("--jmh takes ISA:LABEL=FILE, got '%s'" % spec)
        if isa not in isas:
            isas.append(isa)
        if not os.path.exists(path):
            print("report: %s not found, skipped" % path, file=sys.stderr)
            continue
        rows.setdefault(isa, []).extend(load_jmh(label, path))
        if label not in labels.setdefault(isa, []):
            labels[isa].append(label)
    for spec in args.peers:
        isa, _, path = spec.rpartition("=")
        isa = isa or "native"
        if isa not in isas:
            isas.append(isa)
        if path and os.path.exists(path):
            with open(path) as f:
                peers[isa] = json.load(f)

    rounds = {}
    for spec in args.stream:
        key, _, files = spec.partition("=")
        isa, _, k = key.rpartition(":")
        isa = isa or "native"
        jmh_path, _, peers_path = files.rpartition(",")
        if not k or not jmh_path or not peers_path:
            parser.error("--stream takes ISA:K=JMHFILE[+JMHFILE...],PEERSFILE, got '%s'" % spec)
        if isa not in isas:
            isas.append(isa)
        jmh_paths = jmh_path.split("+")
        missing = [p for p in jmh_paths[:1] + [peers_path] if not os.path.exists(p)]
        if missing:
            print("report: round %s of %s: %s not found, round left out" % (k, isa, " and ".join(missing)),
                  file=sys.stderr)
            continue
        for p in jmh_paths[1:]:
            if not os.path.exists(p):
                print("report: round %s of %s: %s not found, its rows left out of the round" % (k, isa, p),
                      file=sys.stderr)
        jmh_paths = [p for p in jmh_paths if os.path.exists(p)]
        try:
            with open(peers_path) as f:
                round_peers = json.load(f)
            round_rows = [r for p in jmh_paths for r in load_jmh("stream", p)]
        except ValueError as e:   # a run cut short: say so and leave the round out
            print("report: round %s of %s unreadable (%s), round left out" % (k, isa, e), file=sys.stderr)
            continue
        rounds.setdefault(isa, []).append((k, round_rows, round_peers))

    interleaved = {}
    for spec in args.interleaved:
        isa, _, path = spec.rpartition("=")
        isa = isa or "native"
        if isa not in isas:
            isas.append(isa)
        try:
            with open(path) as f:
                interleaved[isa] = json.load(f)
        except (OSError, ValueError) as e:   # a run cut short: say so, the rows keep the main run's figures
            print("report: interleaved rows of %s unreadable (%s), left out" % (isa, e), file=sys.stderr)

    md = ["# Flint benchmarks", ""]
    md.append("- Machine: %s" % machine())
    jvm = next((r["jvm"] for isa in isas for r in rows.get(isa, [])), None)
    if jvm:
        md.append("- JVM: %s" % jvm)
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
    # On an AVX-512 processor the AVX2 section is an emulation; on an AVX2-only one it is the real thing,
    # run with the same settings (which there change nothing but the peers' explicit choice).
    if "avx512f" in cpuinfo().get("flags", "").split():
        how = "An AVX2 machine is emulated with"
    else:
        how = "This processor has no AVX-512: the AVX2 section is native, run with the same settings as an " \
              "emulation would use:"
    md.append("- Instruction sets: %s. %s the JVM's `-XX:UseAVX=2` (256-bit vectors), OpenBLAS's Haswell "
              "kernels, `ATEN_CPU_CAPABILITY=avx2` and `DNNL_MAX_CPU_ISA=AVX2`"
              % (", ".join(ISA_NAMES.get(i, i) for i in isas), how))

    summaries = {}
    body = []
    for isa in isas:
        text, summaries[isa] = section(isa, rows.get(isa, []), labels.get(isa, []), peers.get(isa),
                                         rounds.get(isa, []), interleaved.get(isa))
        body += [""] + text
    if len(isas) > 1:
        names = []
        for isa in isas:
            for name in summaries[isa]:
                if name not in names:
                    names.append(name)
        md += ["", "## Targets on every instruction set", "",
               "| target | " + " | ".join(ISA_NAMES.get(i, i) for i in isas) + " |",
               "|" + " --- |" * (len(isas) + 1)]
        for name in names:
            md.append("| %s | %s |" % (name, " | ".join(summaries[i].get(name, "—") for i in isas)))
    md += body
    text = "\n".join(md) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
