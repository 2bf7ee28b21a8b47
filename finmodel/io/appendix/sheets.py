"""The input side of the Excel appendix: the Time and Inputs sheets, and the figures they feed.

* **Time**: the year columns (labels, start and end dates, index) and the base-year and
  projected-year flags every formula uses.
* **Inputs**: every assumption and base-year figure of the model (after the scenario), one row
  each, styled as inputs, with its unit, its source and its key in the model file.
* :class:`Derived`: intermediate figures the workbook shows (volume-only cost, demand growth of
  each line, partner subtotals), computed from the engine's inputs and arrays: they are the
  results stored with the formulas of :mod:`finmodel.io.appendix.calculations` and the output sheets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from xlsxwriter.worksheet import Worksheet

from finmodel.domain.investments import Investment, OptimismBias
from finmodel.domain.model import ControlTotalEntry, RiskShareMethod
from finmodel.engine.inputs import FloatArray, year_vector
from finmodel.engine.projection import one_hot
from finmodel.io.appendix.case_inputs import write_case_settings
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.nhs_inputs import write_nhs_inputs
from finmodel.io.appendix.risk_register import risk_inputs
from finmodel.io.appendix.service_inputs import service_parameter_inputs
from finmodel.io.excel_styles import FIRST_ROW, FIRST_YEAR_COL, HEADER_ROW

#: System assumptions shown on Inputs, in order, with a readable name.
ASSUMPTIONS = {
    "demand_growth": "Demand growth (activity volume) a year",
    "inflation": "Inflation (pay and prices) a year",
    "efficiency": "Efficiency (cost improvement) a year",
    "funding_growth": "Funding growth a year",
    "non_demographic_growth": "Non-demographic growth on top of a demand driver, a year",
}
#: Per-line rates a cost line may set for itself.
LINE_RATES = ("demand_growth", "non_demographic_growth", "inflation", "efficiency")
RISK_METHODS = {
    RiskShareMethod.proportional_to_baseline_expenditure: "proportional to base-year expenditure",
    RiskShareMethod.fixed_shares: "fixed shares",
    RiskShareMethod.none: "none (each partner keeps its own variance)",
}


@dataclass(frozen=True)
class Derived:
    """Intermediate figures the workbook shows, from the engine's inputs and arrays (£k, rates)."""

    demand_rate: FloatArray  # (L, T) 0 in the base year
    volume: FloatArray  # (L, T) cost with volume growth only
    volume_inflation: FloatArray  # (L, T)
    funding_by_partner: FloatArray  # (P, T)
    internal_income: FloatArray  # (P, T)
    cost_expenditure: FloatArray  # (P, T)
    outside: FloatArray  # (L,) 1 for a line paid outside the system
    place_of: np.ndarray  # (P,) place index of each partner

    @classmethod
    def of(cls, ctx: AppendixContext) -> Derived:
        """Compute from the projection of ``ctx``."""
        inputs, a = ctx.result.inputs, ctx.result.arrays
        n_partners = len(inputs.partner_ids)
        factor = (1 + inputs.driver_growth) * (1 + inputs.direct_growth)
        ones = np.ones((*factor.shape[:-1], 1))
        demand_rate = np.concatenate([ones * 0.0, factor - 1], axis=-1)
        volume = inputs.cost_baseline[:, None] * np.concatenate(
            [ones, np.cumprod(factor, axis=-1)], axis=-1
        )
        inflated = np.concatenate([ones, np.cumprod(1 + inputs.inflation, axis=-1)], axis=-1)
        payer = one_hot(inputs.line_partner, n_partners)
        return cls(
            demand_rate=demand_rate,
            volume=volume,
            volume_inflation=volume * inflated,
            funding_by_partner=one_hot(inputs.fund_partner, n_partners) @ a.funding,
            internal_income=one_hot(inputs.line_payee, n_partners) @ a.cost,
            cost_expenditure=payer @ a.cost,
            outside=(inputs.line_payee < 0).astype(float),
            place_of=np.array(
                [inputs.place_names.index(p) for p in inputs.partner_places], dtype=int
            ),
        )


#: Row (0-based) of the year index on Time; Inputs (written first) refers to it.
TIME_INDEX_ROW = FIRST_ROW + 2


