"""The investment sheets of the Excel appendix: *Appraisal*, *Financial case*, *Service model*.

For each investment of the model (none: no sheets), registered with the appendix by
:mod:`finmodel.appraisal.excel_sheets` (sheet writer :func:`investment_sheets`):

=============  ===============================================================================
Appraisal      Its own timeline, the appraisal years (year 0 first, possibly past the model's
               horizon). Inputs: GDP deflators, discount rates, flow timing, each option's
               nominal cost and benefit streams and optimism-bias rates. Live formulas: real
               price factor, discount factors ``DF_0 = 1, DF_t = DF_{t-1} / (1 + r_t)``
               (mid-year: times ``(1 + r_t) ^ 0.5``), real costs after optimism bias, real
               benefits by type, PV rows (``(option - do nothing) x DF``), PVC, PVB, NPSV, the
               cumulative discounted net benefit, BCR, rank and cost per unit of outcome;
               payback year and switching values as values with notes; checks against
               ``finmodel appraise``.
Financial      The case years (model base year first, on the same columns as the System sheet).
case           Nominal, undiscounted. Inputs: each option's cost and cash released; funders'
               and beneficiaries' shares. Formulas: cost to each funder, cash to each
               beneficiary, effect on each partner's surplus and on the system's variance
               against its control total, per option against do nothing; the selected option
               highlighted; checks that funders' costs add up and that the effects equal the
               engine's projections with each option selected.
Service model  The service model's annual summary per option, as values (a monthly simulation
               is not laid out as cell formulas), and line charts of the overdue backlog and of
               the share of decisions within 28 days; the Appraisal and Financial case sheets
               take the cash released (and the outcome units) from it by link.
=============  ===============================================================================

Every formula stores the engine's figure as its result (``ctx.write``), so readers that do not
recalculate show the right numbers; formulas hold no constants but 0 and 1 (and the flow-timing
exponent is an input). Named rows (``ctx.rows``), for tests and tools:
``appraisal.<inv>.discount_factor``, ``appraisal.<inv>.{pv_costs,pv_benefits,npsv}.<option>``
(total in the *Total* column), ``appraisal.<inv>.summary.<option>`` (G: PVC, H: PVB, I: NPSV,
J: BCR, K: rank), ``financial.<inv>.{cost,surplus}.<option>.<partner>``,
``financial.<inv>.variance_change.<option>``, ``service.<inv>.<series>.<option>``.

Example
-------
>>> import tempfile, pathlib
>>> from finmodel import load_model, project
>>> from finmodel.io.excel_appendix import write_appendix
>>> out = pathlib.Path(tempfile.mkdtemp()) / "appendix.xlsx"
>>> layout = write_appendix(project(load_model("models/lsc_ics.yaml")), out,
...                         include_registered=False, extra_sheets=[investment_sheets])
>>> layout.sheets[-4:]
['Appraisal', 'Financial case', 'Service model', 'Checks']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel.appraisal.discounting import (
    deflator_index,
    deflator_table,
    discount_rates,
    discount_table,
)
from finmodel.domain.investments import option_optimism_bias
from finmodel.investment.case import InvestmentCase, appraise_model
from finmodel.investment.streams import SERVICE_STREAM
from finmodel.io.excel_context import CHECK_TOLERANCE, AppendixContext
from finmodel.io.excel_styles import (
    FIRST_YEAR_COL,
    HEADER_ROW,
    col_letter,
    quote_sheet,
    setup_timeseries_sheet,
)
from finmodel.service.ipa_results import NEVER

#: Sheet names (suffixed `` 2``, `` 3``, ... when the model has several investments).
APPRAISAL, FINANCIAL, SERVICE = "Appraisal", "Financial case", "Service model"
#: Service-model series on the Service model sheet: (series, label, unit, format name).
SERVICE_SERIES = (
    ("overdue_backlog", "Overdue reviews (backlog) at year end", "reviews", "count"),
    ("share_within_28_days", "Share of decisions within 28 days", "%", "share"),
    (
        "incomplete_over_28_days",
        "Referrals incomplete after 28 days, at year end",
        "people",
        "count",
    ),
    ("reviews_done", "Reviews done in the year", "reviews", "count"),
    ("caseload", "Caseload (people eligible) at year end", "people", "count"),
    ("package_spend", "Package spend in the year (before cash released)", "£k", "money"),
    ("cash_released", "Cash released by reviews in the year", "£k", "money"),
    ("fte", "Assessment and review staff in post at year end", "FTE", "fte"),
)
_TYPE_LABEL = {
    "cash_releasing": "cash-releasing",
    "non_cash_releasing": "non-cash-releasing",
    "societal": "societal",
}
#: The formula of one year column from its column letter and the previous column's.
RowFormula = Callable[[str, str], str]


@dataclass(frozen=True)
class _Formats:
    factor: Any
    count: Any
    count_input: Any
    index: Any
    index_input: Any
    timing_input: Any
    ratio: Any
    unit_cost: Any
    fte: Any
    engine: Any
    selected: Any

    @classmethod
    def create(cls, workbook: Workbook) -> _Formats:
        def fmt(**props: Any) -> Any:
            return workbook.add_format({"font_name": "Arial", "font_size": 10, **props})

        inputs = {"font_color": "#0000FF", "bg_color": "#FFF2CC", "border": 1}
        inputs["border_color"] = "#BFBFBF"
        return cls(
            factor=fmt(num_format="0.00000"),
            count=fmt(num_format='#,##0;(#,##0);"–"'),
            count_input=fmt(num_format='#,##0;(#,##0);"–"', **inputs),
            index=fmt(num_format="0.000"),
            index_input=fmt(num_format="0.000", **inputs),
            timing_input=fmt(num_format="0.0", **inputs),
            ratio=fmt(num_format="0.00"),
            unit_cost=fmt(num_format='#,##0.000;(#,##0.000);"–"'),
            fte=fmt(num_format="#,##0.0"),
            engine=fmt(num_format='#,##0;(#,##0);"–"', italic=True, font_color="#595959"),
            selected=fmt(bold=True, bg_color="#F8CBAD"),
        )


@dataclass
class _Sheet:
    """A worksheet on its own timeline of ``n`` year columns from column G."""

    ctx: AppendixContext
    ws: Worksheet
    name: str
    n: int

    @property
    def total_col(self) -> int:
        return FIRST_YEAR_COL + self.n

    def letter(self, t: int) -> str:
        return col_letter(FIRST_YEAR_COL + t)

    def ref(self, row: int, t: int | None = None, *, col: int | None = None) -> str:
        """Anchored reference from another sheet: ``'Service model'!H$12``."""
        c = col_letter(col if col is not None else FIRST_YEAR_COL + (t or 0))
        return f"{quote_sheet(self.name)}!{c}${row + 1}"

    def span(self, row: int, first: int = 0) -> str:
        return f"{self.letter(first)}{row + 1}:{self.letter(self.n - 1)}{row + 1}"

    def label(self, row: int, text: str, unit: str = "", fmt: Any = None) -> None:
        st = self.ctx.styles
        self.ctx.text(self.ws, row, 0, text, fmt or st.label)
        if unit:
            self.ctx.text(self.ws, row, 5, unit, st.unit)

    def note(self, row: int, text: str | None) -> None:
        if text:
            self.ctx.text(
                self.ws, row, self.total_col + 1, " ".join(text.split()), self.ctx.styles.note
            )

    def formulas(
        self,
        row: int,
        formula: RowFormula,
        values: Sequence[float] | np.ndarray,
        fmt: Any,
        *,
        start: int = 0,
        stop: int | None = None,
        first: str | None = None,
    ) -> None:
        """``formula`` in years ``start .. stop - 1`` (``first`` in year ``start`` if given),
        with the engine's ``values`` (indexed by year) as results; other years greyed."""
        stop = self.n if stop is None else stop
        for t in range(self.n):
            col = FIRST_YEAR_COL + t
            if not start <= t < stop:
                self.ws.write_blank(row, col, None, self.ctx.styles.na)
                continue
            text = first if first is not None and t == start else None
            here, prev = col_letter(col), col_letter(col - 1)
            self.ctx.write(self.ws, row, col, text or formula(here, prev), float(values[t]), fmt)

    def links(
        self,
        row: int,
        target: Callable[[int], str],
        values: Sequence[float] | np.ndarray,
        fmt: Any,
        start: int = 0,
    ) -> None:
        """``=target(t)`` (a reference to another sheet) in years ``start ..``."""
        for t in range(self.n):
            if t < start:
                self.ws.write_blank(row, FIRST_YEAR_COL + t, None, self.ctx.styles.na)
            else:
                self.ctx.write(self.ws, row, FIRST_YEAR_COL + t, f"={target(t)}", values[t], fmt)

    def inputs(
        self, row: int, values: Sequence[float] | np.ndarray, fmt: Any, start: int = 0
    ) -> None:
        for t in range(self.n):
            if t < start:
                self.ws.write_blank(row, FIRST_YEAR_COL + t, None, self.ctx.styles.na)
            else:
                self.ctx.number(self.ws, row, FIRST_YEAR_COL + t, float(values[t]), fmt)

    def total(self, row: int, value: float, fmt: Any, first: int = 0) -> str:
        """``SUM`` of the row's years in the Total column; returns its anchored reference."""
        col = self.total_col
        self.ctx.write(self.ws, row, col, f"=SUM({self.span(row, first)})", value, fmt)
        return f"${col_letter(col)}${row + 1}"

    def section(self, row: int, text: str, fmt: Any = None) -> None:
        fmt = fmt or self.ctx.styles.section
        for col in range(self.total_col + 2):
            self.ws.write_blank(row, col, None, fmt)
        self.ctx.text(self.ws, row, 0, text, fmt)

    def table_header(self, row: int, first: str, columns: Sequence[tuple[int, str]]) -> None:
        st = self.ctx.styles
        for col in range(max(c for c, _ in columns) + 1):
            self.ws.write_blank(row, col, None, st.header)
        self.ctx.text(self.ws, row, 0, first, st.header)
        for col, text in columns:
            self.ctx.text(self.ws, row, col, text, st.header_year if col >= 6 else st.header)


