"""PyTorch's gradient clipping on seeded random gradients, as goldens for clipping.test.ts.

Run with Debian's python3-torch (1.13): /usr/bin/python3 packages/nn/test/goldens/clipping.py
It rewrites clipping.json beside it; the test only reads that file.
"""
import json
import os

import torch

torch.manual_seed(31)
shapes = [[3, 4], [4], [2, 3]]
cases = []
for scale in [0.05, 3.0]:
    grads = [(torch.randn(s, dtype=torch.float64) * scale) for s in shapes]
    case = {"grads": [g.flatten().tolist() for g in grads], "shapes": shapes}
    for name, max_norm, norm_type in [("norm2", 1.0, 2.0), ("normInf", 0.5, float("inf")), ("norm1", 2.0, 1.0)]:
        params = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        case[name] = {"maxNorm": max_norm, "normType": "inf" if norm_type == float("inf") else norm_type,
                      "total": float(total), "clipped": [p.grad.flatten().tolist() for p in params]}
    params = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(params, 0.1)
    case["value"] = {"clipValue": 0.1, "clipped": [p.grad.flatten().tolist() for p in params]}
    cases.append(case)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "clipping.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
