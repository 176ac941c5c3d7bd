#!/usr/bin/python3
"""Peer baselines for Flint's benchmarks: the same workloads, same shapes, in NumPy and PyTorch (CPU).

Workloads (ids shared with report.py):
  gemm/N            C = A @ B, N x N float32: NumPy (OpenBLAS) and PyTorch
  gemm/OPS:MxNxK    the GEMMs of the training steps (GemmShapeBenchmark's shapes), PyTorch: OPS says
                    which of A and B are transposed (N or T), C is m x n, contracted over k
  copy/16777216     copy of 16M floats (64 MiB; NumPy, and PyTorch's threaded copy_): the bandwidth the
                    ReLU target is measured against (8 bytes moved per element: 4 read, 4 written)
  softmax_fwd/RxC   row softmax; softmax_bwd/RxC its gradient from the output
  relu_fwd/16777216 relu_bwd/16777216
  conv_fwd/convL    conv_bwd/convL (data and weight gradients), LeNet layers, batch 64
  mlp_step          784-512-256-10 MLP, batch 128, cross-entropy, SGD momentum 0.9: one training step
  cnn_step          LeNet-style CNN, batch 64, same loss and optimizer: one training step

Operator benchmarks write into preallocated outputs (out= variants) where PyTorch has them, as
Flint's benchmarks reuse their outputs: on this machine freshly allocated memory costs more than the
op. Training steps are what a PyTorch user writes (zero_grad, forward, loss, backward, step).

PyTorch is timed at 1 and 2 threads, and, in a child process, with each CPU capability it can use
on the instruction set measured (--isa): for native (or avx512: the processor's own) its default and
AVX-512 where the processor has it, via ATEN_CPU_CAPABILITY; for avx2 AVX2 only. The report takes the best of them and says which. Each
figure is the median of several samples after a warm-up.

--only LIST (comma-separated workload ids or prefixes, e.g. copy/,relu_,softmax_fwd/4096x4096) times
only the workloads it names, with every thread count and CPU capability as usual: run.sh's paired
rounds use it to time the memory-bound rows right after Flint's. Training steps run only if named.

--serve torch|numpy answers interleave.py's commands instead, one sample at a time (see serve()), so
that it can alternate the peers' samples with Flint's.

Run through peers.sh, which installs the packages and sets the environment for the instruction set:
OpenBLAS's own core, or OPENBLAS_CORETYPE=Haswell and DNNL_MAX_CPU_ISA=AVX2 for --isa avx2.
Needs Debian's python3-numpy and python3-torch: run with /usr/bin/python3.
"""
import argparse
import contextlib
import ctypes
import ctypes.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

GEMM_SIZES = {"quick": [256, 512, 1024, 2048], "full": [256, 512, 1024, 2048]}
SOFTMAX_SHAPES = [(4096, 4096), (256, 10)]
RELU_SIZE = 16 * 1024 * 1024
CONV_LAYERS = {
    # name: (batch, in_ch, h, w, out_ch, k, pad)
    "conv1": (64, 1, 28, 28, 6, 5, 2),
    "conv2": (64, 6, 14, 14, 16, 5, 0),
}
# GemmShapeBenchmark's shapes: per linear layer y = x W^T (NT), dx = dy W (NN), dW = dy^T x (TN);
# the MLP 784-512-256-10 at batch 128, the CNN's classifier 400-120-84-10 at batch 64.
GEMM_SHAPES = [
    "NT:128x512x784", "TN:512x784x128",
    "NT:128x256x512", "NN:128x512x256", "TN:256x512x128",
    "NT:128x10x256", "NN:128x256x10", "TN:10x256x128",
    "NT:64x120x400", "NN:64x400x120", "TN:120x400x64",
    "NT:64x84x120", "NN:64x120x84", "TN:84x120x64",
    "NT:64x10x84", "NN:64x84x10", "TN:10x84x64"]
