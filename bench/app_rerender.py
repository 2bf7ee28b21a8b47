"""Benchmark: server-side time to re-render the app after changing one assumption.

Runs the Streamlit app headless (``streamlit.testing.v1.AppTest``, the same script run a browser
session triggers, without the network), on the default model's System page, then changes demand
growth to a new value (a cache miss: the overlay is validated and projected afresh) and times
each rerun. Prints the median (and quartiles) of the repeated runs; target at most 150 ms.
With ``--year-edit`` the change is one year of a control total on the Inputs page (the
year-by-year editor) instead. It also times the first render of a session: the very first
(imports included, as after ``finmodel app`` starts) and a new session on a warm server;
target at most 2 s.

Usage: python bench/app_rerender.py [--repeats N] [--page System] [--model lsc_ics.yaml]
       [--year-edit]
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
TARGET_MS = 150.0
FIRST_RENDER_TARGET_S = 2.0


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


def first_renders() -> tuple[float, float]:
    """Seconds of a session's first render: the first in this process, then a new session."""
    found = []
    for _ in range(2):
        started = time.perf_counter()
        at = AppTest.from_file(str(APP), default_timeout=120).run()
        found.append(time.perf_counter() - started)
        if at.exception:
            raise SystemExit(f"the app failed: {at.exception}")
    return found[0], found[1]


def measure_year_edit(repeats: int) -> list[float]:
    """Milliseconds of each rerun after changing one year of a control total (Inputs page)."""
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.radio(key="page").set_value("Inputs").run()
    path = "control_totals.lth"
    at.selectbox(key="yr_choice").set_value(path).run()
    times = []
    for i in range(1, repeats + 2):
        row = next(n for n in at.number_input if str(n.key).endswith(f":{path}:2"))
        row.set_value(-1000.0 * i)
        started = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - started) * 1000
        if at.exception:
            raise SystemExit(f"the app failed: {at.exception}")
        if i > 1:
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--page", default="System")
    parser.add_argument("--model", default=None, help="a bundled model file name")
    parser.add_argument("--year-edit", action="store_true", help="edit one control-total year")
    args = parser.parse_args()
    os.environ.setdefault("FINMODEL_DATA_DIR", tempfile.mkdtemp(prefix="finmodel-bench-"))
    cold, warm = first_renders()
    print(
        f"first render of a session: {cold:.2f} s with imports, {warm:.2f} s on a warm server; "
        f"target <= {FIRST_RENDER_TARGET_S:.0f} s: "
        f"{'met' if warm <= FIRST_RENDER_TARGET_S else 'NOT met'}"
    )
    if args.year_edit:
        times = measure_year_edit(args.repeats)
        what = "one year of a control total (Inputs page)"
    else:
        times = measure(args.repeats, args.page, args.model)
        what = f"one assumption ({args.page} page)"
    q1, median, q3 = statistics.quantiles(times, n=4)
    print(
        f"app re-render after changing {what}, "
        f"{args.model or 'default model'}: median {median:.0f} ms "
        f"(quartiles {q1:.0f}-{q3:.0f} ms, {len(times)} runs); target <= {TARGET_MS:.0f} ms: "
        f"{'met' if median <= TARGET_MS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