def _new_sheet(
    ctx: AppendixContext,
    name: str,
    description: str,
    *,
    title: str,
    subtitle: str,
    headers: tuple[str, str, str, str, str, str],
    years: Sequence[str],
    year_header: list[tuple[str | None, str]] | None = None,
    extra: tuple[str, ...] = ("Total", "Source / note"),
) -> _Sheet:
    ws = ctx.add_plain_sheet(name, description)
    setup_timeseries_sheet(
        ws,
        ctx.styles,
        title=title,
        subtitle=subtitle,
        headers=headers,
        years=list(years),
        year_header=year_header or [(None, y) for y in years],
        model_name=ctx.model_name,
        extra_columns=extra,
    )
    sheet = _Sheet(ctx, ws, name, len(years))
    if len(extra) == 2:
        ws.set_column(sheet.total_col, sheet.total_col, 13)
    ws.set_column(sheet.total_col + len(extra) - 1, sheet.total_col + len(extra) - 1, 70)
    return sheet


def _flag(diff: str, tolerance: str) -> str:
    return f"=IF(ABS({diff})>{tolerance},1,0)"


def _fails(values: np.ndarray | float) -> np.ndarray:
    """1 where a difference fails the workbook's check tolerance (the cached check results)."""
    diff = np.abs(np.nan_to_num(np.asarray(values, dtype=float)))
    return np.asarray(diff > CHECK_TOLERANCE, dtype=float)


def _each(template: str) -> RowFormula:
    """A row formula from a template: ``{c}`` is the year's column letter, ``{p}`` the previous."""
    return lambda c, p: template.format(c=c, p=p)


def _plus(refs: Sequence[str]) -> str:
    return "+".join(refs) if refs else "0"


# ---------------------------------------------------------------------------------------------
# The sheet writer
# ---------------------------------------------------------------------------------------------
#: Service model rows the other sheets link to: (series, option) -> (sheet, row, its years).
Links = dict[tuple[str, int], tuple[_Sheet, int, list[str]]]


def investment_sheets(workbook: Workbook, ctx: AppendixContext) -> None:
    """Sheet writer: Appraisal, Financial case and Service model of each investment (if any).

    Each investment is appraised (:func:`~finmodel.investment.case.appraise_model`) on the
    projection's model, so the scenario's selected option is the one highlighted.
    """
    model = ctx.result.model
    if not model.investments:
        return
    fmt = _Formats.create(workbook)
    many = len(model.investments) > 1
    for i, investment_id in enumerate(model.investments):
        suffix = f" {i + 1}" if many else ""
        write_investment_sheets(ctx, appraise_model(model, investment_id), fmt, suffix)


def write_investment_sheets(
    ctx: AppendixContext, case: InvestmentCase, fmt: _Formats | None = None, suffix: str = ""
) -> None:
    """Write the sheets of one appraised investment into the appendix of ``ctx``."""
    fmt = fmt or _Formats.create(ctx.workbook)
    s, e = case.streams, case.economic
    label = f"{s.investment.name or s.investment_id} ({s.investment_id})"
    appraisal = _new_sheet(
        ctx,
        APPRAISAL + suffix,
        f"Green Book economic case of {s.investment_id}: discount factors, PVs, NPSV (formulas)",
        title=f"Appraisal: {label}",
        subtitle=_subtitle(ctx, f"Real £k, {e.price_base_year} prices, discounted"),
        headers=("Description", "Option", "Stream", "Kind / type", "Input", "Unit"),
        years=e.years,
    )
    header: list[tuple[str | None, str]] = [
        (
            f"=Time!{ctx.letter(t)}${HEADER_ROW + 1}" if ctx.formulas and t < ctx.n_years else None,
            year,
        )
        for t, year in enumerate(s.years)
    ]
    financial = _new_sheet(
        ctx,
        FINANCIAL + suffix,
        f"Financial case of {s.investment_id}: nominal cost to each funder, surplus effects",
        title=f"Financial case: {label}",
        subtitle=_subtitle(ctx, "Nominal (cash) £k, undiscounted, each option against do nothing"),
        headers=("Description", "Partner", "Share", "Do nothing's share", "", "Unit"),
        years=s.years,
        year_header=header,
        extra=("Source / note",),
    )
    links: Links = {}
    if s.service is not None:  # written first: the other sheets link to it
        service = _new_sheet(
            ctx,
            SERVICE + suffix,
            f"Service model of {s.investment_id}: backlog, 28-day share by option (values, charts)",
            title=f"Service model: {label}",
            subtitle=_subtitle(ctx, "Annual summary of the monthly service model, by option"),
            headers=("Description", "Option", "", "", "", "Unit"),
            years=s.service.annual(("referrals",)).years,
            extra=("Source / note",),
        )
        links = _write_service(ctx, service, case, fmt)
    _write_appraisal(ctx, appraisal, case, fmt, links)
    _write_financial(ctx, financial, case, fmt, links)


