"""The Excel business-case appendix: live formulas a reviewer can audit, with stored results.

``write_appendix(result, "appendix.xlsx")`` writes, in this order:

=============  ==============================================================================
Cover          model, scenario, units, engine version, model file and its SHA-256, run time,
               the master check, contents and colour key
Inputs         every assumption and base-year figure, one row each, with unit and source
Time           the year columns and the base-year / projected-year flags
Calculations   one row of live formulas per funding stream and cost line (and the volume-only
               and volume-and-inflation costs the bridge needs)
Partners       income, expenditure, surplus, control total, variance, risk share by partner
System         consolidated position, eliminations, control total, variance, places
Bridge         the gap bridge by year as formulas, a bar chart of it, a system position chart
(extra)        sheets other parts of the product add (appraisal, financial case, risk, ...)
Checks         each invariant of SPEC section 9 the workbook can express (0 when it holds),
               rolled into the master check shown on the Cover
=============  ==============================================================================

Formulas refer only to cells (the constants 0 and 1 appear in flags, checks and growth factors
``(1 + rate)``); no OFFSET or INDIRECT; every range is bounded. Each formula is written with
its result (XlsxWriter), so readers that do not recalculate show the engine's numbers; with
``values_only=True`` plain numbers are written instead. Text from the model is always written
as text, so a name such as ``=HYPERLINK(...)`` is never a formula. The file is written to a
temporary file beside the target and moved into place (:mod:`finmodel.io.atomic`).

Adding sheets (the extension hook)
----------------------------------
Another part of the product adds its own sheets without editing this package: a *sheet
writer* is a callable ``(workbook, context) -> None`` where ``workbook`` is the
:class:`xlsxwriter.Workbook` and ``context`` an
:class:`~finmodel.io.excel_context.AppendixContext`. Register it once, at import of its module::

    from finmodel.io.excel_appendix import register_sheet

    @register_sheet
    def appraisal_sheet(workbook, ctx):
        ws = ctx.add_timeseries_sheet("Appraisal", "Green Book appraisal of the options",
                                      title="Appraisal: net present social value")
        ctx.text(ws, 4, 0, "System surplus, £k (linked)", ctx.styles.label)
        ctx.write_row(ws, 4, lambda col, prev: f"={ctx.at('system.surplus', col)}",
                      ctx.result.arrays.system_surplus, ctx.styles.money)
        ...  # rows 5+: discount factors, NPSV, and a row of 0/1 check flags on row 30
        ctx.add_check("NPSV at 0% equals the undiscounted sum", "Appraisal!G30:P30", failures=0)

``write_row(ws, row, formula, values, fmt, years=None)`` calls ``formula(column letter,
previous column letter)`` for each year and stores ``values[t]`` (the engine's figure) as the
result; ``add_check(description, cells, failures)`` adds a row ``=SUM(cells)`` to Checks, so
the cells must hold 0 when the check holds (compare with ``ABS(a-b)>`` ``ctx.tolerance_ref``).

and place the module's name in :data:`APPENDIX_SHEET_MODULES` or pass writers directly:
``write_appendix(result, out, extra_sheets=[appraisal_sheet])``. Modules listed in
:data:`APPENDIX_SHEET_MODULES` are imported when an appendix is written (missing ones are
skipped), so their ``register_sheet`` calls run. Extra sheets come after Bridge and before
Checks, in registration order. The context gives named rows (``ctx.rows``; for example
``system.surplus``, ``partners.surplus.<partner id>``, ``places.surplus.<place>``,
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
['Cover', 'Inputs', 'Time', 'Calculations']
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.workbook import Workbook

from finmodel.engine.result import ProjectionResult
from finmodel.errors import InputError, Problem
from finmodel.io.atomic import atomic_path
from finmodel.io.excel_calculations import write_calculations
from finmodel.io.excel_context import (
    AppendixContext,
    shareable_permissions,
)
from finmodel.io.excel_outputs import plan_system, write_bridge, write_partners, write_system
from finmodel.io.excel_sheets import Derived, write_inputs, write_time
from finmodel.io.excel_styles import (
    FIRST_YEAR_COL,
    Styles,
)
from finmodel.io.excel_summary import write_checks, write_cover
from finmodel.io.finite import check_finite_projection
from finmodel.io.yaml_io import file_hash

#: A sheet writer: adds sheets to the appendix (see the module docstring).
SheetWriter = Callable[[Workbook, AppendixContext], None]

#: Modules imported before writing an appendix so that their ``register_sheet`` calls run.
APPENDIX_SHEET_MODULES = (
    "finmodel.appraisal.excel_sheets",
    "finmodel.risk.excel_sheets",
)
_REGISTERED: list[SheetWriter] = []


def register_sheet(writer: SheetWriter) -> SheetWriter:
    """Add a sheet writer to every appendix written from now on (usable as a decorator)."""
    if writer not in _REGISTERED:
        _REGISTERED.append(writer)
    return writer


def registered_sheets() -> list[SheetWriter]:
    """The registered sheet writers, after importing :data:`APPENDIX_SHEET_MODULES`."""
    for name in APPENDIX_SHEET_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:  # the module exists but something it imports does not
                raise
    return list(_REGISTERED)


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
    result: ProjectionResult,
    out: str | Path,
    *,
    model_file: str | Path | None = None,
    values_only: bool = False,
    extra_sheets: Sequence[SheetWriter] = (),
    include_registered: bool = True,
    run_time: dt.datetime | None = None,
    cached_values: bool = True,
) -> AppendixLayout:
    """Write the Excel appendix of a projection to ``out`` (``.xlsx``), atomically.

    ``model_file`` is hashed onto the Cover; ``values_only`` writes numbers instead of
    formulas; ``extra_sheets`` are sheet writers added after the registered ones;
    ``cached_values=False`` stores 0 as each formula's result (only for testing that a
    spreadsheet recalculates). Money in £k. Raises :class:`InputError` for a target that is not
    ``.xlsx``.
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
    check_finite_projection(result)
    writers = (registered_sheets() if include_registered else []) + list(extra_sheets)
    model_hash = (
        file_hash(model_file) if model_file is not None and Path(model_file).is_file() else None
    )
    when = run_time or dt.datetime.now(dt.UTC).replace(microsecond=0)
    with atomic_path(target) as tmp:
        layout = _build(
            result, tmp, values_only, writers, model_file, model_hash, when, cached_values
        )
        shareable_permissions(tmp, target)
    return layout


def _build(
    result: ProjectionResult,
    path: Path,
    values_only: bool,
    writers: Sequence[SheetWriter],
    model_file: str | Path | None,
    model_hash: str | None,
    when: dt.datetime,
    cached_values: bool,
) -> AppendixLayout:
    workbook = Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    ctx = AppendixContext(
        workbook,
        result,
        Styles.create(workbook),
        formulas=not values_only,
        cached_values=cached_values,
    )
    cover = workbook.add_worksheet("Cover")
    ctx.contents.append(("Cover", "This page: what the workbook is and whether its checks hold"))
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
    master = write_checks(ctx, derived)
    write_cover(ctx, cover, master, model_file, model_hash, when)
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


__all__ = [
    "APPENDIX_SHEET_MODULES",
    "AppendixContext",
    "AppendixLayout",
    "SheetWriter",
    "register_sheet",
    "registered_sheets",
    "write_appendix",
]
