#!/usr/bin/env python3
"""Values and gradients computed by PyTorch, which Flint's tests compare against.

Writes core/src/test/resources/dev/flint/pytorch/reference-values.txt: for each case a function of
one or more inputs, the inputs, a fixed weight w for the output, the output y, and the gradients of
sum(y * w) with respect to each input, every number printed with 9 significant digits (float32
round-trips). Run from the repository root with Debian's python3-torch:

    /usr/bin/python3 scripts/pytorch/reference_values.py

Add a case by adding an entry to CASES; PyTorchValuesSuite (core's test jar) runs every case on every
backend and fails on a case it does not know, so the two stay in step.
"""
import os
import torch

torch.manual_seed(0)
OUT = os.path.join("core", "src", "test", "resources", "dev", "flint", "pytorch", "reference-values.txt")


def grid(*shape, lo=-4.0, hi=4.0):
    return torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo


F = torch.nn.functional

# Constants of the cases below, written out identically in PyTorchValuesSuite.FUNCTIONS.
EMBEDDING_IDS = torch.tensor([[0, 3, 1, 3], [4, 1, 1, 2]])
BN_RUNNING_MEAN = torch.tensor([0.5, -1.0, 2.0])
BN_RUNNING_VAR = torch.tensor([1.5, 0.25, 4.0])
NEG_INF = float("-inf")
SOFTMAX_MASK = torch.tensor([[0.0, NEG_INF, 1.5, -2.0, 0.0],
                             [NEG_INF, 0.5, 0.0, 0.0, -1.0],
                             [0.0, 0.0, 0.0, NEG_INF, 2.0]])
ATTENTION_MASK = torch.tensor([[0.0, -1.0, NEG_INF, 0.5, 0.0, 2.0],
                               [1.0, 0.0, 0.0, 0.0, NEG_INF, -0.5],
                               [NEG_INF, NEG_INF, 0.0, 1.0, 0.0, 0.0]])


def causal(scores):
    t_q, t_k = scores.shape[-2], scores.shape[-1]
    keep = torch.ones(t_q, t_k, dtype=torch.bool).tril()
    return scores.masked_fill(~keep, NEG_INF)


def attention(q, k, v, mask=None, is_causal=False):
    """torch 1.13 has no scaled_dot_product_attention: its definition, written out."""
    s = q @ k.transpose(-2, -1) / (q.shape[-1] ** 0.5)
    if mask is not None:
        s = s + mask
    if is_causal:
        s = causal(s)
    return torch.softmax(s, dim=-1) @ v


def packed_self_attention(qkv, heads, is_causal):
    b, t, c3 = qkv.shape
    c = c3 // 3
    q, k, v = qkv.split(c, dim=2)
    q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
    return attention(q, k, v, is_causal=is_causal).transpose(1, 2).reshape(b, t, c)


def batch_norm_train(xs):
    # fresh running statistics each call: the update is tested in nn's BatchNorm tests
    return F.batch_norm(xs[0], torch.zeros(xs[0].shape[1]), torch.ones(xs[0].shape[1]), xs[1], xs[2],
                        training=True, momentum=0.1, eps=1e-5)


