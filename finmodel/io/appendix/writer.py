"""The Excel business-case appendix: live formulas a reviewer can audit, with stored results.

``write_appendix(result, "appendix.xlsx")`` writes, in this order:

=============  ==============================================================================
Cover          model, scenario, units, engine version, model file and its SHA-256, run time,
               the master check, parity with the engine run (not in the master check), every
               input set by the scenario or overlay, engine-value rows, contents, colour key
Summary        one page: system position against the control total, options, two charts
Inputs         every assumption and base-year figure, one row each, with unit and source
Time           the year columns and the base-year / projected-year flags
Calculations   one row of live formulas per funding stream and cost line (and the volume-only
               and volume-and-inflation costs the bridge needs)
Partners       income, expenditure, surplus, control total, variance, risk share by partner
System         consolidated position, eliminations, control total, variance, places
Bridge         the gap bridge by year as formulas, a bar chart of it, a system position chart
(extra)        sheets other parts of the product add (appraisal, financial case, risk, ...)
Checks         each invariant the workbook can express, formulas against formulas (0 when it
               holds, for any inputs), rolled into the master check shown on the Cover; then
               the parity with the engine run as exported, shown apart
Inputs as      (hidden) the inputs as exported, for the changed-since-export flags
exported
=============  ==============================================================================

Formulas refer only to cells (the constants 0 and 1 appear in flags, checks and growth factors
``(1 + rate)``); no OFFSET or INDIRECT; every range is bounded. Each formula is written with
its result (XlsxWriter), so readers that do not recalculate show the engine's numbers; with
``values_only=True`` plain numbers are written instead. Text from the model is always written
as text, so a name such as ``=HYPERLINK(...)`` is never a formula. The file is written to a
temporary file beside the target and moved into place (:mod:`finmodel.io.atomic`).

Sheets beyond the projection
----------------------------
The sheets other parts of the product add are listed, in order, in :data:`APPENDIX_SHEETS`
(*Appraisal*, *Financial case* and *Service model* of each investment, then *Risk*); nothing is
registered by importing a module. A *sheet writer* is a callable ``(workbook, context) -> None``
where ``workbook`` is the :class:`xlsxwriter.Workbook` and ``context`` an
:class:`~finmodel.io.appendix.context.AppendixContext`; it adds nothing when it does not apply (a
model without investments or uncertainty). To add a sheet, write its writer in a module of this
package and add it to :data:`APPENDIX_SHEETS`, or pass writers for one appendix::

    def appraisal_sheet(workbook, ctx):
        ws = ctx.add_timeseries_sheet("Appraisal", "Green Book appraisal of the options",
                                      title="Appraisal: net present social value")
        ctx.text(ws, 4, 0, "System surplus, £k (linked)", ctx.styles.label)
        ctx.write_row(ws, 4, lambda col, prev: f"={ctx.at('system.surplus', col)}",
                      ctx.result.arrays.system_surplus, ctx.styles.money)
        ...  # rows 5+: discount factors, NPSV, and a row of 0/1 check flags on row 30
        ctx.add_check("NPSV at 0% equals the undiscounted sum", "Appraisal!G30:P30", failures=0)

    write_appendix(result, out, extra_sheets=[appraisal_sheet])

``write_row(ws, row, formula, values, fmt, years=None)`` calls ``formula(column letter,
previous column letter)`` for each year and stores ``values[t]`` (the engine's figure) as the
result; ``add_check(description, cells, failures)`` adds a row ``=SUM(cells)`` to Checks, so
the cells must hold 0 when the check holds (compare with ``ABS(a-b)>`` ``ctx.tolerance_ref``).
Extra sheets come after Bridge and before Checks: first :data:`APPENDIX_SHEETS` (unless
``appendix_sheets=False``), then ``extra_sheets``. The context gives named rows (``ctx.rows``;
for example ``system.surplus``, ``partners.surplus.<partner id>``, ``places.surplus.<place>``,
``bridge.<step>``, ``inputs.<key in the model file>``), ``ctx.at(name, column)`` references,
``ctx.write``/``ctx.write_row`` (formula with its cached result, or the value with
``--values``), ``ctx.text`` (safe text), ``ctx.add_check`` (rolled into the master check) and
the formats in ``ctx.styles``.

Example
-------
>>> import tempfile, pathlib
>>> from finmodel import load_model, project
>>> out = pathlib.Path(tempfile.mkdtemp()) / "appendix.xlsx"
>>> layout = write_appendix(project(load_model("models/minimal.yaml")), out)
>>> layout.sheets[:4]
['Cover', 'Summary', 'Inputs', 'Time']
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from finmodel.domain.model import Model
from finmodel.engine.result import ProjectionResult
from finmodel.errors import InputError, Problem
from finmodel.investment.case import InvestmentCase
from finmodel.investment.projection import project
from finmodel.io.appendix.calculations import write_calculations
from finmodel.io.appendix.context import (
    AppendixContext,
    shareable_permissions,
)
from finmodel.io.appendix.investment import appraise_investments, investment_sheets
from finmodel.io.appendix.investment_link import link_investment_costs
from finmodel.io.appendix.outputs import plan_system, write_bridge, write_partners, write_system
from finmodel.io.appendix.print_bands import band_wide_sheets
from finmodel.io.appendix.provenance import provenance_entries
from finmodel.io.appendix.risk_sheet import RiskRun, risk_sheet
from finmodel.io.appendix.sheets import Derived, write_exported_inputs, write_inputs, write_time
from finmodel.io.appendix.summary import CoverFacts, write_checks, write_cover
from finmodel.io.appendix.summary_page import add_summary_sheet, write_summary
from finmodel.io.atomic import atomic_path
from finmodel.io.excel_styles import (
    FIRST_YEAR_COL,
    Styles,
)
from finmodel.io.finite import check_finite_projection
from finmodel.io.yaml_io import file_hash
from finmodel.risk.analysis import sensitivity
from finmodel.risk.montecarlo import SimulationResult

#: A sheet writer: adds sheets to the appendix (see the module docstring).
SheetWriter = Callable[[Workbook, AppendixContext], None]

#: The sheets the product adds after Bridge, in order (each adds nothing when it does not apply).
APPENDIX_SHEETS: tuple[SheetWriter, ...] = (investment_sheets, risk_sheet)


@dataclass(frozen=True)
class AppendixBundle:
    """Everything the appendix shows, computed by the caller before anything is laid out."""

    result: ProjectionResult
    """The projection (scenario and overlay applied)."""
    cases: Mapping[str, InvestmentCase]
    """Each investment appraised on ``result.model``, by id, in model order."""
    risk: RiskRun | None = None
    """The Monte Carlo run and tornados for the Risk sheet (None: no Risk sheet)."""


def appendix_bundle(result: ProjectionResult, risk: RiskRun | None = None) -> AppendixBundle:
    """The bundle of a projection: its investments appraised (and ``risk`` as given)."""
    return AppendixBundle(result, appraise_investments(result), risk)


@dataclass(frozen=True)
class AppendixLayout:
    """Where things are in a written appendix (for tests and for tools reading it back)."""

    sheets: list[str]
    """Sheet names in order."""
    rows: dict[str, tuple[str, int]]
    """Named rows: name -> (sheet, 0-based row)."""
    first_year_col: int
    """0-based column of the base year on every time-series sheet."""
    years: list[str]
    """Year labels, base year first."""
    master_check: tuple[str, int, int]
    """(sheet, row, col) of the master check, 0-based."""


def write_appendix(
    source: ProjectionResult | AppendixBundle,
    out: str | Path,
    *,
    model_file: str | Path | None = None,
    values_only: bool = False,
    extra_sheets: Sequence[SheetWriter] = (),
    appendix_sheets: bool = True,
    run_time: dt.datetime | None = None,
    cached_values: bool = True,
    model_as_loaded: Model | None = None,
    overlay: Mapping[str, Any] | None = None,
    risk: RiskRun | None = None,
) -> AppendixLayout:
    """Write the Excel appendix of a bundle (or of a projection, whose bundle is computed
    first: :func:`appendix_bundle`) to ``out`` (``.xlsx``), atomically. The sheets only lay
    out what the bundle holds; nothing is computed while writing.

    ``model_file`` is hashed onto the Cover; ``values_only`` writes numbers instead of
    formulas; the sheets of :data:`APPENDIX_SHEETS` are added unless ``appendix_sheets`` is
    false, then ``extra_sheets``; ``cached_values=False`` stores 0 as each formula's result
    (only for testing that a spreadsheet recalculates). Provenance on the Cover:
    ``model_as_loaded`` is the model as read from ``model_file`` (before the scenario; gives
    the values in the file) and ``overlay`` the dotted-path entries set on top of the scenario
    (the app's what-ifs); each is listed with the value in the file and the value used.
    ``risk``: the Monte Carlo run (and tornados) for the Risk sheet, computed by the caller
    (see :func:`~finmodel.io.appendix.risk_sheet.default_risk_run`); it replaces the bundle's. Money in
    £k. Raises :class:`InputError` for a target that is not ``.xlsx``.
    """
    target = Path(out)
    if target.suffix.lower() != ".xlsx":
        message = "the appendix is an Excel workbook: give a file name ending in .xlsx"
        if target.suffix.lower() == ".xlsm":
            message = (
                "macro-enabled workbooks (.xlsm) are not written; give a file name ending in .xlsx"
            )
        raise InputError([Problem(str(target), "", message)])
    if target.is_dir():
        raise InputError(
            [Problem(str(target), "", "is a folder; give a file name ending in .xlsx")]
        )
    result = source.result if isinstance(source, AppendixBundle) else source
    check_finite_projection(result)
    with collector_paused():
        if isinstance(source, AppendixBundle):
            bundle = source if risk is None else AppendixBundle(source.result, source.cases, risk)
        else:
            bundle = appendix_bundle(source, risk)
        writers = (list(APPENDIX_SHEETS) if appendix_sheets else []) + list(extra_sheets)
        model_hash = (
            file_hash(model_file) if model_file is not None and Path(model_file).is_file() else None
        )
        when = run_time or dt.datetime.now(dt.UTC).replace(microsecond=0)
        provenance = provenance_entries(result, model_as_loaded, overlay or {})
        with atomic_path(target) as tmp:
            layout = _build(
                bundle,
                tmp,
                values_only,
                writers,
                (model_file, model_hash, when, provenance, bool(overlay)),
                cached_values,
            )
            shareable_permissions(tmp, target)
    return layout


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while an appendix is built (enabled again after,
    if it was). Building a workbook makes some 60,000 cell objects (250,000 for a 2,000-line
    model) that live until it is written, and every full collection while they are made walks
    all of the process's objects again, collecting nothing: about 15% of the export's time
    (25% for the large model). Memory freed by reference counting is freed at once as
    before; the workbook's own reference cycles become garbage only once it is written, and
    the collector takes them at its next run, as it would have."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    bundle: AppendixBundle,
    path: Path,
    values_only: bool,
    writers: Sequence[SheetWriter],
    cover_facts: CoverFacts,
    cached_values: bool,
) -> AppendixLayout:
    result = bundle.result
    workbook = Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
            "in_memory": True,  # no temporary file per sheet (removing them cost ~0.09 s)
        },
    )
    ctx = AppendixContext(
        workbook,
        result,
        Styles.create(workbook),
        formulas=not values_only,
        cached_values=cached_values,
        cases=bundle.cases,
        risk=bundle.risk,
    )
    cover = workbook.add_worksheet("Cover")
    ctx.contents.append(("Cover", "This page: what the workbook is and whether its checks hold"))
    summary = add_summary_sheet(ctx)
    write_inputs(ctx)
    write_time(ctx)
    derived = Derived.of(ctx)
    write_calculations(ctx, derived)
    plan_system(ctx)
    write_partners(ctx, derived)
    write_system(ctx)
    write_bridge(ctx)
    for writer in writers:
        writer(workbook, ctx)
    link_investment_costs(ctx)
    master = write_checks(ctx, derived)
    write_exported_inputs(ctx)
    write_summary(ctx, summary)
    write_cover(ctx, cover, master, cover_facts)
    ctx.fit_columns()
    band_wide_sheets(workbook, ctx.print_widths)
    workbook.set_properties(
        {
            "title": f"{result.model.name}: financial model appendix",
            "subject": "Projection of the system position (£k)",
            "author": "finmodel",
            "comments": "Written by finmodel; formulas reference Inputs.",
        }
    )
    workbook.close()
    return AppendixLayout(
        sheets=[name for name, _ in ctx.contents],
        rows=dict(ctx.rows),
        first_year_col=FIRST_YEAR_COL,
        years=list(result.years),
        master_check=("Checks", master[0], 4),
    )


def write_risk_appendix(
    model: Model,
    result: SimulationResult,
    out: str | Path,
    *,
    model_file: str | Path | None = None,
    values_only: bool = False,
) -> AppendixLayout:
    """Write the appendix of ``model`` (under the run's scenario) with the run's Risk sheet."""
    tornado = sensitivity(model, result.scenario)
    return write_appendix(
        project(model, result.scenario),
        out,
        model_file=model_file,
        values_only=values_only,
        model_as_loaded=model,
        risk=(result, tornado),
    )


__all__ = [
    "APPENDIX_SHEETS",
    "AppendixBundle",
    "AppendixContext",
    "AppendixLayout",
    "SheetWriter",
    "appendix_bundle",
    "write_appendix",
    "write_risk_appendix",
]
