"""What the benchmark's PyTorch scripts (torch-cnn.py, torch-gpt.py, torch-transforms.py) share: a step
timed as the benchmark times its own contestants, and a step served to the benchmark's rounds."""
import json
import statistics
import sys
import time


def timed(step, reps, warm):
    """Runs step() `warm` times, then `reps` times timed; returns the median, min and max in ms."""
    for _ in range(warm):
        step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return {"medianMs": statistics.median(times), "minMs": min(times), "maxMs": max(times)}


def serve(step, name):
    """Takes the first step, prints a line of JSON (the row's name and that step's loss), then for each
    line "step" on stdin runs one step and prints the milliseconds it took, until stdin ends: the
    benchmark's harness times PyTorch in its rounds, interleaved with the other contestants, as it times
    them (this process's own clock, so the pipe's latency is not counted)."""
    first = step()
    print(json.dumps({"name": name, "firstLoss": first}), flush=True)
    for line in sys.stdin:
        if line.strip() != "step":
            raise ValueError(f"expected the line 'step', got {line.strip()!r}")
        t0 = time.perf_counter()
        step()
        print((time.perf_counter() - t0) * 1000, flush=True)


def eager_name(torch, dtype, threads):
    """The row's name: PyTorch's version, the dtype and the threads it ran on."""
    return f"PyTorch {torch.__version__} eager ({dtype}, {threads} thread{'s' if threads != '1' else ''})"
