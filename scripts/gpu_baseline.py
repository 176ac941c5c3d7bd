#!/usr/bin/env python3
"""PyTorch baseline for the numbers dev.flint.cuda.GpuTiming prints (run by scripts/gpu-check.sh).

Same shapes, same method: CUDA events around a batch of launches, median of 5 batches, TF32 off so
that SGEMM is exact FP32 like Flint's default. Prints one line per measurement; exits 0 without torch.
"""
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("torch baseline skipped: python3 has no torch")
    sys.exit(0)

if not torch.cuda.is_available():
    print("torch baseline skipped: torch.cuda.is_available() is False")
    sys.exit(0)

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")


def timed(reps, fn):
    """Milliseconds per call: median over 5 batches of `reps` calls, timed with CUDA events."""
    fn()
    torch.cuda.synchronize()
    per_op = []
    for _ in range(5):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            fn()
        stop.record()
        stop.synchronize()
        per_op.append(start.elapsed_time(stop) / reps)
    return statistics.median(per_op)


def report(what, ms, rate):
    print(f"{what:<44} {ms:9.3f} ms  {rate}")


def gbps(nbytes, ms):
    return f"{nbytes / ms / 1e6:.0f} GB/s"


with torch.no_grad():
    n = 4096
    a, b = torch.rand(n, n, device=dev) * 2 - 1, torch.rand(n, n, device=dev) * 2 - 1
    c = torch.empty(n, n, device=dev)
    ms = timed(10, lambda: torch.mm(a, b, out=c))
    report("sgemm 4096x4096x4096 (FP32, TF32 off)", ms, f"{2 * n ** 3 / ms / 1e9:.2f} TFLOP/s")
    del a, b, c

    rows = cols = 8192
    x = torch.rand(rows, cols, device=dev) * 2 - 1
    y = torch.empty_like(x)
    ms = timed(20, lambda: torch.softmax(x, dim=1, out=y))
    report("softmax forward 8192x8192", ms, gbps(3 * 4 * rows * cols, ms))
    dx = torch.empty_like(x)
    ms = timed(20, lambda: torch.ops.aten._softmax_backward_data.out(x, y, 1, torch.float32, grad_input=dx))
    report("softmax backward 8192x8192", ms, gbps(3 * 4 * rows * cols, ms))
    del x, y, dx

    big = 64 << 20
    rx = torch.rand(big, device=dev) * 2 - 1
    ry = torch.empty_like(rx)
    rdy = torch.rand(big, device=dev)
    rdx = torch.empty_like(rx)
    ms = timed(20, lambda: torch.clamp_min(rx, 0.0, out=ry))
    report("relu forward 64M", ms, gbps(8 * big, ms))
    ms = timed(20, lambda: torch.ops.aten.threshold_backward.grad_input(rdy, rx, 0.0, grad_input=rdx))
    report("relu backward 64M", ms, gbps(12 * big, ms))
    del ry, rdy, rdx

    p = torch.nn.Parameter(rx)
    p.grad = torch.rand(big, device=dev)
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=0.01, fused=True)
    ms = timed(20, opt.step)
    report("adamw update 64M params (fused)", ms, gbps(28 * big, ms))
    del opt, p

    src = torch.rand(big, device=dev)
    dst = torch.empty_like(src)
    ms = timed(20, lambda: dst.copy_(src))
    report("device-to-device copy 256 MiB", ms, gbps(8 * big, ms) + " (read + write)")
    del src, dst

    small = torch.rand(1000, device=dev)
    for _ in range(2000):
        torch.neg(small, out=small)
    torch.cuda.synchronize()
    launches = 20000
    t0 = time.perf_counter()
    for _ in range(launches):
        torch.neg(small, out=small)
    queued = time.perf_counter() - t0
    torch.cuda.synchronize()
    drained = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(2000):
        torch.neg(small, out=small)
        small[:1].cpu()
    trips = time.perf_counter() - t1
    print(f"{'host overhead, neg on 1000 elements':<44} {queued / launches * 1e6:9.2f} us/op queued, "
          f"{drained / launches * 1e6:.2f} us/op incl. drain, {trips / 2000 * 1e6:.1f} us per op + 4-byte download")
