#!/usr/bin/env bash
# gpu-pack.sh: prepares .device/ for scripts/gpu-check.sh on a GPU machine (run here, from anywhere in the repo).
#
# 1. device-pack (../shared/tools/device-pack, or DEVICE_PACK) packs backend-cuda: a JRE (with java.desktop,
#    which the CLI's learning-curve chart needs), the test and runtime class path, JCublas2's JNI library
#    retargeted to libcublas.so.13, the JUnit console launcher, env.sh and junit.sh.
# 2. The cli module's jars go on top, for `flint train --backend cuda`. (Not through device-pack: its jdeps
#    step fails on progressbar's module descriptor, which requires org.jline.terminal, a plain jar here.)
# 3. The four MNIST files (FLINT_MNIST_DIR or ../shared/data/mnist) go to .device/mnist: the GPU machine has
#    no copy.
# .device/ is git-ignored; carry it along with the tree (64 MiB in all).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PACK=${DEVICE_PACK:-$ROOT/../shared/tools/device-pack}
[ -x "$PACK" ] || { echo "gpu-pack: $PACK not found (set DEVICE_PACK)" >&2; exit 2; }
DEVICE_JLINK_ADD=java.desktop${DEVICE_JLINK_ADD:+,$DEVICE_JLINK_ADD} "$PACK" backend-cuda

echo "gpu-pack: mvn package -pl cli -am (for the cli's class path)"
mvn -o -q -B -Dstyle.color=never -DskipTests -pl cli -am package dependency:build-classpath \
    -DincludeScope=runtime -Dmdep.outputFile=target/gpu-pack-classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
jar --create --file .device/lib/cli.classes.jar -C cli/target/classes .
added=(cli.classes.jar)
IFS=: read -ra ENTRIES < cli/target/gpu-pack-classpath.txt || true   # no newline at the end: read says 1
for e in "${ENTRIES[@]}"; do
  n=$(basename "$e")
  [[ $e == "$ROOT/backend-cuda/"* ]] && continue                       # packed already, as backend-cuda.classes.jar
  [ -f "$e" ] || { echo "gpu-pack: $e on the cli's class path is not a jar" >&2; exit 2; }
  grep -qxF "$n" .device/classpath.txt || { cp "$e" .device/lib/; added+=("$n"); }
done
grep -qxF cli.classes.jar .device/classpath.txt || printf '%s\n' "${added[@]}" >> .device/classpath.txt
echo "gpu-pack: added to the class path: ${added[*]}"

MNIST=${FLINT_MNIST_DIR:-$ROOT/../shared/data/mnist}
if ls "$MNIST"/train-images-idx3-ubyte* >/dev/null 2>&1; then
  mkdir -p .device/mnist
  cp "$MNIST"/*-idx[13]-ubyte* .device/mnist/
  echo "gpu-pack: MNIST from $MNIST in .device/mnist ($(du -sh .device/mnist | cut -f1))"
else
  echo "gpu-pack: no MNIST files in $MNIST: the CNN step of gpu-check.sh will be skipped" >&2
fi
TREE=$(git ls-files -zco --exclude-standard | xargs -0r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
DEV=$(du -sb .device | cut -f1)
TOTAL=$(( (TREE + DEV) / 1048576 ))
echo "gpu-pack: .device $((DEV / 1048576)) MiB + the rest of the tree $((TREE / 1048576)) MiB = $TOTAL MiB of the 64 MiB that may travel"
[ "$TOTAL" -lt 64 ] || { echo "gpu-pack: too large to travel: drop the MNIST copy (FLINT_MNIST_DIR=/nonexistent) or slim the JRE" >&2; exit 1; }