def _subtitle(ctx: AppendixContext, what: str) -> str:
    scenario = f", scenario {ctx.result.scenario}" if ctx.result.scenario else ""
    return f"{ctx.model_name}{scenario}. {what}; negatives in brackets."


def _option_label(case: InvestmentCase, o: int) -> str:
    s = case.streams
    tags = []
    if o == s.baseline:
        tags.append("do nothing: the baseline")
    if o == s.selected:
        tags.append("selected in this scenario")
    if o == case.preferred:
        tags.append("preferred: highest NPSV")
    tag = f"  [{'; '.join(tags)}]" if tags else ""
    return f"Option {o + 1}: {s.option_names[o]} ({s.option_ids[o]}){tag}"


def _link(
    links: Links, series: str | None, o: int, years: Sequence[str]
) -> Callable[[int], str] | None:
    """Year index (into ``years``) -> reference to that year on the Service model sheet."""
    found = links.get((series, o)) if series else None
    if found is None:
        return None
    sheet, row, service_years = found
    if not set(years) <= set(service_years):
        return None
    return lambda t: sheet.ref(row, service_years.index(years[t]))


def _keys(ctx: AppendixContext, sh: _Sheet, row: int, o: int, stream: str, kind: str) -> None:
    ctx.number(sh.ws, row, 1, o + 1, ctx.styles.key)
    ctx.text(sh.ws, row, 2, stream, ctx.styles.key)
    ctx.text(sh.ws, row, 3, kind, ctx.styles.key)


def _bias_note(bias: Any, kind: str) -> str:
    if bias is None or kind not in [k.value for k in bias.applies_to]:
        return "No optimism bias on this cost."
    what = (
        bias.project_type
        or "a combined project ("
        + ", ".join(f"{t} {w:.0%}" for t, w in (bias.combined or {}).items())
        + ")"
    )
    return (
        f"Optimism bias: the HMT upper bound for {what} ({bias.measure}) x (1 - mitigation share "
        f"{bias.mitigation_share:.0%}), table {bias.version}."
        + (f" {bias.source}" if bias.source else "")
    )


def _incremental(streams: dict[str, np.ndarray], o: int, b: int, n: int) -> np.ndarray:
    return sum((v[o] - v[b] for v in streams.values()), np.zeros(n))


# ---------------------------------------------------------------------------------------------
# Appraisal
# ---------------------------------------------------------------------------------------------
@dataclass
class _AppraisalRows:
    """Rows (and Total cells) of the Appraisal sheet that later formulas refer to."""

    real: int = 0
    df: int = 0
    after: dict[tuple[str, int], int] = field(default_factory=dict)
    benefit: dict[tuple[str, int], int] = field(default_factory=dict)
    units: dict[int, int] = field(default_factory=dict)
    pvc: dict[int, str] = field(default_factory=dict)
    pvb: dict[int, str] = field(default_factory=dict)
    npsv: dict[int, str] = field(default_factory=dict)
    cum: dict[int, str] = field(default_factory=dict)
    units_pv: dict[int, str] = field(default_factory=dict)


def _write_appraisal(
    ctx: AppendixContext, sh: _Sheet, case: InvestmentCase, fmt: _Formats, links: Links
) -> None:
    st, e = ctx.styles, case.economic
    years, n = list(e.years), sh.n
    model_years = set(ctx.result.model.years)
    row = 4
    sh.section(row, "Appraisal timeline")
    row += 1
    sh.label(row, "Appraisal year t (0 = the first year, not discounted)", "t")
    sh.inputs(row, np.arange(n, dtype=float), st.flag)
    row += 1
    sh.label(row, "Year on the model's projection timeline (1 = yes)", "flag")
    sh.inputs(row, [float(y in model_years) for y in years], st.flag)
    sh.note(row, "Years marked 0 lie beyond the model's horizon: the investment's own streams.")
    row += 2
    rows = _AppraisalRows()
    row = _write_prices(ctx, sh, case, fmt, row, rows)
    row = _write_discounting(ctx, sh, case, fmt, row, rows)
    for o in range(len(case.option_ids)):
        row = _write_option(ctx, sh, case, fmt, o, row, rows, links)
    results = row
    row = _write_results(ctx, sh, case, fmt, row, rows)
    row = _write_switching(ctx, sh, case, row, rows)
    if case.streams.unmonetised:
        row += 1
        sh.section(row, "Unmonetised benefits: described, not valued; weigh them beside the NPSV")
        row += 1
        for option_id, name, description in case.streams.unmonetised:
            ctx.text(sh.ws, row, 0, f"{option_id}: {name}", st.label)
            ctx.text(sh.ws, row, FIRST_YEAR_COL, " ".join(description.split()), st.note)
            row += 1
    beyond = [y for y in years if y not in model_years]
    ctx.text(
        sh.ws,
        2,
        0,
        f"Own timeline: the appraisal period, {n} years from {years[0]} (year 0, not discounted) "
        f"to {years[-1]}; the model's projection ends in {ctx.years[-1]}"
        + (f", so {beyond[0]} on come from the investment's own streams" if beyond else "")
        + f". Inputs blue on yellow. Results by option: row {results + 1}.",
        st.note,
    )


def _write_prices(
    ctx: AppendixContext,
    sh: _Sheet,
    case: InvestmentCase,
    fmt: _Formats,
    row: int,
    rows: _AppraisalRows,
) -> int:
    st, e, inv = ctx.styles, case.economic, case.streams.investment
    years = list(e.years)
    table = deflator_table(e.deflator_version)
    extend = inv.deflator_extend_rate
    sh.section(
        row, f"Prices: nominal (cash) to real {e.price_base_year} prices by the GDP deflator"
    )
    row += 1
    r_defl = row
    index = deflator_index(years, e.deflator_version, extend)
    last = max(table.index)
    sh.label(row, f"GDP deflator index, table {table.version} ({table.reference})", "index")
    if extend is not None:
        ctx.number(sh.ws, row, 4, extend, st.rate_input)
    for t, year in enumerate(years):
        col = FIRST_YEAR_COL + t
        if extend is not None and year > last and t > 0:
            formula = f"={col_letter(col - 1)}{row + 1}*(1+$E${row + 1})"
            ctx.write(sh.ws, row, col, formula, float(index[t]), fmt.index)
        else:
            ctx.number(sh.ws, row, col, float(index[t]), fmt.index_input)
    extended = (
        f" Years after {last}: the previous year's index x (1 + the growth a year in column E, "
        "the investment's deflator_extend_rate)."
        if extend is not None and years[-1] > last
        else ""
    )
    sh.note(row, table.citation + extended)
    row += 1
    r_base = row
    base = float(deflator_index([e.price_base_year], e.deflator_version, extend)[0])
    sh.label(row, f"GDP deflator index of the price-base year {e.price_base_year}", "index")
    ctx.number(sh.ws, row, 4, base, fmt.index_input)
    sh.note(row, f"Same table; the investment's price_base_year is {e.price_base_year}.")
    row += 1
    rows.real = row
    sh.label(row, "Real price factor: base-year index / the year's index", "factor")
    sh.formulas(row, lambda c, p: f"=$E${r_base + 1}/{c}${r_defl + 1}", e.real_factor, fmt.factor)
    return row + 2


