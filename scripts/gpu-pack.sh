#!/usr/bin/env bash
# gpu-pack.sh: prepares .device/ for scripts/gpu-check.sh on a GPU machine (run here, from anywhere in the repo).
# device-pack (../shared/tools/device-pack) builds backend-cuda and cli with their upstream modules and packs a
# JRE, the test and runtime class path, JCublas2's JNI library retargeted to libcublas.so.13, the JUnit console
# launcher and env.sh/junit.sh; this adds the four MNIST files (FLINT_MNIST_DIR or ../shared/data/mnist) as
# .device/mnist, for the CNN run, since the GPU machine has no copy. .device/ is git-ignored; carry it along.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PACK=${DEVICE_PACK:-$ROOT/../shared/tools/device-pack}
[ -x "$PACK" ] || { echo "gpu-pack: $PACK not found (set DEVICE_PACK)" >&2; exit 2; }
"$PACK" backend-cuda cli
MNIST=${FLINT_MNIST_DIR:-$ROOT/../shared/data/mnist}
if ls "$MNIST"/train-images-idx3-ubyte* >/dev/null 2>&1; then
  mkdir -p .device/mnist
  cp "$MNIST"/*-idx[13]-ubyte* .device/mnist/
  echo "gpu-pack: MNIST from $MNIST in .device/mnist ($(du -sh .device/mnist | cut -f1))"
else
  echo "gpu-pack: no MNIST files in $MNIST: the CNN step of gpu-check.sh will be skipped" >&2
fi
echo "gpu-pack: .device is $(du -sh .device | cut -f1); the tree that travels with it is capped at 64 MiB"
