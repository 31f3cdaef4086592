"""names_mlp.safetensors and names_mlp.json: the names MLP's module tree (embed, hidden, norm, out, as
packages/examples/src/names-mlp.ts names them) in PyTorch 1.13, its state_dict after three training
batches written as safetensors, and its logits in evaluation mode on six contexts. Run by hand
(/usr/bin/python3 names_mlp.py); the tests read the files and never run this.

The safetensors file is written here by hand (PyTorch 1.13 has no safetensors package): 8 bytes of
little-endian header length, the JSON header padded with spaces to a multiple of 8, the tensors'
little-endian bytes in order."""
import json
import os
import struct

import torch

torch.manual_seed(0)
D = torch.float64


class NamesMlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(27, 10, dtype=D)
        self.hidden = torch.nn.Linear(30, 200, dtype=D)
        self.norm = torch.nn.BatchNorm1d(200, dtype=D)
        self.out = torch.nn.Linear(200, 27, dtype=D)

    def forward(self, ids):
        h = self.hidden(self.embed(ids).reshape(ids.shape[0], 30))
        return self.out(torch.tanh(self.norm(h)))


m = NamesMlp()
with torch.no_grad():
    for _ in range(3):  # moves the running statistics and num_batches_tracked
        m(torch.randint(0, 27, (32, 3)))
m.eval()
ids = torch.randint(0, 27, (6, 3))
with torch.no_grad():
    logits = m(ids)

header, blobs, offset = {}, [], 0
for name, t in m.state_dict().items():
    values = t.contiguous().view(-1).tolist()
    dtype, code = {torch.float64: ("F64", "d"), torch.int64: ("I64", "q")}[t.dtype]
    blob = struct.pack("<%d%s" % (len(values), code), *values)
    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header, separators=(",", ":"))
text += " " * ((8 - (8 + len(text)) % 8) % 8)
here = os.path.dirname(__file__)
with open(os.path.join(here, "names_mlp.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text.encode() + b"".join(blobs))
with open(os.path.join(here, "names_mlp.json"), "w") as f:
    keys = [[name, list(t.shape), str(t.dtype)] for name, t in m.state_dict().items()]
    json.dump({"ids": ids.tolist(), "logits": logits.tolist(), "keys": keys}, f)
    f.write("\n")
