"""Benchmark of the Excel appendix export, with LibreOffice recalculation measured alongside.

For (a) the default model (``models/lsc_ics.yaml``) and (b) a generated model of 2,000 cost
lines (100 partners x 20 lines) over 10 projected years, built as a raw model dict by
:func:`generated_model_data` and validated with :func:`~finmodel.domain.validation.validate_data`:

* export time: median wall time of
  ``write_appendix(result, path, model_file=..., values_only=False)`` (live formulas with
  their cached results, registered extra sheets included, as ``finmodel run --out`` writes it),
  over ``--repeats`` (default model) or ``--large-repeats`` runs, after one warm-up export
  (imports done);
* peak memory, two measures: the **tracemalloc peak** of Python allocations during one
  export (the export's own working memory, over what was allocated before it), and the
  **resident memory** of a fresh Python process that imports finmodel, loads and projects the
  model and writes the appendix once: its RSS just before the export (``VmRSS``) and its
  resident high-water mark during the export (``VmHWM`` from ``/proc/self/status``, reset just
  before the export; Linux only). Not ``resource.getrusage().ru_maxrss``: a process started by
  ``subprocess`` inherits its parent's ``ru_maxrss`` through exec, so it would report this
  benchmark's own peak;
* LibreOffice recalculation: median wall time of :func:`finmodel.io.recalc.recalculate` of the
  same file (a new ``soffice`` process with its own fresh profile each call: start-up, load with
  forced recalculation, save as ``.xlsx``), over ``--lo-repeats`` runs; the recalculated
  master check is read back and must be 0;
* the engine: median time of ``finmodel.project(model, scenario)`` (compile and project one
  scenario); the ratio printed is LibreOffice recalculation time / engine scenario time, what
  a user feels between changing a scenario in the engine and recalculating the spreadsheet.

Targets (issue 13, on a 2-core machine): export of the default model <= 0.5 s, of the large
one <= 5 s. ``write_appendix(result, ...)`` first builds the bundle (``appendix_bundle``:
each investment appraised; included in these times), then lays it out, with Python's cyclic
garbage collector paused (as ``write_appendix`` always does; not a setting of this benchmark). The Monte Carlo of the
Risk sheet is the caller's (``risk=``) and is not in these times (``finmodel run --out`` adds
``default_risk_run``, about 0.45 s for the default model).

Run time about 1 minute on 2 cores. Usage: python bench/excel_export.py [--repeats N]
[--large-repeats N] [--lo-repeats N] [--engine-repeats N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import yaml

from finmodel import Model, load_model, project
from finmodel.domain.validation import validate_data
from finmodel.engine.result import ProjectionResult
from finmodel.io.appendix.writer import AppendixLayout, write_appendix
from finmodel.io.recalc import recalculate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "lsc_ics.yaml"
PLACES = ("Central", "Fylde Coast", "Pennine", "West", "Bay")
KINDS = ("commissioner", "provider", "local_authority", "vcfse", "other")
TARGETS = {"default": 0.5, "large": 5.0}
"""Export time targets, seconds."""


def generated_model_data(
    partners: int = 100, lines: int = 20, horizon: int = 10, seed: int = 7
) -> dict[str, Any]:
    """A valid raw model of ``partners x lines`` cost lines over ``horizon`` projected years.

    Deterministic for a seed: partners in five places, one or two funding streams each, about a
    quarter of the cost lines paid to another partner (internal flows), some lines driven by a
    population driver, some with their own rates (scalars or one value a year), control totals
    for the partners in the control total, a proportional risk share and one scenario.
    """
    rng = np.random.default_rng(seed)
    ids = [f"p{i:03d}" for i in range(partners)]

    def rate(low: float, high: float) -> float | list[float]:
        if rng.random() < 0.5:
            return round(float(rng.uniform(low, high)), 4)
        return [round(float(v), 4) for v in rng.uniform(low, high, horizon)]

    partner_list = []
    for p, pid in enumerate(ids):
        funding = [
            {"id": f"f{j}", "baseline": round(float(rng.uniform(5e3, 2e5)), 1)}
            | ({"funding_growth": rate(0.0, 0.06)} if rng.random() < 0.3 else {})
            for j in range(1 + int(rng.random() < 0.5))
        ]
        costs = []
        for j in range(lines):
            line: dict[str, Any] = {
                "id": f"c{j:02d}",
                "baseline": round(float(rng.uniform(0, 2e4)), 1),
            }
            if rng.random() < 0.25:
                line["payee"] = ids[(p + 1 + int(rng.integers(partners - 1))) % partners]
            if rng.random() < 0.2:
                line["demand_driver"] = "over_65"
            elif rng.random() < 0.3:
                line["demand_growth"] = rate(0.0, 0.05)
            if rng.random() < 0.3:
                line["inflation"] = rate(0.01, 0.05)
            if rng.random() < 0.3:
                line["efficiency"] = rate(0.0, 0.03)
            costs.append(line)
        partner_list.append(
            {
                "id": pid,
                "name": f"Partner {p}",
                "kind": KINDS[p % len(KINDS)],
                "place": PLACES[p % len(PLACES)],
                "in_control_total": p % 4 != 3,
                "funding": funding,
                "costs": costs,
            }
        )
    return {
        "name": f"Generated: {partners} partners x {lines} cost lines, {horizon} years",
        "timeline": {"base_year": "2019/20", "horizon": horizon},
        "assumptions": {
            "demand_growth": 0.03,
            "inflation": [round(float(v), 4) for v in rng.uniform(0.02, 0.04, horizon)],
            "efficiency": 0.011,
            "funding_growth": 0.045,
            "non_demographic_growth": 0.02,
        },
        "drivers": {
            "over_65": {
                "name": "Population 65+",
                "growth": [round(float(v), 4) for v in rng.uniform(0.01, 0.02, horizon)],
            }
        },
        "partners": partner_list,
        "control_totals": {
            p["id"]: round(float(rng.uniform(-500, 500)), 1)
            for p in partner_list
            if p["in_control_total"]
        },
        "risk_share": {"method": "proportional_to_baseline_expenditure"},
        "scenarios": [
            {
                "id": "higher_demand",
                "name": "Demand one point higher",
                "set": {"assumptions.demand_growth": 0.04},
            }
        ],
    }


@dataclass(frozen=True)
class Case:
    """A model to benchmark: its key, a description, the model, its file and a scenario."""

    key: str
    label: str
    model: Model
    model_file: Path
    scenario: str | None


def load_case(key: str, folder: Path) -> Case:
    """The default model (``key="default"``) or the generated 2,000-line one (``"large"``)."""
    if key == "default":
        model = load_model(DEFAULT_MODEL)
        return Case(key, "default (L&SC)", model, DEFAULT_MODEL, "higher_demand")
    data = generated_model_data()
    generated, findings = validate_data(data)
    if generated is None or findings:
        raise SystemExit(f"the generated model is invalid: {findings[:5]}")
    model_file = folder / "generated.yaml"
    model_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return Case(key, "generated", generated, model_file, "higher_demand")


def describe(case: Case) -> str:
    """Partners, cost lines and year columns of a case's model."""
    lines = sum(len(p.costs) for p in case.model.partners)
    horizon = case.model.timeline.horizon
    return f"{len(case.model.partners)} partners, {lines:,} cost lines, {horizon + 1} years"


