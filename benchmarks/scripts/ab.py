#!/usr/bin/env python3
"""A/B of two JVM configurations (or two jars) of one Flint benchmark, timed by turns.

    benchmarks/scripts/ab.py [--jar JAR] [--jar-b JAR_B] [--rounds N] [--seconds S] \\
        "FLAGS_A" "FLAGS_B" BENCHMARK [PARAM=VALUE ...]

    # a system property against the default, two threads, LeNet conv2 forward
    benchmarks/scripts/ab.py "" "-Dflint.cpu.threads=1" Conv2dBenchmark.forward backend=cpu layer=conv2
    # two builds of the same benchmark
    benchmarks/scripts/ab.py --jar before.jar --jar-b after.jar "" "" GemmShapeBenchmark.gemm shape=NT:128x256x512

Two Sampler JVMs (dev.flint.benchmarks.Sampler, the driver interleave.py uses for the peers) stay alive,
each warmed up until its JIT is quiet; then every round takes one sample from each, in alternating order, a short pause before
each sample. The VMs this project is measured on drift by up to 2x in phases of seconds to minutes, so two
JVMs run one after the other compare two machines; samples a second apart compare the configurations.
Prints both medians and the median of the per-round ratios B / A with their range. Run the same
configuration against itself first to see the method's spread on the machine at hand (on the Zen 3 VM of
runs Z and AA: 0.92-1.01x over 14 rounds).

Standard library only. The benchmark jar must be built (mvn -DskipTests package -pl benchmarks -am).
"""
import argparse
import shlex
import statistics
import subprocess
import sys
import time


def start(java, flags, jar, bench):
    cmd = [java] + shlex.split(flags) + ["--add-modules", "jdk.incubator.vector", "-cp", jar,
                                         "dev.flint.benchmarks.Sampler"] + bench
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, bufsize=1)


def ask(proc, line):
    """Sends one command; returns the fields of the answer line (the one starting with 'sampler:')."""
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    while True:
        out = proc.stdout.readline()
        if not out:
            raise SystemExit("ab: a Sampler JVM exited (run its command by hand to see why): " + " ".join(proc.args))
        if out.startswith("sampler:"):
            return out.split()


def main():
    # options first; FLAGS_A and FLAGS_B may start with '-' (JVM flags), so the rest is taken as it comes
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     usage='ab.py [options] "FLAGS_A" "FLAGS_B" BENCHMARK [PARAM=VALUE ...]')
    parser.add_argument("--jar", default="benchmarks/target/benchmarks.jar")
    parser.add_argument("--jar-b", default=None, help="B's jar (default: --jar)")
    parser.add_argument("--rounds", type=int, default=14)
    parser.add_argument("--seconds", type=float, default=0.25, help="length of one sample")
    parser.add_argument("--java", default="java")
    argv = sys.argv[1:]
    split = 0
    while split < len(argv) and argv[split].startswith("--") and argv[split] != "--":
        split += 1 if "=" in argv[split] or argv[split] in ("-h", "--help") else 2
    args = parser.parse_args(argv[:split])
    rest = argv[split + 1:] if split < len(argv) and argv[split] == "--" else argv[split:]
    if len(rest) < 3:
        parser.error("expected FLAGS_A FLAGS_B BENCHMARK [PARAM=VALUE ...], got %r" % rest)
    args.flags_a, args.flags_b, args.bench = rest[0], rest[1], rest[2:]
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be >= 1 and --seconds > 0, got %d and %g" % (args.rounds, args.seconds))

    a = start(args.java, args.flags_a, args.jar, args.bench)
    b = start(args.java, args.flags_b, args.jar_b or args.jar, args.bench)
    try:
        for proc in (a, b, a, b):
            ask(proc, "warm 1.5")
        for proc in (a, b):
            ask(proc, "settle 30")   # on until its JIT has been quiet for a second (the steps compile for 10 s)
        times = {a: [], b: []}
        ratios = []
        for i in range(args.rounds):
            for proc in ((a, b) if i % 2 == 0 else (b, a)):
                time.sleep(0.1)   # the other JVM's pool threads park after a short spin
                times[proc].append(float(ask(proc, "sample %g" % args.seconds)[2]) * 1e6)
            ratios.append(times[b][-1] / times[a][-1])
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.stdin.write("quit\n")
                proc.stdin.flush()
                proc.wait()
    med = statistics.median
    print("%s: A %.1f us, B %.1f us (medians); B / A per round: median %.3f (%.2f-%.2f), %d rounds"
          % (" ".join(args.bench), med(times[a]), med(times[b]), med(ratios), min(ratios), max(ratios),
             args.rounds))
    print("  A: %s%s" % (args.flags_a or "(no flags)", "" if not args.jar_b else " on " + args.jar))
    print("  B: %s%s" % (args.flags_b or "(no flags)", "" if not args.jar_b else " on " + args.jar_b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
