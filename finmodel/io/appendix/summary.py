"""The Checks sheet and the Cover of the Excel appendix.

* **Checks**: each invariant of SPEC section 9 a single workbook can express, per year, as
  ``=IF(ABS(difference) > tolerance, 1, 0)`` (0 when it holds): system surplus = partners' =
  places'; consolidated income and expenditure + eliminations = partners'; every internal flow
  booked once as income; risk share zero-sum; system variance; bridge steps sum to the change;
  risk shares sum to 1. Checks other sheets register (``ctx.add_check``) follow. The master check
  counts the failures.
* **Cover**: model, scenario, units, years, engine version, model file and its SHA-256, run time,
  the master check, contents (with links) and the colour key.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from xlsxwriter.worksheet import Worksheet

import finmodel
from finmodel.io.appendix.context import CHECK_TOLERANCE, TOLERANCE_REF, AppendixContext
from finmodel.io.appendix.provenance import ProvenanceEntry
from finmodel.io.appendix.sheets import Derived
from finmodel.io.excel_styles import FAIL_FILL, FIRST_ROW, FIRST_YEAR_COL, OK_FILL, print_setup
from finmodel.tolerances import SHARE_SUM_TOLERANCE


def _core_checks(
    ctx: AppendixContext, derived: Derived
) -> list[tuple[str, Callable[[str], str], np.ndarray, int]]:
    """The SPEC section 9 invariants a single workbook can express: (text, formula, diff, first year)."""
    inputs, a = ctx.result.inputs, ctx.result.arrays
    ids = inputs.partner_ids

    def partners(block: str, c: str) -> str:
        return ctx.rows_span(
            f"partners.{block}.{ids[0]}", f"partners.{block}.{ids[-1]}", c, col_abs=c == "D"
        )

    def places(block: str, c: str) -> str:
        names = inputs.place_names
        return ctx.rows_span(f"places.{block}.{names[0]}", f"places.{block}.{names[-1]}", c)

    in_ct = inputs.in_control_total.astype(float)
    after = np.nansum(a.surplus_after_risk_share, axis=0)
    internal = a.cost.sum(axis=0) - derived.outside @ a.cost
    return [
        (
            "System surplus = sum of partner surpluses",
            lambda c: f"{ctx.at('system.surplus', c)}-SUM({partners('surplus', c)})",
            a.system_surplus - a.surplus.sum(axis=0),
            0,
        ),
        (
            "System surplus = sum of place surpluses",
            lambda c: f"{ctx.at('system.surplus', c)}-SUM({places('surplus', c)})",
            a.system_surplus - a.place_surplus.sum(axis=0),
            0,
        ),
        (
            "Consolidated income + eliminations = sum of partner incomes",
            lambda c: (
                f"{ctx.at('system.income', c)}+{ctx.at('system.eliminations', c)}-SUM({partners('income', c)})"
            ),
            a.system_income + a.system_eliminations - a.income.sum(axis=0),
            0,
        ),
        (
            "Consolidated expenditure + eliminations = sum of partner expenditures",
            lambda c: (
                f"{ctx.at('system.expenditure', c)}+{ctx.at('system.eliminations', c)}-SUM({partners('expenditure', c)})"
            ),
            a.system_expenditure + a.system_eliminations - a.expenditure.sum(axis=0),
            0,
        ),
        (
            "Each internal flow is booked once as income: partners' income from partners = cost lines with a payee",
            lambda c: (
                f"SUM({partners('internal_income', c)})-({ctx.at('calc.all.cost', c)}-{ctx.at('calc.outside.cost', c)})"
            ),
            derived.internal_income.sum(axis=0) - internal,
            0,
        ),
        (
            "Risk share is zero-sum: surplus after risk share = surplus before, partners in the control total",
            lambda c: (
                f"SUM({partners('surplus_after_risk_share', c)})-SUMPRODUCT({partners('surplus', 'D')},{partners('surplus', c)})"
            ),
            after - in_ct @ a.surplus,
            1,
        ),
        (
            "System variance = surplus of the partners in the control total less the control total",
            lambda c: (
                f"{ctx.at('system.variance', c)}-(SUMPRODUCT({partners('surplus', 'D')},{partners('surplus', c)})-{ctx.at('system.control_total', c)})"
            ),
            a.system_variance - (in_ct @ a.surplus - a.system_control_total),
            1,
        ),
        (
            "Reported - underlying = non-recurrent items, every partner",
            lambda c: (
                f"SUMPRODUCT(ABS({partners('surplus', c)}-{partners('underlying', c)}"
                f"-{partners('non_recurrent', c)}))"
            ),
            np.abs(a.surplus - a.underlying_surplus - a.non_recurrent).sum(axis=0),
            0,
        ),
        (
            "Reported - underlying = non-recurrent items, every place",
            lambda c: (
                f"SUMPRODUCT(ABS({places('surplus', c)}-{places('underlying', c)}"
                f"-{places('non_recurrent', c)}))"
            ),
            np.abs(a.place_surplus - a.place_underlying_surplus - a.place_non_recurrent).sum(
                axis=0
            ),
            0,
        ),
        (
            "Reported - underlying = non-recurrent items, the system",
            lambda c: (
                f"{ctx.at('system.surplus', c)}-{ctx.at('system.underlying', c)}"
                f"-{ctx.at('system.non_recurrent', c)}"
            ),
            a.system_surplus - a.system_underlying_surplus - a.system_non_recurrent,
            0,
        ),
        (
            "System surplus = NHS position (partners in the control total) + partners outside it",
            lambda c: (
                f"{ctx.at('system.surplus', c)}-{ctx.at('nhs.surplus', c)}"
                f"-{ctx.at('outside.surplus', c)}"
            ),
            a.system_surplus - a.control_total_surplus - a.outside_surplus,
            0,
        ),
        (
            "Bridge steps sum to the total change of the system surplus",
            lambda c: f"{ctx.at('bridge.closing', c)}-{ctx.at('system.surplus', c)}",
            a.system_surplus[0] + a.bridge.sum(axis=0) - a.system_surplus,
            0,
        ),
    ]


def write_checks(ctx: AppendixContext, derived: Derived) -> tuple[int, int]:
    """The Checks sheet; returns the row of the master check (column E) and its cached value."""
    ws = ctx.add_timeseries_sheet(
        "Checks",
        "Each invariant the workbook can express: 0 when it holds; the master check sums them",
        title="Checks: 0 when a check holds, 1 when it fails",
        headers=("Check", "", "", "", "Failures", "Unit"),
    )
    s, here = ctx.styles, "Checks"
    ws.set_column(0, 0, 96)
    ws.set_column(1, 3, 2)
    master_row, tol_row = FIRST_ROW, FIRST_ROW + 1
    assert f"Checks!$E${tol_row + 1}" == TOLERANCE_REF
    ctx.text(ws, tol_row, 0, "Tolerance: a difference larger than this fails a check", s.label)
    ws.write_number(tol_row, 4, CHECK_TOLERANCE, s.tolerance_input)
    ctx.text(ws, tol_row, 5, "£k", s.unit)
    row = tol_row + 2
    ctx.section(ws, row, "Invariants of the projection (1 in a year where the check fails)")
    row += 1
    first = row
    last_letter = ctx.last_letter
    total_failures = 0
    for text, diff, values, start in _core_checks(ctx, derived):
        failed = np.where(
            np.isnan(values), 0.0, (np.abs(np.nan_to_num(values)) > CHECK_TOLERANCE).astype(float)
        )
        ctx.text(ws, row, 0, text, s.label)
        ctx.text(ws, row, 5, "flag", s.unit)
        years = range(start, ctx.n_years)

        def flag(c: str, _: str, d: Callable[[str], str] = diff) -> str:
            return f"=IF(ABS({d(c)})>{TOLERANCE_REF},1,0)"

        ctx.write_row(ws, row, flag, failed, s.check, years)
        count = int(failed[start:].sum())
        total_failures += count
        ctx.write(
            ws,
            row,
            4,
            f"=SUM({ctx.letter(start)}{row + 1}:{last_letter}{row + 1})",
            float(count),
            s.check,
        )
        row += 1
    if (
        ctx.result.model.risk_share.method.value != "none"
        and ctx.result.inputs.in_control_total.any()
    ):
        ids = ctx.result.inputs.partner_ids
        shares = ctx.rows_span(
            f"partners.risk_share.{ids[0]}", f"partners.risk_share.{ids[-1]}", "E", col_abs=True
        )
        share_sum = float(ctx.result.arrays.risk_shares.sum())
        failed_share = float(abs(share_sum - 1) > SHARE_SUM_TOLERANCE)
        ctx.text(
            ws,
            row,
            0,
            "Risk shares of the partners in the control total sum to 1",
            s.label,
        )
        ctx.write(
            ws, row, 4, f"=IF(ABS(SUM({shares})-1)>{TOLERANCE_REF},1,0)", failed_share, s.check
        )
        total_failures += int(failed_share)
        row += 1
    if ctx.checks:
        row += 1
        ctx.section(ws, row, "Checks of the other sheets")
        row += 1
        for check in ctx.checks:
            ctx.text(ws, row, 0, check.description, s.label)
            ctx.write(ws, row, 4, f"=SUM({check.cells})", float(check.failures), s.check)
            total_failures += check.failures
            row += 1
    ctx.text(
        ws,
        master_row,
        0,
        "Master check: number of failing checks (0 = every check holds)",
        s.label_bold,
    )
    ctx.write(
        ws, master_row, 4, f"=SUM(E{first + 1}:E{row})", float(total_failures), s.check_master
    )
    ctx.name_row("checks.master", here, master_row)
    _write_parity(ctx, ws, row + 2)
    for target in (
        f"E{master_row + 1}",
        f"{ctx.letter(0)}{first + 1}:{last_letter}{row}",
        f"E{first + 1}:E{row}",
    ):
        ws.conditional_format(
            target,
            {
                "type": "cell",
                "criteria": ">",
                "value": 0,
                "format": ctx.workbook.add_format({"bg_color": FAIL_FILL, "font_color": "#9C0006"}),
            },
        )
    ws.conditional_format(
        f"E{master_row + 1}",
        {
            "type": "cell",
            "criteria": "==",
            "value": 0,
            "format": ctx.workbook.add_format({"bg_color": OK_FILL, "font_color": "#006100"}),
        },
    )
    return master_row, total_failures


def _write_parity(ctx: AppendixContext, ws: Worksheet, row: int) -> None:
    """Parity with the engine run as exported: shown, never counted in the master check."""
    s, here = ctx.styles, "Checks"
    ctx.section(
        ws,
        row,
        "Parity with the engine run as exported (not in the master check: these move, as they "
        "should, once an input is changed)",
    )
    row += 1
    changed = 0.0
    if ctx.inputs_changed_col is not None:
        col = ctx.letter(ctx.inputs_changed_col - FIRST_YEAR_COL)
        first = ctx.rows["inputs_changed.first"][1] + 1
        last = ctx.rows["inputs_changed.last"][1] + 1
        ctx.text(ws, row, 0, "Input rows changed since export (see the flags on Inputs)", s.label)
        ctx.write(ws, row, 4, f"=SUM(Inputs!{col}{first}:{col}{last})", changed, s.check)
        ctx.text(ws, row, 5, "rows", s.unit)
        ctx.name_row("checks.inputs_changed", here, row)
        row += 1
    first_parity = row
    for entry in ctx.parity:
        ctx.text(ws, row, 0, entry.description, s.label)
        ctx.write(ws, row, 4, f"=SUM({entry.cells})", float(entry.failures), s.check)
        row += 1
    if ctx.parity:
        ctx.text(ws, row, 0, "Figures differing from the engine run as exported", s.label_bold)
        total = float(sum(entry.failures for entry in ctx.parity))
        ctx.write(ws, row, 4, f"=SUM(E{first_parity + 1}:E{row})", total, s.check)
        ctx.name_row("checks.parity", here, row)


def write_cover(
    ctx: AppendixContext,
    ws: Worksheet,
    master: tuple[int, int],
    facts: CoverFacts,
) -> None:
    """The Cover: what the workbook is, where it came from (scenario, overlay, file hash),
    the master check, the parity with the engine run, contents and colour key."""
    model_file, model_hash, when, provenance, overlaid = facts
    result, s = ctx.result, ctx.styles
    model = result.model
    scenario = "none: the model as written"
    if result.scenario:
        name = next((sc.name for sc in model.scenarios if sc.id == result.scenario), None)
        scenario = f"{result.scenario}" + (f": {name}" if name else "")
    if overlaid:
        scenario += (
            "; with inputs set on top (an overlay, such as the app's what-ifs): listed under "
            "'Set by scenario or overlay' below"
        )
    rows = [
        ("Model", model.name),
        ("Description", model.description or ""),
        ("Scenario", scenario),
        ("Units", "£ thousands (£k). Surplus +, deficit in brackets; the gap is the deficit."),
        (
            "Years",
            f"{result.years[0]} (base year, outturn) to {result.years[-1]}; financial years April to March",
        ),
        ("Engine", f"finmodel {finmodel.__version__}"),
        (
            "Model file",
            Path(model_file).name
            if model_file is not None
            else "not recorded (model built in memory)",
        ),
        ("Model file SHA-256", model_hash or "not available"),
        ("Run time (UTC)", when.isoformat()),
        (
            "Cells",
            "live formulas, each stored with its result"
            if ctx.formulas
            else "values only (written with --values): no formulas",
        ),
    ]
    ws.write_string(0, 0, "Financial model appendix", s.title)
    ctx.text(ws, 1, 0, model.name, s.subtitle)
    row = 3
    for label, value in rows:
        ctx.text(ws, row, 0, label, s.label_bold)
        ctx.text(ws, row, 1, value, s.wrap)
        ws.set_row(row, 13.5 * max(1, math.ceil(len(value) / 110)))  # wrapped text stays visible
        row += 1
    row += 1
    ctx.text(ws, row, 0, "Master check", s.label_bold)
    m_row, failures = master
    ctx.write(ws, row, 1, f"=Checks!$E${m_row + 1}", float(failures), s.check_master)
    ws.conditional_format(
        row,
        1,
        row,
        1,
        {
            "type": "cell",
            "criteria": "==",
            "value": 0,
            "format": ctx.workbook.add_format({"bg_color": OK_FILL, "font_color": "#006100"}),
        },
    )
    ws.conditional_format(
        row,
        1,
        row,
        1,
        {
            "type": "cell",
            "criteria": ">",
            "value": 0,
            "format": ctx.workbook.add_format({"bg_color": FAIL_FILL, "font_color": "#9C0006"}),
        },
    )
    ctx.text(
        ws,
        row + 1,
        1,
        "0 = every check on the Checks sheet holds; otherwise the number failing",
        s.note,
    )
    row += 2
    row = _cover_parity(ctx, ws, row)
    row = _cover_provenance(ctx, ws, row, provenance)
    row = _cover_engine_rows(ctx, ws, row)
    row += 1
    ctx.text(ws, row, 0, "Contents", s.label_bold)
    row += 1
    for name, description in ctx.contents:
        target = name.replace("'", "''")
        ws.write_url(row, 0, f"internal:'{target}'!A1", s.link, string=name[:255])
        ctx.text(ws, row, 1, description, s.wrap)
        row += 1
    row += 1
    ctx.text(ws, row, 0, "Colour key", s.label_bold)
    row += 1
    for text, fmt in (
        ("Input: change it on Inputs and every formula follows", s.text_input),
        ("Calculation: a formula over inputs and other calculations", s.label),
        ("Not applicable (for example rates in the base year)", s.na),
    ):
        ws.write_string(row, 0, "", fmt)
        ctx.text(ws, row, 1, text, s.label)
        row += 1
    row += 1
    notes = (
        "Formulas refer to cells only: the constants 0 and 1 appear in flags, checks and growth factors (1 + rate).",
        "No OFFSET or INDIRECT; every range is bounded; one formula per row, the same in every year.",
        "Inputs -> Calculations -> Partners -> System -> Bridge -> Checks: inputs, calculations and outputs are separate.",
    )
    ctx.text(ws, row, 0, "Notes", s.label_bold)
    for note in notes:
        ctx.text(ws, row, 1, note, s.note)
        row += 1
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 100)
    print_setup(ws, model.name)
    ws.set_portrait()
    ws.activate()


#: What the Cover records of the run: model file, its SHA-256, run time, the provenance
#: entries (scenario and overlay) and whether an overlay was applied.
CoverFacts = tuple[str | Path | None, str | None, dt.datetime, list[ProvenanceEntry], bool]


def _cover_provenance(
    ctx: AppendixContext, ws: Worksheet, row: int, entries: list[ProvenanceEntry]
) -> int:
    """Every input the run set by dotted path: where from, value in the file, value used."""
    s = ctx.styles
    row += 1
    ctx.text(ws, row, 0, "Set by scenario or overlay", s.label_bold)
    if not entries:
        ctx.text(ws, row, 1, "none: every input is as in the model file", s.wrap)
        return row + 2
    ctx.text(
        ws, row, 1, "by dotted path (key in the model file): value in the file -> used", s.note
    )
    ctx.name_row("cover.provenance", "Cover", row)
    row += 1
    for entry in entries:
        ctx.text(ws, row, 0, entry.origin, s.label)
        text = f"{entry.path}: {entry.in_file} in the file -> {entry.used} used"
        ctx.text(ws, row, 1, text, s.wrap)
        ws.set_row(row, 13.5 * max(1, math.ceil(len(text) / 110)))
        row += 1
    return row + 1


def _cover_engine_rows(ctx: AppendixContext, ws: Worksheet, row: int) -> int:
    """Every row holding engine values where a formula of Inputs would need the engine."""
    s = ctx.styles
    ctx.text(ws, row, 0, "Engine values", s.label_bold)
    if not ctx.engine_rows:
        ctx.text(ws, row, 1, "none: every figure is a formula of Inputs", s.wrap)
        return row + 2
    ctx.text(
        ws,
        row,
        1,
        "rows that hold the engine's values and do not follow a change on Inputs:",
        s.wrap,
    )
    row += 1
    for text in ctx.engine_rows:
        ctx.text(ws, row, 1, text, s.wrap)
        row += 1
    return row + 1


def _cover_parity(ctx: AppendixContext, ws: Worksheet, row: int) -> int:
    """Whether the inputs are still those the engine ran (and how many figures moved since):
    information for the reviewer, never part of the master check. Returns the next row."""
    s = ctx.styles
    for name, label, note in (
        (
            "checks.inputs_changed",
            "Inputs changed",
            "0 = the inputs are as exported, so the figures are the engine run's; otherwise the "
            "number of input rows that differ (flagged in the last column of Inputs)",
        ),
        (
            "checks.parity",
            "Differing from engine run",
            "0 while the inputs are as exported; not part of the master check, which holds for "
            "any inputs",
        ),
    ):
        if name not in ctx.rows:
            continue
        _, r = ctx.rows[name]
        ctx.text(ws, row, 0, label, s.label_bold)
        ctx.write(ws, row, 1, f"=Checks!$E${r + 1}", 0.0, s.check)
        ctx.name_row(f"cover.{name.removeprefix('checks.')}", "Cover", row)
        ctx.text(ws, row + 1, 1, note, s.note_wrap)
        ws.set_row(row + 1, 13 * max(1, math.ceil(len(note) / 110)))
        row += 2
    return row
