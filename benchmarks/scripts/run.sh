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
# Then, per instruction set, paired rounds of the rows whose verdict the machine's drift decides: the
# memory-bound rows (ReLU 16M forward and backward, softmax 4096x4096 forward and backward, and the
# 16M-float copy as the bandwidth witness) and the compute rows that moved most between runs (GEMM
# 1024, LeNet's conv2 forward and backward, the MLP and CNN training steps; in a JMH run of their own,
# the 17 training-step GEMM shapes). This machine's memory
# bandwidth and its speed drift by up to 2x over minutes (PyTorch's AVX2 MLP step took 2.86, 2.21 and
# 3.28 ms in three runs of one day), so a Flint figure and a PyTorch figure measured minutes apart
# compare two machines, not two kernels. Each round is a short JMH run of those benchmarks alone (same
# JVM arguments as the Vector API run, five warm-up iterations as the training steps need) followed
# at once by the peers for those workloads alone (peers.sh --only); report.py takes, per row, the
# median over the rounds of Flint's time / PyTorch's best in the same round (and for GEMM 1024 of
# OpenBLAS's time / Flint's). Rounds: 3 in quick, 5 in full.
#
# Environment:
#   FLINT_BENCH_INCLUDE  JMH regex of benchmarks to run (default: all)
#   FLINT_BENCH_ISAS     instruction sets to run, for example "avx2" (default: see above)
#   FLINT_BENCH_PEERS=0  skip the NumPy/PyTorch baselines (peers.sh installs them when missing), and
#                        with them the paired rounds
#   FLINT_BENCH_STREAM_ROUNDS  paired rounds per instruction set (default 3 in quick, 5 in full; 0: none)
#   FLINT_BENCH_BUILD=0  reuse benchmarks/target/benchmarks.jar instead of building
#   MAVEN_ARGS           extra Maven arguments, for example -o to build offline
#   FLINT_BENCH_COMMIT   the revision to print in the report (default: git rev-parse HEAD here)
#
# Results go to benchmarks/results/: jmh-ISA-{vector,shapes,default}-MODE.json, peers-ISA-MODE.json,
# the rounds' jmh-ISA-stream-rK-MODE.json, jmh-ISA-stream-shapes-rK-MODE.json and
# peers-ISA-stream-rK-MODE.json, report-MODE.md, and the
# JMH logs.
set -euo pipefail

mode="${1:-quick}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="$root/benchmarks/results"
jar="$root/benchmarks/target/benchmarks.jar"
include="${FLINT_BENCH_INCLUDE:-dev.flint.benchmarks}"

gemm_sizes="256,512,1024,2048"
case "$mode" in
  quick) jmh_opts=(-f 1 -wi 5 -i 3 -w 1s -r 1s); shape_opts=(-f 1 -wi 2 -i 3 -w 500ms -r 500ms)
         stream_opts=(-f 1 -wi 5 -i 3 -w 1s -r 1s); stream_rounds=3 ;;
  full)  jmh_opts=(-f 2 -wi 5 -i 5 -w 2s -r 2s); shape_opts=("${jmh_opts[@]}")
         stream_opts=(-f 1 -wi 5 -i 5 -w 1s -r 1s); stream_rounds=5 ;;
  *) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac
stream_rounds="${FLINT_BENCH_STREAM_ROUNDS:-$stream_rounds}"
if ! [[ "$stream_rounds" =~ ^[0-9]+$ ]]; then
  echo "run: FLINT_BENCH_STREAM_ROUNDS must be a number of rounds (0: none), got '$stream_rounds'" >&2
  exit 2
fi

# The rows the paired rounds time: the JMH benchmark and the peers' workload id, for those
# FLINT_BENCH_INCLUDE matches. Softmax at 4096x4096 only (256x10 measures per-call overhead); the
# parameters below pick one case of each benchmark (JMH ignores a parameter a benchmark lacks).
stream_methods=()
stream_ids=()
while read -r method wid; do
  if [[ "dev.flint.benchmarks.$method" =~ $include ]]; then
    stream_methods+=("dev\\.flint\\.benchmarks\\.${method/./\\.}")
    stream_ids+=("$wid")
  fi
