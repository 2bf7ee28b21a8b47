"""The Calculations sheet of the Excel appendix: live formulas for every stream and cost line.

One row per funding stream and cost line, the same formula along the whole timeline, referring
to Inputs and Time only by reference (SPEC section 4):

* funding ``=IF(base year, base-year outturn, previous year x (1 + funding growth))``;
* the demand growth of each line (its own rate, or ``(1 + driver) x (1 + non-demographic) - 1``);
* cost with volume only, with volume and inflation, and after efficiency (the expenditure),
  each ``=IF(base year, outturn, previous year x growth factors)``; the first two feed the gap
  bridge;
* totals of the lines paid outside the system (for the bridge) and of all lines (for checks).

Where the engine compiled a rate the Inputs rows do not give (the NHS rules: tariff, block
contracts, CIP, QIPP, price series; allocation growth by partner and convergence), that line's
or stream's rates are written first, as engine values, and its formulas use them; a line with
a non-recurrent CIP saving keeps its cost as engine values. The Cover lists these rows.

Keys in columns B-E (partner no., payee no., place no. of a flow within one place, and 1 for a
line paid outside the system) let the output sheets sum with ``SUMIF`` and ``SUMPRODUCT`` over
bounded ranges; the numbers follow the order of the partners and places on the Inputs sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from finmodel.engine.inputs import FloatArray
from finmodel.io.appendix.context import AppendixContext, RowFormula, RowSpec
from finmodel.io.appendix.line_rates import RateRow, rate_plan, underlying_and_one_off
from finmodel.io.appendix.sheets import Derived
from finmodel.io.excel_styles import FIRST_ROW, FIRST_YEAR_COL


def _line_label(ctx: AppendixContext, l_index: int) -> str:
    inputs = ctx.result.inputs
    partner_id, line_id = inputs.line_ids[l_index].split(".", 1)
    partner = ctx.result.model.partner(partner_id)
    line = next(c for c in partner.costs if c.id == line_id)
    payee = inputs.line_payee[l_index]
    paid_to = f" (paid to {inputs.partner_names[payee]})" if payee >= 0 else ""
    return f"{partner.name}: {line.name or line.id}{paid_to}"


def write_calculations(ctx: AppendixContext, derived: Derived) -> None:
    """The Calculations sheet: live formulas for every funding stream and cost line."""
    model, inputs, arrays = ctx.result.model, ctx.result.inputs, ctx.result.arrays
    ws = ctx.add_timeseries_sheet(
        "Calculations",
        "Live formulas: each funding stream and cost line, year by year, from Inputs",
        title="Calculations: funding streams and cost lines",
        headers=(
            "Description",
            "Partner no.",
            "Payee no.",
            "Place no. (flow within)",
            "Outside system",
            "Unit",
        ),
    )
    s = ctx.styles
    base = lambda c: ctx.at("time.base_flag", c)  # noqa: E731
    here = "Calculations"
    row = FIRST_ROW

    def section(title: str) -> None:
        nonlocal row
        if row > FIRST_ROW:
            row += 1
        ctx.section(ws, row, title)
        row += 1

    def placeholder(name: str, text: str) -> None:
        nonlocal row
        ctx.text(ws, row, 0, text, s.note)
        ctx.name_row(name, here, row)
        row += 1

    streams = [(p, f) for p in model.partners for f in p.funding]
    lines = [(p, c) for p in model.partners for c in p.costs]
    plan = rate_plan(model, inputs)
    if plan.rows:
        section(
            "Rates under the NHS rules, formulas of Inputs: tariff cost uplift, providers' CIP "
            "(recurrent and non-recurrent), allocation convergence"
        )

        def nhs_formula(r: RateRow) -> RowFormula:
            return lambda c, p: r.formula(lambda n, col: ctx.at(n, col, here=here), c, p)

        row = ctx.write_rows(
            ws,
            row,
            (
                RowSpec(
                    r.label,
                    r.unit,
                    nhs_formula(r),
                    r.values,
                    name=r.name,
                    fmt=s.rate,
                    years=range(1, ctx.n_years) if np.isnan(r.values[0]) else None,
                )
                for r in plan.rows
            ),
        )
    one_off_values = underlying_and_one_off(inputs)
    engine_nonrec = np.any(inputs.nonrecurrent_cip != 0, axis=-1) & plan.engine_lines
    if plan.engine_lines.any() or plan.engine_streams.any():
        section(
            "Rates the engine compiled that no formula of Inputs here reproduces (engine values)"
        )
        ctx.engine_rows.append(
            f"Calculations: the compiled rates of {int(plan.engine_lines.sum())} cost line(s) and "
            f"{int(plan.engine_streams.sum())} funding stream(s)"
        )
        projected = np.full(ctx.n_years, np.nan)

        def rate_row(name: str, label: str, values: FloatArray) -> None:
            nonlocal row
            ctx.text(ws, row, 0, label, s.label)
            ctx.text(ws, row, 5, "%", s.unit)
            full = projected.copy()
            full[1:] = values
            ctx.row_values[(here, row)] = full
            for t in range(1, ctx.n_years):
                ctx.number(ws, row, FIRST_YEAR_COL + t, float(full[t]), s.rate)
            ws.write_blank(row, FIRST_YEAR_COL, None, s.na)
            ctx.name_row(name, here, row)
            row += 1

        for stream_index in map(int, np.flatnonzero(plan.engine_streams)):
            partner, stream = streams[stream_index]
            rate_row(
                f"calc.engine.funding_growth.f{stream_index}",
                f"{partner.name}: {stream.name or stream.id}: funding growth",
                inputs.funding_growth[stream_index],
            )
        demand_rates = (1 + inputs.driver_growth) * (1 + inputs.direct_growth) - 1
        for k in map(int, np.flatnonzero(plan.engine_lines)):
            partner, line = lines[k]
            label = f"{partner.name}: {line.name or line.id}"
            rate_row(f"calc.engine.demand.{k}", f"{label}: demand growth", demand_rates[k])
            rate_row(f"calc.engine.inflation.{k}", f"{label}: inflation", inputs.inflation[k])
            rate_row(
                f"calc.engine.efficiency.{k}",
                f"{label}: efficiency (recurrent)",
                inputs.efficiency[k],
            )
            if engine_nonrec[k]:
                rate_row(
                    f"calc.engine.nonrecurrent.{k}",
                    f"{label}: non-recurrent CIP",
                    inputs.nonrecurrent_cip[k],
                )

    section(
        "Funding streams (external income), £k: base-year outturn, then grown by funding growth"
    )
    if not streams:
        placeholder("calc.funding.none", "(no funding streams)")
    for f_index, (partner, stream) in enumerate(streams):
        key = f"partners.{partner.id}.funding.{stream.id}"
        growth = (
            f"calc.engine.funding_growth.f{f_index}"
            if plan.engine_streams[f_index]
            else plan.streams[f_index]
        )
        ctx.text(ws, row, 0, f"{partner.name}: {stream.name or stream.id}", s.label)
        ws.write_number(row, 1, int(inputs.fund_partner[f_index]) + 1, s.key)
        ctx.text(ws, row, 5, "£k", s.unit)

        def grown_funding(c: str, p: str, k: str = key, g: str = growth, r: int = row + 1) -> str:
            baseline = ctx.at(f"inputs.{k}.baseline", c)
            return f"=IF({base(c)},{baseline},{p}{r}*(1+{ctx.at(g, c)}))"

        ctx.write_row(ws, row, grown_funding, arrays.funding[f_index], s.money)
        ctx.name_row(f"calc.funding.{f_index}", here, row)
        row += 1
    first_f, last_f = (
        ("calc.funding.none",) * 2
        if not streams
        else ("calc.funding.0", f"calc.funding.{len(streams) - 1}")
    )
    ctx.rows["calc.funding.first"], ctx.rows["calc.funding.last"] = (
        ctx.rows[first_f],
        ctx.rows[last_f],
    )

    def keys(l_index: int) -> None:
        ws.write_number(row, 1, int(inputs.line_partner[l_index]) + 1, s.key)
        payee = int(inputs.line_payee[l_index])
        if payee >= 0:
            ws.write_number(row, 2, payee + 1, s.key)
            payer_place = derived.place_of[inputs.line_partner[l_index]]
            if payer_place == derived.place_of[payee]:
                ws.write_number(row, 3, int(payer_place) + 1, s.key)
        ws.write_number(row, 4, derived.outside[l_index], s.key)

    def own(l_index: int, rate: str) -> str:
        """The row of a line's inflation or efficiency: on Inputs, or a rate of the NHS rules."""
        if plan.engine_lines[l_index]:
            return f"calc.engine.{rate}.{l_index}"
        return str(getattr(plan.lines[l_index], rate))

    def nonrecurrent(l_index: int) -> str | None:
        """The row of a line's non-recurrent CIP rate (None: no CIP on the line)."""
        if plan.engine_lines[l_index]:
            return f"calc.engine.nonrecurrent.{l_index}" if engine_nonrec[l_index] else None
        return plan.lines[l_index].nonrecurrent

    def demand(l_index: int, r: int) -> RowFormula:
        if plan.engine_lines[l_index]:
            return lambda c, p: f"={ctx.at(f'calc.engine.demand.{l_index}', c, here=here)}"
        refs = plan.lines[l_index].demand
        if not refs:  # a block contract: no demand growth
            return lambda c, p: "=0"
        if len(refs) == 2:
            driver, extra = refs
            return lambda c, p: f"=(1+{ctx.at(driver, c)})*(1+{ctx.at(extra, c)})-1"
        return lambda c, p: f"={ctx.at(refs[0], c)}"

    def before(l_index: int, c: str, p: str, r: int) -> str:
        """Last year's run rate (column ``p`` of row ``r``) grown by demand and inflation."""
        d = ctx.at(f"calc.demand.{l_index}", c, here=here)
        return f"{p}{r}*(1+{d})*(1+{ctx.at(own(l_index, 'inflation'), c)})"

    def grown(*factors: str) -> Callable[[int, int], RowFormula]:
        """Cost grown by demand and then by each named factor, from the base-year outturn."""

        def build(l_index: int, r: int) -> RowFormula:
            partner, line = lines[l_index]
            baseline = f"inputs.partners.{partner.id}.costs.{line.id}.baseline"
            if "efficiency" in factors and nonrecurrent(l_index) is not None:
                u, o = f"calc.underlying.{l_index}", f"calc.cip_one_off.{l_index}"
                return lambda c, p: f"={ctx.at(u, c, here=here)}-{ctx.at(o, c, here=here)}"

            def formula(c: str, p: str) -> str:
                parts = [f"(1+{ctx.at(f'calc.demand.{l_index}', c, here=here)})"]
                if "inflation" in factors:
                    parts.append(f"(1+{ctx.at(own(l_index, 'inflation'), c)})")
                if "efficiency" in factors:
                    parts.append(f"(1-{ctx.at(own(l_index, 'efficiency'), c)})")
                return f"=IF({base(c)},{ctx.at(baseline, c)},{p}{r}*{'*'.join(parts)})"

            return formula

        return build

    def line_rows(
        kind: str,
        title: str,
        unit: str,
        fmt: Any,
        build: Callable[[int, int], RowFormula],
        values: FloatArray,
    ) -> None:
        nonlocal row
        section(title)
        if not lines:
            placeholder(f"calc.{kind}.none", "(no cost lines)")
        for l_index in range(len(lines)):
            ctx.text(ws, row, 0, labels[l_index], s.label)
            keys(l_index)
            ctx.text(ws, row, 5, unit, s.unit)
            ctx.write_row(ws, row, build(l_index, row + 1), values[l_index], fmt)
            ctx.name_row(f"calc.{kind}.{l_index}", here, row)
            row += 1
        name = f"calc.{kind}.none" if not lines else None
        ctx.rows[f"calc.{kind}.first"] = ctx.rows[name or f"calc.{kind}.0"]
        ctx.rows[f"calc.{kind}.last"] = ctx.rows[name or f"calc.{kind}.{len(lines) - 1}"]

    labels = [_line_label(ctx, l_index) for l_index in range(len(lines))]
    line_rows(
        "demand",
        "Demand growth of each cost line, a year (its own rate, or driver and non-demographic growth)",
        "%",
        s.rate,
        demand,
        derived.demand_rate,
    )
    line_rows(
        "volume",
        "Cost with volume growth only (base-year prices), £k: for the gap bridge",
        "£k",
        s.money,
        grown(),
        derived.volume,
    )
    line_rows(
        "volume_inflation",
        "Cost with volume growth and inflation, before efficiency, £k: for the gap bridge",
        "£k",
        s.money,
        grown("inflation"),
        derived.volume_inflation,
    )
    cip_lines = [k for k in range(len(lines)) if nonrecurrent(k) is not None]
    if cip_lines:
        underlying, one_off = one_off_values
        section(
            "Providers' CIP lines: underlying cost (the recurrent run rate), £k, and the "
            "non-recurrent CIP saved in the year, £k (the reported cost is their difference)"
        )
        first = row

        def run_rate(k: int, r: int) -> RowFormula:
            partner, line = lines[k]
            baseline = f"inputs.partners.{partner.id}.costs.{line.id}.baseline"
            efficiency = own(k, "efficiency")
            return lambda c, p: (
                f"=IF({base(c)},{ctx.at(baseline, c)},"
                f"{before(k, c, p, r)}*(1-{ctx.at(efficiency, c)}))"
            )

        def saved(k: int, r: int) -> RowFormula:
            rate = str(nonrecurrent(k))
            return lambda c, p: f"={before(k, c, p, r)}*{ctx.at(rate, c)}"

        row = ctx.write_rows(
            ws,
            row,
            [
                RowSpec(
                    f"{labels[k]}: underlying cost",
                    "£k",
                    run_rate(k, first + i + 1),
                    underlying[k],
                    name=f"calc.underlying.{k}",
                )
                for i, k in enumerate(cip_lines)
            ]
            + [
                RowSpec(
                    f"{labels[k]}: non-recurrent CIP saved",
                    "£k",
                    saved(k, first + i + 1),
                    one_off[k],
                    name=f"calc.cip_one_off.{k}",
                    years=range(1, ctx.n_years),
                )
                for i, k in enumerate(cip_lines)
            ],
        )
        for i, k in enumerate(cip_lines):
            for r in (first + i, first + len(cip_lines) + i):
                ws.write_number(r, 1, int(inputs.line_partner[k]) + 1, s.key)
        ctx.rows["calc.cip_one_off.first"] = ctx.rows[f"calc.cip_one_off.{cip_lines[0]}"]
        ctx.rows["calc.cip_one_off.last"] = ctx.rows[f"calc.cip_one_off.{cip_lines[-1]}"]
    line_rows(
        "cost",
        "Cost after efficiency: the expenditure of each cost line, £k",
        "£k",
        s.money,
        grown("inflation", "efficiency"),
        arrays.cost,
    )

    section(
        "Totals of cost lines, £k (outside the system: lines with no payee; they drive the gap bridge)"
    )
    outside = derived.outside
    totals = (
        (
            "calc.outside.volume",
            "Lines paid outside the system: volume growth only",
            "volume",
            outside @ derived.volume,
        ),
        (
            "calc.outside.volume_inflation",
            "Lines paid outside the system: volume and inflation",
            "volume_inflation",
            outside @ derived.volume_inflation,
        ),
        (
            "calc.outside.cost",
            "Lines paid outside the system: after efficiency",
            "cost",
            outside @ arrays.cost,
        ),
    )
    for name, label, kind, values in totals:
        ctx.text(ws, row, 0, label, s.label)
        ctx.text(ws, row, 5, "£k", s.unit)
        flags = ctx.rows_span(
            f"calc.{kind}.first", f"calc.{kind}.last", "E", here=here, col_abs=True
        )

        def outside_total(c: str, p: str, k: str = kind, f: str = flags) -> str:
            costs = ctx.rows_span(f"calc.{k}.first", f"calc.{k}.last", c, here=here)
            return f"=SUMPRODUCT({f},{costs})"

        ctx.write_row(ws, row, outside_total, values, s.money)
        ctx.name_row(name, here, row)
        row += 1
    ctx.text(ws, row, 0, "All cost lines, inside and outside the system: after efficiency", s.label)
    ctx.text(ws, row, 5, "£k", s.unit)
    ctx.write_row(
        ws,
        row,
        lambda c, p: f"=SUM({ctx.rows_span('calc.cost.first', 'calc.cost.last', c, here=here)})",
        arrays.cost.sum(axis=0),
        s.money,
    )
    ctx.name_row("calc.all.cost", here, row)
    ws.set_column(1, 4, 11)
