#!/usr/bin/env bash
# Builds the benchmarks jar, runs Flint's JMH benchmarks on every usable backend, runs the peer
# baselines, and prints Markdown tables with derived figures and the issues' targets, once per
# instruction set.
#
#   benchmarks/scripts/run.sh [quick|full]
#
#   quick  1 fork, 5 warm-up + 3 measured iterations of 1 s (the training-step GEMM shapes 2 + 3 of
#          0.5 s). Five, not two: on 2 cores the tensor-level training steps (many more methods for C2
#          to compile than one kernel) were still 1.5-3x slow after 2 s, allocating 12 MB per step
#          in the interpreted Vector API, and reached steady state only after 4-9 s.
#   full   careful: 2 forks, 5 warm-up + 5 measured iterations of 2 s
#
# Instruction sets: on a processor with AVX-512, everything runs twice, first as it is (avx512) and
# then as on an AVX2-only machine (avx2): the JVM with -XX:UseAVX=2 (256-bit vectors, the kernels'
# AVX2 tiles), OpenBLAS on its Haswell kernels, PyTorch at ATEN_CPU_CAPABILITY=avx2 and oneDNN at
# DNNL_MAX_CPU_ISA=AVX2 (scripts/peers.sh). On an AVX2 processor only avx2 runs. The report names the
# processor (family, model, vector flags) and gives both sections and a summary of the targets.
#
# Per instruction set, three JMH runs with JMH's gc profiler for bytes allocated per operation: every
# benchmark with the Vector API module (--add-modules jdk.incubator.vector, the path the `flint`
# launcher and the tests use), the training-step GEMM shapes likewise, then square GEMM alone on the
# default path (no Vector API module).
#
# Then, per instruction set, every row that has a peer is timed again by turns with the peers
# (scripts/interleave.py): per workload one JVM runs Flint's benchmark (the Vector API run's JVM
# arguments, warmed up) and peers.py's workers run PyTorch (each CPU capability, 1 and 2 threads) and
# NumPy, then rounds of one Flint sample and one sample of each peer configuration, about a second
# apart. This machine's speed drifts by up to 2x in phases of seconds to tens of seconds (one JVM ran
# NN:128x256x10 at 7.0-7.7 us for ten seconds and then at 5.2; PyTorch's AVX2 MLP step took 2.86,
# 2.21 and 3.28 ms in three runs of one day), so a Flint figure and a PyTorch figure measured minutes
# apart compare two speeds of the machine, not two libraries. The report takes, per row, the median
# over rounds of Flint's sample / the sample of PyTorch's best configuration (and for square GEMM
# OpenBLAS's / Flint's). Rounds: 5 in each of 2 Flint JVMs in quick, of 3 in full. (Until issue 13's interleaving, run.sh paired
# rows in rounds of a JMH run followed by a peers run, minutes apart; report.py still reads those
# result files with --stream.)
#
# Environment:
#   FLINT_BENCH_INCLUDE  JMH regex of benchmarks to run (default: all)
#   FLINT_BENCH_ISAS     instruction sets to run, for example "avx2" (default: see above)
#   FLINT_BENCH_PEERS=0  skip the NumPy/PyTorch baselines (peers.sh installs them when missing), and
#                        with them the interleaved rows
#   FLINT_BENCH_INTERLEAVE=0  skip the interleaved rows (the report then compares the main runs' figures)
#   FLINT_BENCH_BUILD=0  reuse benchmarks/target/benchmarks.jar instead of building
#   MAVEN_ARGS           extra Maven arguments, for example -o to build offline
#   FLINT_BENCH_COMMIT   the revision to print in the report (default: git rev-parse HEAD here)
#
# Results go to benchmarks/results/: jmh-ISA-{vector,shapes,default}-MODE.json, peers-ISA-MODE.json,
# interleaved-ISA-MODE.json (and its log), report-MODE.md, and the JMH logs.
set -euo pipefail

mode="${1:-quick}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="$root/benchmarks/results"
jar="$root/benchmarks/target/benchmarks.jar"
include="${FLINT_BENCH_INCLUDE:-dev.flint.benchmarks}"

gemm_sizes="256,512,1024,2048"
# The shapes' warm-up is 4 s: NT:128x512x784's first calls run the Vector API uncompiled, and a fresh
# JVM reached its steady 0.45 ms a call only after 2.6-2.8 s (1 s of warm-up left 1.5 ms iterations).
case "$mode" in
  quick) jmh_opts=(-f 1 -wi 5 -i 3 -w 1s -r 1s); shape_opts=(-f 1 -wi 4 -i 3 -w 1s -r 500ms) ;;
  full)  jmh_opts=(-f 2 -wi 5 -i 5 -w 2s -r 2s); shape_opts=("${jmh_opts[@]}") ;;
  *) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac

if [ -n "${FLINT_BENCH_ISAS:-}" ]; then
  read -r -a isas <<< "$FLINT_BENCH_ISAS"
elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  isas=(avx512 avx2)
elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  isas=(avx2)
else
  isas=(native)
fi
for isa in "${isas[@]}"; do
  case "$isa" in
    avx512|avx2|native) ;;
    *) echo "run: FLINT_BENCH_ISAS: unknown instruction set '$isa' (avx512, avx2 or native)" >&2; exit 2 ;;
  esac
done

