#!/usr/bin/env python3
"""Numbers PyTorch computes for the nn layer tests of issue 11 (LayerNormTest, BatchNormTest,
EmbeddingTest, MultiHeadAttentionTest in nn/src/test/java/dev/flint/nn), printed as Java float
literals to paste there. Inputs and weights are formulas both sides evaluate identically (a double
sine or cosine rounded to float), so no data file is needed. Run with Debian's python3-torch:

    /usr/bin/python3 scripts/pytorch/layer_values.py
"""
import math
import torch

F = torch.nn.functional


def wave(n, a, b, scale=1.0):
    """x[i] = scale * sin(a * i + b), in double, rounded to float: LayerValues.wave in the tests."""
    return torch.tensor([scale * math.sin(a * i + b) for i in range(n)], dtype=torch.float64).float()


def java(name, t):
    values = ", ".join("%.9gf" % v for v in t.detach().reshape(-1).tolist())
    print("        float[] %s = {%s};" % (name, values))


def layer_norm():
    print("// LayerNormTest")
    x = wave(36, 0.37, 0.1, 2.0).reshape(2, 3, 6) + 1.0
    ln = torch.nn.LayerNorm(6)
    with torch.no_grad():
        ln.weight.copy_(wave(6, 0.5, 0.3, 0.5) + 1.0)
        ln.bias.copy_(wave(6, 0.9, 0.2, 0.3))
    java("expected", ln(x))


def batch_norm():
    print("// BatchNormTest")
    bn = torch.nn.BatchNorm2d(2)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, 0.5]))
        bn.bias.copy_(torch.tensor([0.25, -1.0]))
    x1 = wave(24, 0.41, 0.2, 3.0).reshape(3, 2, 2, 2)
    x2 = wave(24, 0.23, 1.1, 2.0).reshape(3, 2, 2, 2) + 0.5
    java("train1", bn(x1))
    bn(x2)
    java("runningMean", bn.running_mean)
    java("runningVar", bn.running_var)
    bn.eval()
    java("eval", bn(x1))
    bn1 = torch.nn.BatchNorm1d(3, momentum=0.2)
    f = wave(12, 0.77, 0.4, 2.0).reshape(4, 3)
    java("features", bn1(f))
    java("featuresRunningMean", bn1.running_mean)
    java("featuresRunningVar", bn1.running_var)


def multi_head_attention():
    print("// MultiHeadAttentionTest")
    c, heads = 8, 2
    w_qkv = wave(3 * c * c, 0.13, 0.5, 0.4).reshape(3 * c, c)
    b_qkv = wave(3 * c, 0.7, 0.1, 0.1)
    w_proj = wave(c * c, 0.29, 0.9, 0.4).reshape(c, c)
    b_proj = wave(c, 0.31, 0.6, 0.1)
    x = wave(2 * 3 * c, 0.19, 0.3, 1.0).reshape(2, 3, c)
    b, t, _ = x.shape
    for is_causal in (True, False):
        qkv = x @ w_qkv.T + b_qkv
        q, k, v = qkv.split(c, dim=2)
        q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
        s = q @ k.transpose(-2, -1) / math.sqrt(c // heads)
        if is_causal:
            s = s.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float("-inf"))
        y = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, c)
        java("causal" if is_causal else "full", y @ w_proj.T + b_proj)


if __name__ == "__main__":
    torch.set_printoptions(precision=9)
    layer_norm()
    batch_norm()
    multi_head_attention()
