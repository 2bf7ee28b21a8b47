"""Benchmark of the IPA / CHC service model (issue 4, item 7).

Runs :func:`finmodel.service.simulate_ipa_service` with the default model's parameters
(``models/lsc_ics.yaml``, ``investments.ipa_uplift.service.parameters``; each option's recurrent
investment and start month as :mod:`finmodel.investment.streams` builds them) over 120 months:

* 5 options (one run, as the appraisal does);
* 10,000 parameter draws x 5 options: referral growth (PERT-like triangular 0% / 2% / 5% a year)
  and staff productivity (one scale 0.8 / 1.0 / 1.15 on assessments and reviews per FTE), each an
  array of 10,000, as the Monte Carlo draws them.

Each case runs with ``record=`` limited to the series the Monte Carlo needs
(``finmodel.investment.streams.DRAW_SERIES``) and with every series. Figures are medians of
``--repeats`` timed calls after one warm-up call; the peak memory is the largest amount the call
allocates on top of its inputs (``tracemalloc``, which numpy reports to, measured in a separate
untimed call), and the process's peak resident set size is printed at the end.

Target (issue 4, on a 2-core machine): 10,000 draws x 5 options x 120 months < 1 s.

Usage: python bench/service_model.py [--repeats N] [--draws N] [--months N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from finmodel import load_model
from finmodel.domain.investments import recurrent_revenue
from finmodel.investment.streams import DRAW_SERIES, service_months
from finmodel.service import simulate_ipa_service

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "lsc_ics.yaml"
INVESTMENT = "ipa_uplift"
#: Seconds, by number of draws (issue 4 sets no target for a single run of the options).
TARGET_SECONDS = {10_000: 1.0}


def median_seconds(func: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``func`` over ``repeats`` calls, after one warm-up call."""
    func()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_mb(func: Callable[[], object]) -> float:
    """Peak memory (MB) allocated by one call of ``func`` beyond what was held before it."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    args = parser.parse_args()

    model = load_model(MODEL)
    inv = model.investments[INVESTMENT]
    assert inv.service is not None
    _, starts = service_months(model, inv, list(inv.case_years(model)))
    params = inv.service.parameters.model_copy(update={"horizon_months": args.months})
    invest = np.asarray([recurrent_revenue(o) for o in inv.options], dtype=float)
    start = np.asarray(starts)
    n_options = invest.size

    rng = np.random.default_rng(20200401)
    growth = rng.triangular(0.0, 0.02, 0.05, size=args.draws)
    productivity = rng.triangular(0.8, 1.0, 1.15, size=args.draws)
    draws = {
        "referral_growth": growth[:, None],
        "assessments_per_fte_month": (params.assessments_per_fte_month * productivity)[:, None],
        "reviews_per_fte_month": (params.reviews_per_fte_month * productivity)[:, None],
    }

    load_before = os.getloadavg()
    print(
        f"model: {model.name}: {n_options} options ({', '.join(o.id for o in inv.options)}), "
        f"{args.months} months; medians of {args.repeats} runs"
    )
    print(
        "| Case | Series recorded | Median (ms) | Target | Peak memory (MB) |\n"
        "|---|---|---:|---|---:|"
    )
    cases: list[tuple[str, int, dict[str, np.ndarray] | None]] = [
        (f"{n_options} options x {args.months} months", 1, None),
        (f"{args.draws:,} draws x {n_options} options x {args.months} months", args.draws, draws),
    ]
    for label, n_draws, overrides in cases:
        for record_name, record in (
            (f"Monte Carlo ({len(DRAW_SERIES)})", DRAW_SERIES),
            ("all (11)", None),
        ):

            def run(
                overrides: dict[str, np.ndarray] | None = overrides,
                record: tuple[str, ...] | None = record,
            ) -> object:
                return simulate_ipa_service(
                    params, invest, overrides=overrides, record=record, investment_start=start
                )

            seconds = median_seconds(run, args.repeats)
            memory = peak_mb(run)
            target = TARGET_SECONDS.get(n_draws)
            met = (
                "none set"
                if target is None
                else f"< {target:g} s: {'met' if seconds < target else 'NOT met'}"
            )
            print(
                f"| {label} | {record_name} | {seconds * 1e3:,.1f} | {met} | {memory:,.1f} |",
                flush=True,
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nProcess peak RSS {rss:,.0f} MB (Python, numpy, the model and every case above). "
        f"Load average before the run: {load_before[0]:.2f} {load_before[1]:.2f} "
        f"{load_before[2]:.2f} on {os.cpu_count()} CPUs."
    )


if __name__ == "__main__":
    main()
