"""W9 (gpt.ts) on PyTorch: one SGD step of the names GPT, for the rows beside adjoint's.

Usage: python3 torch-gpt.py float32|float64 THREADS, with a line of JSON on stdin first: the batch (x, y,
mask) and adjoint's initial parameters in its order (namedParameters). Then serves steps to the
benchmark's rounds (torch_timing.serve): the same model, batch and start as adjoint's, so the first loss
it prints agrees with adjoint's to rounding. Runs on THREADS threads, as many as adjoint uses.
"""
import json
import math
import sys

import torch
from torch_timing import eager_name, serve

dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[1]]
torch.set_num_threads(int(sys.argv[2]))
data = json.loads(sys.stdin.readline())
LAYERS, HEADS, DIM, T, V = 4, 4, 64, 16, 27
B = len(data["x"])


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(DIM, dtype=dtype)
        self.qkv = torch.nn.Linear(DIM, 3 * DIM, dtype=dtype)
        self.proj_attn = torch.nn.Linear(DIM, DIM, dtype=dtype)
        self.ln2 = torch.nn.LayerNorm(DIM, dtype=dtype)
        self.fc = torch.nn.Linear(DIM, 4 * DIM, dtype=dtype)
        self.proj = torch.nn.Linear(4 * DIM, DIM, dtype=dtype)
        self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf"), dtype=dtype), 1))

    def forward(self, x):
        d = DIM // HEADS
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, HEADS, d).permute(2, 0, 3, 1, 4)
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + self.mask, -1)
        x = x + self.proj_attn((p @ v).transpose(1, 2).reshape(B, T, DIM))
        return x + self.proj(torch.nn.functional.gelu(self.fc(self.ln2(x))))


class Gpt(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = torch.nn.Embedding(V, DIM, dtype=dtype)
        self.positions = torch.nn.Embedding(T, DIM, dtype=dtype)
        self.blocks = torch.nn.ModuleList([Block() for _ in range(LAYERS)])
        self.norm = torch.nn.LayerNorm(DIM, dtype=dtype)

    def forward(self, ids):
        h = self.tokens(ids) + self.positions.weight
        for block in self.blocks:
            h = block(h)
        return self.norm(h) @ self.tokens.weight.T


model = Gpt()
# adjoint's order: tokens, positions, then per block ln1, attn.qkv, attn.proj, ln2, fc, proj; then norm
with torch.no_grad():
    for p, saved in zip(model.parameters(), data["params"]):
        p.copy_(torch.tensor(saved["data"], dtype=dtype).view(saved["shape"]))
x = torch.tensor(data["x"])
y = torch.tensor(data["y"]).view(-1)
mask = torch.tensor(data["mask"], dtype=dtype).view(-1)
sgd = torch.optim.SGD(model.parameters(), lr=0.1)


def step():
    sgd.zero_grad()
    logp = torch.log_softmax(model(x).view(-1, V), -1).gather(1, y.view(-1, 1)).view(-1)
    loss = -(logp * mask).sum() / mask.sum()
    loss.backward()
    sgd.step()
    return loss.item()


serve(step, eager_name(torch, sys.argv[1], sys.argv[2]))
