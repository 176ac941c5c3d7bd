#!/usr/bin/env bash
# gpu-check.sh: the whole GPU check of issue 14 in one run, must-haves first, within a time budget.
#
# On the development machine, from the project root (builds, packs a JRE, the class path, the cuBLAS-13 JNI
# copy and the MNIST files into .device/, which is git-ignored):
#   scripts/gpu-pack.sh
# Then on the GPU machine, from the project root, with .device/ carried along:
#   OUT=/some/folder scripts/gpu-check.sh
#
# Steps, in this order (each logs to $OUT; a failed step is reported and the script goes on):
#   1. cuBLAS and the driver, before anything else: readelf -V and nm -D of the libcublas.so.* found (full
#      output in $OUT, the version definitions on screen), the driver version, and for each cuBLAS function
#      Flint calls whether that library defines it under the version JCublas2 references (LibraryCheck);
#   2. the backend's probe, and which math cuBLAS really uses (a GEMM TF32 cannot compute exactly), plain and
#      with NVIDIA_TF32_OVERRIDE=1;
#   3. every CUDA test (dev.flint.cuda: conformance suites, gradient suites, cross-backend tests; not the
#      emulator, which is for machines without a GPU, nor CudaTrapTest, which would lose the CUDA context);
#   4. the timings, Flint (GpuTiming) then PyTorch (gpu_baseline.py) when python3 has torch with CUDA;
#   5. the MNIST CNN with `flint train --backend cuda`, and the same model in PyTorch;
#   6. if time is left: the same CNN run on the CPU (the accuracy reference), and the primitive suite with
#      flint.cuda.sync=true;
#   7. the table (GpuReport): Flint, PyTorch, ratio, goal, status, GPU; in $OUT/table.md and on screen.
# Knobs: GPU_CHECK_BUDGET_S (default 420: the whole run, steps are cut short to fit), GPU_CHECK_EPOCHS
# (default 3), GPU_CHECK_PYTHON (default python3), FLINT_MNIST_DIR. Exit status: that of the CUDA tests
# (2 when they could not run).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/gpu-check-out}
mkdir -p "$OUT"
BUDGET=${GPU_CHECK_BUDGET_S:-420}
EPOCHS=${GPU_CHECK_EPOCHS:-3}
PY=${GPU_CHECK_PYTHON:-python3}
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
START=$SECONDS
say() { echo "gpu-check: $*" | tee -a "$SUMMARY"; }
quiet() { grep -vE '^(NOTE: Picked up JDK_JAVA_OPTIONS|WARNING: Using incubator modules)'; }   # the launcher's noise
left() { echo $((BUDGET - (SECONDS - START))); }
TESTS_RC=2

# step NAME LIMIT_S MIN_S LOG COMMAND...: runs COMMAND with its output in LOG, under a timeout of LIMIT_S or
# what the budget has left (less 20 s for the table); skipped when that is under MIN_S. Sets STEP_RC.
step() {
  local name=$1 limit=$2 min=$3 log=$4; shift 4
  local avail=$(( $(left) - 20 )); [ "$avail" -lt "$limit" ] && limit=$avail
  if [ "$limit" -lt "$min" ]; then
    say "$name: skipped, ${avail}s of the budget left (needs ${min}s)"; STEP_RC=125; return
  fi
  local t=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$log" 2>&1
  STEP_RC=$?
  local how="exit $STEP_RC"; [ "$STEP_RC" -eq 124 ] || [ "$STEP_RC" -eq 137 ] && how="stopped at its ${limit}s limit"
  say "$name: $how after $((SECONDS - t))s (log $(basename "$log"))"
}