def median_seconds(func: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``func`` over ``repeats`` calls (no warm-up call)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def export(case: Case, result: ProjectionResult, path: Path) -> AppendixLayout:
    """Write the appendix as ``finmodel run --out`` does (live formulas, cached results)."""
    return write_appendix(result, path, model_file=case.model_file, values_only=False)


def tracemalloc_peak(case: Case, result: ProjectionResult, path: Path) -> int:
    """Peak bytes of Python allocations made during one export (tracemalloc)."""
    tracemalloc.start()
    try:
        export(case, result, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def proc_status_bytes(field: str) -> int:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``, ``VmHWM``), bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_fresh_process(key: str, folder: Path) -> dict[str, int]:
    """Resident memory, bytes, of a fresh process that loads, projects and exports once.

    Keys: ``before`` (RSS just before the export), ``peak_export`` (high-water mark during the
    export), ``peak`` (high-water mark of the whole process).
    """
    completed = subprocess.run(
        [sys.executable, __file__, "--rss-child", key, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    figures: dict[str, int] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def rss_child(key: str, folder: Path) -> None:
    """In a fresh process: load, project and export once; print its resident memory as JSON.

    Uses ``VmHWM`` (the resident high-water mark) rather than ``getrusage().ru_maxrss``: a
    process started by ``subprocess`` inherits its parent's ``ru_maxrss`` through exec, so that
    figure would show this benchmark's own peak. The mark is reset (``/proc/self/clear_refs``)
    just before the export, so ``peak_export`` is the export's own peak.
    """
    case = load_case(key, folder)
    result = project(case.model, case.scenario)
    peak_before = proc_status_bytes("VmHWM")
    before = proc_status_bytes("VmRSS")
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    export(case, result, folder / f"rss-{key}.xlsx")
    peak_export = proc_status_bytes("VmHWM")
    print(
        json.dumps(
            {"before": before, "peak_export": peak_export, "peak": max(peak_before, peak_export)}
        )
    )


def master_check(path: Path, layout: AppendixLayout) -> Any:
    """The master check's value as stored in a workbook (0 when every check holds)."""
    sheet, row, col = layout.master_check
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        cells = book[sheet].iter_rows(
            min_row=row + 1, max_row=row + 1, min_col=col + 1, max_col=col + 1, values_only=True
        )
        return next(iter(cells))[0]
    finally:
        book.close()


def recalc_seconds(path: Path, out_dir: Path, repeats: int) -> tuple[float, Path]:
    """Median wall time of recalculating ``path`` with LibreOffice (own profile per call)."""
    outputs: list[Path] = []
    seconds = median_seconds(lambda: outputs.extend(recalculate([path], out_dir)), repeats)
    return seconds, outputs[-1]


def empty_workbook(path: Path) -> Path:
    """A one-cell workbook: recalculating it measures LibreOffice's start-up and save."""
    from xlsxwriter.workbook import Workbook

    book = Workbook(str(path))
    book.add_worksheet("Sheet1").write_number(0, 0, 1.0)
    book.close()
    return path


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="exports of the default model")
    parser.add_argument("--large-repeats", type=int, default=3, help="exports of the large one")
    parser.add_argument("--lo-repeats", type=int, default=3, help="LibreOffice runs per file")
    parser.add_argument("--engine-repeats", type=int, default=20)
    parser.add_argument("--rss-child", choices=sorted(TARGETS), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.folder)
        return

    with tempfile.TemporaryDirectory(prefix="finmodel-bench-") as tmp:
        folder = Path(tmp)
        recalculated = folder / "recalculated"
        # Warm-up: imports (registered sheet modules, XlsxWriter) done before any timing.
        export(load_case("default", folder), project(load_model(DEFAULT_MODEL)), folder / "w.xlsx")

        start_up, _ = recalc_seconds(empty_workbook(folder / "empty.xlsx"), recalculated, 1)
        print(f"LibreOffice start-up and save of a one-cell workbook: {start_up:.2f} s")
        rows = []
        for key in ("default", "large"):
            case = load_case(key, folder)
            result = project(case.model, case.scenario)
            path = folder / f"{key}.xlsx"
            repeats = args.repeats if key == "default" else args.large_repeats
            seconds = median_seconds(lambda: export(case, result, path), repeats)  # noqa: B023
            layout = export(case, result, path)
            peak = tracemalloc_peak(case, result, folder / f"{key}-traced.xlsx")
            rss = rss_fresh_process(key, folder)
            engine = median_seconds(
                lambda: project(case.model, case.scenario),  # noqa: B023
                args.engine_repeats,
            )
            no_scenario = median_seconds(
                lambda: project(case.model),  # noqa: B023
                args.engine_repeats,
            )
            lo, lo_file = recalc_seconds(path, recalculated, args.lo_repeats)
            check = master_check(lo_file, layout)
            target = TARGETS[key]
            verdict = "met" if seconds < target else "NOT MET"
            print(
                f"{case.label}: {describe(case)}, scenario {case.scenario}, "
                f"{path.stat().st_size / 1e6:.1f} MB file\n"
                f"  export median of {repeats}: {seconds:.2f} s "
                f"(target < {target:g} s: {verdict})\n"
                f"  peak memory: tracemalloc {mb(peak)} during the export; in a fresh process "
                f"that loads, projects and exports: RSS {mb(rss['before'])} before the export, "
                f"peak {mb(rss['peak_export'])} during it (VmHWM)\n"
                f"  engine scenario, project(model, scenario), median of {args.engine_repeats}: "
                f"{engine * 1e3:.1f} ms (project(model) without a scenario: "
                f"{no_scenario * 1e3:.1f} ms)\n"
                f"  LibreOffice recalculation median of {args.lo_repeats}: {lo:.2f} s, "
                f"master check after recalculation: {check!r}\n"
                f"  ratio LibreOffice recalculation / engine scenario: {lo / engine:,.0f}x"
            )
            rows.append(
                f"| {case.label}: {describe(case)} | {seconds:.2f} s | < {target:g} s "
                f"| {mb(peak)} | {mb(rss['before'])} / {mb(rss['peak_export'])} "
                f"| {lo:.2f} s | {engine * 1e3:.1f} ms | {lo / engine:,.0f}x |"
            )
        print()
        print(
            "| model | export (median) | target | tracemalloc peak | RSS before / peak (VmHWM) | "
            "LibreOffice recalc | engine scenario | recalc / engine |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(rows))
        print(f"\nLibreOffice start-up and save of a one-cell workbook: {start_up:.2f} s")


if __name__ == "__main__":
    main()
