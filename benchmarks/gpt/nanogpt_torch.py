#!/usr/bin/env python3
"""nanoGPT's character-level configuration in PyTorch, the reference run of benchmarks/gpt/compare.sh.

The model is GPT-2's layout as nanoGPT's model.py builds it (token + position embeddings; blocks of
LayerNorm -> causal self-attention -> residual, LayerNorm -> MLP with exact GELU -> residual; final
LayerNorm; output layer tied to the token embedding; biases on; weights N(0, 0.02), output projections
N(0, 0.02/sqrt(2 * layers))), trained as nanoGPT's train.py trains it (AdamW over two parameter groups,
weight decay on tensors of rank >= 2 only; linear warmup then cosine decay; clipping at global norm 1;
one optimizer step per iteration). Written for torch 1.13 (Debian's python3-torch), so attention is the
explicit softmax(q k^T / sqrt(d) + causal mask) v that nanoGPT falls back to without flash attention.

Batches: the offsets of every training window come from --offsets (int32, iters x batch, written by
make_offsets.py), so Flint and PyTorch train on the same windows in the same order. Validation: the
mean loss over --eval-windows windows at evenly spaced offsets of the validation split (the same set in
both). Prints one JSON line with the final losses and the median step time.
"""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F


class SelfAttention(nn.Module):
    def __init__(self, c, heads, context):
        super().__init__()
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.heads = heads
        self.register_buffer("mask", torch.tril(torch.ones(context, context)).view(1, 1, context, context))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, c, heads, context):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c)
        self.attn = SelfAttention(c, heads, context)
        self.ln_2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, 4 * c)
        self.gelu = nn.GELU()
        self.mlp_proj = nn.Linear(4 * c, c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(self.gelu(self.fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, context, layers, heads, c):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(context, c)
        self.h = nn.ModuleList([Block(c, heads, context) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(c)
        self.lm_head = nn.Linear(c, vocab, bias=False)
        self.lm_head.weight = self.wte.weight   # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * layers))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def get_lr(it, lr, warmup, decay_iters, min_lr):
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay_iters:
        return min_lr
    ratio = (it - warmup) / (decay_iters - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def load_corpus(path):
    raw = open(path, "rb").read()
    text = (gzip.decompress(raw) if path.endswith(".gz") else raw).decode("utf-8")
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    n = int(len(data) * 0.9)
    return data[:n], data[n:], len(chars)


def windows(data, offsets, context):
    x = torch.from_numpy(np.stack([data[o:o + context] for o in offsets]))
    y = torch.from_numpy(np.stack([data[o + 1:o + 1 + context] for o in offsets]))
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--offsets", required=True, help="int32 little-endian, iters x batch training offsets")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--embed", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--decay-iters", type=int, default=2000)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--beta2", type=float, default=0.99)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--eval-windows", type=int, default=2400)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train, val, vocab = load_corpus(args.corpus)
    offsets = np.fromfile(args.offsets, dtype="<i4").reshape(-1, args.batch)
    assert offsets.shape[0] >= args.iters, "offsets file has %d iterations, need %d" % (offsets.shape[0], args.iters)
    assert offsets.max() < len(train) - args.context

    model = GPT(vocab, args.context, args.layers, args.heads, args.embed)
    params = [p for p in model.parameters()]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, args.beta2), eps=1e-8)

    step_ms = []
    train_losses = []
    for it in range(args.iters):
        lr = get_lr(it, args.lr, args.warmup, args.decay_iters, args.min_lr)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = windows(train, offsets[it], args.context)
        t0 = time.perf_counter()
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        lossf = loss.item()
        step_ms.append((time.perf_counter() - t0) * 1e3)
        train_losses.append(lossf)

    model.eval()
    n_val = len(val) - args.context
    eval_offsets = [(k * n_val) // args.eval_windows for k in range(args.eval_windows)]
    total = 0.0
    with torch.no_grad():
        for i in range(0, args.eval_windows, args.batch):
            x, y = windows(val, eval_offsets[i:i + args.batch], args.context)
            total += model(x, y).item() * x.size(0)
    val_loss = total / args.eval_windows
    tail = step_ms[len(step_ms) // 10:]   # the first tenth warms up
    median = float(np.median(tail))
    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "seed": args.seed, "threads": args.threads,
        "iters": args.iters, "val_loss": round(val_loss, 5),
        "train_loss_last100": round(float(np.mean(train_losses[-100:])), 5),
        "median_step_ms": round(median, 3),
        "tokens_per_s": round(args.batch * args.context / (median / 1e3), 1),
    }))


if __name__ == "__main__":
    main()
