"""W7 and W8 (transforms.ts) on PyTorch with functorch, for the rows beside adjoint's.

Usage: python3 torch-transforms.py float32|float64 REPS. Prints a JSON list of rows (workload, name,
medianMs, minMs, maxMs). The network and the batch have W3's shapes; the numbers differ from adjoint's
(another generator), which does not change the time of a step. Runs on one thread, as adjoint's
default on a 2-core machine would not be a fair peer otherwise: set by torch.set_num_threads below.
"""
import json
import sys

import torch
from functorch import grad, jvp, vmap
from torch_timing import timed

dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[1]]
reps = int(sys.argv[2])
torch.manual_seed(5)
torch.set_num_threads(1)
BATCH = 128
sizes = [(128, 784), (64, 128), (10, 64)]
params = []
for out, inp in sizes:
    params += [torch.randn(out, inp, dtype=dtype) * (2 / inp) ** 0.5, torch.zeros(out, dtype=dtype)]
X = torch.rand(BATCH, 784, dtype=dtype)
Y = torch.nn.functional.one_hot(torch.randint(0, 10, (BATCH,)), 10).to(dtype)


def log_softmax(h):
    # written out: 1.13's forward mode has no rule for log_softmax's backward (jvp of grad needs one)
    z = h - h.max(-1, keepdim=True).values.detach()
    return z - torch.log(torch.exp(z).sum(-1, keepdim=True))


def example_loss(ps, x, y):
    h = x
    for i in range(0, len(ps), 2):
        h = ps[i] @ h + ps[i + 1]
        if i + 2 < len(ps):
            h = torch.relu(h)
    return -(log_softmax(h) * y).sum()


def batch_loss(ps, x, y):
    h = x
    for i in range(0, len(ps), 2):
        h = h @ ps[i].T + ps[i + 1]
        if i + 2 < len(ps):
            h = torch.relu(h)
    return -(log_softmax(h) * y).sum() / BATCH


per_example = vmap(grad(example_loss), in_dims=(None, 0, 0))


def loop():
    # stacked, as per-example gradients are used (clipped, averaged) and as vmap returns them
    grads = [grad(example_loss)(params, X[b], Y[b]) for b in range(BATCH)]
    return [torch.stack([g[i] for g in grads]) for i in range(len(params))]


vs = [torch.randn_like(p) for p in params]


def fwd_over_rev():
    return jvp(lambda ps: grad(batch_loss)(ps, X, Y), (params,), (vs,))[1]


def rev_over_rev():
    def inner(ps):
        gs = grad(batch_loss)(ps, X, Y)
        return sum((g * v).sum() for g, v in zip(gs, vs))

    return grad(inner)(params)


def row(workload, name, step, rounds):
    return {"workload": workload, "name": name, **timed(step, rounds, 3)}


rows = [
    row("W7", f"PyTorch {torch.__version__} functorch vmap(grad) ({sys.argv[1]}, 1 thread)", lambda: per_example(params, X, Y), reps),
    row("W7", f"PyTorch functorch, a loop of {BATCH} grad, stacked", loop, min(reps, 5)),
    row("W7", "PyTorch functorch, one batched grad", lambda: grad(batch_loss)(params, X, Y), reps),
    row("W8", "PyTorch functorch jvp of grad (fwd-over-rev)", fwd_over_rev, reps),
    row("W8", "PyTorch functorch grad of grad (rev-over-rev)", rev_over_rev, reps),
]
print(json.dumps(rows))
