"""Benchmark of the deterministic projection: one run, and a batch of what-ifs vs a Python loop.

Prints medians of repeated timings measured side by side in one run, and their ratio.
Usage: python bench/projection.py [MODEL] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from finmodel import load_model, project
from finmodel.domain.validation import with_overlay
from finmodel.engine.inputs import compile_model
from finmodel.engine.projection import project_arrays

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(func: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``func`` over ``repeats`` calls, after one warm-up call."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", nargs="?", default=str(ROOT / "models" / "lsc_ics.yaml"))
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()

    model = load_model(args.model)
    inputs = compile_model(model)
    n_lines, n_years = inputs.cost_baseline.shape[-1], len(inputs.years)
    print(
        f"model: {model.name}: {len(inputs.partner_ids)} partners, {n_lines} cost lines, {n_years} years"
    )

    full = median_seconds(lambda: project(model), args.repeats)
    arrays_only = median_seconds(lambda: project_arrays(inputs), args.repeats)
    print(f"project(model), validate+compile+project: median {full * 1e3:.2f} ms")
    print(f"project_arrays(inputs) alone:             median {arrays_only * 1e3:.3f} ms")

    rates = np.linspace(0.0, 0.05, args.cases)
    batch = median_seconds(
        lambda: project_arrays(inputs.with_values({"assumptions.inflation": rates})),
        max(3, args.repeats // 3),
    )
    loop = median_seconds(
        lambda: [project(with_overlay(model, {"assumptions.inflation": float(r)})) for r in rates],
        3,
    )
    print(f"{args.cases} inflation what-ifs, one batched projection: median {batch * 1e3:.2f} ms")
    print(f"{args.cases} inflation what-ifs, Python loop of overlays:  median {loop * 1e3:.1f} ms")
    print(f"ratio loop / batched: {loop / batch:.0f}x")


if __name__ == "__main__":
    main()