def _write_discounting(
    ctx: AppendixContext,
    sh: _Sheet,
    case: InvestmentCase,
    fmt: _Formats,
    row: int,
    rows: _AppraisalRows,
) -> int:
    st, e, n = ctx.styles, case.economic, sh.n
    table = discount_table(e.discount_version)
    sh.section(row, f"Discounting: Green Book STPR, {e.schedule} schedule, table {table.version}")
    row += 1
    r_rate = row
    rates = np.concatenate(([np.nan], discount_rates(n - 1, e.schedule, e.discount_version)))
    sh.label(row, "Discount rate r_t of year t", "% a year")
    sh.inputs(row, rates, st.rate_input, start=1)
    sh.note(row, table.citation)
    row += 1
    r_timing = row
    sh.label(row, "Flows discounted from: 0 = the end of each year, 0.5 = mid-year", "year")
    ctx.number(sh.ws, row, 4, 0.5 if e.mid_year else 0.0, fmt.timing_input)
    sh.note(row, f"The investment's discount.mid_year is {str(e.mid_year).lower()}.")
    row += 1
    r_eoy = row
    end_of_year = np.concatenate(([1.0], np.cumprod(1.0 / (1.0 + rates[1:]))))
    sh.label(row, "End-of-year discount factor: 1 in year 0, then previous / (1 + r_t)", "factor")
    sh.formulas(
        row, lambda c, p: f"={p}{r_eoy + 1}/(1+{c}${r_rate + 1})", end_of_year, fmt.factor, start=1
    )
    ctx.number(sh.ws, row, FIRST_YEAR_COL, 1.0, fmt.factor)
    row += 1
    rows.df = row
    sh.label(row, "Discount factor DF_t applied to the year's flows", "factor", st.label_bold)
    sh.formulas(
        row,
        lambda c, p: f"={c}${r_eoy + 1}*(1+{c}${r_rate + 1})^$E${r_timing + 1}",
        e.discount_factors,
        fmt.factor,
        first=f"={sh.letter(0)}${r_eoy + 1}",
    )
    sh.note(row, "DF_0 = 1; later years: the end-of-year factor x (1 + r_t) ^ timing.")
    ctx.name_row(f"appraisal.{case.streams.investment_id}.discount_factor", sh.name, row)
    return row + 2


def _write_option(
    ctx: AppendixContext,
    sh: _Sheet,
    case: InvestmentCase,
    fmt: _Formats,
    o: int,
    row: int,
    rows: _AppraisalRows,
    links: Links,
) -> int:
    st, s, e = ctx.styles, case.streams, case.economic
    inv, option, b = s.investment, s.investment.options[o], s.baseline
    years, window = list(e.years), s.appraisal_slice
    selected = o == s.selected and o != b
    sh.section(row, _option_label(case, o), fmt.selected if selected else None)
    row += 1
    bias = option_optimism_bias(inv, option)
    for k in e.costs:
        item = next((c for c in option.costs if c.id == k), None)
        name, r_nom = s.cost_names[k], row
        sh.label(row, f"{name}: nominal cost", "£k")
        _keys(ctx, sh, row, o, k, s.cost_kinds[k].value)
        sh.inputs(row, s.costs[k][o, window], st.money_input)
        sh.note(row, item.source if item is not None and item.source else "none in this option")
        row += 1
        r_before = row
        sh.label(row, f"{name}: real cost before optimism bias", "£k")
        sh.formulas(
            row,
            _each(f"={{c}}{r_nom + 1}*{{c}}${rows.real + 1}"),
            e.costs_before_bias[k][o],
            st.money,
        )
        row += 1
        rows.after[(k, o)] = row
        sh.label(row, f"{name}: real cost after optimism bias (rate in column E)", "£k")
        ctx.number(sh.ws, row, 4, float(e.optimism_bias[k][o]), st.rate_input)
        sh.formulas(
            row,
            _each(f"={{c}}{r_before + 1}*(1+$E{row + 1})"),
            e.costs[k][o],
            st.money,
        )
        sh.note(row, _bias_note(bias, s.cost_kinds[k].value))
        row += 1
    for k in e.benefits:
        name, r_nom = s.benefit_names[k], row
        sh.label(row, f"{name}: nominal benefit", "£k")
        _keys(ctx, sh, row, o, k, _TYPE_LABEL.get(e.benefit_types[k].value, ""))
        nominal = s.benefits[k][o, window]
        link = _link(links, "cash_released", o, years) if k == SERVICE_STREAM else None
        if link is not None:
            sh.links(row, link, nominal, st.money)
            sh.note(row, "Linked: cash released by reviews, from the Service model sheet.")
        else:
            item_b = next((x for x in option.benefits if x.id == k), None)
            sh.inputs(row, nominal, st.money_input)
            sh.note(row, item_b.source if item_b is not None and item_b.source else None)
        row += 1
        rows.benefit[(k, o)] = row
        sh.label(row, f"{name}: real benefit ({_TYPE_LABEL.get(e.benefit_types[k].value)})", "£k")
        sh.formulas(
            row,
            _each(f"={{c}}{r_nom + 1}*{{c}}${rows.real + 1}"),
            e.benefits[k][o],
            st.money,
        )
        row += 1
    outcome = inv.outcome
    if e.outcomes is not None and outcome is not None:
        rows.units[o] = row
        sh.label(row, f"Outcome: {outcome.name}, units in the year", "units")
        link = _link(links, outcome.service_series, o, years)
        if link is not None:
            sh.links(row, link, e.outcomes[o], fmt.count)
            sh.note(row, f"Linked: {outcome.service_series}, from the Service model sheet.")
        else:
            sh.inputs(row, e.outcomes[o], fmt.count_input)
            sh.note(row, outcome.source)
        row += 1
    return _write_present_values(ctx, sh, case, fmt, o, row, rows)


