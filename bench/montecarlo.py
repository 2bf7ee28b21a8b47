"""Benchmark of the Monte Carlo simulation: end to end as a user runs it, by stage, and against
a loop.

For the default model (``models/lsc_ics.yaml``, the IPA service model's uncertain inputs
included), for each of ``--draws`` (default 10,000 and 100,000):

* **End to end**: ``finmodel simulate models/lsc_ics.yaml --draws N`` run as a subprocess (the
  command a user types: start Python, import, load and validate the model, compile, sample,
  run the service model and the projection for every draw, summarise, print the table), with
  its automatic choice of processes. Wall time (median and range of ``--repeats`` runs), CPU
  time (user + system of the command and its worker processes) and the peak resident memory
  of its largest process (``wait4``'s ``ru_maxrss``: the command or a worker).
* **By stage**, in this process on one CPU (one BLAS thread, as runs use): importing, loading and validating the model,
  planning (compiling the inputs, the deterministic service run), and per draw (measured on a
  chunk of ``--stage-draws`` draws, best of 3): sampling (uniforms, Iman-Conover correlation,
  inverse distributions), the service model (every option x draw: months, streams, economic
  case), the projection kernel (surpluses and counts), then the summary (percentiles) of a run
  of N draws extrapolated as per-draw time x N plus the fixed stages. The service model's
  streams and economic case are also timed side by side by the current path (yearly sums and
  headline months taken as the months go) and the previous one (every month recorded, summed
  afterwards), with their ratio; their answers are checked equal (1e-13).
* **Against a loop**, measured in the same run: the deterministic projection (and the service
  model for one draw) run once per draw in a Python loop, over ``--loop-draws`` draws, three
  times, median; the ratio is ``loop time per draw x N / end-to-end CPU time`` (CPU, so that
  the processes' parallelism is not counted as a speed-up of the code).

Target (issue 12 item 9, this 2-core machine): 100,000 draws < 3 s wall end to end; peak memory
flat in the number of draws. The machine's load average is printed before and after: wall times
are only comparable between runs on an otherwise idle machine (CPU times are steadier).

``--api`` adds the earlier table: :func:`finmodel.risk.simulate` in a fresh process with one and
with ``--workers`` processes, with and without the service model.

Usage: python bench/montecarlo.py [--draws 10000 100000] [--repeats 3] [--stage-draws 16384]
[--loop-draws 50] [--api [--workers N]]
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
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

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


def api_table(args: argparse.Namespace) -> None:
    """The earlier table: :func:`finmodel.risk.simulate` in fresh processes (``--api``)."""
    load_before = os.getloadavg()[0]
    rows = []
    for service in (False, True):
        loop_draws = args.loop_draws * 20 if not service else args.loop_draws
        per_draw = loop_seconds_per_draw(service, loop_draws)
        for draws in args.draws:
            repeats = args.repeats
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


STAGES = (
    ("sampling", "uniforms, Iman-Conover, inverse distributions"),
    ("service model", "every option x draw: months, streams, economic case"),
    ("projection", "surpluses, counts"),
)

#: Draws per service-model call on the previous path (its best batch, as measured then).
PREVIOUS_BATCH = 1024


def service_paths(model, values, plan) -> tuple[float, float]:
    """Seconds a draw (CPU, best of 3, interleaved) of the service model's streams and economic
    case for every option, by the current path (yearly sums and headline months taken as the
    months go, staff cost by year from the ramp months) and by the previous one (every month of
    the Monte Carlo series recorded, then summed, staff cost month by month): the same answers,
    to 1e-15 relative (checked here)."""
    from finmodel.investment.economic import economic_case
    from finmodel.investment.streams import DRAW_SERIES, compile_investment
    from finmodel.risk.service_draws import SERVICE_BATCH

    evaluator = plan.investments
    inv_id = evaluator.investments[0]
    overrides = evaluator._overrides(inv_id, values)
    n = values.shape[0]

    def run(summaries: bool) -> np.ndarray:
        batch_size = SERVICE_BATCH if summaries else PREVIOUS_BATCH
        npsv = []
        for lo in range(0, n, batch_size):
            batch = {k: v[lo : lo + batch_size] for k, v in overrides.items()}
            streams = compile_investment(
                model,
                inv_id,
                service_overrides=batch,
                record=() if summaries else DRAW_SERIES,
                summaries=summaries,
            )
            npsv.append(economic_case(streams, switching=False).appraisal.npsv)
            assert streams.service is not None
            streams.service.months_to_clear_backlog()
            streams.service.first_month_meeting_standard()
        return np.concatenate(npsv)

    times: dict[bool, list[float]] = {True: [], False: []}
    answers = {}
    for _ in range(3):
        for summaries in (True, False):
            began = time.process_time()
            answers[summaries] = run(summaries)
            times[summaries].append(time.process_time() - began)
    scale = float(np.max(np.abs(answers[False])))
    worst = float(np.max(np.abs(answers[True] - answers[False])))
    assert worst <= 1e-13 * scale, f"paths differ by {worst} (scale {scale})"
    return min(times[True]) / n, min(times[False]) / n


#: Runs the command and reports, as JSON, its wall time, the CPU time (user + system) of it and
#: its worker processes, and the peak RSS of the largest of them: ``ru_maxrss`` of a fresh
#: parent's children is that run's alone.
_RUNNER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
out = subprocess.run(sys.argv[1:], capture_output=True)
wall = time.perf_counter() - started
if out.returncode != 0 or b"draws" not in out.stdout:
    sys.exit(out.stderr.decode()[-2000:])
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": use.ru_utime + use.ru_stime, "peak_mb": use.ru_maxrss / 1024}))
"""


