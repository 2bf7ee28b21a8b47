"""The projection's investment rows on Inputs as formulas of the Financial case.

The projection lays each investment's selected option over the partners as extra expenditure
net of cash released (:func:`finmodel.investment.effects.investment_expenditure`, £k, + spend),
which Inputs shows by partner and year (``inputs.investments.<partner>``). The Financial case
sheet computes, per option and partner, the option's effect on the partner's surplus (cash
released - cost - the service's other cash effects, incremental to do nothing): the same
quantity with the opposite sign (surplus positive; a test holds them equal to the penny). Once
the Financial case is written, :func:`link_investment_costs` replaces the Inputs values by

    net cost of partner p in year t = -(sum over investments of the selected option's effect
    on p's surplus in year t)

so changing an option's amount or a service parameter on Inputs moves the Partners, System,
Bridge and Summary as well as the Appraisal. Where a selected option has no Financial case row
(the sheets were not written), the values stay and the Cover lists them as engine values.
"""

from __future__ import annotations

from finmodel.io.appendix.context import AppendixContext
from finmodel.io.excel_styles import FIRST_YEAR_COL, col_letter, quote_sheet

INPUTS = "Inputs"

#: What the Cover lists when the rows keep the appraisal's values.
ENGINE_ROW_NOTE = (
    "Inputs: investments, the net cost of the selected options by funder (values from the "
    "appraisal as exported)"
)


def _effect_rows(ctx: AppendixContext, partner_id: str) -> list[tuple[str, int]] | None:
    """The Financial case rows of each selected option's effect on the partner's surplus;
    None when a selected option has none (its sheets were not written)."""
    found: list[tuple[str, int]] = []
    for investment_id, case in ctx.cases.items():
        s = case.streams
        if s.selected == s.baseline:
            continue
        name = f"financial.{investment_id}.surplus.{s.option_ids[s.selected]}.{partner_id}"
        if name in ctx.rows:
            found.append(ctx.rows[name])
        elif any(k.startswith(f"financial.{investment_id}.surplus.") for k in ctx.rows):
            continue  # the partner is not involved in this investment: no effect
        else:
            return None
    return found


def link_investment_costs(ctx: AppendixContext) -> None:
    """Overwrite each partner's investment row on Inputs with ``-(sum of the selected options'
    surplus effects)`` from the Financial case, year by year after the base year; the row's
    *changed since export* flag is cleared (it is a formula, not an input)."""
    inputs = ctx.result.inputs
    if not ctx.cases or not inputs.investment_expenditure.any() or not ctx.formulas:
        if ctx.cases:
            ctx.engine_rows.append(ENGINE_ROW_NOTE)
        return
    partner_rows = {pid: _effect_rows(ctx, pid) for pid in inputs.partner_ids}
    if any(rows is None for rows in partner_rows.values()):
        ctx.engine_rows.append(ENGINE_ROW_NOTE)
        return
    ws = ctx.workbook.get_worksheet_by_name(INPUTS)
    assert ws is not None
    s = ctx.styles
    n_years = len(ctx.result.years)
    for p, pid in enumerate(inputs.partner_ids):
        sheet_row = ctx.rows.get(f"inputs.investments.{pid}")
        rows = partner_rows[pid]
        if sheet_row is None or not rows:
            continue
        row = sheet_row[1]
        for t in range(1, n_years):
            c = col_letter(FIRST_YEAR_COL + t)
            terms = "+".join(f"{quote_sheet(sheet)}!{c}{r + 1}" for sheet, r in rows)
            value = float(inputs.investment_expenditure[p, t])
            ctx.write(ws, row, FIRST_YEAR_COL + t, f"=-({terms})", value, s.money)
        source = "formula: - the selected option's effect on this surplus (Financial case)"
        ctx.text(ws, row, FIRST_YEAR_COL + n_years, source, s.note_wrap)
        if ctx.inputs_changed_col is not None:
            ws.write_blank(row, ctx.inputs_changed_col, None, s.check)
