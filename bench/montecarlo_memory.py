"""Benchmark: Monte Carlo peak memory against the number of draws (issue 10).

A small model (``models/minimal.yaml`` with an ``uncertainty:`` section of three inputs) is
simulated with 1M, 4M and 16M draws (``--draws``), each in a fresh process, and that process's
peak resident memory (``ru_maxrss`` of the child, from :func:`resource.getrusage`) and wall
time are printed, with how the percentiles were computed. Keeping every draw would take
``draws x 16 series x 4 bytes`` (1 GB at 16M); the run keeps them only up to
:data:`finmodel.risk.statistics.EXACT_BUDGET_BYTES` per output and streams beyond, so peak
memory should be flat from the draws where streaming starts.

Each size runs ``--repeats`` times (default 1: 16M draws take a while); the median is shown.
The machine's load average is printed: figures are comparable only on an idle machine.

Usage: python bench/montecarlo_memory.py [--draws 1000000 4000000 16000000] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

UNCERTAINTY = """
uncertainty:
  assumptions.demand_growth:
    dist: pert
    low: 0.01
    mode: 0.03
    high: 0.05
    source: "illustrative: benchmark only"
  assumptions.inflation:
    dist: normal
    mean: 0.02
    sd: 0.01
    source: "illustrative: benchmark only"
  partners.icb.costs.chc.baseline:
    dist: triangular
    low: 270
    mode: 300
    high: 360
    source: "illustrative: benchmark only"
"""

CHILD = """
import json, resource, sys, time
from finmodel.io.yaml_io import load_model
from finmodel.risk.montecarlo import simulate
model = load_model(sys.argv[1])
started = time.perf_counter()
result = simulate(model, draws=int(sys.argv[2]), seed=1)
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds,
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "how": result.percentile_method(),
    "p50_system_last": float(result.surplus.at(50)[-1, -1]),
}))
"""


def run_once(model: Path, draws: int) -> dict[str, object]:
    """Simulate ``draws`` draws in a fresh process; its peak memory and time."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(model), str(draws)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[1_000_000, 4_000_000, 16_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "minimal_uncertain.yaml"
        model.write_text((ROOT / "models" / "minimal.yaml").read_text() + UNCERTAINTY)
        print(f"{'draws':>12} {'peak RSS MB':>12} {'seconds':>9}  percentiles")
        for draws in args.draws:
            runs = [run_once(model, draws) for _ in range(args.repeats)]
            peak = statistics.median(float(r["peak_kib"]) for r in runs) / 1024  # type: ignore[arg-type]
            seconds = statistics.median(float(r["seconds"]) for r in runs)  # type: ignore[arg-type]
            how = runs[0]["how"]
            assert isinstance(how, dict)
            kind = (
                "exact"
                if how["exact"]
                else f"streamed, within {how['error_bound_gbp_thousands']:.3g} £k"
            )
            print(f"{draws:>12,} {peak:>12.0f} {seconds:>9.1f}  {kind}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