def _write_present_values(
    ctx: AppendixContext,
    sh: _Sheet,
    case: InvestmentCase,
    fmt: _Formats,
    o: int,
    row: int,
    rows: _AppraisalRows,
) -> int:
    st, s, e = ctx.styles, case.streams, case.economic
    a, b, n, df = e.appraisal, s.baseline, sh.n, e.discount_factors
    inv_id, option_id = s.investment_id, s.option_ids[o]
    if o == b:
        ctx.text(
            sh.ws,
            row,
            0,
            "Do nothing is the baseline: its present values against itself "
            "are 0 (the other options' PV rows subtract its streams).",
            st.note,
        )
        return row + 2
    pv_rows: dict[str, list[int]] = {"cost": [], "benefit": []}
    for kind, streams, rows_of, pvs, names in (
        ("cost", e.costs, rows.after, e.pv_costs, s.cost_names),
        ("benefit", e.benefits, rows.benefit, e.pv_benefits, s.benefit_names),
    ):
        for k, values in streams.items():
            mine, base = rows_of[(k, o)], rows_of[(k, b)]
            pv_rows[kind].append(row)
            sh.label(row, f"PV of {names[k]}: (option - do nothing) x DF_t", "£k")
            sh.formulas(
                row,
                _each(f"=({{c}}${mine + 1}-{{c}}${base + 1})*{{c}}${rows.df + 1}"),
                (values[o] - values[b]) * df,
                st.money,
            )
            sh.total(row, float(pvs[k][o]), st.money)
            row += 1
    d_cost = _incremental(e.costs, o, b, n) * df
    d_benefit = _incremental(e.benefits, o, b, n) * df
    r_pvc, r_pvb = row, row + 1
    for r, kind, values, total, target, text in (
        (r_pvc, "cost", d_cost, a.pv_costs[o], rows.pvc, "PV costs (PVC)"),
        (r_pvb, "benefit", d_benefit, a.pv_benefits[o], rows.pvb, "PV benefits (PVB)"),
    ):
        sh.label(r, f"{text}, against do nothing", "£k", st.label_bold)
        refs = pv_rows[kind]
        sh.formulas(
            r,
            _each("=" + _plus([f"{{c}}${x + 1}" for x in refs])),
            values,
            st.money_bold,
        )
        target[o] = sh.total(r, float(total), st.money_bold)
        name = "pv_costs" if kind == "cost" else "pv_benefits"
        ctx.name_row(f"appraisal.{inv_id}.{name}.{option_id}", sh.name, r)
    row += 2
    r_npsv = row
    sh.label(row, "Net present social value (NPSV = PVB - PVC)", "£k", st.label_bold)
    sh.formulas(
        row, lambda c, p: f"={c}{r_pvb + 1}-{c}{r_pvc + 1}", d_benefit - d_cost, st.money_bold
    )
    tc = col_letter(sh.total_col)
    ctx.write(
        sh.ws,
        row,
        sh.total_col,
        f"={tc}{r_pvb + 1}-{tc}{r_pvc + 1}",
        float(a.npsv[o]),
        st.money_bold,
    )
    rows.npsv[o] = f"${tc}${row + 1}"
    ctx.name_row(f"appraisal.{inv_id}.npsv.{option_id}", sh.name, row)
    row += 1
    sh.label(row, "Cumulative discounted net benefit (paid back once it reaches 0)", "£k")
    sh.formulas(
        row,
        lambda c, p: f"={p}{row + 1}+{c}{r_npsv + 1}",
        np.cumsum(d_benefit - d_cost),
        st.money,
        first=f"={sh.letter(0)}{r_npsv + 1}",
    )
    rows.cum[o] = f"${sh.letter(n - 1)}${row + 1}"
    row += 1
    if o in rows.units and e.outcomes is not None:
        mine, base = rows.units[o], rows.units[b]
        discounted = (e.outcomes[o] - e.outcomes[b]) * df
        sh.label(row, "Discounted extra units of outcome: (option - do nothing) x DF_t", "units")
        sh.formulas(
            row,
            lambda c, p: f"=({c}${mine + 1}-{c}${base + 1})*{c}${rows.df + 1}",
            discounted,
            fmt.count,
        )
        rows.units_pv[o] = sh.total(row, float(discounted.sum()), fmt.count)
        row += 1
    return row + 1


def _write_results(
    ctx: AppendixContext,
    sh: _Sheet,
    case: InvestmentCase,
    fmt: _Formats,
    row: int,
    rows: _AppraisalRows,
) -> int:
    st, s, e, tol = ctx.styles, case.streams, case.economic, ctx.tolerance_ref
    a, n_opt, G = e.appraisal, len(s.option_ids), FIRST_YEAR_COL
    L = [col_letter(G + i) for i in range(8)]
    sh.section(
        row,
        f"Results by option: £k, real {e.price_base_year} prices, discounted, against do nothing",
    )
    row += 1
    columns = [
        (1, "No."),
        (G, "PV costs (PVC)"),
        (G + 1, "PV benefits (PVB)"),
        (G + 2, "NPSV"),
        (G + 3, "BCR"),
        (G + 4, "Rank by NPSV"),
        (G + 5, "Payback year"),
    ]
    if rows.units_pv:
        columns.append((G + 6, f"£k per {s.outcome_name}"))
    sh.table_header(row, "Option", columns)
    row += 1
    first, npsv = row, a.npsv
    distinct = len({round(float(v), 6) for v in npsv}) == n_opt
    span = f"${L[2]}${first + 1}:${L[2]}${first + n_opt}"
    for o in range(n_opt):
        r = row + o
        ctx.text(sh.ws, r, 0, f"{s.option_names[o]} ({s.option_ids[o]})", st.label)
        ctx.number(sh.ws, r, 1, o + 1, st.key)
        if o == s.baseline:  # 0 by definition
            for i, style in enumerate((st.money, st.money, st.money_bold)):
                ctx.number(sh.ws, r, G + i, 0.0, style)
        else:
            ctx.write(sh.ws, r, G, f"={rows.pvc[o]}", float(a.pv_costs[o]), st.money)
            ctx.write(sh.ws, r, G + 1, f"={rows.pvb[o]}", float(a.pv_benefits[o]), st.money)
            ctx.write(sh.ws, r, G + 2, f"={rows.npsv[o]}", float(npsv[o]), st.money_bold)
        bcr = float(a.bcr[o])
        if np.isnan(bcr):
            ctx.text(sh.ws, r, G + 3, "n/a (no costs)", st.note)
        else:
            ctx.write(sh.ws, r, G + 3, f"={L[1]}{r + 1}/{L[0]}{r + 1}", bcr, fmt.ratio)
        if distinct:
            ctx.write(sh.ws, r, G + 4, f"=RANK({L[2]}{r + 1},{span})", float(a.rank[o]), st.flag)
        else:
            ctx.number(sh.ws, r, G + 4, float(a.rank[o]), st.flag)
        payback = "n/a" if o == s.baseline else e.payback_label(o) or "not in the period"
        ctx.text(sh.ws, r, G + 5, payback, st.label)
        if rows.units_pv:
            cpo = np.nan if a.cost_per_outcome is None else float(a.cost_per_outcome[o])
            if np.isnan(cpo) or o not in rows.units_pv:
                ctx.text(sh.ws, r, G + 6, "n/a", st.note)
            else:
                formula = f"={L[0]}{r + 1}/{rows.units_pv[o]}"
                ctx.write(sh.ws, r, G + 6, formula, cpo, fmt.unit_cost)
        ctx.name_row(f"appraisal.{s.investment_id}.summary.{s.option_ids[o]}", sh.name, r)
    row += n_opt
    ctx.text(
        sh.ws,
        row,
        0,
        "BCR = PVB / PVC. Rank 1 = the highest NPSV"
        + ("" if distinct else " (tied NPSVs: option order, as values)")
        + ". Payback (a value): the first year the cumulative discounted net benefit reaches 0.",
        st.note,
    )
    row += 2
    sh.section(row, "Check: the figures above against finmodel appraise (values); 0 = agrees")
    row += 1
    sh.table_header(
        row,
        "Option",
        [
            (G, "PVC, finmodel"),
            (G + 1, "PVB, finmodel"),
            (G + 2, "NPSV, finmodel"),
            (G + 3, "PVC check"),
            (G + 4, "PVB check"),
            (G + 5, "NPSV check"),
            (G + 6, "NPSV = final cumulative"),
        ],
    )
    row += 1
    failures = 0
    for o in range(n_opt):
        r = row + o
        ctx.text(sh.ws, r, 0, f"{s.option_names[o]} ({s.option_ids[o]})", st.label)
        for i, value in enumerate((a.pv_costs[o], a.pv_benefits[o], npsv[o])):
            ctx.number(sh.ws, r, G + i, float(value), fmt.engine)
            diff = f"{L[i]}{first + o + 1}-{L[i]}{r + 1}"
            ctx.write(sh.ws, r, G + 3 + i, _flag(diff, tol), 0.0, st.check)
        if o == s.baseline:
            ctx.number(sh.ws, r, G + 6, 0.0, st.check)
            continue
        net = _incremental(e.benefits, o, s.baseline, sh.n) - _incremental(
            e.costs, o, s.baseline, sh.n
        )
        fail = float(_fails(npsv[o] - float(np.sum(net * e.discount_factors))))
        failures += int(fail)
        formula = _flag(f"{rows.npsv[o]}-{rows.cum[o]}", tol)
        ctx.write(sh.ws, r, G + 6, formula, fail, st.check)
    ctx.add_check(
        f"{sh.name}: PVC, PVB and NPSV of every option equal finmodel appraise's, and each NPSV "
        "equals the final cumulative discounted net benefit",
        f"{quote_sheet(sh.name)}!{L[3]}{row + 1}:{L[6]}{row + n_opt}",
        failures,
    )
    return row + n_opt + 1


