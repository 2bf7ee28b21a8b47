"""Benchmark of the Monte Carlo simulation: time, peak memory, and the speed-up over a loop.

For the default model (``models/lsc_ics.yaml``), with and without the service model's uncertain
inputs (``investments.*`` keys of ``uncertainty:``), and for 10,000 and 100,000 draws:

* the wall time of :func:`finmodel.risk.simulate` (everything: compiling the model's inputs,
  sampling, projecting, percentiles and probabilities): the median, and the range, of
  ``--repeats`` runs (``--repeats-large`` for more than 10,000 draws) after a warm-up run;
* the peak resident memory (``ru_maxrss``) of a fresh process that imports finmodel and runs
  that one simulation (so the figure includes Python, numpy and the model);
* the time per draw of the naive alternative, measured in the same run: a Python loop running
  the deterministic projection once per draw (the draw's values applied to the compiled inputs,
  then :func:`~finmodel.engine.projection.project_arrays`; with the service model, also
  :func:`~finmodel.investment.effects.investment_draws` for that one draw), timed over
  ``--loop-draws`` draws (a twentieth of them with the service model) three times, median;
  the ratio is ``loop time per draw x draws / median simulate time``.

Targets (issue 5, on a 2-core machine): 10,000 draws < 1 s, 100,000 draws < 10 s, peak memory
< 1.5 GB, ratio >= 50x.

Each simulation runs in one process and in ``--workers`` processes (default: one per CPU).
``finmodel simulate`` uses every CPU only when service-model inputs are drawn and there are
8,192 draws or more: for the projection alone, moving results between processes costs more
than it saves, which the projection-only rows with two processes show.

The machine's load average is printed before and after: the figures are only comparable
between runs on an otherwise idle machine.

Usage: python bench/montecarlo.py [--repeats N] [--repeats-large N] [--loop-draws N]
[--draws 10000 100000] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "lsc_ics.yaml"
TARGET_SECONDS = {10_000: 1.0, 100_000: 10.0}
TARGET_PEAK_MB = 1536.0
TARGET_RATIO = 50.0


def load(service: bool):
    from finmodel import load_model

    model = load_model(MODEL)
    if service:
        return model
    kept = {k: v for k, v in model.uncertainty.items() if not k.startswith("investments.")}
    return model.model_copy(update={"uncertainty": kept})


def child(service: bool, draws: int, repeats: int, workers: int) -> None:
    """Run in a fresh process: time the simulation and report peak RSS as JSON."""
    from finmodel.risk import simulate

    model = load(service)
    simulate(model, draws=1000, seed=1, workers=workers)  # warm up imports and caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = simulate(model, draws=draws, seed=20200401, workers=workers)
        times.append(time.perf_counter() - started)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    system = result.row("system")
    print(
        json.dumps(
            {
                "seconds": statistics.median(times),
                "fastest": min(times),
                "slowest": max(times),
                # the parent plus every worker at its peak (an upper bound: forked workers
                # share the parent's pages until they write to them)
                "peak_mb": own + (workers * worker if workers > 1 else 0.0),
                "p50_final": float(result.surplus.at(50)[system, -1]),
            }
        )
    )


def loop_seconds_per_draw(service: bool, n_loop: int, repeats: int = 3) -> float:
    """Seconds per draw of the deterministic projection run once per draw in a Python loop
    (median of ``repeats`` timings over ``n_loop`` draws)."""
    from finmodel.investment.projection import compile_inputs
    from finmodel.risk.montecarlo import draw_values, plan_simulation

    model = load(service)
    plan = plan_simulation(model, draws=n_loop, seed=1)
    values = draw_values(plan, slice(0, n_loop))
    inputs = compile_inputs(model)
    targets = [v.target for v in plan.inputs]
    service_columns = [(k, item) for k, t in enumerate(targets) for item in t.service]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _loop(model, inputs, targets, service_columns, values)
        times.append((time.perf_counter() - started) / n_loop)
    return statistics.median(times)


def _loop(model, inputs, targets, service_columns, values) -> None:
    """The deterministic projection of each draw in turn (the naive alternative)."""
    from finmodel.engine.projection import project_arrays
    from finmodel.investment.effects import investment_draws
    from finmodel.risk.kernel import apply_values

    for i in range(values.shape[0]):
        row = values[i]
        drawn = apply_values(inputs, targets, row)
        if service_columns:
            overrides = {}
            for k, item in service_columns:
                apply = targets[k].apply
                v = (
                    row[k]
                    if apply == "set"
                    else (item.base + row[k] if apply == "add" else item.base * row[k])
                )
                overrides[item.parameter] = np.array([v])
            draws = investment_draws(model, overrides, investment=service_columns[0][1].investment)
            drawn = replace(drawn, investment_expenditure=draws.expenditure[0])
        project_arrays(drawn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--repeats-large", type=int, default=3)
    parser.add_argument("--loop-draws", type=int, default=2000)
    parser.add_argument("--draws", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes for the parallel runs"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        service, draws, repeats, workers = args.child
        child(service == "1", int(draws), int(repeats), int(workers))
        return

    load_before = os.getloadavg()[0]
    rows = []
    for service in (False, True):
        loop_draws = args.loop_draws if not service else max(50, args.loop_draws // 20)
        per_draw = loop_seconds_per_draw(service, loop_draws)
        for draws in args.draws:
            repeats = args.repeats if draws <= 10_000 else args.repeats_large
            for workers in sorted({1, args.workers}):
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        "1" if service else "0",
                        str(draws),
                        str(repeats),
                        str(workers),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                found = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append((service, draws, workers, repeats, found, per_draw))

    print(
        "| Uncertain inputs | Draws | Processes | simulate (s), median [range] | Target "
        "| Peak RSS (MB) | Loop per draw (ms) | Loop, extrapolated (s) | Speed-up |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for service, draws, workers, repeats, found, per_draw in rows:
        seconds = found["seconds"]
        target = TARGET_SECONDS.get(draws)
        met = (
            "" if target is None else f"< {target:g} s: {'met' if seconds < target else 'NOT met'}"
        )
        spread = f"[{found['fastest']:.3f}-{found['slowest']:.3f}, {repeats} runs]"
        print(
            f"| {'with service model' if service else 'projection only'} | {draws:,} | {workers} | "
            f"{seconds:.3f} {spread} | {met} | {found['peak_mb']:,.0f} | {per_draw * 1000:.3f} | "
            f"{per_draw * draws:,.1f} | {per_draw * draws / seconds:,.0f}x |"
        )
    worst_peak = max(r[4]["peak_mb"] for r in rows)
    print(
        f"\nPeak memory target < {TARGET_PEAK_MB:,.0f} MB: "
        f"{'met' if worst_peak < TARGET_PEAK_MB else 'NOT met'} (worst {worst_peak:,.0f} MB); "
        f"speed-up target >= {TARGET_RATIO:g}x; machine load average (1 min) before the run "
        f"{load_before:.2f}, after {os.getloadavg()[0]:.2f}."
    )


if __name__ == "__main__":
    main()