# (warm-up seconds, seconds per sample, samples)
TIMING = {"quick": (0.2, 0.05, 5), "full": (1.0, 0.25, 11)}


def selector(only):
    """A predicate on workload ids: every id, or those equal to or starting with an item of ONLY."""
    prefixes = [p.strip() for p in (only or "").split(",") if p.strip()]
    if not prefixes:
        return lambda wid: True
    return lambda wid: any(wid == p or wid.startswith(p) for p in prefixes)


def measure(fn, mode):
    """Median seconds per call of fn: warm up, size the inner loop to the sample time, take samples."""
    warmup, per_sample, samples = TIMING[mode]
    start = time.perf_counter()
    calls = 0
    while calls < 2 or time.perf_counter() - start < warmup:
        fn()
        calls += 1
    one = (time.perf_counter() - start) / calls
    inner = max(1, int(per_sample / max(one, 1e-9)))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times), times


def openblas_info():
    """The OpenBLAS core NumPy's BLAS runs (the kernel the environment variables could have forced)."""
    info = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas"), "libblas.so.3"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["corename"] = lib.openblas_get_corename().decode()
            info["config"] = lib.openblas_get_config().decode()
            info["threads"] = lib.openblas_get_num_threads()
            return info
        except (OSError, AttributeError):
            continue
    info["corename"] = None
    info["note"] = "OpenBLAS not found: NumPy may be on the reference BLAS (install libopenblas0-pthread)"
    return info


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            return " avx512f" in f.read()
    except OSError:
        return False


def numpy_workloads(mode):
    """The workload ids NumPy runs (numpy_cases)."""
    return ["gemm/%d" % n for n in GEMM_SIZES[mode]] + ["copy/%d" % RELU_SIZE]


def numpy_cases(mode, wanted):
    """(workload, fn, config, bytes moved or None) for NumPy's workloads that wanted accepts."""
    import numpy as np
    rng = np.random.default_rng(0)
    for n in GEMM_SIZES[mode]:
        if not wanted("gemm/%d" % n):
            continue
        a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        c = np.empty((n, n), np.float32)
        yield "gemm/%d" % n, (lambda a=a, b=b, c=c: np.matmul(a, b, out=c)), "OpenBLAS", None
    if wanted("copy/%d" % RELU_SIZE):
        src = rng.uniform(-1, 1, RELU_SIZE).astype(np.float32)
        dst = np.empty_like(src)
        yield "copy/%d" % RELU_SIZE, (lambda: np.copyto(dst, src)), "np.copyto", 8 * RELU_SIZE


def numpy_section(mode, wanted):
    import numpy as np
    results = []
    for wid, fn, config, nbytes in numpy_cases(mode, wanted):
        sec, _ = measure(fn, mode)
        r = {"workload": wid, "peer": "numpy", "config": config, "seconds": sec}
        if nbytes:
            r["bytes"] = nbytes
        results.append(r)
    return {"numpy": np.__version__, "openblas": openblas_info()}, results


def torch_capability(torch):
    """The CPU capability PyTorch's own kernels run (fixed at import by ATEN_CPU_CAPABILITY)."""
    capability = None
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            capability = line.split(":", 1)[1].strip()
    if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability"):
        capability = torch.backends.cpu.get_cpu_capability()
    return capability


