#!/usr/bin/env bash
# Trains nanoGPT's CPU configuration for character-level text (4 layers, 4 heads, 128-wide embeddings,
# context 64, batch 12, AdamW at 1e-3 with betas (0.9, 0.99) and weight decay 0.1 on matrices, 100
# warm-up steps then cosine decay to 1e-4 at the last step, clipping at norm 1, no dropout) in Flint
# (`flint gpt train`) and in PyTorch (nanogpt_torch.py, Debian's python3-torch) on the same corpus
# (the King James Bible embedded in flint-data), the same 90/10 split and the same training windows
# (make_offsets.py draws them once per seed; both read the file). For each seed it runs Flint, then
# PyTorch, so a change of machine load hits both alike; then it times PyTorch on the other thread
# count for a few hundred steps, and prints the table (report.py): validation loss (mean of the seeds,
# over 2,400 fixed validation windows), median step time, tokens per second, machine and load.
#
#   benchmarks/gpt/compare.sh                 # 3 seeds x 2,000 iterations: about 30-60 min on 2 cores
#   GPT_ITERS=100 GPT_SEEDS="1" benchmarks/gpt/compare.sh      # a quick check of the script
#
# Environment: GPT_ITERS (2000), GPT_SEEDS ("1 2 3"), GPT_TORCH_THREADS (1: the thread count of the
# full PyTorch runs; the other of 1 and 2 is timed separately for GPT_TIMING_ITERS steps, 100; on a busy
# machine PyTorch's two OpenMP threads wait for each other and a step can take seconds), PYTHON
# (/usr/bin/python3), GPT_OUT (the results folder, benchmarks/results/gpt/: a folder per Flint run, a
# JSON line per PyTorch run, report.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
iters="${GPT_ITERS:-2000}"
seeds="${GPT_SEEDS:-1 2 3}"
threads="${GPT_TORCH_THREADS:-1}"
timing_iters="${GPT_TIMING_ITERS:-100}"
python="${PYTHON:-/usr/bin/python3}"
out="${GPT_OUT:-$root/benchmarks/results/gpt}"
corpus="$root/data/src/main/resources/dev/flint/data/text/kjv.txt.gz"
context=64
batch=12
# nanoGPT's 100 warm-up steps; a tenth of the run for the short runs that check this script.
warmup=$((iters / 10 < 100 ? iters / 10 : 100))

"$python" -c "import torch, numpy" 2>/dev/null || {
    echo "compare.sh: PyTorch not found for $python; install Debian's python3-torch (apt-get install python3-torch)" >&2
    exit 1
}
mkdir -p "$out"
rm -rf "$out"/flint-seed* "$out"/torch-*.json "$out"/offsets-*.bin "$out"/flint.jar
# Build the command from this checkout (quietly) and run a copy of its jar, so no timed run includes a
# build, and a build started elsewhere meanwhile cannot change the jar under a run.
FLINT_REBUILD=1 "$root/flint" --version >/dev/null 2>&1
cp "$root/cli/target/flint.jar" "$out/flint.jar"
flint() { java --add-modules jdk.incubator.vector -jar "$out/flint.jar" "$@"; }

train_tokens="$("$python" -c "import gzip; t = gzip.open('$corpus', 'rt', encoding='utf-8').read(); print(int(len(t) * 0.9))")"
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(java -version 2>&1 | head -1)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $machine; load before: $load_before"

for seed in $seeds; do
    offsets="$out/offsets-$seed.bin"
    "$python" "$here/make_offsets.py" "$train_tokens" "$context" "$iters" "$batch" "$seed" "$offsets"
    echo "seed $seed: flint ..."
    flint gpt train --backend cpu --iters "$iters" --batch-size "$batch" --context "$context" --seed "$seed" \
        --warmup "$warmup" --train-offsets "$offsets" --eval-interval 0 --eval-windows 2400 --sample-chars 0 --no-progress \
        --out "$out/flint-seed$seed" --overwrite | grep -E '^(validation|model:)' | head -2
    echo "seed $seed: pytorch ($threads threads) ..."
    # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on some machines for old OpenBLAS builds; they slow a
    # current one, so they are unset for PyTorch's command alone.
    (unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
     "$python" "$here/nanogpt_torch.py" --corpus "$corpus" --offsets "$offsets" --seed "$seed" --iters "$iters" \
         --batch "$batch" --context "$context" --warmup "$warmup" --decay-iters "$iters" --eval-windows 2400 --threads "$threads") | tee "$out/torch-seed$seed.json"
done

other=$((threads == 1 ? 2 : 1))
first="$(echo $seeds | cut -d' ' -f1)"
echo "pytorch timing with $other thread(s), $timing_iters iterations ..."
(unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
 "$python" "$here/nanogpt_torch.py" --corpus "$corpus" --offsets "$out/offsets-$first.bin" --seed "$first" \
     --iters "$((timing_iters < iters ? timing_iters : iters))" --batch "$batch" --context "$context" --eval-windows 12 \
     --threads "$other") | tee "$out/torch-timing-$other.json"

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
"$python" "$here/report.py" "$out" "$machine" "$load_before" "$load_after" | tee "$out/report.md"