def write_time(ctx: AppendixContext) -> None:
    """The Time sheet: year labels, dates, index and flags."""
    ws = ctx.add_timeseries_sheet(
        "Time",
        "The timeline: financial years, dates and the flags formulas use",
        title="Time: the timeline",
    )
    s = ctx.styles
    for t, year in enumerate(ctx.years):
        ws.write_string(HEADER_ROW, FIRST_YEAR_COL + t, year, s.header_year)
    ctx.name_row("time.year", "Time", HEADER_ROW)
    start = int(ctx.years[0][:4])
    row = FIRST_ROW
    rows = (
        (
            "time.start",
            "Year starts",
            "date",
            [dt.datetime(start + t, 4, 1) for t in range(ctx.n_years)],
        ),
        (
            "time.end",
            "Year ends",
            "date",
            [dt.datetime(start + t + 1, 3, 31) for t in range(ctx.n_years)],
        ),
        ("time.index", "Year index t (0 = base year, outturn)", "t", list(range(ctx.n_years))),
    )
    for name, label, unit, values in rows:
        ctx.text(ws, row, 0, label, s.label)
        ctx.text(ws, row, 5, unit, s.unit)
        for t, value in enumerate(values):
            if isinstance(value, dt.datetime):
                ws.write_datetime(row, FIRST_YEAR_COL + t, value, s.date)
            else:
                ws.write_number(row, FIRST_YEAR_COL + t, value, s.flag)
        ctx.name_row(name, "Time", row)
        row += 1
    assert ctx.rows["time.index"] == ("Time", TIME_INDEX_ROW)
    index = ctx.letter(0)
    base = np.zeros(ctx.n_years)
    base[0] = 1.0
    ctx.text(ws, row, 0, "Base-year flag (1 in the outturn year)", s.label)
    ctx.text(ws, row, 5, "flag", s.unit)
    ctx.write_row(ws, row, lambda c, p: f"=IF({c}${row}=${index}${row},1,0)", base, s.flag)
    ctx.name_row("time.base_flag", "Time", row)
    ctx.text(ws, row + 1, 0, "Projected-year flag (1 in every year after the base year)", s.label)
    ctx.text(ws, row + 1, 5, "flag", s.unit)
    ctx.write_row(ws, row + 1, lambda c, p: f"=1-{c}${row + 1}", 1 - base, s.flag)
    ctx.name_row("time.projected_flag", "Time", row + 1)
    ctx.text(
        ws,
        row + 3,
        0,
        "Every time-series sheet uses these columns: one column per financial year, April to March.",
        s.note,
    )


