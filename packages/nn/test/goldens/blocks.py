"""PyTorch's sequence-model blocks on fixed inputs, as goldens for blocks.test.ts.

Run with Debian's python3-torch (1.13): /usr/bin/python3 packages/nn/test/goldens/blocks.py
It rewrites blocks.json beside it; the test only reads that file (never runs PyTorch).
Every input and parameter is written out (float64, row-major) and the test builds adjoint's block from
them; each entry holds the forward output and the gradients of sum(output * r) for the given r.
"""
import json
import math
import os

import torch

torch.manual_seed(0)
D = torch.float64


def flat(t):
    return t.detach().reshape(-1).tolist()


def rand(*shape):
    return torch.randn(*shape, dtype=D)


out = {}

# LayerNorm over the last axis and over the last two
for name, shape, normalized in [("layerNorm", (2, 3, 4), [4]), ("layerNorm2", (2, 3, 4), [3, 4])]:
    x = rand(*shape).requires_grad_()
    m = torch.nn.LayerNorm(normalized, dtype=D)
    with torch.no_grad():
        m.weight.copy_(rand(*normalized))
        m.bias.copy_(rand(*normalized))
    y = m(x)
    r = rand(*y.shape)
    (y * r).sum().backward()
    out[name] = {
        "shape": list(shape), "normalized": normalized, "x": flat(x), "weight": flat(m.weight),
        "bias": flat(m.bias), "r": flat(r), "y": flat(y), "dx": flat(x.grad),
        "dweight": flat(m.weight.grad), "dbias": flat(m.bias.grad),
    }

# GELU, tanh form
x = torch.linspace(-4, 4, 17, dtype=D).requires_grad_()
y = torch.nn.GELU(approximate="tanh")(x)
y.sum().backward()
out["gelu"] = {"x": flat(x), "y": flat(y), "dx": flat(x.grad)}

# BatchNorm1d: three training batches, then evaluation; [N, C] and [N, C, L]
for name, shape in [("batchNorm", (5, 3)), ("batchNorm3d", (4, 3, 2))]:
    m = torch.nn.BatchNorm1d(3, dtype=D)
    with torch.no_grad():
        m.weight.copy_(rand(3))
        m.bias.copy_(rand(3))
    steps = []
    for _ in range(3):
        x = rand(*shape).requires_grad_()
        m.zero_grad()
        y = m(x)
        r = rand(*y.shape)
        (y * r).sum().backward()
        steps.append({
            "x": flat(x), "r": flat(r), "y": flat(y), "dx": flat(x.grad), "dweight": flat(m.weight.grad),
            "dbias": flat(m.bias.grad), "runningMean": flat(m.running_mean), "runningVar": flat(m.running_var),
        })
    m.eval()
    xe = rand(*shape)
    out[name] = {
        "shape": list(shape), "weight": flat(m.weight), "bias": flat(m.bias), "steps": steps,
        "evalX": flat(xe), "evalY": flat(m(xe)), "numBatchesTracked": int(m.num_batches_tracked),
    }

# Multi-head self-attention, batch first, with and without the causal mask
B, T, E, H = 2, 5, 8, 2
for name, causal in [("attention", False), ("attentionCausal", True)]:
    m = torch.nn.MultiheadAttention(E, H, batch_first=True, dtype=D)
    with torch.no_grad():
        m.in_proj_bias.copy_(0.1 * rand(3 * E))
        m.out_proj.bias.copy_(0.1 * rand(E))
    x = rand(B, T, E).requires_grad_()
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None
    y, _ = m(x, x, x, attn_mask=mask, need_weights=False)
    r = rand(*y.shape)
    (y * r).sum().backward()
    out[name] = {
        "batch": B, "time": T, "dim": E, "heads": H, "x": flat(x), "r": flat(r),
        "qkvWeight": flat(m.in_proj_weight), "qkvBias": flat(m.in_proj_bias),
        "projWeight": flat(m.out_proj.weight), "projBias": flat(m.out_proj.bias),
        "y": flat(y), "dx": flat(x.grad), "dqkvWeight": flat(m.in_proj_weight.grad),
        "dprojWeight": flat(m.out_proj.weight.grad),
    }

# Embedding: a repeated index adds its gradients
m = torch.nn.Embedding(4, 3, dtype=D)
idx = torch.tensor([[1, 2, 1], [0, 3, 3]])
y = m(idx)
r = rand(*y.shape)
(y * r).sum().backward()
out["embedding"] = {"weight": flat(m.weight), "indices": idx.tolist(), "r": flat(r), "y": flat(y), "dweight": flat(m.weight.grad)}

# GELU, exact (PyTorch's default): x·Φ(x) through erf, over every branch of the erf it calls
x = torch.linspace(-7, 7, 57, dtype=D).requires_grad_()
y = torch.nn.GELU()(x)
y.sum().backward()
out["geluExact"] = {"x": flat(x), "y": flat(y), "dx": flat(x.grad)}

with open(os.path.join(os.path.dirname(__file__), "blocks.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