# name -> (function of a list of input tensors, list of inputs)
CASES = {
    "gelu": (lambda xs: F.gelu(xs[0]), [torch.cat([torch.tensor([0.0, -0.0, 1.0, -1.0, 5.0, -5.0, 10.0, -10.0]), grid(24)])]),
    "gelu_tanh": (lambda xs: F.gelu(xs[0], approximate="tanh"), [torch.cat([torch.tensor([0.0, 1.0, -1.0, 5.0, -5.0, 10.0, -10.0]), grid(25)])]),
    "layer_norm": (lambda xs: F.layer_norm(xs[0], (5,), xs[1], xs[2], eps=1e-5),
                   [grid(3, 5), grid(5, lo=0.5, hi=1.5), grid(5, lo=-1.0, hi=1.0)]),
    "layer_norm_plain": (lambda xs: F.layer_norm(xs[0], (8,), eps=1e-5), [grid(2, 3, 8) + 3.0]),
    "batch_norm_train_2d": (batch_norm_train, [grid(4, 3, 2, 2), grid(3, lo=0.5, hi=1.5), grid(3, lo=-1.0, hi=1.0)]),
    "batch_norm_train_1d": (batch_norm_train, [grid(6, 3), grid(3, lo=0.5, hi=1.5), grid(3, lo=-1.0, hi=1.0)]),
    "batch_norm_eval": (lambda xs: F.batch_norm(xs[0], BN_RUNNING_MEAN, BN_RUNNING_VAR, xs[1], xs[2], training=False,
                                                eps=1e-5),
                        [grid(4, 3, 5), grid(3, lo=0.5, hi=1.5), grid(3, lo=-1.0, hi=1.0)]),
    "embedding_padding": (lambda xs: F.embedding(EMBEDDING_IDS, xs[0], padding_idx=1), [grid(5, 3)]),
    "masked_softmax_causal": (lambda xs: torch.softmax(causal(xs[0]), dim=-1), [grid(2, 4, 4)]),
    "masked_softmax_mask": (lambda xs: torch.softmax(xs[0] + SOFTMAX_MASK, dim=-1), [grid(2, 3, 5)]),
    "matmul_broadcast": (lambda xs: xs[0] @ xs[1], [grid(1, 3, 4, 5, lo=-1.0, hi=1.0), grid(2, 3, 5, 2, lo=-1.0, hi=1.0)]),
    "matmul_4d_2d": (lambda xs: xs[0] @ xs[1], [grid(2, 3, 4, 5, lo=-1.0, hi=1.0), grid(5, 3, lo=-1.0, hi=1.0)]),
    "matmul_transposed_batches": (lambda xs: xs[0].transpose(-2, -1) @ xs[1].transpose(-2, -1),
                                  [grid(2, 1, 5, 4, lo=-1.0, hi=1.0), grid(2, 3, 6, 5, lo=-1.0, hi=1.0)]),
    "sdpa_causal": (lambda xs: attention(xs[0], xs[1], xs[2], is_causal=True),
                    [grid(2, 2, 5, 4, lo=-1.0, hi=1.0), grid(2, 2, 5, 4, lo=-1.0, hi=1.0),
                     grid(2, 2, 5, 4, lo=-1.0, hi=1.0)]),
    "sdpa_mask": (lambda xs: attention(xs[0], xs[1], xs[2], mask=ATTENTION_MASK),
                  [grid(2, 3, 4, lo=-1.0, hi=1.0), grid(2, 6, 4, lo=-1.0, hi=1.0), grid(2, 6, 3, lo=-1.0, hi=1.0)]),
    "self_attention_packed": (lambda xs: packed_self_attention(xs[0], 3, True), [grid(2, 5, 18, lo=-1.0, hi=1.0)]),
}


def fmt(t):
    return " ".join("%.9g" % v for v in t.detach().reshape(-1).tolist())


def main():
    lines = ["# Generated by scripts/pytorch/reference_values.py with torch %s; do not edit." % torch.__version__]
    for name, (f, inputs) in CASES.items():
        xs = [x.clone().requires_grad_(True) for x in inputs]
        y = f(xs)
        w = torch.rand(y.shape, dtype=torch.float32) * 2 - 1
        (y * w).sum().backward()
        lines.append("case " + name)
        for i, x in enumerate(xs):
            lines.append("x%d %s : %s" % (i, " ".join(str(d) for d in x.shape), fmt(x)))
        lines.append("w %s : %s" % (" ".join(str(d) for d in y.shape), fmt(w)))
        lines.append("y %s : %s" % (" ".join(str(d) for d in y.shape), fmt(y)))
        for i, x in enumerate(xs):
            lines.append("dx%d %s : %s" % (i, " ".join(str(d) for d in x.shape), fmt(x.grad)))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("wrote", OUT, len(CASES), "cases")


if __name__ == "__main__":
    main()
