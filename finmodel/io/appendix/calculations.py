"""The Calculations sheet of the Excel appendix: live formulas for every stream and cost line.

One row per funding stream and cost line, the same formula along the whole timeline, referring
to Inputs and Time only by reference:

* the NHS rules' rates (:mod:`finmodel.io.appendix.line_rates`): the cost uplift factor from
  weights, each provider's recurrent and non-recurrent CIP, each converging allocation's
  distance from target and growth, all formulas of Inputs;
* funding ``=IF(base year, base-year outturn, previous year x (1 + funding growth))``;
* the demand growth of each line (its own rate, or ``(1 + driver) x (1 + non-demographic) - 1``;
  nothing on a block contract);
* cost with volume only, with volume and inflation, and after efficiency (the expenditure),
  each ``=IF(base year, outturn, previous year x growth factors)``; the first two feed the gap
  bridge; a provider's CIP line has an underlying cost (the run rate) and the non-recurrent CIP
  saved, and its cost is their difference;
* totals of the lines paid outside the system (for the bridge) and of all lines (for checks).

A line or stream whose rates no formula of Inputs here reproduces keeps the engine's compiled
rates as values (listed on the Cover; none in the bundled models).

Keys in columns B-E (partner no., payee no., place no. of a flow within one place, and 1 for a
line paid outside the system) let the output sheets sum with ``SUMIF`` and ``SUMPRODUCT`` over
bounded ranges; the numbers follow the order of the partners and places on the Inputs sheet.
Every block is a list of :class:`~finmodel.io.appendix.context.RowSpec` laid out by
``ctx.write_rows``; a row whose formula refers to its own previous year knows its row number
from the block's first row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from xlsxwriter.worksheet import Worksheet

from finmodel.engine.inputs import FloatArray
from finmodel.io.appendix.context import AppendixContext, RowFormula, RowSpec
from finmodel.io.appendix.line_rates import RatePlan, RateRow, rate_plan, underlying_and_one_off
from finmodel.io.appendix.sheets import Derived
from finmodel.io.excel_styles import FIRST_ROW, FIRST_YEAR_COL

SHEET = "Calculations"
#: A row formula of a line, given the line's index and its own (1-based) row number.
LineFormula = Callable[[int, int], RowFormula]


def _line_label(ctx: AppendixContext, l_index: int) -> str:
    inputs = ctx.result.inputs
    partner_id, line_id = inputs.line_ids[l_index].split(".", 1)
    partner = ctx.result.model.partner(partner_id)
    line = next(c for c in partner.costs if c.id == line_id)
    payee = inputs.line_payee[l_index]
    paid_to = f" (paid to {inputs.partner_names[payee]})" if payee >= 0 else ""
    return f"{partner.name}: {line.name or line.id}{paid_to}"


class _Calculations:
    """Writes the sheet block by block; ``row`` is the next free row."""

    def __init__(self, ctx: AppendixContext, derived: Derived, plan: RatePlan):
        self.ctx, self.derived, self.plan = ctx, derived, plan
        model, self.inputs = ctx.result.model, ctx.result.inputs
        self.streams = [(p, f) for p in model.partners for f in p.funding]
        self.lines = [(p, c) for p in model.partners for c in p.costs]
        self.labels = [_line_label(ctx, k) for k in range(len(self.lines))]
        self.ws: Worksheet = ctx.add_timeseries_sheet(
            SHEET,
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
        self.row = FIRST_ROW
        self.engine_nonrec = (
            np.any(self.inputs.nonrecurrent_cip != 0, axis=-1) & plan.engine_lines
            if self.inputs.nonrecurrent_cip.shape[0] == len(self.lines)
            else np.zeros(len(self.lines), dtype=bool)
        )

    # ----- layout ---------------------------------------------------------------------------
    def at(self, name: str, col: str) -> str:
        return self.ctx.at(name, col, here=SHEET)

    def base(self, col: str) -> str:
        return self.ctx.at("time.base_flag", col)

    def section(self, title: str) -> None:
        if self.row > FIRST_ROW:
            self.row += 1
        self.ctx.section(self.ws, self.row, title)
        self.row += 1

    def block(self, name: str, specs: Sequence[RowSpec], empty: str) -> None:
        """Lay out ``specs`` (rows ``<name>.<i>``) and name the block's first and last rows
        (a placeholder row when it is empty, so sums over it stay bounded)."""
        if not specs:
            self.ctx.text(self.ws, self.row, 0, empty, self.ctx.styles.note)
            self.ctx.name_row(f"{name}.none", SHEET, self.row)
            self.row += 1
            self.ctx.rows[f"{name}.first"] = self.ctx.rows[f"{name}.last"] = self.ctx.rows[
                f"{name}.none"
            ]
            return
        first = self.row
        self.row = self.ctx.write_rows(self.ws, self.row, specs)
        self.ctx.rows[f"{name}.first"] = (SHEET, first)
        self.ctx.rows[f"{name}.last"] = (SHEET, self.row - 1)

    def keys(self, first: int, indices: Sequence[int], payee: bool = True) -> None:
        """Columns B-E of the rows from ``first``: one line each (``indices``)."""
        ws, s, inputs, place_of = self.ws, self.ctx.styles, self.inputs, self.derived.place_of
        for r, k in enumerate(indices, start=first):
            ws.write_number(r, 1, int(inputs.line_partner[k]) + 1, s.key)
            if not payee:
                continue
            paid = int(inputs.line_payee[k])
            if paid >= 0:
                ws.write_number(r, 2, paid + 1, s.key)
                payer_place = place_of[inputs.line_partner[k]]
                if payer_place == place_of[paid]:
                    ws.write_number(r, 3, int(payer_place) + 1, s.key)
            ws.write_number(r, 4, self.derived.outside[k], s.key)

    # ----- rates ----------------------------------------------------------------------------
    def nhs_rates(self) -> None:
        """The NHS rules' rates, formulas of Inputs."""
        if not self.plan.rows:
            return
        self.section(
            "Rates under the NHS rules, formulas of Inputs: tariff cost uplift, providers' CIP "
            "(recurrent and non-recurrent), allocation convergence"
        )

        def formula(r: RateRow) -> RowFormula:
            return lambda c, p: r.formula(lambda n, col: self.ctx.at(n, col, here=SHEET), c, p)

        n = self.ctx.n_years
        self.row = self.ctx.write_rows(
            self.ws,
            self.row,
            [
                RowSpec(
                    r.label,
                    r.unit,
                    formula(r),
                    r.values,
                    name=r.name,
                    fmt=self.ctx.styles.rate,
                    years=range(1, n) if np.isnan(r.values[0]) else None,
                )
                for r in self.plan.rows
            ],
        )

    def engine_rates(self) -> None:
        """Rates no formula here reproduces: the engine's compiled rates, as values."""
        plan, inputs, ctx, ws, s = self.plan, self.inputs, self.ctx, self.ws, self.ctx.styles
        if not (plan.engine_lines.any() or plan.engine_streams.any()):
            return
        self.section(
            "Rates the engine compiled that no formula of Inputs here reproduces (engine values)"
        )
        ctx.engine_rows.append(
            f"Calculations: the compiled rates of {int(plan.engine_lines.sum())} cost line(s) and "
            f"{int(plan.engine_streams.sum())} funding stream(s)"
        )
        rows: list[tuple[str, str, FloatArray]] = []
        for f in map(int, np.flatnonzero(plan.engine_streams)):
            partner, stream = self.streams[f]
            label = f"{partner.name}: {stream.name or stream.id}: funding growth"
            rows.append((f"calc.engine.funding_growth.f{f}", label, inputs.funding_growth[f]))
        demand = (1 + inputs.driver_growth) * (1 + inputs.direct_growth) - 1
        for k in map(int, np.flatnonzero(plan.engine_lines)):
            partner, line = self.lines[k]
            label = f"{partner.name}: {line.name or line.id}"
            rows += [
                (f"calc.engine.demand.{k}", f"{label}: demand growth", demand[k]),
                (f"calc.engine.inflation.{k}", f"{label}: inflation", inputs.inflation[k]),
                (
                    f"calc.engine.efficiency.{k}",
                    f"{label}: efficiency (recurrent)",
                    inputs.efficiency[k],
                ),
            ]
            if self.engine_nonrec[k]:
                rows.append(
                    (
                        f"calc.engine.nonrecurrent.{k}",
                        f"{label}: non-recurrent CIP",
                        inputs.nonrecurrent_cip[k],
                    )
                )
        for name, label, values in rows:
            ctx.text(ws, self.row, 0, label, s.label)
            ctx.text(ws, self.row, 5, "%", s.unit)
            ctx.row_values[(SHEET, self.row)] = np.concatenate([[np.nan], values])
            ws.write_blank(self.row, FIRST_YEAR_COL, None, s.na)
            for t, value in enumerate(values, start=1):
                ctx.number(ws, self.row, FIRST_YEAR_COL + t, float(value), s.rate)
            ctx.name_row(name, SHEET, self.row)
            self.row += 1

    def own(self, k: int, rate: str) -> str:
        """The row of line ``k``'s inflation or efficiency: on Inputs, or of the NHS rules."""
        if self.plan.engine_lines[k]:
            return f"calc.engine.{rate}.{k}"
        return str(getattr(self.plan.lines[k], rate))

    def nonrecurrent(self, k: int) -> str | None:
        """The row of line ``k``'s non-recurrent CIP rate (None: no CIP on the line)."""
        if self.plan.engine_lines[k]:
            return f"calc.engine.nonrecurrent.{k}" if self.engine_nonrec[k] else None
        return self.plan.lines[k].nonrecurrent

    # ----- funding and lines ----------------------------------------------------------------
    def funding(self) -> None:
        """Each funding stream: base-year outturn, then grown by its growth rate."""
        self.section(
            "Funding streams (external income), £k: base-year outturn, then grown by funding growth"
        )
        first, arrays = self.row, self.ctx.result.arrays

        def grown(f: int, r: int) -> RowFormula:
            partner, stream = self.streams[f]
            baseline = f"inputs.partners.{partner.id}.funding.{stream.id}.baseline"
            growth = (
                f"calc.engine.funding_growth.f{f}"
                if self.plan.engine_streams[f]
                else self.plan.streams[f]
            )
            return lambda c, p: (
                f"=IF({self.base(c)},{self.at(baseline, c)},{p}{r}*(1+{self.at(growth, c)}))"
            )

        specs = [
            RowSpec(
                f"{partner.name}: {stream.name or stream.id}",
                "£k",
                grown(f, first + f + 1),
                arrays.funding[f],
                name=f"calc.funding.{f}",
            )
            for f, (partner, stream) in enumerate(self.streams)
        ]
        self.block("calc.funding", specs, "(no funding streams)")
        for r, f in enumerate(range(len(specs)), start=first):
            self.ws.write_number(r, 1, int(self.inputs.fund_partner[f]) + 1, self.ctx.styles.key)

    def line_block(
        self, kind: str, title: str, unit: str, fmt: Any, build: LineFormula, values: FloatArray
    ) -> None:
        """One row per cost line (rows ``calc.<kind>.<k>``), with the keys in B-E."""
        self.section(title)
        first = self.row
        specs = [
            RowSpec(
                self.labels[k],
                unit,
                build(k, first + k + 1),
                values[k],
                name=f"calc.{kind}.{k}",
                fmt=fmt,
            )
            for k in range(len(self.lines))
        ]
        self.block(f"calc.{kind}", specs, "(no cost lines)")
        self.keys(first, range(len(specs)))

    def demand(self, k: int, r: int) -> RowFormula:
        """Line ``k``'s demand growth: its rate, driver and non-demographic, or none (block)."""
        if self.plan.engine_lines[k]:
            return lambda c, p: f"={self.at(f'calc.engine.demand.{k}', c)}"
        refs = self.plan.lines[k].demand
        if not refs:  # a block contract: no demand growth
            return lambda c, p: "=0"
        if len(refs) == 2:
            driver, extra = refs
            return lambda c, p: f"=(1+{self.at(driver, c)})*(1+{self.at(extra, c)})-1"
        return lambda c, p: f"={self.at(refs[0], c)}"

    def before(self, k: int, c: str, p: str, r: int) -> str:
        """Last year's run rate (column ``p`` of row ``r``) grown by demand and inflation."""
        demand, inflation = self.at(f"calc.demand.{k}", c), self.at(self.own(k, "inflation"), c)
        return f"{p}{r}*(1+{demand})*(1+{inflation})"

    def grown(self, *factors: str) -> LineFormula:
        """Cost grown by demand and then by each named factor, from the base-year outturn."""

        def build(k: int, r: int) -> RowFormula:
            partner, line = self.lines[k]
            baseline = f"inputs.partners.{partner.id}.costs.{line.id}.baseline"
            if "efficiency" in factors and self.nonrecurrent(k) is not None:
                u, o = f"calc.underlying.{k}", f"calc.cip_one_off.{k}"
                return lambda c, p: f"={self.at(u, c)}-{self.at(o, c)}"

            def formula(c: str, p: str) -> str:
                parts = [f"(1+{self.at(f'calc.demand.{k}', c)})"]
                if "inflation" in factors:
                    parts.append(f"(1+{self.at(self.own(k, 'inflation'), c)})")
                if "efficiency" in factors:
                    parts.append(f"(1-{self.at(self.own(k, 'efficiency'), c)})")
                return f"=IF({self.base(c)},{self.at(baseline, c)},{p}{r}*{'*'.join(parts)})"

            return formula

        return build

    def cip_lines(self) -> None:
        """A provider's CIP lines: underlying cost and the non-recurrent CIP saved."""
        cip = [k for k in range(len(self.lines)) if self.nonrecurrent(k) is not None]
        if not cip:
            return
        underlying, one_off = underlying_and_one_off(self.inputs)
        self.section(
            "Providers' CIP lines: underlying cost (the recurrent run rate), £k, and the "
            "non-recurrent CIP saved in the year, £k (the reported cost is their difference)"
        )
        first = self.row

        def run_rate(k: int, r: int) -> RowFormula:
            partner, line = self.lines[k]
            baseline = f"inputs.partners.{partner.id}.costs.{line.id}.baseline"
            efficiency = self.own(k, "efficiency")
            return lambda c, p: (
                f"=IF({self.base(c)},{self.at(baseline, c)},"
                f"{self.before(k, c, p, r)}*(1-{self.at(efficiency, c)}))"
            )

        def saved(k: int, r: int) -> RowFormula:
            rate = str(self.nonrecurrent(k))
            return lambda c, p: f"={self.before(k, c, p, r)}*{self.at(rate, c)}"

        specs = [
            RowSpec(
                f"{self.labels[k]}: underlying cost",
                "£k",
                run_rate(k, first + i + 1),
                underlying[k],
                name=f"calc.underlying.{k}",
            )
            for i, k in enumerate(cip)
        ]
        specs += [
            RowSpec(
                f"{self.labels[k]}: non-recurrent CIP saved",
                "£k",
                saved(k, first + i + 1),
                one_off[k],
                name=f"calc.cip_one_off.{k}",
                years=range(1, self.ctx.n_years),
            )
            for i, k in enumerate(cip)
        ]
        self.row = self.ctx.write_rows(self.ws, self.row, specs)
        self.keys(first, cip + cip, payee=False)
        self.ctx.rows["calc.cip_one_off.first"] = self.ctx.rows[f"calc.cip_one_off.{cip[0]}"]
        self.ctx.rows["calc.cip_one_off.last"] = self.ctx.rows[f"calc.cip_one_off.{cip[-1]}"]

    def totals(self) -> None:
        """Totals of the lines paid outside the system (the bridge) and of all lines."""
        derived, arrays = self.derived, self.ctx.result.arrays
        self.section(
            "Totals of cost lines, £k (outside the system: lines with no payee; they drive the "
            "gap bridge)"
        )

        def span(kind: str, col: str, col_abs: bool = False) -> str:
            return self.ctx.rows_span(
                f"calc.{kind}.first", f"calc.{kind}.last", col, here=SHEET, col_abs=col_abs
            )

        def outside(kind: str) -> RowFormula:
            return lambda c, p: f"=SUMPRODUCT({span(kind, 'E', True)},{span(kind, c)})"

        specs = [
            RowSpec(
                f"Lines paid outside the system: {what}",
                "£k",
                outside(kind),
                derived.outside @ values,
                name=f"calc.outside.{kind}",
            )
            for kind, what, values in (
                ("volume", "volume growth only", derived.volume),
                ("volume_inflation", "volume and inflation", derived.volume_inflation),
                ("cost", "after efficiency", arrays.cost),
            )
        ]
        specs.append(
            RowSpec(
                "All cost lines, inside and outside the system: after efficiency",
                "£k",
                lambda c, p: f"=SUM({span('cost', c)})",
                arrays.cost.sum(axis=0),
                name="calc.all.cost",
            )
        )
        self.row = self.ctx.write_rows(self.ws, self.row, specs)


