"""W6 (cnn.ts) on PyTorch: one SGD step of the mnist-cnn network, for the row beside adjoint's.

Usage: python3 torch-cnn.py float32|float64 THREADS, with a line of JSON on stdin first: the images
[64, 1, 28, 28] and labels, and adjoint's initial parameters in its order (conv1 w, b, conv2 w, b, dense1
w, b, dense2 w, b; PyTorch's layouts are adjoint's). Then serves steps to the benchmark's rounds
(torch_timing.serve): the same network, batch and start as adjoint's, so the first loss it prints agrees
with adjoint's to rounding. Runs on THREADS threads, as many as adjoint uses.
"""
import json
import sys

import torch
from torch_timing import eager_name, serve

dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[1]]
torch.set_num_threads(int(sys.argv[2]))
data = json.loads(sys.stdin.readline())
nn = torch.nn
model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
).to(dtype)
with torch.no_grad():
    for p, saved in zip(model.parameters(), data["params"]):
        p.copy_(torch.tensor(saved["data"], dtype=dtype).view(saved["shape"]))
x = torch.tensor(data["images"], dtype=dtype).view(-1, 1, 28, 28)
y = torch.tensor(data["labels"])
sgd = torch.optim.SGD(model.parameters(), lr=data["lr"])


def step():
    sgd.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    sgd.step()
    return loss.item()


serve(step, eager_name(torch, sys.argv[1], sys.argv[2]))
