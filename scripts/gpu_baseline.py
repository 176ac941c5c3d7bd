#!/usr/bin/env python3
"""The PyTorch half of the GPU comparison (scripts/gpu-check.sh runs it beside dev.flint.cuda.GpuTiming).

Same workloads, same method as GpuTiming, so that dev.flint.cuda.GpuReport can set the figures side by side:
CUDA events around a batch of `reps` calls, after a warm-up of 0.5 s (2 batches at least); the median over
15 batches, per call. Only milliseconds are printed (RESULT <key> <value> <unit>); bytes and FLOPs are counted
once, in GpuReport. Training steps run back to back with no synchronization inside a batch.

  python3 scripts/gpu_baseline.py                    # every measurement (needs torch with CUDA)
  python3 scripts/gpu_baseline.py --cnn MNIST_DIR --epochs 3 --seed 42   # the MNIST CNN run only
  python3 scripts/gpu_baseline.py --device cpu --small   # a smoke run of this script's code on the CPU

Exits 0 with an INFO line when torch or CUDA is missing (the caller reports it); 1 on a failure.
"""
import argparse
import gzip
import os
import statistics
import struct
import sys
import time

BATCHES = 15
WARMUP_SECONDS = 0.5


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda", help="cuda (the comparison) or cpu (smoke test of this script)")
    p.add_argument("--small", action="store_true", help="small sizes (with --device cpu: checks the code runs)")
    p.add_argument("--cnn", metavar="MNIST_DIR", help="train the MNIST CNN on the four IDX files in MNIST_DIR")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        print("INFO skipped PyTorch baseline skipped: python3 has no torch module")
        return 0
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"INFO skipped PyTorch baseline skipped: torch {torch.__version__} has no usable CUDA"
              f" (torch.version.cuda={torch.version.cuda}; a CPU-only build, or no driver/GPU)")
        return 0
    dev = torch.device(args.device)
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu (smoke run, not a comparison)"
    print(f"INFO device {name}")
    print(f"INFO torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN "
          f"{torch.backends.cudnn.version() if args.device == 'cuda' else '-'},"
          f" NVIDIA_TF32_OVERRIDE={os.environ.get('NVIDIA_TF32_OVERRIDE')}")
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    if args.cnn:
        cnn(torch, dev, args.cnn, args.epochs, args.seed, args.small)
    else:
        kernels(torch, dev, args.small)
    return 0


def result(key, value, unit):
    print(f"RESULT {key} {value:.6g} {unit}", flush=True)


class Timer:
    """CUDA events around batches of calls (wall clock on the CPU smoke run)."""

    def __init__(self, torch, dev):
        self.torch, self.cuda = torch, dev.type == "cuda"

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def batch_ms(self, reps, fn):
        if self.cuda:
            start = self.torch.cuda.Event(enable_timing=True)
            stop = self.torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(reps):
                fn()
            stop.record()
            stop.synchronize()
            return start.elapsed_time(stop) / reps
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        return (time.perf_counter() - t0) * 1e3 / reps

    def warm_up(self, reps, fn):
        until = time.perf_counter() + WARMUP_SECONDS
        batch = 0
        while batch < 2 or time.perf_counter() < until:
            for _ in range(reps):
                fn()
            self.sync()
            batch += 1

    def time(self, reps, fn):
        """Milliseconds per call: median over BATCHES batches of `reps` calls."""
        self.warm_up(reps, fn)
        return statistics.median(self.batch_ms(reps, fn) for _ in range(BATCHES))


def kernels(torch, dev, small):
    t = Timer(torch, dev)
    n = 256 if small else 4096
    big = (1 << 16) if small else (64 << 20)
    rows = cols = 256 if small else 8192
    with torch.no_grad():
        # Uniform in [-1, 1), as GpuTiming uploads.
        a = torch.rand(n, n, device=dev) * 2 - 1
        b = torch.rand(n, n, device=dev) * 2 - 1
        c = torch.empty(n, n, device=dev)
        for key, tf32 in (("sgemm_fp32", False), ("sgemm_tf32", True)):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            result(key, t.time(5, lambda: torch.mm(a, b, out=c)), "ms")
        torch.backends.cuda.matmul.allow_tf32 = False
        del a, b, c

        x = torch.rand(rows, cols, device=dev) * 2 - 1
        y = torch.empty_like(x)
        dx = torch.empty_like(x)
        result("softmax_fwd", t.time(20, lambda: torch.softmax(x, dim=1, out=y)), "ms")
        result("softmax_bwd", t.time(20, lambda: torch.ops.aten._softmax_backward_data.out(
            x, y, 1, torch.float32, grad_input=dx)), "ms")
        del x, y, dx

        rx = torch.rand(big, device=dev) * 2 - 1
        ry = torch.empty_like(rx)
        rdy = torch.rand(big, device=dev) * 2 - 1
        rdx = torch.empty_like(rx)
        result("relu_fwd", t.time(20, lambda: torch.clamp_min(rx, 0.0, out=ry)), "ms")
        result("relu_bwd", t.time(20, lambda: torch.ops.aten.threshold_backward.grad_input(
            rdy, ry, 0.0, grad_input=rdx)), "ms")
        del ry, rdy, rdx

    # Adam as GpuTiming runs it: no weight decay; fused (PyTorch's fastest) where it exists.
    p = torch.nn.Parameter(rx)
    p.grad = torch.rand(big, device=dev) * 2 - 1
    try:
        opt = torch.optim.Adam([p], lr=1e-3, fused=True)
    except (RuntimeError, TypeError):
        opt = torch.optim.Adam([p], lr=1e-3, foreach=True)
    result("adam", t.time(20, opt.step), "ms")
    del opt, p

    with torch.no_grad():
        src = torch.rand(big, device=dev)
        dst = torch.empty_like(src)
        result("copy", t.time(20, lambda: dst.copy_(src)), "ms")
        del src, dst

    for batch in (128, 1024):
        mlp_step(torch, dev, t, batch)
    host_overhead(torch, dev, t)