# ---------------------------------------------------------------- 1. cuBLAS and the driver
say "started $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), budget ${BUDGET}s, logs in $OUT"
candidates() {  # every libcublas.so.<major> the dynamic loader or a user could find, real files once each
  { (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null | awk '$1 ~ /^libcublas\.so\.[0-9]+$/ {print $NF}'
    for d in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }} /usr/local/cuda*/lib64 /usr/local/cuda*/targets/*/lib /usr/lib/x86_64-linux-gnu \
             /usr/lib64 $("$PY" -c 'import site; print(*site.getsitepackages())' 2>/dev/null | sed 's|$|/nvidia/*/lib|; s| |/nvidia/*/lib |g'); do
      ls "$d"/libcublas.so.[0-9]* 2>/dev/null; done
    timeout 20 find /opt /usr /root -name 'libcublas.so.1[0-9]' 2>/dev/null | head -5
  } | grep -E '/libcublas\.so\.[0-9]+$' | while read -r f; do readlink -f "$f"; done | sort -u
}
mapfile -t CUBLAS < <(candidates)
{
  echo "== libcublas found: ${CUBLAS[*]:-none}"
  for f in "${CUBLAS[@]}"; do
    echo "== readelf -V $f"; readelf -V "$f" 2>&1 || echo "(readelf not available)"
    echo "== nm -D $f"; nm -D "$f" 2>&1 || echo "(nm not available)"
  done
} > "$OUT/libcublas-symbols.txt" 2>&1
if [ ${#CUBLAS[@]} -eq 0 ]; then
  say "cuBLAS: no libcublas.so.* found (ldconfig, LD_LIBRARY_PATH, /usr/local/cuda*, pip's nvidia wheels, /opt /usr /root)"
fi
for f in "${CUBLAS[@]}"; do
  say "cuBLAS: $f ($(stat -c %s "$f") bytes)"
  if command -v readelf >/dev/null; then
    readelf -V "$f" | sed -n '/version_d/,/version_r/p' | grep -E 'Name:|version_d' | sed 's/^/  readelf -V: /' | tee -a "$SUMMARY"
    readelf -V "$f" | sed -n '/version_r/,$p' | grep -E 'File:|Name:' | head -12 | sed 's/^/  readelf -V: /' | tee -a "$SUMMARY"
  else
    say "  readelf not installed here: LibraryCheck below reads the same tables"
  fi
  if command -v nm >/dev/null; then
    say "  nm -D: $(nm -D --defined-only "$f" | grep -c ' cublas') cublas* symbols defined (all of them in libcublas-symbols.txt)"
  fi
done
{
  echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "(nvidia-smi not available)"
  echo "== /proc/driver/nvidia/version"; cat /proc/driver/nvidia/version 2>&1
  echo "== libcuda"; (ldconfig -p 2>/dev/null || true) | grep -E 'libcuda\.so' || echo "(libcuda not in ldconfig)"
  echo "== environment"; env | grep -E '^(NVIDIA_|CUDA_|LD_LIBRARY_PATH)' || true
} > "$OUT/environment.txt" 2>&1
say "driver: $(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null ||
  sed -n 1p /proc/driver/nvidia/version 2>/dev/null || echo 'no NVIDIA driver found (no nvidia-smi, no /proc/driver/nvidia)')"
[ -n "${NVIDIA_TF32_OVERRIDE+x}" ] && say "NVIDIA_TF32_OVERRIDE=$NVIDIA_TF32_OVERRIDE is set in this environment"

# The packed runtime: JRE, class path, LD_LIBRARY_PATH for cuBLAS (device-pack's env.sh).
if [ -f .device/env.sh ]; then
  # shellcheck disable=SC1091
  source .device/env.sh 2>> "$OUT/environment.txt"
  export JDK_JAVA_OPTIONS="${JDK_JAVA_OPTIONS:-} --add-modules jdk.incubator.vector"
  grep -E '^device env' "$OUT/environment.txt" | sed 's/^/  /' | tee -a "$SUMMARY"
else
  say ".device/env.sh missing: run scripts/gpu-pack.sh on the development machine first"
fi
if ! command -v java >/dev/null || [ -z "${CP:-}" ]; then
  say "no java / class path: nothing more can run"; exit 2
fi
for f in "${CUBLAS[@]}"; do
  java -cp "$CP" dev.flint.cuda.loader.LibraryCheck cublas "$f" 2>&1 | quiet > "$OUT/cublas-check-$(basename "$f").txt"
  sed 's/^/  /' "$OUT/cublas-check-$(basename "$f").txt" | tee -a "$SUMMARY"
  if command -v nm >/dev/null; then   # the same functions as nm sees them, as an independent reading
    for fn in $(grep -oE '^ +cublas[A-Za-z0-9_]+@' "$OUT/cublas-check-$(basename "$f").txt" | tr -d ' @'); do
      echo "  nm -D: $(nm -D --defined-only "$f" | awk -v n="$fn" '{split($3, s, "@")} s[1] == n {print $3}' | paste -sd' ' -)" |
        sed 's/nm -D: $/nm -D: (absent)/' | tee -a "$SUMMARY"
    done
  fi
done
LIBCUDA=$( (ldconfig -p 2>/dev/null || true) | awk '$1 == "libcuda.so.1" {print $NF; exit}')
[ -n "$LIBCUDA" ] && java -cp "$CP" dev.flint.cuda.loader.LibraryCheck driver "$LIBCUDA" 2>&1 | quiet | tail -1 | sed 's/^/  /' | tee -a "$SUMMARY"

# ---------------------------------------------------------------- 2. the probe and the real GEMM math
step "probe" 60 10 "$OUT/probe.log" java -cp "$CP" dev.flint.cuda.CudaProbeMain
sed 's/^/  /' "$OUT/probe.log" | grep -E 'PROBE|CREATE' | tee -a "$SUMMARY"
USABLE=0; grep -q '^PROBE usable=true' "$OUT/probe.log" && USABLE=1
if [ "$USABLE" = 1 ]; then
  step "tf32 probe" 60 10 "$OUT/tf32.log" java -cp "$CP" dev.flint.cuda.GpuTiming --tf32-probe
  step "tf32 probe, NVIDIA_TF32_OVERRIDE=1" 60 10 "$OUT/tf32-override.log" \
    env NVIDIA_TF32_OVERRIDE=1 java -cp "$CP" dev.flint.cuda.GpuTiming --tf32-probe
  grep -h 'tf32-probe' "$OUT/tf32.log" "$OUT/tf32-override.log" | sed 's/^INFO /  /' | tee -a "$SUMMARY"
fi

# ---------------------------------------------------------------- 3. every CUDA test
step "CUDA tests" 300 60 "$OUT/junit-cuda.log" env JUNIT_REPORTS="$OUT/junit" .device/junit.sh \
  --select-package dev.flint.cuda --exclude-classname '.*(EmulatedCudaTest|CudaTrapTest)'
TESTS_RC=$STEP_RC
grep -E '^[[ ]*[0-9]+ tests (successful|failed|aborted|skipped)' "$OUT/junit-cuda.log" | tr -d '[]' | sed 's/^ */  /; s/ *$//' |
  sed 's/aborted$/aborted (skipped by an assumption, e.g. no usable GPU)/' | tee -a "$SUMMARY"
grep -m 1 -E 'cuda tests skipped|Assumption failed' "$OUT/junit-cuda.log" | sed 's/.*\(cuda tests skipped\] \|Assumption failed: \)/  skipped because: /' | tee -a "$SUMMARY"
grep -m 1 'cuda cross-backend' "$OUT/junit-cuda.log" | sed 's/^/  /' | tee -a "$SUMMARY"
grep -E -B1 -A4 '✘' "$OUT/junit-cuda.log" | head -n 60 >> "$SUMMARY" || true

# ---------------------------------------------------------------- 4. timings
if [ "$USABLE" = 1 ]; then
  step "timing, flint" 180 40 "$OUT/flint.results" java -cp "$CP" dev.flint.cuda.GpuTiming
else
  grep -m1 '^PROBE' "$OUT/probe.log" | sed 's/^PROBE usable=false detail=/INFO skipped Flint timing skipped: cuda unusable: /' > "$OUT/flint.results"
  say "timing, flint: skipped (the backend is not usable here)"
fi
if "$PY" -c 'import torch' 2>/dev/null; then
  step "timing, pytorch" 180 40 "$OUT/torch.results" "$PY" scripts/gpu_baseline.py
else
  echo "INFO skipped PyTorch baseline skipped: $PY has no torch module" > "$OUT/torch.results"
fi
grep -h '^INFO skipped' "$OUT/flint.results" "$OUT/torch.results" | sed 's/^INFO skipped /  /' | tee -a "$SUMMARY"

# ---------------------------------------------------------------- 5. the MNIST CNN
MNIST=
for d in "${FLINT_MNIST_DIR:-}" .device/mnist ../shared/data/mnist; do
  [ -n "$d" ] && ls "$d"/train-images-idx3-ubyte* >/dev/null 2>&1 && { MNIST=$d; break; }
done
cnn_flint() {  # cnn_flint BACKEND KEY_SUFFIX: flint train on BACKEND; appends its RESULT lines to flint.results
  local backend=$1 suffix=$2 log=$OUT/cnn-$1.log
  step "MNIST CNN, flint --backend $backend" "$3" 30 "$log" java -cp "$CP" dev.flint.cli.Flint train --backend "$backend" \
    --model cnn --data "$MNIST" --epochs "$EPOCHS" --seed 42 --out "$OUT/cnn-$backend" --no-progress
  local acc; acc=$(sed -n 's/^test accuracy: \([0-9.]*\)%.*/\1/p' "$log")
  if [ -n "$acc" ] && [ -f "$OUT/cnn-$backend/history.csv" ]; then
    echo "RESULT cnn_accuracy$suffix $acc %" >> "$OUT/flint.results"
    # history.csv: epoch,...,seconds; the median epoch time, and the first (JIT and kernel loading)
    awk -F, 'NR > 1 {print $NF}' "$OUT/cnn-$backend/history.csv" | sort -g | awk -v s="$suffix" '{t[NR] = $1}
      END {m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "RESULT cnn_epoch_s%s %s s\n", s, m}' \
      >> "$OUT/flint.results"
    say "  flint $backend: test accuracy $acc%, seconds per epoch: $(awk -F, 'NR > 1 {printf "%s ", $NF}' "$OUT/cnn-$backend/history.csv")"
  else
    tail -n 3 "$log" | sed 's/^/  /' | tee -a "$SUMMARY"
  fi
}
if [ -z "$MNIST" ]; then
  say "MNIST CNN: skipped, no MNIST files (FLINT_MNIST_DIR, .device/mnist, ../shared/data/mnist)"
else
  if [ "$USABLE" = 1 ]; then cnn_flint cuda "" 150; else say "MNIST CNN, flint --backend cuda: skipped (the backend is not usable here)"; fi
  if "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    step "MNIST CNN, pytorch" 120 30 "$OUT/cnn-torch.log" "$PY" scripts/gpu_baseline.py --cnn "$MNIST" --epochs "$EPOCHS" --seed 42
    grep '^RESULT' "$OUT/cnn-torch.log" >> "$OUT/torch.results"
    grep -E '^RESULT' "$OUT/cnn-torch.log" | sed 's/^RESULT /  pytorch: /' | tee -a "$SUMMARY"
  fi
fi

# ---------------------------------------------------------------- 6. if time is left
if [ -n "$MNIST" ] && grep -q '^RESULT cnn_accuracy ' "$OUT/flint.results" 2>/dev/null; then
  cnn_flint cpu _cpu 200
fi
if [ "$USABLE" = 1 ]; then
  step "primitive suite, flint.cuda.sync=true" 120 60 "$OUT/junit-cuda-sync.log" \
    env JDK_JAVA_OPTIONS="${JDK_JAVA_OPTIONS:-} -Dflint.cuda.sync=true" .device/junit.sh \
    --select-class dev.flint.cuda.CudaPrimitiveConformanceTest
  grep -E '^[[ ]*[0-9]+ tests (successful|failed)' "$OUT/junit-cuda-sync.log" | tr -d '[]' | sed 's/^ */  /' | tee -a "$SUMMARY"
fi

# ---------------------------------------------------------------- 7. the table
java -cp "$CP" dev.flint.cuda.GpuReport "$OUT/flint.results" "$OUT/torch.results" > "$OUT/table.md" 2> "$OUT/table.err"
[ -s "$OUT/table.md" ] || say "GpuReport failed: $(quiet < "$OUT/table.err" | head -3)"
say "finished after $((SECONDS - START))s; the table ($OUT/table.md):"
cat "$OUT/table.md" | tee -a "$SUMMARY"
exit "$TESTS_RC"