def torch_cases(mode, wanted):
    """(workload, fn, note) for PyTorch's workloads that wanted accepts, inputs made as they are
    reached; a group sharing inputs (softmax forward and backward, copy and ReLU, a conv layer's
    forward and backward) comes whole where wanted accepts one of it. The operator cases are timed
    under torch.no_grad(), the training steps (ids ending in _step) with autograd, as a user runs them."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    aten = torch.ops.aten
    for n in GEMM_SIZES[mode]:
        if not wanted("gemm/%d" % n):
            continue
        a = torch.rand(n, n) * 2 - 1
        b = torch.rand(n, n) * 2 - 1
        c = torch.empty(n, n)
        yield "gemm/%d" % n, (lambda a=a, b=b, c=c: torch.mm(a, b, out=c)), ""
    for shape in GEMM_SHAPES:
        if not wanted("gemm/%s" % shape):
            continue
        ops, dims = shape.split(":")
        m, n, k = (int(d) for d in dims.split("x"))
        # stored as Flint stores them: a transposed operand is its transpose's contiguous storage
        a = (torch.rand(k, m) * 2 - 1).t() if ops[0] == "T" else torch.rand(m, k) * 2 - 1
        b = (torch.rand(n, k) * 2 - 1).t() if ops[1] == "T" else torch.rand(k, n) * 2 - 1
        c = torch.empty(m, n)
        yield "gemm/%s" % shape, (lambda a=a, b=b, c=c: torch.mm(a, b, out=c)), ""
    for rows, cols in SOFTMAX_SHAPES:
        if not any(wanted("softmax_%s/%dx%d" % (d, rows, cols)) for d in ("fwd", "bwd")):
            continue
        x = torch.rand(rows, cols) * 8 - 4
        y = torch.empty(rows, cols)
        dy = torch.rand(rows, cols) * 2 - 1
        dx = torch.empty(rows, cols)
        aten._softmax.out(x, 1, False, out=y)
        yield "softmax_fwd/%dx%d" % (rows, cols), (lambda x=x, y=y: aten._softmax.out(x, 1, False, out=y)), ""
        yield "softmax_bwd/%dx%d" % (rows, cols), (
            lambda dy=dy, y=y, dx=dx: aten._softmax_backward_data.out(dy, y, 1, torch.float32, grad_input=dx)), ""
    if any(wanted("%s/%d" % (w, RELU_SIZE)) for w in ("copy", "relu_fwd", "relu_bwd")):
        x = torch.rand(RELU_SIZE) * 2 - 1
        y = torch.empty(RELU_SIZE)
        dy = torch.rand(RELU_SIZE) * 2 - 1
        dx = torch.empty(RELU_SIZE)
        # Copy bandwidth with PyTorch's threads too: NumPy's copy is single-threaded.
        yield "copy/%d" % RELU_SIZE, (lambda: y.copy_(x)), "Tensor.copy_"
        yield "relu_fwd/%d" % RELU_SIZE, (lambda: torch.clamp_min(x, 0.0, out=y)), "clamp_min (relu's kernel)"
        yield "relu_bwd/%d" % RELU_SIZE, (lambda: aten.threshold_backward.grad_input(dy, x, 0.0, grad_input=dx)), ""
    for name, (batch, cin, h, w, cout, k, pad) in CONV_LAYERS.items():
        if not any(wanted("conv_%s/%s" % (d, name)) for d in ("fwd", "bwd")):
            continue
        x = torch.rand(batch, cin, h, w) * 2 - 1
        wt = (torch.rand(cout, cin, k, k) * 2 - 1) * 0.2
        bias = (torch.rand(cout) * 2 - 1) * 0.1
        with torch.no_grad():
            out = F.conv2d(x, wt, bias, padding=pad)
        dy = torch.rand_like(out) * 2 - 1
        yield "conv_fwd/%s" % name, (lambda x=x, wt=wt, bias=bias, pad=pad: F.conv2d(x, wt, bias, padding=pad)), ""
        yield "conv_bwd/%s" % name, (
            lambda dy=dy, x=x, wt=wt, pad=pad: aten.convolution_backward(
                dy, x, wt, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, [True, True, False])), \
            "data + weight gradients"
    # Training steps, as a PyTorch user writes them.
    if wanted("mlp_step"):
        mlp = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
        yield "mlp_step", training_step(torch, mlp, torch.rand(128, 784), torch.randint(0, 10, (128,))), ""
    if wanted("cnn_step"):
        cnn = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        yield "cnn_step", training_step(torch, cnn, torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))), ""


def grad_mode(torch, workload):
    """The autograd mode a workload is timed in: none for operators, on for training steps."""
    return torch.enable_grad() if workload.endswith("_step") else torch.no_grad()


def torch_section(mode, threads_list, wanted):
    """Runs in a child process (its ATEN_CPU_CAPABILITY is fixed at import)."""
    import torch
    torch.manual_seed(0)
    capability = torch_capability(torch)
    results = []
    for threads in threads_list:
        torch.set_num_threads(threads)
        for wid, fn, note in torch_cases(mode, wanted):
            if not wanted(wid):   # a case made with its group (softmax_bwd beside softmax_fwd)
                continue
            with grad_mode(torch, wid):
                sec, _ = measure(fn, mode)
            results.append({"workload": wid, "peer": "torch", "threads": threads, "capability": capability,
                            "config": note, "seconds": sec})
    return {"torch": torch.__version__, "capability": capability}, results


def training_step(torch, model, x, labels):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
    return step


def serve(mode, with_torch):
    """Times one sample at a time on command, for interleave.py, which alternates these samples with
    Flint's. Reads one JSON object per line on standard input, answers one per line on standard output:
      {"cmd": "warm" or "sample", "peer": "torch" or "numpy", "workload": ID, "threads": T, "seconds": S}
        warm: calls the workload for S seconds; sample: times as many calls as the latest rate says fill
        S seconds (at least one); answers {"seconds": PER_CALL, "cpu_seconds": CPU_PER_CALL, "calls": N,
        "config": ..., "capability": ...}, CPU_PER_CALL being this process's CPU time (all threads) per call
      {"cmd": "drop"}: forgets the workloads' inputs;  {"cmd": "info"}: versions and capability
    A workload is set up on first use. A bad command gets {"error": MESSAGE} and the worker goes on."""
    torch = None
    capability = None
    if with_torch:
        import torch
        torch.manual_seed(0)
        capability = torch_capability(torch)
    cases, rate = {}, {}

    def case(peer, wid):
        if (peer, wid) not in cases:
            if peer == "torch" and torch is not None:
                found = [(fn, note) for w, fn, note in torch_cases(mode, lambda x: x == wid) if w == wid]
            elif peer == "numpy":
                found = [(fn, config) for w, fn, config, _ in numpy_cases(mode, lambda x: x == wid) if w == wid]
            else:
                raise ValueError("this worker has no peer '%s'" % peer)
            if not found:
                raise ValueError("%s has no workload '%s'" % (peer, wid))
            cases[(peer, wid)] = found[0]
        return cases[(peer, wid)]

    def run(peer, wid, calls):
        """(wall seconds, this process's CPU seconds, all its threads) of calls calls"""
        fn, _ = case(peer, wid)
        with grad_mode(torch, wid) if peer == "torch" else contextlib.nullcontext():
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                fn()
            return time.perf_counter() - start, time.process_time() - cpu

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            if cmd["cmd"] == "drop":
                cases.clear()
                rate.clear()
                answer = {"dropped": True}
            elif cmd["cmd"] == "info":
                answer = {"torch": torch.__version__ if torch else None, "capability": capability}
                if not with_torch:
                    import numpy as np
                    answer.update({"numpy": np.__version__, "openblas": openblas_info()})
            elif cmd["cmd"] in ("warm", "sample"):
                peer, wid, seconds = cmd["peer"], cmd["workload"], float(cmd["seconds"])
                if peer == "torch":
                    torch.set_num_threads(int(cmd["threads"]))
                key = (peer, wid, cmd.get("threads"))
                if cmd["cmd"] == "warm":
                    start, calls, batch = time.perf_counter(), 0, 1
                    while True:
                        took, cpu = run(peer, wid, batch)
                        calls += batch
                        rate[key] = took / batch
                        cpu_rate = cpu / batch
                        if time.perf_counter() - start >= seconds:
                            break
                        batch = max(1, int(0.01 / max(rate[key], 1e-9)))
                else:
                    calls = max(1, int(seconds / rate[key])) if key in rate else 1
                    took, cpu = run(peer, wid, calls)
                    rate[key] = took / calls
                    cpu_rate = cpu / calls
                # warm: the rates of its last batch; sample: of the sample
                answer = {"seconds": rate[key], "cpu_seconds": cpu_rate, "calls": calls,
                          "config": case(peer, wid)[1], "capability": capability}
            else:
                raise ValueError("unknown command '%s'" % cmd["cmd"])
        except Exception as e:   # the driver reads the error and stops this workload, not the run
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def torch_children(mode, threads_list, isa, only):
    """One child per CPU capability: for avx2 AVX2 forced; else the default, and AVX-512 forced where
    the processor has it."""
    if isa == "avx2":
        capabilities = ["avx2"]
    else:
        capabilities = [None] + (["avx512"] if has_avx512() else [])
    infos, results = [], []
    for cap in capabilities:
        env = dict(os.environ)
        if cap:
            env["ATEN_CPU_CAPABILITY"] = cap
        cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", "--mode", mode,
               "--threads", ",".join(str(t) for t in threads_list)]
        if only:
            cmd += ["--only", only]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print("peers: PyTorch run (ATEN_CPU_CAPABILITY=%s) failed:\n%s" % (cap, proc.stderr), file=sys.stderr)
            continue
        data = json.loads(proc.stdout)
        data["info"]["forced_capability"] = cap
        infos.append(data["info"])
        for r in data["results"]:
            r["forced_capability"] = cap
        results.extend(data["results"])
    return infos, results