cd "$root"
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
commit="$(git rev-parse --short HEAD 2>/dev/null || true)"
if [ -n "$commit" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
# A copy outside git (an exported snapshot) can name the revision it was made from.
commit="${FLINT_BENCH_COMMIT:-$commit}"
if [ "${FLINT_BENCH_BUILD:-1}" != 0 ]; then
  echo "run: building benchmarks/target/benchmarks.jar" >&2
  # shellcheck disable=SC2086
  mvn -q -B ${MAVEN_ARGS:-} -DskipTests package -pl benchmarks -am
fi
mkdir -p "$results"

# JMH has no "skip": a backend that cannot run would fail every one of its cases with a stack
# trace. Ask Flint which backends are usable and pass only those (it says why the others are not).
backends="$(java -cp "$jar" dev.flint.benchmarks.UsableBackends cpu cuda)"
echo "run: backends: $backends" >&2

# Show JMH's progress (which benchmark, which params, the result) and keep the full log.
progress() {
  tee "$1" | grep --line-buffered -E '^# (Benchmark|Parameters):|^Result |skipping|Exception|Flint CPU' || true
}

common=(-prof gc -p "backend=$backends")
py="$(command -v python3 || echo /usr/bin/python3)"
report_args=()
for isa in "${isas[@]}"; do
  # The JVM's own limit on vector width: -XX:UseAVX=2 makes the preferred species 256 bits.
  jvm_isa=""
  [ "$isa" = avx2 ] && jvm_isa="-XX:UseAVX=2"
  base="$results/jmh-$isa"

  echo "run: [$isa] JMH, Vector API path (--add-modules jdk.incubator.vector $jvm_isa)" >&2
  java -jar "$jar" "$include" -e GemmShapeBenchmark "${jmh_opts[@]}" "${common[@]}" -p "n=$gemm_sizes" \
    -jvmArgsAppend "--add-modules jdk.incubator.vector $jvm_isa" \
    -rf json -rff "$base-vector-$mode.json" 2>&1 | progress "$base-vector-$mode.log" \
    || echo "run: [$isa] this JMH run failed or matched nothing (log: $base-vector-$mode.log)" >&2
  report_args+=(--jmh "$isa:vector=$base-vector-$mode.json")

  if [[ "GemmShapeBenchmark" =~ $include ]] || [[ "dev.flint.benchmarks.GemmShapeBenchmark" =~ $include ]]; then
    echo "run: [$isa] JMH, the training steps' GEMM shapes, Vector API path" >&2
    java -jar "$jar" 'dev.flint.benchmarks.GemmShapeBenchmark' "${shape_opts[@]}" "${common[@]}" \
      -jvmArgsAppend "--add-modules jdk.incubator.vector $jvm_isa" \
      -rf json -rff "$base-shapes-$mode.json" 2>&1 | progress "$base-shapes-$mode.log"
    report_args+=(--jmh "$isa:vector=$base-shapes-$mode.json")
  fi

  # No Vector API module: the default path a plain `java -jar` gets (JMH's forks inherit the host
  # JVM's flags, and this host JVM has none but the instruction set's).
  echo "run: [$isa] JMH, default path (no Vector API module), GEMM only" >&2
  java -jar "$jar" 'dev.flint.benchmarks.GemmBenchmark' "${jmh_opts[@]}" "${common[@]}" -p "n=$gemm_sizes" \
    ${jvm_isa:+-jvmArgsAppend "$jvm_isa"} \
    -rf json -rff "$base-default-$mode.json" 2>&1 | progress "$base-default-$mode.log"
  report_args+=(--jmh "$isa:default=$base-default-$mode.json")

  peers_json="$results/peers-$isa-$mode.json"
  # Ratios mean something only within one run: never report against an earlier run's peers.
  rm -f "$peers_json"
  if [ "${FLINT_BENCH_PEERS:-1}" != 0 ]; then
    echo "run: [$isa] peer baselines (NumPy, PyTorch)" >&2
    # Flint's own figures are worth a report even where the peers cannot be installed (no root, no
    # package mirror): say so and go on.
    "$here/peers.sh" "$mode" "$peers_json" "$isa" \
      || echo "run: [$isa] peer baselines failed (above); the report has Flint's figures only" >&2
  fi
  report_args+=(--peers "$isa=$peers_json")

  # Every row with a peer again, by turns with the peers (see the header). Only where the peers ran
  # above (peers.sh installs them); never an earlier run's file.
  interleaved="$results/interleaved-$isa-$mode.json"
  rm -f "$interleaved"
  if [ "${FLINT_BENCH_INTERLEAVE:-1}" != 0 ] && [ -s "$peers_json" ]; then
    echo "run: [$isa] the rows with peers, timed by turns with them (interleave.py)" >&2
    "$py" "$here/interleave.py" --jar "$jar" --isa "$isa" --mode "$mode" --include "$include" \
      --out "$interleaved" 2> >(tee "$results/interleaved-$isa-$mode.log" >&2) \
      || echo "run: [$isa] interleaved rows failed (log: $results/interleaved-$isa-$mode.log)" >&2
    if [ -s "$interleaved" ]; then
      report_args+=(--interleaved "$isa=$interleaved")
    fi
  fi
done

"$py" "$here/report.py" \
  "${report_args[@]}" \
  --command "benchmarks/scripts/run.sh $mode" \
  --commit "$commit" --load-before "$load_before" \
  --out "$results/report-$mode.md"
echo "run: wrote $results/report-$mode.md" >&2
