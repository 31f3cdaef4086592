"""erf.json: the C library's erf (Python's math.erf, glibc's, fdlibm's algorithm) on a grid that crosses
every branch of the algorithm, and at the branches' edges. Run by hand (python3 erf.py); the tests read
the JSON and never run this."""
import json
import math
import os

xs = [i / 200 for i in range(-1400, 1401)]  # −7 … 7 by 0.005
edges = [0.84375, 1.25, 1 / 0.35, 6.0, 2.0 ** -28, 2.0 ** -30, 1e-300, 5e-324, 27.0, 0.5, 3.0]
xs += edges + [-e for e in edges]
xs += [math.nextafter(e, 0) for e in edges[:4]] + [math.nextafter(e, 10) for e in edges[:4]]
out = {"x": xs, "erf": [math.erf(x) for x in xs]}
with open(os.path.join(os.path.dirname(__file__), "erf.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
