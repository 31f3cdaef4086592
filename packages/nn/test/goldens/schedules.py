"""PyTorch's learning-rate schedules, 100 steps each, as goldens for schedules.test.ts.

Run with Debian's python3-torch (1.13): /usr/bin/python3 packages/nn/test/goldens/schedules.py
It rewrites schedules.json beside it; the test only reads that file (never runs PyTorch).
Each entry: the optimizer's lr before the first step, then after each of 100 scheduler steps
(the *Momentum entries: the momentum, or Adam's beta1, at the same points).
"""
import json
import math
import os

import torch
from torch.optim import SGD, Adam
from torch.optim import lr_scheduler as S


def run(make, steps=100, metrics=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = SGD([p], lr=0.1)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


def run_momentum(make_opt, make, key, steps=100):
    """The rates and the cycled momentum (SGD's momentum or Adam's beta1) of a OneCycleLR."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = make_opt([p])
    sched = make(opt)
    read = lambda: opt.param_groups[0][key] if key == "momentum" else opt.param_groups[0]["betas"][0]
    lrs, momenta = [opt.param_groups[0]["lr"]], [read()]
    for _ in range(steps):
        p.grad = torch.ones(1)
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(read())
    return lrs, momenta


sgd_cycle = run_momentum(
    lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=101), "momentum"
)
adam_cycle = run_momentum(
    lambda ps: Adam(ps, lr=0.1),
    lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=101, three_phase=True, base_momentum=0.8, max_momentum=0.9),
    "betas",
)

# a loss that falls, stalls, falls a little, then wanders: what a plateau schedule sees
plateau = [1.0 / (1 + i) if i < 20 else 0.05 + 0.001 * math.sin(i) + (0.0004 * (i - 60) if i > 60 else 0) for i in range(100)]
accuracy = [min(0.99, 0.5 + 0.01 * i) if i < 40 else 0.9 + 0.002 * math.cos(i) for i in range(100)]

goldens = {
    "torch": torch.__version__,
    "stepLR": run(lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    "exponentialLR": run(lambda o: S.ExponentialLR(o, gamma=0.97)),
    "cosineAnnealingLR": run(lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001)),
    "linearLR": run(lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=12)),
    "warmupCosine": run(
        lambda o: S.SequentialLR(
            o,
            [S.LinearLR(o, start_factor=0.1, total_iters=10), S.CosineAnnealingLR(o, T_max=90, eta_min=0.0)],
            milestones=[10],
        )
    ),
    "oneCycleLR": run(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=101, cycle_momentum=False)),
    "oneCycleLRLinear": run(
        lambda o: S.OneCycleLR(
            o, max_lr=0.5, total_steps=101, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
            final_div_factor=100.0, three_phase=True, cycle_momentum=False,
        )
    ),
    "oneCycleSgd": sgd_cycle[0],
    "oneCycleSgdMomentum": sgd_cycle[1],
    "oneCycleAdam": adam_cycle[0],
    "oneCycleAdamMomentum": adam_cycle[1],
    "plateauMetrics": plateau,
    "reduceLROnPlateau": run(lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=3, cooldown=2, min_lr=0.002), metrics=plateau),
    "accuracyMetrics": accuracy,
    "reduceLROnPlateauMaxAbs": run(
        lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=2, threshold=0.01, threshold_mode="abs"),
        metrics=accuracy,
    ),
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schedules.json"), "w") as f:
    json.dump(goldens, f, indent=1)
    f.write("\n")