class _InputsWriter:
    """Writes the Inputs sheet row by row, naming each row ``inputs.<model file key>``."""

    def __init__(self, ctx: AppendixContext):
        self.ctx = ctx
        self.ws = ctx.add_timeseries_sheet(
            "Inputs",
            "Every assumption and base-year figure, one row each, with its unit and source",
            title="Inputs: assumptions and base-year outturn (after the scenario)",
            headers=("Description", "Partner", "Payee", "Place", "Value", "Unit"),
            extra_columns=("Source", "Key in the model file"),
        )
        self.row = FIRST_ROW
        self.source_col = FIRST_YEAR_COL + ctx.n_years

    def section(self, title: str) -> None:
        if self.row > FIRST_ROW:
            self.row += 1
        self.ctx.section(self.ws, self.row, title)
        self.row += 1

    def line(
        self,
        key: str,
        label: str,
        unit: str,
        source: str | None,
        partner: str = "",
        payee: str = "",
        place: str = "",
    ) -> int:
        ctx, ws, s = self.ctx, self.ws, self.ctx.styles
        row = self.row
        ctx.text(ws, row, 0, label, s.label)
        for col, text in ((1, partner), (2, payee), (3, place)):
            if text:
                ctx.text(ws, row, col, text, s.key)
        ctx.text(ws, row, 5, unit, s.unit)
        ctx.text(ws, row, self.source_col, source or "not given", s.note_wrap)
        lines = -(-len(source or "") // 68)  # the source column is 60 wide (small italic)
        if lines > 1:
            ws.set_row(row, 13 * lines)
        ctx.text(ws, row, self.source_col + 1, key, s.note)
        ctx.name_row(f"inputs.{key}", "Inputs", row)
        self.row += 1
        return row

    def rates(
        self, key: str, label: str, values: float | list[float], source: str | None, **keys: str
    ) -> None:
        row = self.line(key, label, "%", source, **keys)
        self._timeline(
            row,
            np.concatenate([[np.nan], year_vector(values, self.ctx.n_years - 1)]),
            self.ctx.styles.rate_input,
        )

    def money_years(
        self, key: str, label: str, values: FloatArray, source: str | None, **keys: str
    ) -> None:
        row = self.line(key, label, "£k", source, **keys)
        self._timeline(row, values, self.ctx.styles.money_input)

    def _timeline(self, row: int, values: FloatArray, fmt: object) -> None:
        for t, value in enumerate(values):
            if np.isnan(value):
                self.ws.write_blank(row, FIRST_YEAR_COL + t, None, self.ctx.styles.na)
            else:
                self.number(row, FIRST_YEAR_COL + t, float(value), fmt)

    def number(self, row: int, col: int, value: float, fmt: object) -> None:
        """An input number, recorded as exported (for the *changed since export* flags)."""
        self.ws.write_number(row, col, value, fmt)
        self.ctx.exported_inputs.append((row, col, value))


def write_inputs(ctx: AppendixContext) -> None:
    """The Inputs sheet (rows named ``inputs.<key in the model file>``)."""
    model, inputs = ctx.result.model, ctx.result.inputs
    w = _InputsWriter(ctx)
    s, ws, n_years = ctx.styles, w.ws, ctx.n_years
    base_only = np.full(n_years, np.nan)
    a = model.assumptions

    w.section("Partners (no. = order used by the keys on Calculations and Partners)")
    for number, partner in enumerate(model.partners, start=1):
        row = w.line(
            f"partners.{partner.id}.in_control_total",
            f"{number}. {partner.name} ({partner.kind.value})",
            "1 = yes",
            partner.source,
            partner=partner.id,
            place=partner.place,
        )
        w.number(row, 4, 1 if partner.in_control_total else 0, s.flag_input)

    w.section("System assumptions: the default of every line that sets no rate of its own")
    for name, label in ASSUMPTIONS.items():
        w.rates(f"assumptions.{name}", label, getattr(a, name), a.sources.get(name) or a.source)
    if model.drivers:
        w.section("Demand drivers: growth a year of the series that drive demand")
        for driver_id, driver in model.drivers.items():
            w.rates(
                f"drivers.{driver_id}.growth",
                f"Driver: {driver.name or driver_id}",
                driver.growth,
                driver.source,
            )

    write_nhs_inputs(w)

    w.section("Funding streams: base-year outturn (external income), £k")
    for partner in model.partners:
        for stream in partner.funding:
            values = base_only.copy()
            values[0] = stream.baseline
            w.money_years(
                f"partners.{partner.id}.funding.{stream.id}.baseline",
                f"{partner.name}: {stream.name or stream.id}",
                values,
                stream.source,
                partner=partner.id,
            )
    overrides = [(p, f) for p in model.partners for f in p.funding if f.funding_growth is not None]
    if overrides:
        w.section("Funding growth a stream sets for itself (instead of the system assumption)")
        for partner, stream in overrides:
            assert stream.funding_growth is not None
            w.rates(
                f"partners.{partner.id}.funding.{stream.id}.funding_growth",
                f"{partner.name}: {stream.name or stream.id}",
                stream.funding_growth,
                stream.sources.get("funding_growth"),
                partner=partner.id,
            )

    w.section("Cost lines: base-year outturn, £k (with a payee: a contract with that partner)")
    for partner in model.partners:
        for line in partner.costs:
            values = base_only.copy()
            values[0] = line.baseline
            w.money_years(
                f"partners.{partner.id}.costs.{line.id}.baseline",
                f"{partner.name}: {line.name or line.id}",
                values,
                line.source,
                partner=partner.id,
                payee=line.payee or "",
            )
    line_overrides = [
        (p, c, r)
        for p in model.partners
        for c in p.costs
        for r in LINE_RATES
        if getattr(c, r) is not None
    ]
    if line_overrides:
        w.section("Rates a cost line sets for itself (instead of the system assumption)")
        for partner, line, rate in line_overrides:
            label = f"{partner.name}: {line.name or line.id}: {ASSUMPTIONS[rate].split(' a year')[0].lower()}"
            w.rates(
                f"partners.{partner.id}.costs.{line.id}.{rate}",
                label,
                getattr(line, rate),
                line.sources.get(rate),
                partner=partner.id,
            )

    _non_recurrent_inputs(ctx, w)

    w.section(
        "Control totals: planned surplus (+) or deficit (-) of each partner in the control total, £k"
    )
    for p, partner_id in enumerate(inputs.partner_ids):
        if partner_id in model.control_totals:
            entry = model.control_totals[partner_id]
            source = entry.source if isinstance(entry, ControlTotalEntry) else None
            w.money_years(
                f"control_totals.{partner_id}",
                inputs.partner_names[p],
                inputs.control_total[p],
                source,
                partner=partner_id,
            )

    w.section("Risk share of the system variance against its control total")
    row = w.line(
        "risk_share.method",
        f"Method: {RISK_METHODS[model.risk_share.method]}",
        "",
        model.risk_share.source,
    )
    ctx.text(ws, row, 4, model.risk_share.method.value, s.key)
    ctx.exported_inputs.append((row, 4, model.risk_share.method.value))
    if model.risk_share.method == RiskShareMethod.fixed_shares:
        for partner_id, share in (model.risk_share.shares or {}).items():
            row = w.line(
                f"risk_share.shares.{partner_id}",
                f"Share of {model.partner(partner_id).name}",
                "share",
                model.risk_share.source,
                partner=partner_id,
            )
            w.number(row, 4, share, s.share_input)

    for investment_id, investment in model.investments.items():
        _case_inputs(w, investment_id, investment)
        write_case_settings(
            w,
            investment_id,
            investment,
            investment.appraisal_years(model),
            investment.base_price_year(model),
            investment.case_years(model),
        )
    w.section(
        "Investments: net cost of the selected options by funder, £k (from the investment appraisal)"
    )
    has_investments = bool(np.any(inputs.investment_expenditure))
    # linked to the Financial case once it is written (investment_link.link_investment_costs)
    for p, partner_id in enumerate(inputs.partner_ids):
        source = (
            "investment appraisal of the selected options"
            if has_investments
            else "no investment selected"
        )
        w.money_years(
            f"investments.{partner_id}",
            inputs.partner_names[p],
            inputs.investment_expenditure[p],
            source,
            partner=partner_id,
        )

    w.row += 1
    ctx.text(
        ws,
        w.row,
        0,
        "Blue on yellow: inputs. Grey cells: not used (rates start after the base year).",
        s.note,
    )
    _changed_flags(ctx, ws, w.source_col + 2)
    ws.set_column(1, 3, 14)
    ws.set_column(w.source_col, w.source_col, 60)
    ws.set_column(w.source_col + 1, w.source_col + 1, 36)
    ctx.bound_print_width(ws, w.source_col + 2)


#: The sheet holding the inputs as exported (values), which the *changed* flags compare with.
EXPORTED_SHEET = "Inputs as exported"


def _changed_flags(ctx: AppendixContext, ws: Worksheet, col: int) -> None:
    """A column on Inputs: 1 where a row differs from the inputs as exported (see
    :func:`write_exported_inputs`), named ``inputs_changed``; the Cover counts them."""
    s = ctx.styles
    ws.write_string(HEADER_ROW, col, "Changed since export (1 = yes)", s.header)
    ws.set_column(col, col, 14)
    last = ctx.last_letter
    first_year = ctx.letter(0)
    rows = sorted({row for name, (sheet, row) in ctx.rows.items() if name.startswith("inputs.")})
    other = f"'{EXPORTED_SHEET}'!"
    for row in rows:
        r = row + 1
        formula = (
            f"=IF((E{r}<>{other}E{r})+SUMPRODUCT(--({first_year}{r}:{last}{r}"
            f"<>{other}{first_year}{r}:{last}{r}))>0,1,0)"
        )
        ctx.write(ws, row, col, formula, 0.0, s.check)
    if rows:
        ctx.name_row("inputs_changed.first", "Inputs", rows[0])
        ctx.name_row("inputs_changed.last", "Inputs", rows[-1])
        ctx.inputs_changed_col = col
        ws.conditional_format(
            rows[0],
            col,
            rows[-1],
            col,
            {
                "type": "cell",
                "criteria": ">",
                "value": 0,
                "format": ctx.workbook.add_format({"bg_color": "#FFC7CE", "bold": True}),
            },
        )


def write_exported_inputs(ctx: AppendixContext) -> None:
    """The inputs as exported, as values in the same cells as on Inputs: what the engine ran.

    Inputs compares each row with this sheet (*changed since export*), so the Cover can say
    whether the workbook's inputs are still the engine run's.
    """
    ws = ctx.add_plain_sheet(
        EXPORTED_SHEET,
        "The inputs as the engine ran them (values), for the changed-since-export flags on Inputs",
    )
    s = ctx.styles
    ws.write_string(0, 0, "Inputs as exported: the values the engine ran (do not edit)", s.title)
    ws.hide()  # reference values for the flags on Inputs; unhide to compare by eye
    for row, col, value in ctx.exported_inputs:
        if isinstance(value, str):
            ctx.text(ws, row, col, value, s.label)
        else:
            ws.write_number(row, col, value, s.money)
    ws.set_column(0, 0, 40)


def _case_inputs(w: _InputsWriter, investment_id: str, investment: Investment) -> None:
    """An investment's case inputs: each option's cost amounts and the optimism bias (the HMT
    upper bound, a table value, and the mitigation share), rows ``inputs.<dotted path>``; the
    Appraisal sheet's formulas refer to them."""
    s, prefix = w.ctx.styles, f"investments.{investment_id}"
    w.section(f"Investment {investment.name or investment_id}: the case's inputs (£k a year)")
    biases: list[tuple[str, OptimismBias]] = []
    if investment.optimism_bias is not None:
        biases.append((f"{prefix}.optimism_bias", investment.optimism_bias))
    for option in investment.options:
        path = f"{prefix}.options.{option.id}"
        for item in option.costs:
            if not isinstance(item.amount, int | float):
                continue  # a list of one-off amounts stays with its stream on Appraisal
            row = w.line(
                f"{path}.costs.{item.id}.amount",
                f"{option.name or option.id}: {item.name or item.id}, amount a year",
                "£k",
                item.source,
            )
            w.number(row, 4, float(item.amount), s.money_input)
        if option.optimism_bias is not None:
            biases.append((f"{path}.optimism_bias", option.optimism_bias))
    for path, bias in biases:
        what = bias.project_type or "combined project"
        row = w.line(
            f"{path}.upper_bound",
            f"Optimism bias: HMT upper bound, {what} ({bias.measure}), table {bias.version}",
            "share",
            f"HMT optimism-bias table {bias.version} (a table value, not set in the model file)",
        )
        upper = bias.model_copy(update={"mitigation_share": 0.0}).rate()
        w.number(row, 4, upper, s.share_input)
        row = w.line(
            f"{path}.mitigation_share",
            "Optimism bias: share of the contributory factors mitigated",
            "share",
            bias.source,
        )
        w.number(row, 4, float(bias.mitigation_share), s.share_input)
    service_parameter_inputs(w, investment_id, investment)
    risk_inputs(w, investment_id, investment)


#: How each kind of non-recurrent item is booked: income, a saving (less expenditure), a cost.
NON_RECURRENT_BOOKING = {
    "deficit_support": "income",
    "winter_funding": "income",
    "one_off_grant": "income",
    "non_recurrent_cip": "saving",
    "one_off_cost": "cost",
}


def _non_recurrent_inputs(ctx: AppendixContext, w: _InputsWriter) -> None:
    """Each partner's non-recurrent items by year (rows ``inputs.partners.<p>.non_recurrent.<id>``).

    Amounts are positive, £k; the kind gives the sign. The base year and projected amounts are
    inputs; a taper's projected years are formulas of the base-year amount
    (``base x MAX(0, 1 - t / years to zero)``, the years to zero in column E).
    """
    model = ctx.result.model
    items = [(p, item) for p in model.partners for item in p.non_recurrent]
    if not items:
        return
    inputs = ctx.result.inputs
    amounts = inputs.nonrec_income + inputs.nonrec_saving + inputs.nonrec_cost
    s, ws = ctx.styles, w.ws
    w.section(
        "Non-recurrent items: in the reported position, not the underlying, £k "
        "(positive amounts; income and savings improve the surplus, costs worsen it)"
    )
    start = int(model.timeline.base_year[:4])
    base0 = ctx.letter(0)
    for k, (partner, item) in enumerate(items):
        key = f"partners.{partner.id}.non_recurrent.{item.id}"
        booking = NON_RECURRENT_BOOKING[item.kind.value]
        taper = item.taper_to_zero_by
        where = ".base_year, .taper_to_zero_by" if taper else ".base_year, .projected"
        row = w.line(
            key,
            f"{partner.name}: {item.name or item.id} ({item.kind.value.replace('_', ' ')}, {booking})",
            "£k",
            item.source,
            partner=partner.id,
        )
        ctx.text(ws, row, w.source_col + 1, key + where, s.note)
        if taper is None:
            w._timeline(row, amounts[k], s.money_input)
            continue
        w.number(row, FIRST_YEAR_COL, float(amounts[k, 0]), s.money_input)
        w.number(row, 4, float(int(taper[:4]) - start), s.key)
        r = row + 1
        for t in range(1, ctx.n_years):
            c = ctx.letter(t)
            formula = f"=${base0}{r}*MAX(0,1-Time!{c}${TIME_INDEX_ROW + 1}/$E{r})"
            ctx.write(ws, row, FIRST_YEAR_COL + t, formula, float(amounts[k, t]), s.money)
            ctx.exported_inputs.append((row, FIRST_YEAR_COL + t, float(amounts[k, t])))