def write_calculations(ctx: AppendixContext, derived: Derived) -> None:
    """The Calculations sheet: live formulas for every funding stream and cost line."""
    sheet = _Calculations(ctx, derived, rate_plan(ctx.result.model, ctx.result.inputs))
    s, arrays = ctx.styles, ctx.result.arrays
    sheet.nhs_rates()
    sheet.engine_rates()
    sheet.funding()
    sheet.line_block(
        "demand",
        "Demand growth of each cost line, a year (its own rate, or driver and non-demographic growth)",
        "%",
        s.rate,
        sheet.demand,
        derived.demand_rate,
    )
    sheet.line_block(
        "volume",
        "Cost with volume growth only (base-year prices), £k: for the gap bridge",
        "£k",
        s.money,
        sheet.grown(),
        derived.volume,
    )
    sheet.line_block(
        "volume_inflation",
        "Cost with volume growth and inflation, before efficiency, £k: for the gap bridge",
        "£k",
        s.money,
        sheet.grown("inflation"),
        derived.volume_inflation,
    )
    sheet.cip_lines()
    sheet.line_block(
        "cost",
        "Cost after efficiency: the expenditure of each cost line, £k",
        "£k",
        s.money,
        sheet.grown("inflation", "efficiency"),
        arrays.cost,
    )
    sheet.totals()
    sheet.ws.set_column(1, 4, 11)
