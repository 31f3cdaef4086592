"""What the benchmark's PyTorch scripts (torch-cnn.py, torch-gpt.py, torch-transforms.py) share: a step
timed as the benchmark times its own contestants, warmed up first, medians with min and max in ms."""
import statistics
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


def eager_name(torch, dtype, threads):
    """The row's name: PyTorch's version, the dtype and the threads it ran on."""
    return f"PyTorch {torch.__version__} eager ({dtype}, {threads} thread{'s' if threads != '1' else ''})"
