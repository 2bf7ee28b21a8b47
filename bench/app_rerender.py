"""Benchmark: server-side time to re-render the app after changing one assumption.

Runs the Streamlit app headless (``streamlit.testing.v1.AppTest``, the same script run a browser
session triggers, without the network), on the default model's System page, then changes demand
growth to a new value (a cache miss: the overlay is validated and projected afresh) and times
each rerun. Prints the median (and quartiles) of the repeated runs; target under 300 ms.

Usage: python bench/app_rerender.py [--repeats N] [--page System] [--model lsc_ics.yaml]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"
TARGET_MS = 300.0


def measure(repeats: int, page: str, model: str | None) -> list[float]:
    """Milliseconds of each rerun after changing demand growth by 0.01 percentage points."""
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    if model is not None:
        at.selectbox(key="model_choice").set_value(model).run()
    if page != "System":
        at.radio(key="page").set_value(page).run()
    if at.exception:
        raise SystemExit(f"the app failed: {at.exception}")
    widget = at.number_input(key="in:assumptions.demand_growth")
    start_value = float(widget.value or 0.0)
    times = []
    for i in range(1, repeats + 2):
        widget = at.number_input(key="in:assumptions.demand_growth")
        widget.set_value(round(start_value + 0.01 * i, 4))
        started = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - started) * 1000
        if at.exception:
            raise SystemExit(f"the app failed: {at.exception}")
        if i > 1:  # the first change warms imports and Plotly's validators
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--page", default="System")
    parser.add_argument("--model", default=None, help="a bundled model file name")
    args = parser.parse_args()
    os.environ.setdefault("FINMODEL_DATA_DIR", tempfile.mkdtemp(prefix="finmodel-bench-"))
    times = measure(args.repeats, args.page, args.model)
    q1, median, q3 = statistics.quantiles(times, n=4)
    print(
        f"app re-render after changing one assumption ({args.page} page, "
        f"{args.model or 'default model'}): median {median:.0f} ms "
        f"(quartiles {q1:.0f}-{q3:.0f} ms, {len(times)} runs); target < {TARGET_MS:.0f} ms: "
        f"{'met' if median < TARGET_MS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