def _write_switching(
    ctx: AppendixContext, sh: _Sheet, case: InvestmentCase, row: int, rows: _AppraisalRows
) -> int:
    st, s, e, tol = ctx.styles, case.streams, case.economic, ctx.tolerance_ref
    o = e.switching_option
    if o is None or not e.switching:
        return row
    G = FIRST_YEAR_COL
    L = [col_letter(G + i) for i in range(4)]
    why = (
        "the preferred option"
        if o == case.preferred
        else "do nothing is preferred, so the best other option: the change that would make it "
        "worth doing"
    )
    sh.section(row, f"Switching values of {s.option_names[o]} ({why})")
    row += 1
    sh.table_header(
        row,
        "Stream",
        [
            (1, "Kind"),
            (G, "PV of the stream"),
            (G + 1, "Switching value"),
            (G + 2, "NPSV after the change"),
            (G + 3, "Check (0 = NPSV is 0)"),
        ],
    )
    row += 1
    first, failures = row, 0
    npsv = float(e.appraisal.npsv[o])
    for value in e.switching:
        name = s.cost_names.get(value.stream) or s.benefit_names.get(value.stream, value.stream)
        ctx.text(sh.ws, row, 0, name, st.label)
        ctx.text(sh.ws, row, 1, value.kind, st.key)
        ctx.number(sh.ws, row, G, value.present_value, st.money)
        x = value.switching_value
        if x is None:
            ctx.text(sh.ws, row, G + 1, "none: the stream cannot take NPSV to 0", st.note)
        else:
            ctx.number(sh.ws, row, G + 1, x, st.rate)
        if x is not None and value.method == "closed_form":
            sign = -1.0 if value.kind == "cost" else 1.0
            result = npsv + sign * x * value.present_value
            formula = f"={rows.npsv[o]}{'-' if sign < 0 else '+'}{L[1]}{row + 1}*{L[0]}{row + 1}"
            ctx.write(sh.ws, row, G + 2, formula, result, st.money)
            fail = float(_fails(result))
            failures += int(fail)
            ctx.write(sh.ws, row, G + 3, _flag(f"{L[2]}{row + 1}", tol), fail, st.check)
        else:
            ctx.number(sh.ws, row, G + 3, 0.0, st.check)
        row += 1
    ctx.text(
        sh.ws,
        row,
        0,
        "Switching value (a value from finmodel): the % change in the stream (costs after "
        "optimism bias) that takes the option's NPSV to 0; closed form where NPSV is linear in "
        "the stream, a root finder otherwise. The NPSV it gives is a formula.",
        st.note,
    )
    ctx.add_check(
        f"{sh.name}: the switching values take the option's NPSV to 0",
        f"{quote_sheet(sh.name)}!{L[3]}{first + 1}:{L[3]}{row}",
        failures,
    )
    return row + 1


# ---------------------------------------------------------------------------------------------
# Service model
# ---------------------------------------------------------------------------------------------
def _write_service(ctx: AppendixContext, sh: _Sheet, case: InvestmentCase, fmt: _Formats) -> Links:
    st, s = ctx.styles, case.streams
    service = s.service
    assert service is not None
    names = tuple(n for n, *_ in SERVICE_SERIES if n != "share_within_28_days")
    annual = service.annual((*names, "assessments", "decisions_within_28_days"))
    years = list(annual.years)
    formats = {"count": fmt.count, "share": st.share, "money": st.money, "fte": fmt.fte}
    n_opt = len(s.option_ids)
    ctx.text(
        sh.ws,
        2,
        0,
        f"Values from finmodel's monthly service model (SPEC section 6), not formulas; months "
        f"{service.month_labels[0]} to {service.month_labels[-1]}. Flows are totals in the year, "
        "stocks at the year's last month. The Appraisal and Financial case sheets link to the "
        "cash released.",
        st.note,
    )
    row = 4
    sh.label(row, "Months of the service model in the year", "months")
    sh.inputs(row, np.asarray(annual.months_in_year, dtype=float), st.flag)
    row += 2
    sh.section(row, "Answers by option")
    row += 1
    G = FIRST_YEAR_COL
    sh.table_header(
        row,
        "Option",
        [
            (1, "No."),
            (G, "£k a year"),
            (G + 1, "Extra FTE"),
            (G + 2, "Months to clear backlog"),
            (G + 3, "Backlog cleared in"),
            (G + 4, "80% in 28 days first met"),
            (G + 5, "Year first met"),
        ],
    )
    row += 1
    clear = service.months_to_clear_backlog()
    month = service.first_month_meeting_standard()
    year = service.first_year_meeting_standard()
    extra_fte = service.investment_k / service.resolved["cost_per_fte_k"]
    never = "not within the horizon"
    for o in range(n_opt):
        ctx.text(sh.ws, row, 0, f"{s.option_names[o]} ({s.option_ids[o]})", st.label)
        ctx.number(sh.ws, row, 1, o + 1, st.key)
        ctx.number(sh.ws, row, G, float(service.investment_k[o]), st.money)
        ctx.number(sh.ws, row, G + 1, float(extra_fte[o]), fmt.fte)
        months = int(clear[o])
        if months == NEVER:
            ctx.text(sh.ws, row, G + 2, never, st.label)
            ctx.text(sh.ws, row, G + 3, never, st.label)
        else:
            ctx.number(sh.ws, row, G + 2, months, st.flag)
            ctx.text(sh.ws, row, G + 3, service.month_labels[max(months - 1, 0)], st.label)
        first = int(month[o])
        ctx.text(
            sh.ws, row, G + 4, never if first == NEVER else service.month_labels[first], st.label
        )
        fy = int(year[o])
        ctx.text(sh.ws, row, G + 5, never if fy == NEVER else years[fy], st.label)
        row += 1
    threshold = float(np.asarray(service.resolved["backlog_clear_threshold"]).flat[0])
    ctx.text(
        sh.ws,
        row,
        0,
        f"Backlog cleared: overdue reviews at or below {threshold:,.0f}; the national standard is "
        "at least 80% of decisions within 28 days of referral (by month and by year).",
        st.note,
    )
    row += 2
    links: Links = {}
    series_rows: dict[str, list[int]] = {}
    standard_row = -1
    for series, label, unit, kind in SERVICE_SERIES:
        sh.section(row, f"{label} ({unit})")
        row += 1
        values = (
            annual.share_within_28_days
            if series == "share_within_28_days"
            else annual.values[series]
        )
        series_rows[series] = []
        for o in range(n_opt):
            sh.label(row, f"{s.option_names[o]} ({s.option_ids[o]})", unit)
            ctx.number(sh.ws, row, 1, o + 1, st.key)
            sh.inputs(row, values[o], formats[kind])
            ctx.name_row(f"service.{s.investment_id}.{series}.{s.option_ids[o]}", sh.name, row)
            links[(series, o)] = (sh, row, years)
            series_rows[series].append(row)
            row += 1
        if series == "share_within_28_days":
            standard = float(np.asarray(service.resolved["standard_share"]).flat[0])
            standard_row = row
            sh.label(row, "National standard (at least)", unit, st.label_bold)
            sh.inputs(row, np.full(sh.n, standard), st.share_input)
            sh.note(row, "NHS Continuing Healthcare: 80% of decisions within 28 days of referral.")
            row += 1
        row += 1
    row = _service_chart(
        ctx,
        sh,
        series_rows["overdue_backlog"],
        row,
        "Overdue reviews at year end",
        "Overdue reviews",
        "#,##0",
    )
    _service_chart(
        ctx,
        sh,
        series_rows["share_within_28_days"],
        row,
        "Share of decisions within 28 days",
        "Share of decisions",
        "0%",
        standard_row,
    )
    return links


