#!/usr/bin/env bash
# gpu-check.sh: every CUDA test and a short timing, on a GPU machine, with logs under $OUT.
#
# On the development machine, from the project root (packs the build, a JRE and the cuBLAS-13 JNI copy):
#   ../shared/tools/device-pack backend-cuda
# Then on the GPU machine, from the project root (with .device/ copied along):
#   OUT=/some/folder scripts/gpu-check.sh
# Writes to $OUT (default ./gpu-check-out): environment.txt (nvidia-smi, device env), junit-cuda.log,
# junit-cuda-sync.log (the primitive suite with flint.cuda.sync=true), timing.log (dev.flint.cuda.GpuTiming),
# torch.log (scripts/gpu_baseline.py, when python3 has torch) and summary.txt: six files. Each step logs
# and the script goes on when one fails; the exit status is that of the test run.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/gpu-check-out}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
note() { echo "gpu-check: $*" | tee -a "$SUMMARY"; }
TESTS_RC=0

# 1. The machine.
{
  echo "== date"; date -u
  echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "(nvidia-smi not available)"
  echo "== libraries"; (ldconfig -p 2>/dev/null || true) | grep -E 'libcuda\.so|libcublas\.so' || echo "(none in ldconfig)"
} > "$OUT/environment.txt" 2>&1
note "$(grep -m1 -E 'Driver Version' "$OUT/environment.txt" | sed 's/|//g; s/  */ /g' || echo 'no nvidia-smi output')"

# 2. The packed runtime (device-pack's env.sh: JRE, class path, LD_LIBRARY_PATH for cuBLAS).
if [ -f .device/env.sh ]; then
  # shellcheck disable=SC1091
  { source .device/env.sh; } 2>> "$OUT/environment.txt"
  tail -n 3 "$OUT/environment.txt" | sed 's/^/  /'
else
  note ".device/env.sh missing: run ../shared/tools/device-pack backend-cuda on the development machine first"
fi

if command -v java >/dev/null && [ -n "${CP:-}" ]; then
  # 3. Every CUDA test class (dev.flint.cuda and below: the conformance suites on CUDA, the backend's own tests,
  #    and the CI tests, which on a GPU machine check the usable side).
  timeout 1200 .device/junit.sh --select-package dev.flint.cuda > "$OUT/junit-cuda.log" 2>&1
  TESTS_RC=$?
  # junit.sh's last line counts aborted tests (skipped by an assumption: no usable GPU) as failed;
  # the launcher's own counts keep them apart.
  note "tests (exit $TESTS_RC; log junit-cuda.log):"
  grep -E '^[[ ]*[0-9]+ tests (successful|failed|aborted|skipped)' "$OUT/junit-cuda.log" | tr -d '[]' | sed 's/^ */  /' | tee -a "$SUMMARY"
  grep -m 1 -E 'Assumption failed' "$OUT/junit-cuda.log" | sed 's/.*Assumption failed: /  skipped because: /' | tee -a "$SUMMARY"
  grep -E -A 3 '^  JUnit Jupiter:' "$OUT/junit-cuda.log" | head -n 60 >> "$SUMMARY" || true

  # The primitive suite again with flint.cuda.sync=true: an asynchronous kernel fault is then reported by
  # the primitive that caused it rather than by a later call.
  JDK_JAVA_OPTIONS="${JDK_JAVA_OPTIONS:-} -Dflint.cuda.sync=true" timeout 600 .device/junit.sh \
    --select-class dev.flint.cuda.CudaPrimitiveConformanceTest > "$OUT/junit-cuda-sync.log" 2>&1 ||
    note "synchronous-mode run failed (exit $?; log junit-cuda-sync.log)"
  note "synchronous mode: $(grep -E '^[[ ]*[0-9]+ tests (successful|failed)' "$OUT/junit-cuda-sync.log" | tr -d '[]' | xargs)"

  # 4. Timing.
  timeout 600 java -cp "$CP" dev.flint.cuda.GpuTiming > "$OUT/timing.log" 2>&1 || note "GpuTiming exited with $?"
  note "timing (flint):"
  grep -E ' ms | us/op' "$OUT/timing.log" | sed 's/^/  /' | tee -a "$SUMMARY"
else
  note "no java / class path: tests and timing skipped"
  TESTS_RC=2
fi

# 5. The same numbers from PyTorch, when this machine has it.
if command -v python3 >/dev/null && python3 -c 'import torch' 2>/dev/null; then
  timeout 600 python3 scripts/gpu_baseline.py > "$OUT/torch.log" 2>&1 || note "gpu_baseline.py exited with $?"
  note "timing (pytorch):"
  grep -E ' ms | us/op|torch ' "$OUT/torch.log" | sed 's/^/  /' | tee -a "$SUMMARY"
else
  note "python3 with torch not found: PyTorch baseline skipped"
fi

note "logs in $OUT"
exit "$TESTS_RC"