def mlp_step(torch, dev, t, batch):
    """MlpStepBenchmark's step: 784-512-256-10 ReLU MLP, softmax cross-entropy, SGD lr 0.01 momentum 0.9."""
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10)).to(dev)
    x = torch.rand(batch, 784, device=dev) * 2 - 1
    y = torch.randint(0, 10, (batch,), device=dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    steps = 10
    t.warm_up(steps, step)
    device, host = [], []
    for _ in range(BATCHES):
        if t.cuda:
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        host.append((time.perf_counter() - t0) * 1e3 / steps)
        if t.cuda:
            stop.record()
            stop.synchronize()
            device.append(start.elapsed_time(stop) / steps)
        else:
            device.append(host[-1])
    result(f"mlp_step_{batch}", statistics.median(device), "ms")
    result(f"mlp_step_{batch}_host", statistics.median(host), "ms")
    if batch == 128 and t.cuda:
        kernels_per_step(torch, step, steps)


def kernels_per_step(torch, step, steps):
    """GPU kernels, copies and fills per step, from the profiler (needs CUPTI; reported missing otherwise)."""
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(steps):
                step()
            torch.cuda.synchronize()
        n = sum(e.count for e in prof.key_averages() if str(getattr(e, "device_type", "")).endswith("CUDA"))
        if n > 0:
            result("mlp_step_128_launches", n / steps, "kernels")
        else:
            print("INFO launches the profiler recorded no CUDA activity (CUPTI missing?)")
    except Exception as e:  # the count is a courtesy; the timing above stands without it
        print(f"INFO launches the profiler failed: {e!r}")


def host_overhead(torch, dev, t):
    """Host time to queue a 1,000-element op (neg in place), and with the queue drained, over 20,000 ops."""
    small = torch.rand(1000, device=dev)
    for _ in range(20000):
        torch.neg(small, out=small)
    t.sync()
    launches = 20000
    queued, drained = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(launches):
            torch.neg(small, out=small)
        queued.append((time.perf_counter() - t0) * 1e6 / launches)
        t.sync()
        drained.append((time.perf_counter() - t0) * 1e6 / launches)
    result("host_op", statistics.median(queued), "us")
    result("host_op_drained", statistics.median(drained), "us")


def read_idx(path):
    """An IDX file (gzip or raw) as (dims, bytes)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def mnist(torch, folder, kind):
    def find(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        raise FileNotFoundError(f"{stem}[.gz] not in {folder}")
    dims, images = read_idx(find(f"{kind}-images-idx3-ubyte"))
    _, labels = read_idx(find(f"{kind}-labels-idx1-ubyte"))
    x = torch.frombuffer(bytearray(images), dtype=torch.uint8).reshape(dims[0], 1, dims[1], dims[2]).float() / 255
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x, y


def cnn(torch, dev, folder, epochs, seed, small):
    """`flint train --model cnn` in PyTorch: the same LeNet, Adam lr 1e-3, batch 64, 10% held out to validate
    each epoch (timed with the epoch, as Flint's history does), test accuracy at the end. Batches are gathered
    on the host and copied to the device, as Flint's data loader does."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(seed)
    x, y = mnist(torch, folder, "train")
    xt, yt = mnist(torch, folder, "t10k")
    if small:
        x, y, xt, yt = x[:2000], y[:2000], xt[:500], yt[:500]
    perm = torch.randperm(len(x))
    n_val = len(x) // 10
    val, train = perm[:n_val], perm[n_val:]
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def evaluate(xs, ys):
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xs), 1000):
                correct += (model(xs[i:i + 1000].to(dev)).argmax(1).cpu() == ys[i:i + 1000]).sum().item()
        model.train()
        return 100.0 * correct / len(xs)

    seconds = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        order = train[torch.randperm(len(train))]
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            xb, yb = x[idx].to(dev), y[idx].to(dev)
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        val_acc = evaluate(x[val], y[val])
        seconds.append(time.perf_counter() - t0)
        print(f"INFO cnn-epoch {epoch}: validation accuracy {val_acc:.2f}%, {seconds[-1]:.2f} s", flush=True)
    result("cnn_accuracy", evaluate(xt, yt), "%")
    result("cnn_epoch_s", statistics.median(seconds), "s")
    result("cnn_first_epoch_s", seconds[0], "s")


if __name__ == "__main__":
    sys.exit(main())