def _service_chart(
    ctx: AppendixContext,
    sh: _Sheet,
    option_rows: list[int],
    row: int,
    title: str,
    axis: str,
    number_format: str,
    standard_row: int = -1,
) -> int:
    G, last = FIRST_YEAR_COL, FIRST_YEAR_COL + sh.n - 1
    chart = ctx.workbook.add_chart({"type": "line"})
    for r in option_rows:
        chart.add_series(
            {
                "name": [sh.name, r, 0],
                "categories": [sh.name, HEADER_ROW, G, HEADER_ROW, last],
                "values": [sh.name, r, G, r, last],
                "marker": {"type": "circle", "size": 4},
            }
        )
    if standard_row >= 0:
        chart.add_series(
            {
                "name": [sh.name, standard_row, 0],
                "categories": [sh.name, HEADER_ROW, G, HEADER_ROW, last],
                "values": [sh.name, standard_row, G, standard_row, last],
                "line": {"color": "#C00000", "dash_type": "dash"},
            }
        )
    chart.set_title({"name": f"{title}, by option", "name_font": {"size": 12}})
    chart.set_y_axis(
        {"name": axis, "num_format": number_format, "major_gridlines": {"visible": True}}
    )
    chart.set_x_axis({"name": "Financial year (first: part year)"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 860, "height": 360})
    sh.ws.insert_chart(row, 0, chart)
    return row + 20


# ---------------------------------------------------------------------------------------------
# Financial case
# ---------------------------------------------------------------------------------------------
def _write_financial(
    ctx: AppendixContext, sh: _Sheet, case: InvestmentCase, fmt: _Formats, links: Links
) -> None:
    st, s, f = ctx.styles, case.streams, case.financial
    years, n, n_model, b = list(s.years), sh.n, s.n_model_years, s.baseline
    ctx.text(
        sh.ws,
        2,
        0,
        f"Columns as on the System sheet: {years[0]} is the base year (no effect); the model's "
        f"projection ends in {years[n_model - 1]}"
        + (
            f", so from {years[n_model]} costs and cash are shown but no surplus is projected"
            if n > n_model
            else ""
        )
        + f". This scenario selects {s.option_names[s.selected]} ({s.option_ids[s.selected]}).",
        st.note,
    )
    total_cost = s.total_costs()
    cash_keys = list(s.benefit_shares)
    row = 4
    sh.section(row, "Inputs: each option's cost and the cash it releases, before shares")
    row += 1
    r_cost: dict[int, int] = {}
    r_cash: dict[tuple[str, int], int] = {}
    for o in range(len(s.option_ids)):
        r_cost[o] = row
        sh.label(row, f"{s.option_names[o]}: cost, all cost streams", "£k")
        sh.inputs(row, total_cost[o], st.money_input, start=1)
        sh.note(
            row,
            f"Model file: investments.{s.investment_id}.options.{s.option_ids[o]}.costs "
            "(nominal; by stream on the Appraisal sheet).",
        )
        row += 1
        for k in cash_keys:
            r_cash[(k, o)] = row
            sh.label(row, f"{s.option_names[o]}: cash released, {s.benefit_names[k]}", "£k")
            link = _link(links, "cash_released", o, years) if k == SERVICE_STREAM else None
            if link is not None:
                sh.links(row, link, s.benefits[k][o], st.money, start=1)
                sh.note(row, "Linked: cash released by reviews, from the Service model sheet.")
            else:
                sh.inputs(row, s.benefits[k][o], st.money_input, start=1)
                sh.note(row, "Model file: the option's cash-releasing benefit (nominal).")
            row += 1
    row += 1
    for o in range(len(s.option_ids)):
        if o != b:
            row = _write_financial_option(ctx, sh, case, fmt, o, row, r_cost, r_cash)
    sh.section(row, "System surplus with each option selected (finmodel's projections, values)")
    row += 1
    r_option: dict[int, int] = {}
    for o in range(len(s.option_ids)):
        r_option[o] = row
        sh.label(row, f"With {s.option_names[o]} ({s.option_ids[o]})", "£k")
        sh.inputs(
            row,
            np.concatenate(([np.nan], f.system_surplus[o], np.full(n - n_model, np.nan))),
            fmt.engine,
            start=1,
        )
        row += 1
    r_link = row
    sh.label(
        row, "System surplus on the System sheet (this scenario's selection)", "£k", st.label_bold
    )
    surplus = ctx.result.arrays.system_surplus
    sh.formulas(
        row,
        lambda c, p: f"={ctx.at('system.surplus', c)}",
        surplus,
        st.money_bold,
        start=1,
        stop=n_model,
    )
    row += 1
    sh.label(row, "Check: equals the projection with the selected option (1 = fails)", "flag")
    diff = surplus[1:n_model] - f.system_surplus[s.selected]
    fails = np.concatenate(([0.0], _fails(diff), np.zeros(n - n_model)))
    sel = r_option[s.selected]
    sh.formulas(
        row,
        lambda c, p: _flag(f"{c}{r_link + 1}-{c}{sel + 1}", ctx.tolerance_ref),
        fails,
        st.check,
        start=1,
        stop=n_model,
    )
    ctx.add_check(
        f"{sh.name}: the System sheet's surplus equals finmodel's projection with the selected "
        "option",
        f"{quote_sheet(sh.name)}!{sh.letter(1)}{row + 1}:{sh.letter(n_model - 1)}{row + 1}",
        int(fails.sum()),
    )