def end_to_end_runs(draws: int, repeats: int) -> dict[str, float]:
    """Medians (and the wall range) of ``repeats`` runs of the command a user types."""
    command = [sys.executable, "-m", "finmodel", "simulate", str(MODEL), "--draws", str(draws)]
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", _RUNNER, *command], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout))
    walls = [r["wall"] for r in runs]
    return {
        "wall": statistics.median(walls),
        "fastest": min(walls),
        "slowest": max(walls),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def stage_times(stage_draws: int) -> tuple[dict[str, float], dict[str, float]]:
    """Fixed stages (s) and per-draw stages (s a draw), in this process, one CPU."""
    fixed: dict[str, float] = {}
    started = time.process_time()
    from finmodel.io.yaml_io import load_model
    from finmodel.risk.montecarlo import draw_values, plan_simulation

    fixed["import"] = time.process_time() - started
    started = time.process_time()
    model = load_model(MODEL)
    fixed["load and validate"] = time.process_time() - started
    started = time.process_time()
    plan = plan_simulation(model, draws=max(stage_draws, 100_000), seed=20200401)
    fixed["plan (compile, deterministic service run)"] = time.process_time() - started
    evaluator = plan.investments
    assert evaluator is not None

    def best(run: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
        times: list[float] = []
        result = None
        for _ in range(repeats):
            began = time.process_time()
            result = run()
            times.append(time.process_time() - began)
        return min(times) / stage_draws, result

    per: dict[str, float] = {}
    with threadpool_limits(1, user_api="blas"):  # as finmodel.risk.run_plan runs them
        per["sampling"], values = best(lambda: draw_values(plan, slice(0, stage_draws)))
        per["service model"], batch = best(lambda: evaluator.evaluate(values), 2)
        per["projection"], _ = best(lambda: plan.kernel.tally(values, batch.expenditure_deviation))
        per["streams now"], per["streams before"] = service_paths(model, values, plan)
    return fixed, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stage-draws", type=int, default=16_384)
    parser.add_argument("--loop-draws", type=int, default=50)
    parser.add_argument("--api", action="store_true", help="also the simulate() table")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes for --api"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        service, draws, repeats, workers = args.child
        child(service == "1", int(draws), int(repeats), int(workers))
        return

    load_before = os.getloadavg()
    runs = {n: end_to_end_runs(n, args.repeats) for n in args.draws}
    fixed, per = stage_times(args.stage_draws)
    per_loop = loop_seconds_per_draw(True, args.loop_draws)
    load_after = os.getloadavg()

    print(f"End to end: `finmodel simulate {MODEL.relative_to(ROOT)} --draws N` (subprocess)\n")
    print(
        "| Draws | Wall (s), median [range] | Target | CPU (s) | Peak RSS (MB) "
        "| Loop, extrapolated (s) | Loop / CPU |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|")
    for n, r in runs.items():
        target = "< 3 s: " + ("met" if r["wall"] < 3.0 else "NOT met") if n == 100_000 else ""
        print(
            f"| {n:,} | {r['wall']:.2f} [{r['fastest']:.2f}-{r['slowest']:.2f}, "
            f"{args.repeats} runs] | {target} | {r['cpu']:.2f} | {r['peak_mb']:,.0f} "
            f"| {per_loop * n:,.0f} | {per_loop * n / r['cpu']:,.0f}x |"
        )
    print(
        "\nBy stage (this process, one CPU; per-draw stages on "
        f"{args.stage_draws:,} draws, best of 3)\n"
    )
    print("| Stage | CPU | " + " | ".join(f"{n:,} draws (s)" for n in args.draws) + " |")
    print("|---|---:|" + "---:|" * len(args.draws))
    for name, seconds in fixed.items():
        cells = " | ".join(f"{seconds:.2f}" for _ in args.draws)
        print(f"| {name} | {seconds:.3f} s | {cells} |")
    for name, what in STAGES:
        cells = " | ".join(f"{per[name] * n:.2f}" for n in args.draws)
        print(f"| {name} ({what}) | {per[name] * 1e6:.1f} us/draw | {cells} |")
    stages = sum(per[name] for name, _ in STAGES)
    total = " | ".join(f"{sum(fixed.values()) + stages * n:.2f}" for n in args.draws)
    print(f"| total on one CPU (without printing) | | {total} |")
    print(
        "\nService model's streams and economic case, side by side in this process (best of 3, "
        f"interleaved): yearly sums taken as the months go {per['streams now'] * 1e6:.1f} us a "
        f"draw (batches of the current size); every month recorded and summed afterwards, as "
        f"before, {per['streams before'] * 1e6:.1f} us a draw (batches of {PREVIOUS_BATCH:,}); "
        f"ratio {per['streams before'] / per['streams now']:.2f}x; same answers (1e-13)."
    )
    print(
        f"\nLoop: {per_loop * 1000:.1f} ms a draw (deterministic projection and service model, "
        f"{args.loop_draws} draws, median of 3). Load average (1, 5 min) before "
        f"{load_before[0]:.2f}, {load_before[1]:.2f}; after {load_after[0]:.2f}, "
        f"{load_after[1]:.2f} ({os.cpu_count()} CPUs)."
    )
    if args.api:
        print()
        api_table(args)


if __name__ == "__main__":
    main()
