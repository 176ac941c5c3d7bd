#!/usr/bin/env python3
"""Reads the result.json files of benchmarks/gpt/compare.sh and prints the Markdown table.

    report.py RESULTS_DIR MACHINE LOAD_BEFORE LOAD_AFTER
"""
import glob
import json
import os
import statistics
import sys

results, machine, load_before, load_after = sys.argv[1:5]


def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(results, pattern)))]


flint = load("flint-seed*/result.json")
torch_runs = load("torch-seed*.json")
torch_timing = load("torch-timing-*.json")
if not flint or not torch_runs:
    sys.exit("report.py: no results in %s" % results)

f_loss = statistics.mean(r["val_loss"] for r in flint)
t_loss = statistics.mean(r["val_loss"] for r in torch_runs)
f_step = statistics.median(r["median_step_ms"] for r in flint)
# PyTorch's step time: the faster of its thread counts, each the median over its runs.
by_threads = {}
for r in torch_runs + torch_timing:
    by_threads.setdefault(r["threads"], []).append(r["median_step_ms"])
t_threads, t_step = min(((k, statistics.median(v)) for k, v in by_threads.items()), key=lambda kv: kv[1])
tokens = flint[0]["tokens_per_s"] * flint[0]["median_step_ms"] / 1e3   # tokens per step

print("| | Flint | PyTorch %s | ratio (Flint / PyTorch) |" % torch_runs[0]["framework"].split()[-1])
print("| --- | --- | --- | --- |")
print("| validation loss after %d iterations, mean of %d seeds | %.4f (%s) | %.4f (%s) | %.4f (%+.2f%%) |" % (
    flint[0]["iters"], len(flint), f_loss, ", ".join("%.4f" % r["val_loss"] for r in flint), t_loss,
    ", ".join("%.4f" % r["val_loss"] for r in torch_runs), f_loss / t_loss, 100 * (f_loss / t_loss - 1)))
print("| training step, median (ms) | %.1f | %.1f (%d thread%s) | %.2fx |" % (
    f_step, t_step, t_threads, "" if t_threads == 1 else "s", f_step / t_step))
print("| tokens per second | %.0f | %.0f | %.2f |" % (tokens / (f_step / 1e3), tokens / (t_step / 1e3),
                                                  t_step / f_step))
print()
print("PyTorch step medians by thread count: " + ", ".join(
    "%d: %.1f ms" % (k, statistics.median(v)) for k, v in sorted(by_threads.items())))
print("Machine: %s. Load average (1, 5, 15 min) before: %s; after: %s." % (machine, load_before, load_after))