def _write_financial_option(
    ctx: AppendixContext,
    sh: _Sheet,
    case: InvestmentCase,
    fmt: _Formats,
    o: int,
    row: int,
    r_cost: dict[int, int],
    r_cash: dict[tuple[str, int], int],
) -> int:
    st, s, f, tol = ctx.styles, case.streams, case.financial, ctx.tolerance_ref
    n, n_model, b, option_id = sh.n, s.n_model_years, s.baseline, s.option_ids[o]
    inv_id, pad = s.investment_id, np.full(n - n_model, np.nan)
    in_ct = ctx.result.inputs.in_control_total
    selected = o == s.selected
    sh.section(
        row, _option_label(case, o) + ": against do nothing", fmt.selected if selected else None
    )
    row += 1

    def by_year(values: np.ndarray) -> np.ndarray:  # (years - 1,) -> the sheet's columns
        return np.concatenate(([np.nan], values))

    def share_cells(r: int, p: int, mine: float, base: float) -> None:
        ctx.number(sh.ws, r, 1, p + 1, st.key)
        ctx.number(sh.ws, r, 2, mine, st.share_input)
        ctx.number(sh.ws, r, 3, base, st.share_input)

    ctx.text(
        sh.ws,
        row,
        0,
        "Cost to each funder: option's cost x share - do nothing's x its share",
        st.label_bold,
    )
    row += 1
    cost_row: dict[int, int] = {}
    for p in f.involved:
        mine, base = float(s.funder_shares[o, p]), float(s.funder_shares[b, p])
        if not (mine or base):
            continue
        cost_row[p] = row
        sh.label(row, f"Cost to {f.partner_names[p]}", "£k")
        share_cells(row, p, mine, base)
        sh.formulas(
            row,
            _each(f"={{c}}${r_cost[o] + 1}*$C{row + 1}-{{c}}${r_cost[b] + 1}*$D{row + 1}"),
            by_year(f.cost[o, p]),
            st.money,
            start=1,
        )
        ctx.name_row(f"financial.{inv_id}.cost.{option_id}.{s.partner_ids[p]}", sh.name, row)
        row += 1
    r_total = row
    first, last = min(cost_row.values(), default=row), max(cost_row.values(), default=row - 1)
    sh.label(row, "Total cost to the funders", "£k", st.label_bold)
    sh.formulas(
        row,
        lambda c, p: f"=SUM({c}{first + 1}:{c}{last + 1})" if cost_row else "=0",
        by_year(f.cost[o].sum(axis=0)),
        st.money_bold,
        start=1,
    )
    row += 1
    r_option = row
    sh.label(row, "The option's cost against do nothing", "£k")
    option_cost = total_cost_diff = s.total_costs()[o] - s.total_costs()[b]
    sh.formulas(
        row,
        lambda c, p: f"={c}${r_cost[o] + 1}-{c}${r_cost[b] + 1}",
        option_cost,
        st.money,
        start=1,
    )
    row += 1
    sh.label(row, "Check: the funders' costs add up to the option's cost (1 = fails)", "flag")
    fails = np.concatenate(([0.0], _fails(f.cost[o].sum(axis=0) - total_cost_diff[1:])))
    sh.formulas(
        row,
        lambda c, p: _flag(f"{c}{r_total + 1}-{c}{r_option + 1}", tol),
        fails,
        st.check,
        start=1,
    )
    ctx.add_check(
        f"{sh.name}: the funders' costs of {option_id} add up to its cost, every year",
        f"{quote_sheet(sh.name)}!{sh.span(row, 1)}",
        int(fails.sum()),
    )
    row += 1
    cash_rows: dict[int, list[int]] = {}
    if s.benefit_shares:
        ctx.text(
            sh.ws, row, 0, "Cash released to each beneficiary, against do nothing", st.label_bold
        )
        row += 1
        first = row
        for k, shares in s.benefit_shares.items():
            for p in f.involved:
                mine, base = float(shares[o, p]), float(shares[b, p])
                if not (mine or base):
                    continue
                cash_rows.setdefault(p, []).append(row)
                sh.label(row, f"Cash released to {f.partner_names[p]}: {s.benefit_names[k]}", "£k")
                share_cells(row, p, mine, base)
                values = s.benefits[k][o] * mine - s.benefits[k][b] * base
                ro, rb = r_cash[(k, o)], r_cash[(k, b)]
                sh.formulas(
                    row,
                    _each(f"={{c}}${ro + 1}*$C{row + 1}-{{c}}${rb + 1}*$D{row + 1}"),
                    values,
                    st.money,
                    start=1,
                )
                row += 1
        sh.label(row, "Total cash released", "£k", st.label_bold)
        sh.formulas(
            row,
            lambda c, p: f"=SUM({c}{first + 1}:{c}{row})",
            by_year(f.cash_released[o].sum(axis=0)),
            st.money_bold,
            start=1,
        )
        row += 1
    model_years = list(s.years[1:n_model])
    ctx.text(
        sh.ws,
        row,
        0,
        f"Effect on each partner's surplus, {model_years[0]} to "
        f"{model_years[-1]}: cash released - cost",
        st.label_bold,
    )
    row += 1
    effect_rows: list[int] = []
    ct_rows: list[int] = []
    for p in f.involved:
        refs = cash_rows.get(p, [])
        cost = f"-{{c}}{cost_row[p] + 1}" if p in cost_row else ""
        template = "=" + ("+".join(f"{{c}}{r + 1}" for r in refs) if refs else "0") + cost
        sh.label(row, f"Effect on {f.partner_names[p]}'s surplus", "£k")
        ctx.number(sh.ws, row, 1, p + 1, st.key)
        sh.formulas(
            row,
            _each(template),
            np.concatenate(([np.nan], f.surplus_change[o, p], pad)),
            st.money,
            start=1,
            stop=n_model,
        )
        ctx.name_row(f"financial.{inv_id}.surplus.{option_id}.{s.partner_ids[p]}", sh.name, row)
        effect_rows.append(row)
        if in_ct[p]:
            ct_rows.append(row)
        row += 1
    sh.label(row, "Effect on the system surplus (sum of the partners)", "£k", st.label_bold)
    system_change = f.system_surplus[o] - f.system_surplus[b]
    sh.formulas(
        row,
        lambda c, p: "=" + _plus([f"{c}{r + 1}" for r in effect_rows]),
        np.concatenate(([np.nan], system_change, pad)),
        st.money_bold,
        start=1,
        stop=n_model,
    )
    row += 1
    r_var = row
    sh.label(row, "Effect on the system variance against its control total", "£k", st.label_bold)
    change = np.concatenate(([np.nan], f.system_variance_change[o], pad))
    sh.formulas(
        row,
        lambda c, p: "=" + _plus([f"{c}{r + 1}" for r in ct_rows]),
        change,
        st.money_bold,
        start=1,
        stop=n_model,
    )
    sh.note(row, "Sum of the effects on the partners in the control total.")
    ctx.name_row(f"financial.{inv_id}.variance_change.{option_id}", sh.name, row)
    row += 1
    r_engine = row
    sh.label(row, "Change in the system variance, finmodel's projections with and without it", "£k")
    sh.inputs(row, change, fmt.engine, start=1)
    sh.note(row, "Values: the model projected with this option selected, less with do nothing.")
    row += 1
    sh.label(row, "Check: the variance effect equals the projections' (1 = fails)", "flag")
    ct_sum = np.zeros(n_model - 1)
    for p in f.involved:
        if in_ct[p]:
            ct_sum = ct_sum + f.surplus_change[o, p]
    fails = np.concatenate(
        ([0.0], _fails(ct_sum - f.system_variance_change[o]), np.zeros(n - n_model))
    )
    sh.formulas(
        row,
        lambda c, p: _flag(f"{c}{r_var + 1}-{c}{r_engine + 1}", tol),
        fails,
        st.check,
        start=1,
        stop=n_model,
    )
    ctx.add_check(
        f"{sh.name}: the effect of {option_id} on the system variance equals finmodel's "
        "projections with and without it",
        f"{quote_sheet(sh.name)}!{sh.letter(1)}{row + 1}:{sh.letter(n_model - 1)}{row + 1}",
        int(fails.sum()),
    )
    return row + 2
