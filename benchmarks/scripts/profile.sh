#!/usr/bin/env bash
# Where a benchmark's time goes: runs one JMH benchmark on the Vector API path with JMH's stack
# sampling profiler (hot methods and lines, no native tools needed) and the gc profiler.
#
#   benchmarks/scripts/profile.sh BENCHMARK_REGEX [JMH options...]
#   benchmarks/scripts/profile.sh 'SoftmaxBenchmark.forward' -p shape=4096x4096
#
# Uses the jar run.sh built; the backend defaults to cpu (override with -p backend=...).
# Saves the output to benchmarks/results/profile-<regex>.txt.
set -euo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 BENCHMARK_REGEX [JMH options...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="$root/benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ]; then
  echo "profile: $jar not found; build it with: mvn -q -B -DskipTests package -pl benchmarks -am" >&2
  exit 1
fi
regex="$1"
shift
mkdir -p "$root/benchmarks/results"
out="$root/benchmarks/results/profile-$(echo "$regex" | tr -c 'A-Za-z0-9._-' '_').txt"
java -jar "$jar" "$regex" -p backend=cpu -f 1 -wi 2 -i 3 -w 1s -r 2s \
  -jvmArgsAppend "--add-modules jdk.incubator.vector" \
  -prof 'stack:lines=3;top=15;detailLine=true' -prof gc "$@" 2>&1 | tee "$out" | \
  sed -n '/Secondary result .*stack/,/^$/p;/^Benchmark /,$p'
echo "profile: full output in $out" >&2
