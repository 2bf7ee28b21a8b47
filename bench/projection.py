"""Benchmark of the deterministic projection (foundation issue, item 8).

Measures, side by side in one run:

* the default model: ``project(model)`` (validate the scenario, compile, project), the first
  time on a model instance (a cold compile: the columns read from the model) and again (the
  compiled inputs are kept on the immutable model), ``compile_model`` both ways, and the array
  projection alone, against a plain Python loop doing the same arithmetic per line and year;
* a generated national-scale model: 42 systems x 40 partners x 20 lines = 33,600 cost lines over
  10 years, the same three ways, with peak memory (maximum resident set size of the process);
* 200 what-ifs as one batched projection against a Python loop of validated overlays.

Prints medians of repeated timings and their ratios.
Usage: python bench/projection.py [--repeats N]

With ``--baseline TREE`` (an older source tree of finmodel, for example ``git archive <commit>
finmodel | tar -x -C /tmp/old``) it instead times the national model side by side: ``--rounds``
fresh processes for each tree, alternating (so a busy machine slows both alike), each importing
finmodel from its tree and timing ``project(model)`` the first time on a model, ``compile_model``
the first time, ``project_arrays`` and ``project(model)`` with compiled inputs kept, interleaved;
it prints the median of every sample of each tree (wall time and the process's CPU time) and the
ratio.
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
from pathlib import Path
from typing import Any

import numpy as np

from finmodel import load_model, project
from finmodel.domain.model import Model
from finmodel.domain.validation import validate_data, with_overlay
from finmodel.engine.inputs import ProjectionInputs, compile_model
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


def national_model(
    systems: int = 42, partners: int = 40, lines: int = 20, horizon: int = 10
) -> Model:
    """A generated model of ``systems x partners x lines`` cost lines; a quarter are contracts."""
    rng = np.random.default_rng(2020)
    data: dict[str, Any] = {
        "name": "Generated national model",
        "timeline": {"base_year": "2019/20", "horizon": horizon},
        "assumptions": {
            "demand_growth": 0.03,
            "inflation": [0.02] * horizon,
            "efficiency": 0.01,
            "funding_growth": 0.04,
        },
        "partners": [],
        "control_totals": {},
        "risk_share": {"method": "proportional_to_baseline_expenditure"},
    }
    for s in range(systems):
        for p in range(partners):
            pid = f"s{s}_p{p}"
            costs = []
            for c in range(lines):
                line: dict[str, Any] = {"id": f"c{c}", "baseline": float(rng.uniform(100, 10_000))}
                if c % 4 == 0:
                    line["payee"] = f"s{s}_p{(p + 1) % partners}"
                if c % 3 == 0:
                    line["inflation"] = [float(x) for x in rng.uniform(0.0, 0.05, horizon)]
                costs.append(line)
            data["partners"].append(
                {
                    "id": pid,
                    "name": f"System {s} partner {p}",
                    "kind": "provider",
                    "place": f"Place {s}.{p % 5}",
                    "in_control_total": True,
                    "funding": [
                        {"id": "allocation", "baseline": float(rng.uniform(50_000, 150_000))}
                    ],
                    "costs": costs,
                }
            )
            data["control_totals"][pid] = 0.0
    model, findings = validate_data(data)
    assert model is not None and not findings, findings[:3]
    return model


def python_loop(inputs: ProjectionInputs) -> list[float]:
    """The same arithmetic as the engine, in plain Python per line and year (partner surpluses)."""
    n_years = len(inputs.years)
    base = inputs.cost_baseline.tolist()
    driver, direct = inputs.driver_growth.tolist(), inputs.direct_growth.tolist()
    inflation, efficiency = inputs.inflation.tolist(), inputs.efficiency.tolist()
    payer, payee = inputs.line_partner.tolist(), inputs.line_payee.tolist()
    income = [[0.0] * n_years for _ in inputs.partner_ids]
    expenditure = [[0.0] * n_years for _ in inputs.partner_ids]
    for f, partner in enumerate(inputs.fund_partner.tolist()):
        amount = float(inputs.fund_baseline[f])
        growth = inputs.funding_growth[f].tolist()
        for t in range(n_years):
            if t:
                amount *= 1 + growth[t - 1]
            income[partner][t] += amount
    for line in range(len(base)):
        cost = base[line]
        for t in range(n_years):
            if t:
                demand = (1 + driver[line][t - 1]) * (1 + direct[line][t - 1])
                cost *= demand * (1 + inflation[line][t - 1]) * (1 - efficiency[line][t - 1])
            expenditure[payer[line]][t] += cost
            if payee[line] >= 0:
                income[payee[line]][t] += cost
    return [income[p][-1] - expenditure[p][-1] for p in range(len(income))]


def fresh(model: Model) -> Model:
    """The same model as a new instance with nothing compiled on it (a cold compile)."""
    return model.model_copy(update={"partners": list(model.partners)})


def bench_model(label: str, model: Model, repeats: int) -> None:
    inputs = compile_model(model)
    n_lines = inputs.cost_baseline.shape[-1]
    print(
        f"\n{label}: {len(inputs.partner_ids):,} partners, {n_lines:,} cost lines, {len(inputs.years)} years"
    )
    engine = project_arrays(inputs)
    np.testing.assert_allclose(python_loop(inputs), engine.surplus[:, -1], rtol=1e-9, atol=1e-6)
    cold = median_seconds(lambda: project(fresh(model)), repeats)
    full = median_seconds(lambda: project(model), repeats)
    compile_cold = median_seconds(lambda: compile_model(fresh(model)), repeats)
    compile_warm = median_seconds(lambda: compile_model(model), repeats)
    arrays_only = median_seconds(lambda: project_arrays(inputs), repeats)
    loop = median_seconds(lambda: python_loop(inputs), max(3, repeats // 3))
    print(f"  project(model), first on this model       median {cold * 1e3:9.2f} ms")
    print(f"  project(model), compiled inputs kept      median {full * 1e3:9.2f} ms")
    print(f"  compile_model, first on this model        median {compile_cold * 1e3:9.2f} ms")
    print(f"  compile_model, kept on the model          median {compile_warm * 1e3:9.3f} ms")
    print(f"  project_arrays(inputs) alone              median {arrays_only * 1e3:9.3f} ms")
    print(f"  plain Python loop per line and year       median {loop * 1e3:9.2f} ms")
    print(f"  ratio Python loop / project_arrays        {loop / arrays_only:9.0f}x")
    print(f"  ratio Python loop / project(model) first  {loop / cold:9.1f}x")
    print(f"  ratio Python loop / project(model) kept   {loop / full:9.1f}x")


SIDE_BY_SIDE = (
    ("project_first", "project(model), first on this model"),
    ("compile_first", "compile_model, first on this model"),
    ("arrays", "project_arrays(inputs) alone"),
    ("project_kept", "project(model), compiled inputs kept"),
)


def national_samples(repeats: int) -> None:
    """Print (JSON) wall and CPU seconds of each timing in SIDE_BY_SIDE on the national model,
    ``repeats`` samples of each, interleaved (the worker of ``--baseline``).

    A "first" timing runs on a fresh copy of the model made just before, outside the timing.
    """
    model = national_model()
    inputs = compile_model(model)
    calls: dict[str, tuple[Callable[[Any], object], bool]] = {
        "project_first": (project, True),
        "compile_first": (compile_model, True),
        "arrays": (lambda _: project_arrays(inputs), False),
        "project_kept": (project, False),
    }
    for call, first in calls.values():  # warm up: imports, caches
        call(fresh(model) if first else model)
    samples: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in calls}
    for _ in range(repeats):
        for key, (call, first) in calls.items():
            argument = fresh(model) if first else model
            wall, cpu = time.perf_counter(), time.process_time()
            call(argument)
            samples[key]["cpu"].append(time.process_time() - cpu)
            samples[key]["wall"].append(time.perf_counter() - wall)
    print(json.dumps(samples))


def side_by_side(baseline: Path, rounds: int, repeats: int) -> None:
    """Time the national model with this tree and ``baseline`` in alternating processes."""
    trees = {"this tree": ROOT, "baseline": baseline.resolve()}
    pooled: dict[str, dict[str, dict[str, list[float]]]] = {
        tree: {k: {"wall": [], "cpu": []} for k, _ in SIDE_BY_SIDE} for tree in trees
    }
    loads: list[float] = []
    for _ in range(rounds):
        for tree, source in trees.items():
            loads.append(os.getloadavg()[0])
            env = {**os.environ, "PYTHONPATH": str(source)}
            done = subprocess.run(
                [sys.executable, __file__, "--worker", "--repeats", str(repeats)],
                env=env,
                cwd=source,
                capture_output=True,
                text=True,
                check=True,
            )
            for key, clocks in json.loads(done.stdout.splitlines()[-1]).items():
                for clock, values in clocks.items():
                    pooled[tree][key][clock] += values
    n = rounds * repeats
    print(
        f"National model, side by side: {rounds} alternating processes per tree, {repeats} samples"
        f" each (median of {n}); load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print(f"{'':44} {'this tree':>19} {'baseline':>19} {'ratio':>7}")
    print(f"{'(milliseconds)':44} {'wall':>9} {'CPU':>9} {'wall':>9} {'CPU':>9} {'wall':>7}")
    for key, label in SIDE_BY_SIDE:
        new, old = pooled["this tree"][key], pooled["baseline"][key]
        m = {
            f"{t}{c}": statistics.median(d[c]) * 1e3 for t, d in (("n", new), ("o", old)) for c in d
        }
        print(
            f"  {label:42} {m['nwall']:9.1f} {m['ncpu']:9.1f} {m['owall']:9.1f} {m['ocpu']:9.1f}"
            f" {m['nwall'] / m['owall']:7.2f}"
        )
    print("  target: project(model) at most 100 ms the first time (issue 9 item 4)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--baseline", type=Path, help="an older finmodel source tree to compare")
    parser.add_argument("--rounds", type=int, default=3, help="processes per tree (--baseline)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        national_samples(args.repeats)
        return
    if args.baseline is not None:
        side_by_side(args.baseline, args.rounds, args.repeats)
        return

    default = load_model(ROOT / "models" / "lsc_ics.yaml")
    bench_model("Default model (L&SC)", default, args.repeats)
    print("  target: project(model) at most 5 ms")

    start = time.perf_counter()
    national = national_model()
    print(
        f"\n(generating and validating the national model took {time.perf_counter() - start:.1f} s)"
    )
    bench_model(
        "National model (42 systems x 40 partners x 20 lines)", national, max(3, args.repeats // 3)
    )
    print("  target: project(model) at most 100 ms (issue 9 item 4)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process so far (max RSS): {peak_mb:,.0f} MB (target under 1 GB)")

    inputs = compile_model(default)
    rates = np.linspace(0.0, 0.05, args.cases)
    batch = median_seconds(
        lambda: project_arrays(inputs.with_values({"assumptions.inflation": rates})),
        max(3, args.repeats // 3),
    )
    loop = median_seconds(
        lambda: [
            project(with_overlay(default, {"assumptions.inflation": float(r)})) for r in rates
        ],
        3,
    )
    print(f"\n{args.cases} inflation what-ifs on the default model")
    print(f"  one batched projection (with_values)    median {batch * 1e3:9.2f} ms")
    print(f"  Python loop of validated overlays       median {loop * 1e3:9.1f} ms")
    print(f"  ratio                                   {loop / batch:9.0f}x")


if __name__ == "__main__":
    main()