def best_of(results):
    """Per workload and peer, the fastest configuration."""
    best = {}
    for r in results:
        key = (r["workload"], r["peer"])
        if key not in best or r["seconds"] < best[key]["seconds"]:
            best[key] = r
    return sorted(best.values(), key=lambda r: (r["workload"], r["peer"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["quick", "full"], default="quick")
    parser.add_argument("--threads", default="1,2", help="PyTorch thread counts to try")
    parser.add_argument("--out", help="write the JSON here (else standard output)")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--isa", choices=["native", "avx512", "avx2"], default="native",
                        help="avx2: PyTorch with ATEN_CPU_CAPABILITY=avx2 only (peers.sh sets OpenBLAS's and"
                             " oneDNN's limits)")
    parser.add_argument("--only", default="",
                        help="comma-separated workload ids or prefixes to time (default: all), e.g."
                             " copy/,relu_,softmax_fwd/4096x4096")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=["torch", "numpy"],
                        help="answer interleave.py's sample commands on standard input (see serve())")
    args = parser.parse_args()
    threads_list = [int(t) for t in args.threads.split(",")]
    wanted = selector(args.only)

    if args.serve:
        serve(args.mode, args.serve == "torch")
        return
    if args.torch_worker:
        info, results = torch_section(args.mode, threads_list, wanted)
        json.dump({"info": info, "results": results}, sys.stdout)
        return

    started = time.time()
    np_info, results = numpy_section(args.mode, wanted)
    torch_infos = []
    if not args.skip_torch:
        torch_infos, torch_results = torch_children(args.mode, threads_list, args.isa, args.only)
        results.extend(torch_results)
    report = {
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()},
        "numpy": np_info,
        "torch": torch_infos,
        "mode": args.mode,
        "isa": args.isa,
        "only": args.only or None,
        "environment": {name: os.environ.get(name) for name in
                        ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA")},
        "seconds_taken": round(time.time() - started, 1),
        "results": results,
        "best": best_of(results),
    }
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    for r in report["best"]:
        extra = ""
        if r["peer"] == "torch":
            extra = " (threads %s, %s)" % (r["threads"], r["capability"])
        print("peers: %-24s %-6s %10.3f ms%s" % (r["workload"], r["peer"], r["seconds"] * 1e3, extra),
              file=sys.stderr)


if __name__ == "__main__":
    main()
