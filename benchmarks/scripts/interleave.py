#!/usr/bin/env python3
"""Times Flint and its peers on the same workload by turns, a sample of each about a second apart.

    interleave.py --jar benchmarks/target/benchmarks.jar --isa avx512 --mode quick --out FILE.json \
                  [--only gemm/NT:,mlp_step] [--include REGEX] [--java java]

This machine's speed drifts by up to 2x in phases of seconds to tens of seconds (issue 13's notes):
NN:128x256x10 ran 7.0-7.7 us for ten seconds in one JVM and then 5.2 with the same arrays and code.
Two figures taken minutes apart, as run.sh's earlier paired rounds took them, compare two speeds of
the machine. Here, per workload:
  - a JVM runs Flint's JMH benchmark for it (dev.flint.benchmarks.Sampler: the benchmark class set
    up as JMH sets it up, with the JVM arguments of run.sh's Vector API run), and warms it up (5 s, then
    on until its JIT has finished no compilation for a second, at most 30 s more); two JVMs
    one after the other (three in full), as JMH forks, since C2's code and so the speed differ from
    one JVM to the next (AVX2's NT:128x512x784 ran 0.67-0.83 ms in one JVM, 0.89-0.98 in the next);
  - peers.py workers (--serve) run PyTorch, one per CPU capability as peers.py's own run tries them
    (avx2: AVX2 only; otherwise the default and AVX-512 where the processor has it), at 1 and 2 threads,
    and NumPy/OpenBLAS where it has the workload (square GEMM, copy), with the instruction set's
    environment (OPENBLAS_CORETYPE=Haswell, DNNL_MAX_CPU_ISA=AVX2 for avx2);
  - then rounds, 5 per JVM: a Flint sample and a sample of every peer configuration, in alternating
    order (Flint first, then last), so neither side always runs right after the other's warm caches.
Only one process runs at a time; the others wait on their standard input. Before a process is timed,
the one timed last must have gone quiet (settle()): OpenBLAS's idle threads keep polling for work for
about 135 ms after a product (2^28 cycles, with sched_yield), and in that time they took a core from
the next process timed (GEMM 1024 at 512 bits, Zen 5: Flint's samples that followed a peer's kept
1.64-1.74 cores busy, the others 1.89-1.98).

The JSON written lists, per workload, Flint's per-call seconds of each sample and every peer
configuration's, sample i of each taken in round i, and beside each list the process's CPU seconds per
call over the same samples (flint_cpu, and cpu in each peer configuration): CPU / wall is how many cores
the sample kept busy. PyTorch's "1 thread" is torch.set_num_threads(1), which does not reach the BLAS
that this build hands its matrix products to (Debian's, BLAS_INFO=generic: OpenBLAS with its own
threads), so its GEMMs can still use every core. report.py (--interleaved) takes the PyTorch
configuration with the lowest median, the per-round ratio Flint / that configuration, and as the row's
ratio the median of those ratios.

Standard library only; the peers need Debian's python3-numpy and python3-torch (peers.sh installs them).
"""
import argparse
import json
import os
import platform
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (the workload ids and shapes, and the peers' workers)

# Debian's python3-numpy and python3-torch are the system python's, not a pyenv python3's on PATH.
PEER_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
# (warm-up seconds for Flint, for each peer configuration; seconds per sample, Flint and peer; rounds
# per Flint JVM; Flint JVMs)
TIMING = {"quick": (5.0, 0.3, 0.3, 0.15, 5, 2), "full": (8.0, 0.5, 0.5, 0.25, 5, 3)}
# After the fixed warm-up, a Flint JVM is called on until its JIT has finished no compilation for a
# second (the sampler's settle command), at most this long: on Zen 4 the MLP step was still compiling
# after 5 s and its first samples timed C2 at work (3.9, 4.1, 3.4, 3.8 ms a call against 1.9-2.5 ms
# once quiet, 6.5 s later). The seconds it took are kept per JVM ("flint_settle").
FLINT_SETTLE_LIMIT_S = 30.0
# settle(): a process counts as quiet after a window of 20 ms in which its threads ran under 5% of a
# core; it is waited for at most 0.5 s (a JVM's compiler threads may stay busy longer).
SETTLE_WINDOW_S, SETTLE_BUSY, SETTLE_LIMIT_S = 0.02, 0.05, 0.5


def flint_cases(mode):
    """(workload id, Flint benchmark Class.method, its parameters): the workloads both sides run."""
    cases = [("gemm/%d" % n, "GemmBenchmark.gemm", {"n": str(n)}) for n in peers.GEMM_SIZES[mode]]
    cases += [("gemm/%s" % s, "GemmShapeBenchmark.gemm", {"shape": s}) for s in peers.GEMM_SHAPES]
    for rows, cols in peers.SOFTMAX_SHAPES:
        for d, method in (("fwd", "forward"), ("bwd", "backward")):
            cases.append(("softmax_%s/%dx%d" % (d, rows, cols), "SoftmaxBenchmark." + method,
                          {"shape": "%dx%d" % (rows, cols)}))
    size = str(peers.RELU_SIZE)
    cases.append(("copy/%s" % size, "CopyBenchmark.copy", {"size": size}))
    cases.append(("relu_fwd/%s" % size, "ReluBenchmark.forward", {"size": size}))
    cases.append(("relu_bwd/%s" % size, "ReluBenchmark.backward", {"size": size}))
    for layer in peers.CONV_LAYERS:
        cases.append(("conv_fwd/%s" % layer, "Conv2dBenchmark.forward", {"layer": layer}))
        cases.append(("conv_bwd/%s" % layer, "Conv2dBenchmark.backward", {"layer": layer}))
    cases.append(("mlp_step", "MlpStepBenchmark.step", {}))
    cases.append(("cnn_step", "CnnStepBenchmark.step", {}))
    return cases


def cpu_ns(pid):
    """CPU nanoseconds that all of the process's threads have run so far (Linux's per-thread schedstat),
    or None where /proc does not say."""
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    total = 0
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended meanwhile
    return total


def settle(pid, window=SETTLE_WINDOW_S, busy=SETTLE_BUSY, limit=SETTLE_LIMIT_S):
    """Waits until the process's threads together ran under `busy` of a core for a whole `window`
    (seconds), at most `limit` seconds; returns the seconds waited. Where /proc does not report CPU time,
    waits `limit`."""
    start = time.time()
    before = cpu_ns(pid)
    if before is None:
        time.sleep(limit)
        return limit
    while time.time() - start < limit:
        time.sleep(window)
        after = cpu_ns(pid)
        if after is None or after - before < busy * window * 1e9:
            break
        before = after
    return time.time() - start


class Worker:
    """A child process answering one line per command line; says what it was doing when it fails."""

    def __init__(self, name, cmd, env=None, ready=None, timeout=300):
        self.name = name
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
                                     bufsize=1)
        self.timeout = timeout
        if ready is not None:
            line = self.read(ready)
            if line != ready:
                raise RuntimeError("%s: expected '%s' on start, got '%s'" % (name, ready, line))

    def read(self, prefix):
        """The next output line starting with prefix (other lines, the program's own output, go to
        standard error); stripped of prefix where prefix is not the whole line."""
        deadline = time.time() + self.timeout
        while True:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise RuntimeError("%s: no answer in %d s" % (self.name, self.timeout))
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("%s: exited (code %s) without answering" % (self.name, self.proc.wait()))
            line = line.rstrip("\n")
            if line.startswith(prefix):
                return line
            print("%s: %s" % (self.name, line), file=sys.stderr)

    def ask(self, text, prefix):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.read(prefix)

    def close(self, quit_text):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(quit_text + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


class Flint(Worker):
    PREFIX = "sampler: "

    def __init__(self, java, jar, jvm_args, bench, params):
        cmd = [java] + jvm_args + ["-cp", jar, "dev.flint.benchmarks.Sampler", bench, "backend=cpu"] + \
            ["%s=%s" % kv for kv in sorted(params.items())]
        super().__init__("flint %s" % bench, cmd)
        line = self.read(self.PREFIX)
        if line != self.PREFIX + "ready":
            raise RuntimeError("%s: %s" % (self.name, line[len(self.PREFIX):]))

    def command(self, text):
        words = self.ask(text, self.PREFIX)[len(self.PREFIX):].split()
        if words[0] == "error":
            raise RuntimeError("%s: %s" % (self.name, " ".join(words[1:])))
        return words

    def warm(self, seconds):
        self.command("warm %g" % seconds)

    def settle(self, limit):
        """Calls on until the JIT has been quiet for a second, at most limit seconds: (seconds, state)."""
        words = self.command("settle %g" % limit)
        return float(words[2]), words[3]

    def sample(self, seconds):
        """(wall seconds per call, the JVM's CPU seconds per call or None where it does not say)"""
        words = self.command("sample %g" % seconds)
        cpu = float(words[3]) if len(words) > 3 else -1.0
        return float(words[1]), (cpu if cpu >= 0 else None)

    def close(self):
        super().close("quit")


class Peer(Worker):
    def __init__(self, name, mode, kind, env):
        cmd = [PEER_PYTHON, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers.py"),
               "--serve", kind, "--mode", mode]
        super().__init__(name, cmd, env=env)

    def command(self, **cmd):
        answer = json.loads(self.ask(json.dumps(cmd), "{"))
        if "error" in answer:
            raise RuntimeError("%s: %s" % (self.name, answer["error"]))
        return answer

    def close(self):
        super().close("")


def peer_env(isa, capability=None):
    """peers.sh's environment for the instruction set, and PyTorch's forced capability."""
    env = dict(os.environ)
    env.pop("OPENBLAS_L2_SIZE", None)
    if isa == "avx2":
        env.update(OPENBLAS_CORETYPE="Haswell", DNNL_MAX_CPU_ISA="AVX2", ONEDNN_MAX_CPU_ISA="AVX2")
    else:
        for name in ("OPENBLAS_CORETYPE", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA"):
            env.pop(name, None)
    if capability:
        env["ATEN_CPU_CAPABILITY"] = capability
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", required=True, help="benchmarks/target/benchmarks.jar")
    parser.add_argument("--isa", choices=["native", "avx512", "avx2"], default="native")
    parser.add_argument("--mode", choices=["quick", "full"], default="quick")
    parser.add_argument("--only", default="", help="workload ids or prefixes, comma-separated (default: all)")
    parser.add_argument("--include", default="",
                        help="a regex on Flint's benchmark names (dev.flint.benchmarks.Class.method), as JMH "
                             "takes it: run.sh passes FLINT_BENCH_INCLUDE")
    parser.add_argument("--gap", type=float, default=0.0,
                        help="seconds to wait, besides settling, before timing another process than the last "
                             "one (default 0)")
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="time the next process at once, without waiting for the last one's threads to go "
                             "quiet (for comparison)")
    parser.add_argument("--java", default="java", help="the java command (default: java on PATH)")
    parser.add_argument("--out", required=True, help="write the JSON here")
    args = parser.parse_args()

    flint_warm, peer_warm, flint_sample, peer_sample, rounds, forks = TIMING[args.mode]
    jvm_args = ["--add-modules", "jdk.incubator.vector"] + (["-XX:UseAVX=2"] if args.isa == "avx2" else [])
    wanted = peers.selector(args.only)
    cases = [c for c in flint_cases(args.mode) if wanted(c[0])
             and re.search(args.include, "dev.flint.benchmarks." + c[1])]
    if not cases:
        parser.error("--only '%s' names no workload" % args.only)

    capabilities = ["avx2"] if args.isa == "avx2" else [None] + (["avx512"] if peers.has_avx512() else [])
    workers = []
    started = time.time()
    report = {"isa": args.isa, "mode": args.mode, "jvm_args": " ".join(jvm_args), "timing": {
        "flint_warmup_s": flint_warm, "flint_settle_limit_s": FLINT_SETTLE_LIMIT_S, "peer_warmup_s": peer_warm, "flint_sample_s": flint_sample,
        "peer_sample_s": peer_sample, "rounds_per_jvm": rounds, "jvms": forks, "gap_s": args.gap,
        "settle": {"window_s": SETTLE_WINDOW_S, "busy": SETTLE_BUSY, "limit_s": SETTLE_LIMIT_S}
        if args.settle else None},
        "machine": {"cpu": peers.cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()},
        "environment": {}, "peers": [], "workloads": [], "failed": []}
    try:
        numpy_worker = Peer("numpy", args.mode, "numpy", peer_env(args.isa))
        workers.append(numpy_worker)
        report["numpy"] = numpy_worker.command(cmd="info")
        report["environment"] = {k: peer_env(args.isa).get(k) for k in
                                 ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA")}
        torch_workers = []
        for cap in capabilities:
            w = Peer("torch %s" % (cap or "default"), args.mode, "torch", peer_env(args.isa, cap))
            workers.append(w)
            info = w.command(cmd="info")
            info["forced_capability"] = cap
            report["peers"].append(info)
            torch_workers.append((w, info["capability"]))

        for wid, bench, params in cases:
            print("interleave: [%s] %s: Flint %s %s, %d JVMs x %d rounds" % (
                args.isa, wid, bench, " ".join("%s=%s" % kv for kv in params.items()), forks, rounds),
                file=sys.stderr)
            # every configuration that runs this workload: (key, worker, command fields)
            configs = []
            for w, cap in torch_workers:
                for threads in (1, 2):
                    configs.append(("torch|%d|%s" % (threads, cap), w,
                                    {"peer": "torch", "workload": wid, "threads": threads}))
            if wid in peers.numpy_workloads(args.mode):
                configs.append(("numpy", numpy_worker, {"peer": "numpy", "workload": wid}))
            flint = None
            try:
                samples = {"flint": []}
                flint_settle = []
                meta = {}
                cpu_samples = {}   # per sample: CPU seconds per call of the process (None where unknown)
                last = [None]      # the worker timed (or warmed) last
                settled = []       # seconds waited in settle(), per switch
                peers_warm = False

                def switch_to(proc):
                    # a process just idle may still have threads spinning for work (OpenBLAS's spin
                    # for up to 2^28 cycles, libgomp's): let them settle before the next one is timed
                    if last[0] is not None and last[0] is not proc:
                        if args.settle:
                            settled.append(settle(last[0].proc.pid))
                        if args.gap > 0:
                            time.sleep(args.gap)
                    last[0] = proc

                for i in range(rounds * forks):
                    if i % rounds == 0:
                        # a fresh JVM per fork, as JMH forks: C2's code (and so the speed) differs
                        # from one JVM to the next, beyond what one JVM's rounds show
                        if flint is not None:
                            flint.close()
                        flint = Flint(args.java, args.jar, jvm_args, bench, params)
                        # every workload the full warm-up: the steps took 4-9 s to compile, and so did the
                        # largest GEMM shape, whose first calls run the Vector API uncompiled (NT:128x512x784
                        # at 512 bits, a fresh JVM: 1.26 s for its first call, 25 ms a call at 2 s, 0.45 ms
                        # from 2.6-2.8 s on; warmed 2 s, its first samples took 13.2, 4.8 and 2.6 ms a call)
                        flint.warm(flint_warm)
                        settle_s, settle_state = flint.settle(FLINT_SETTLE_LIMIT_S)
                        flint_settle.append({"seconds": round(settle_s, 3), "state": settle_state})
                        last[0] = flint
                        if not peers_warm:
                            for _, w, fields in configs:
                                switch_to(w)
                                w.command(cmd="warm", seconds=peer_warm, **fields)
                            peers_warm = True

                    def flint_turn():
                        switch_to(flint)
                        wall, cpu = flint.sample(flint_sample)
                        samples["flint"].append(wall)
                        cpu_samples.setdefault("flint", []).append(cpu)

                    def peers_turn():
                        for key, w, fields in configs:
                            switch_to(w)
                            a = w.command(cmd="sample", seconds=peer_sample, **fields)
                            samples.setdefault(key, []).append(a["seconds"])
                            cpu_samples.setdefault(key, []).append(a.get("cpu_seconds"))
                            meta[key] = {"peer": fields["peer"], "threads": fields.get("threads"),
                                         "capability": a.get("capability"), "config": a.get("config", "")}
                    for turn in ((flint_turn, peers_turn) if i % 2 == 0 else (peers_turn, flint_turn)):
                        turn()
                report["workloads"].append({
                    "workload": wid, "benchmark": "dev.flint.benchmarks." + bench,
                    "params": dict(params, backend="cpu"), "flint": samples.pop("flint"),
                    "flint_cpu": cpu_samples.pop("flint", []),
                    "peers": {k: dict(meta[k], samples=v, cpu=cpu_samples.get(k, [])) for k, v in samples.items()},
                    "settled_s": [round(x, 4) for x in settled], "flint_settle": flint_settle})
                f = sorted(report["workloads"][-1]["flint"])[rounds * forks // 2]
                best = min(sorted(v)[rounds * forks // 2] for k, v in samples.items() if k.startswith("torch"))
                print("interleave: [%s] %s: Flint %.4g ms, PyTorch's best configuration %.4g ms (medians)" % (
                    args.isa, wid, f * 1e3, best * 1e3), file=sys.stderr)
            except RuntimeError as e:
                # one workload failing (a peer without it, a benchmark that throws) leaves the others
                print("interleave: [%s] %s failed: %s" % (args.isa, wid, e), file=sys.stderr)
                report["failed"].append({"workload": wid, "error": str(e)})
            finally:
                if flint is not None:
                    flint.close()
                for w in workers:
                    if w.proc.poll() is None:
                        w.command(cmd="drop")
    finally:
        for w in workers:
            w.close()
    report["seconds_taken"] = round(time.time() - started, 1)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print("interleave: wrote %s (%d workloads, %d failed, %.0f s)" % (
        args.out, len(report["workloads"]), len(report["failed"]), report["seconds_taken"]), file=sys.stderr)
    return 1 if report["failed"] and not report["workloads"] else 0


if __name__ == "__main__":
    sys.exit(main())