done <<'ROWS'
CopyBenchmark.copy copy/16777216
ReluBenchmark.forward relu_fwd/16777216
ReluBenchmark.backward relu_bwd/16777216
SoftmaxBenchmark.forward softmax_fwd/4096x4096
SoftmaxBenchmark.backward softmax_bwd/4096x4096
GemmBenchmark.gemm gemm/1024
Conv2dBenchmark.forward conv_fwd/conv2
Conv2dBenchmark.backward conv_bwd/conv2
MlpStepBenchmark.step mlp_step
CnnStepBenchmark.step cnn_step
ROWS
stream_regex="^($(IFS='|'; echo "${stream_methods[*]}"))\$"
# The training-step GEMM shapes are paired too, where they run at all: 2-500 us calls whose main-run
# figures moved 20-35% between runs with unchanged code.
pair_shapes=0
if [[ "dev.flint.benchmarks.GemmShapeBenchmark" =~ $include ]]; then
  pair_shapes=1
fi
stream_only="$(IFS=','; echo "${stream_ids[*]}")"

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

  # Paired rounds: Flint's paired rows, then at once the peers' same rows, R times; a round's ratio
  # compares two figures taken at (nearly) the same speed of the machine. Never an earlier run's.
  # Only where the peers ran above: rounds without them would pair nothing.
  rm -f "$base"-stream-r*-"$mode".json "$base"-stream-shapes-r*-"$mode".json \
    "$results/peers-$isa"-stream-r*-"$mode".json
  if [ "$stream_rounds" -gt 0 ] && [ -s "$peers_json" ] && [ "${#stream_ids[@]}" -gt 0 ]; then
    for ((k = 1; k <= stream_rounds; k++)); do
      stream_jmh="$base-stream-r$k-$mode.json"
      stream_peers="$results/peers-$isa-stream-r$k-$mode.json"
      round_only="$stream_only"
      echo "run: [$isa] paired round $k of $stream_rounds: Flint's rows, then the peers' ($stream_only)" >&2
      java -jar "$jar" "$stream_regex" "${stream_opts[@]}" -p backend=cpu -p shape=4096x4096 -p n=1024 \
        -p layer=conv2 \
        -jvmArgsAppend "--add-modules jdk.incubator.vector $jvm_isa" \
        -rf json -rff "$stream_jmh" 2>&1 | progress "$base-stream-r$k-$mode.log" \
        || echo "run: [$isa] round $k: this JMH run failed or matched nothing (log: $base-stream-r$k-$mode.log)" >&2
      if [ "$pair_shapes" = 1 ]; then
        # The training-step GEMM shapes in the same round (their own JMH run: SoftmaxBenchmark's
        # shape parameter above would not parse as a GEMM shape), with the main run's options.
        stream_shapes="$base-stream-shapes-r$k-$mode.json"
        echo "run: [$isa] paired round $k of $stream_rounds: the training steps' GEMM shapes" >&2
        java -jar "$jar" 'dev.flint.benchmarks.GemmShapeBenchmark' "${shape_opts[@]}" -p backend=cpu \
          -jvmArgsAppend "--add-modules jdk.incubator.vector $jvm_isa" \
          -rf json -rff "$stream_shapes" 2>&1 | progress "$base-stream-shapes-r$k-$mode.log" \
          || echo "run: [$isa] round $k: the shapes' JMH run failed (log: $base-stream-shapes-r$k-$mode.log)" >&2
        stream_jmh="$stream_jmh+$stream_shapes"
        round_only="$round_only,gemm/NN:,gemm/NT:,gemm/TN:"
      fi
      "$here/peers.sh" --only "$round_only" "$mode" "$stream_peers" "$isa" \
        || echo "run: [$isa] round $k: peer baselines failed (above); the report leaves this round out" >&2
      report_args+=(--stream "$isa:$k=$stream_jmh,$stream_peers")
    done
  fi
done

py="$(command -v python3 || echo /usr/bin/python3)"
"$py" "$here/report.py" \
  "${report_args[@]}" \
  --command "benchmarks/scripts/run.sh $mode" \
  --commit "$commit" --load-before "$load_before" \
  --out "$results/report-$mode.md"
echo "run: wrote $results/report-$mode.md" >&2
