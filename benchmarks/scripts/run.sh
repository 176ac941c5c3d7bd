#!/usr/bin/env bash
# Builds the benchmarks jar, runs Flint's JMH benchmarks on every usable backend, runs the peer
# baselines, and prints one Markdown table with derived figures and the issue's targets.
#
#   benchmarks/scripts/run.sh [quick|full]
#
#   quick  a few minutes on a 2-core machine: 1 fork, 2 warm-up + 3 measured iterations of 1 s,
#          GEMM at n = 512 and 1024 only
#   full   careful: 2 forks, 5 warm-up + 5 measured iterations of 2 s, every size
#
# Two JMH runs: every benchmark with the Vector API module (--add-modules jdk.incubator.vector, the
# path the `flint` launcher and the tests use), then GEMM alone on the default path (no JVM flags).
# Both use JMH's gc profiler for bytes allocated per operation.
#
# Environment:
#   FLINT_BENCH_INCLUDE  JMH regex of benchmarks to run (default: all)
#   FLINT_BENCH_PEERS=0  skip the NumPy/PyTorch baselines (peers.sh installs them when missing)
#   FLINT_BENCH_BUILD=0  reuse benchmarks/target/benchmarks.jar instead of building
#   MAVEN_ARGS           extra Maven arguments, for example -o to build offline
#   FLINT_BENCH_COMMIT   the revision to print in the report (default: git rev-parse HEAD here)
#
# Results go to benchmarks/results/: jmh-vector-MODE.json, jmh-default-MODE.json, peers-MODE.json,
# report-MODE.md, and the JMH logs.
set -euo pipefail

mode="${1:-quick}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="$root/benchmarks/results"
jar="$root/benchmarks/target/benchmarks.jar"
include="${FLINT_BENCH_INCLUDE:-dev.flint.benchmarks}"

case "$mode" in
  quick) jmh_opts=(-f 1 -wi 2 -i 3 -w 1s -r 1s); gemm_sizes="512,1024" ;;
  full)  jmh_opts=(-f 2 -wi 5 -i 5 -w 2s -r 2s); gemm_sizes="256,512,1024,2048" ;;
  *) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac

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

common=("${jmh_opts[@]}" -prof gc -p "backend=$backends" -p "n=$gemm_sizes")

echo "run: JMH, Vector API path (--add-modules jdk.incubator.vector)" >&2
java -jar "$jar" "$include" "${common[@]}" \
  -jvmArgsAppend "--add-modules jdk.incubator.vector" \
  -rf json -rff "$results/jmh-vector-$mode.json" 2>&1 | progress "$results/jmh-vector-$mode.log"

# The host JVM runs without flags, and JMH's forks inherit its flags: this run is the default path.
echo "run: JMH, default path (no JVM flags), GEMM only" >&2
java -jar "$jar" 'dev.flint.benchmarks.GemmBenchmark' "${common[@]}" \
  -rf json -rff "$results/jmh-default-$mode.json" 2>&1 | progress "$results/jmh-default-$mode.log"

peers_json="$results/peers-$mode.json"
# Ratios mean something only within one run: never report against an earlier run's peers.
rm -f "$peers_json"
if [ "${FLINT_BENCH_PEERS:-1}" != 0 ]; then
  echo "run: peer baselines (NumPy, PyTorch)" >&2
  # Flint's own figures are worth a report even where the peers cannot be installed (no root, no
  # package mirror): say so and go on.
  "$here/peers.sh" "$mode" "$peers_json" || echo "run: peer baselines failed (above); the report has Flint's figures only" >&2
fi

py="$(command -v python3 || echo /usr/bin/python3)"
"$py" "$here/report.py" \
  --jmh "vector=$results/jmh-vector-$mode.json" \
  --jmh "default=$results/jmh-default-$mode.json" \
  --peers "$peers_json" \
  --command "benchmarks/scripts/run.sh $mode" \
  --commit "$commit" --load-before "$load_before" \
  --out "$results/report-$mode.md"
echo "run: wrote $results/report-$mode.md" >&2
