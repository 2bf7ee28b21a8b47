"""The *Risk* sheet of the Excel appendix: Monte Carlo fan, probabilities and tornado, as values.

Listed in the appendix's sheets (:data:`finmodel.io.appendix.writer.APPENDIX_SHEETS`). The sheet
holds **values, not formulas** (a simulation cannot be recalculated cell by cell), and states
the draws, the seed and the sampling method so that ``finmodel simulate`` reproduces every
figure. Contents:

* the system surplus by year: P5, P10, P50, P90, P95, mean, the deterministic projection, the
  control total, P(meeting the control total), P(breaking even);
* each partner's P10 / P50 / P90 in the final year and its probabilities by year;
* for each investment with a service model, per option: the NPSV percentiles and P(NPSV > 0),
  and the months when the overdue backlog clears and the 28-day standard is met;
* the tornados of the final-year system surplus and of each such investment's preferred
  option's NPSV (tables and bar charts);
* the uncertain inputs with their distributions and sources.

The writer never simulates: the caller passes the run (``write_appendix(..., risk=run)``).
``finmodel run --out`` and the app pass :func:`default_risk_run` (DEFAULT_DRAWS draws with
DEFAULT_SEED) for a model with an ``uncertainty:`` section, or the app's own run;
``finmodel simulate --out`` passes its run (:func:`finmodel.io.appendix.writer.write_risk_appendix`).
Without a run there is no Risk sheet.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel.domain.model import Model
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.print_bands import start_page
from finmodel.io.excel_styles import MONEY, col_letter
from finmodel.risk.analysis import SensitivityResult, Tornado, sensitivity
from finmodel.risk.montecarlo import InvestmentSummary, SimulationResult, simulate

SHEET = "Risk"
#: The last column the sheet uses (0-based: K), at least: the source notes wrap up to it.
LAST_COL = 10
#: Width of columns B onwards (characters): "(323,473)" and "P(NPSV > 0)" fit.
COLUMN_WIDTH = 12

#: A Monte Carlo run and its tornados (None: not computed), as the caller passes them.
RiskRun = tuple[SimulationResult, SensitivityResult | None]


def default_risk_run(model: Model) -> RiskRun | None:
    """The caller's default Risk sheet run: :func:`~finmodel.risk.montecarlo.simulate` (its
    default draws and seed) and :func:`~finmodel.risk.analysis.sensitivity` of ``model`` (the
    model as projected, scenario applied); None for a model without uncertain inputs."""
    if not model.uncertainty:
        return None
    return simulate(model), sensitivity(model)


def _number(ws: Worksheet, row: int, col: int, value: float, fmt: Any) -> None:
    if math.isnan(value):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def risk_sheet(workbook: Workbook, ctx: AppendixContext) -> None:
    """Sheet writer: the Risk sheet of the run the caller passed (``ctx.risk``), else nothing."""
    del workbook
    if ctx.risk is None:
        return
    result, tornado = ctx.risk
    write_risk_sheet(ctx, result, tornado)


def write_risk_sheet(
    ctx: AppendixContext, result: SimulationResult, tornado: SensitivityResult | None
) -> Worksheet:
    """Write the Risk sheet of ``result`` into the appendix of ``ctx``; returns the sheet."""
    ws = ctx.add_plain_sheet(SHEET, "Monte Carlo range of outcomes and tornado (values)")
    ctx.engine_rows.append(f"{SHEET}: every figure (a Monte Carlo run cannot be a formula)")
    st = ctx.styles
    years = result.years
    n_years = len(years)
    last_col = _last_col(result)
    ws.set_column(0, 0, 50)
    ws.set_column(1, last_col, COLUMN_WIDTH)
    ctx.bound_print_width(ws, last_col)  # one legible page wide: notes wrap within it
    scenario = result.scenario or ctx.result.scenario
    ctx.text(ws, 0, 0, "Risk: range of outcomes (Monte Carlo)", st.title)
    ctx.text(
        ws,
        1,
        0,
        f"{result.model_name}"
        + (f", scenario {scenario}" if scenario else "")
        + ". Money in £ thousands (£k); surplus +, deficit in brackets.",
        st.subtitle,
    )
    ctx.text(
        ws,
        2,
        0,
        f"Values, not formulas: {result.describe_sampling()}. Reproduce with: finmodel simulate "
        f"--draws {result.n_draws} --seed {result.seed}"
        + (" --lhs" if result.method == "lhs" else "")
        + (f" --scenario {scenario}" if scenario else ""),
        st.note,
    )
    row = 4
    system = result.row("system")

    def year_header(at: int, first: str) -> None:
        ctx.text(ws, at, 0, first, st.header)
        for t, year in enumerate(years):
            ctx.text(ws, at, 1 + t, year, st.header_year)

    ctx.section(ws, row, "System surplus by year, £k (percentiles of the draws in each year)")
    row += 1
    year_header(row, "Measure")
    row += 1
    at: dict[str, int] = {}
    for name, values in result.surplus.as_dict().items():
        ctx.text(ws, row, 0, "Mean" if name == "mean" else name, st.label)
        for t in range(n_years):
            _number(ws, row, 1 + t, float(values[system, t]), st.money)
        at[name] = row
        row += 1
    at["Deterministic"], at["Control total"] = row, row + 1
    for label, values, fmt in (
        ("Deterministic projection", result.deterministic[system], st.money),
        ("Control total", result.control_total[system], st.money),
        ("P(meeting the control total)", result.p_meet_control_total[system], st.share),
        ("P(breaking even)", result.p_break_even[system], st.share),
    ):
        ctx.text(ws, row, 0, label, st.label_bold if fmt is st.share else st.label)
        for t in range(n_years):
            _number(ws, row, 1 + t, float(values[t]), fmt)
        row += 1
    ctx.name_row("risk.system.p_meet_control_total", SHEET, row - 2)
    percentiles = {k: v[system] for k, v in result.surplus.as_dict().items()}
    row = _fan_chart(ctx, ws, row + 1, at, percentiles)

    row += 1
    final = n_years - 1
    ctx.section(ws, row, f"Partners' surplus in {years[final]}, £k")
    row += 1
    headers = ["Partner", "P5", "P10", "P50", "P90", "P95", "Mean", "Deterministic"]
    for col, head in enumerate(headers):
        ctx.text(ws, row, col, head, st.header if col == 0 else st.header_year)
    row += 1
    fan = result.surplus.as_dict()
    for i, name in enumerate(result.partner_names):
        ctx.text(ws, row, 0, name, st.label)
        for col, key in enumerate(["P5", "P10", "P50", "P90", "P95", "mean"], start=1):
            _number(ws, row, col, float(fan[key][i, final]), st.money)
        _number(ws, row, 7, float(result.deterministic[i, final]), st.money)
        row += 1

    for title, table in (
        ("P(meeting the control total) by partner and year", result.p_meet_control_total),
        ("P(breaking even) by partner and year", result.p_break_even),
    ):
        row += 1
        ctx.section(ws, row, title)
        row += 1
        year_header(row, "Partner")
        row += 1
        for i, name in enumerate([*result.partner_names, "System"]):
            ctx.text(ws, row, 0, name, st.label_bold if name == "System" else st.label)
            for t in range(n_years):
                _number(ws, row, 1 + t, float(table[i, t]), st.share)
            row += 1

    for summary in result.investments.values():
        row = _write_investment(ctx, ws, row + 1, summary)

    if tornado is not None:
        for bars in tornado.tornados.values():
            row = _write_tornado(ctx, ws, row + 1, bars)

    row += 1
    ctx.section(ws, row, "Uncertain inputs (model file `uncertainty:`)")
    row += 1
    # columns: input | distribution (2) | apply | also (2) | source (the rest), text wrapped
    last_col = _last_col(result)
    spans = ((0, 0), (1, 2), (3, 3), (4, 5), (6, last_col))
    source_chars = int((last_col - 5) * COLUMN_WIDTH * 0.95)
    input_headers = ("Input (dotted path)", "Distribution", "Apply", "Also (same draw)", "Source")
    for (first, last), head in zip(spans, input_headers, strict=True):
        _cell(ctx, ws, row, first, last, head, st.header)
    row += 1
    for value in result.inputs:
        spec = value.spec
        params = ", ".join(
            f"{name}={getattr(spec, name):g}"
            for name in ("low", "mode", "high", "mean", "sd")
            if getattr(spec, name) is not None
        )
        texts = (value.key, f"{spec.dist}({params})", spec.apply, ", ".join(spec.also), spec.source)
        for (first, last), text in zip(spans, texts, strict=True):
            _cell(ctx, ws, row, first, last, text, st.wrap)
        lines = max(
            1,
            -(-len(spec.source) // source_chars),
            -(-len(", ".join(spec.also)) // int(2 * COLUMN_WIDTH * 0.95)),
        )
        ws.set_row(row, 13.5 * lines)
        row += 1
    return ws


#: The fan's bands: (label, lower percentile, upper percentile, colour), stacked on P5.
FAN_BANDS = (
    ("P5 to P10", "P5", "P10", "#BDD7EE"),
    ("P10 to P90", "P10", "P90", "#6FA8DC"),
    ("P90 to P95", "P90", "P95", "#BDD7EE"),
)


def _fan_chart(
    ctx: AppendixContext,
    ws: Worksheet,
    row: int,
    at: dict[str, int],
    percentiles: dict[str, np.ndarray],
) -> int:
    """A fan chart of the system surplus: bands between percentiles stacked on an invisible
    P5, with the median, the deterministic projection and the control total as lines. The
    bands are chart data (values, as the rest of this sheet); returns the next free row."""
    if not all(p in at for p in ("P5", "P10", "P50", "P90", "P95")):
        return row
    st, n_years = ctx.styles, len(percentiles["P5"])
    ctx.section(ws, row, "Chart data: the fan's bands (the upper percentile less the lower), £k")
    row += 1
    band_rows = []
    for label, low, high, _ in FAN_BANDS:
        ctx.text(ws, row, 0, label, st.label)
        for t in range(n_years):
            col = 1 + t
            letter = col_letter(col)
            ctx.write(
                ws,
                row,
                col,
                f"={letter}{at[high] + 1}-{letter}{at[low] + 1}",
                float(percentiles[high][t] - percentiles[low][t]),
                st.money,
            )
        band_rows.append(row)
        row += 1
    last = n_years
    categories = [SHEET, at["P5"] - 1, 1, at["P5"] - 1, last]
    fan = ctx.workbook.add_chart({"type": "area", "subtype": "stacked"})
    fan.add_series(
        {
            "name": "P5",
            "categories": categories,
            "values": [SHEET, at["P5"], 1, at["P5"], last],
            "fill": {"none": True},
            "border": {"none": True},
        }
    )
    for (label, _, _, colour), r in zip(FAN_BANDS, band_rows, strict=True):
        fan.add_series(
            {
                "name": label,
                "categories": categories,
                "values": [SHEET, r, 1, r, last],
                "fill": {"color": colour},
                "border": {"none": True},
            }
        )
    lines = ctx.workbook.add_chart({"type": "line"})
    for name, colour, dash in (
        ("P50", "#1F3864", "solid"),
        ("Deterministic", "#000000", "dash"),
        ("Control total", "#C00000", "round_dot"),
    ):
        lines.add_series(
            {
                "name": "Median (P50)" if name == "P50" else name,
                "categories": categories,
                "values": [SHEET, at[name], 1, at[name], last],
                "line": {"color": colour, "dash_type": dash, "width": 1.75},
            }
        )
    fan.combine(lines)
    fan.set_title({"name": "System surplus: range of outcomes (£k)", "name_font": {"size": 12}})
    fan.set_legend({"position": "bottom", "delete_series": [0]})
    fan.set_y_axis({"num_format": MONEY})
    fan.set_x_axis({"label_position": "low"})
    fan.set_size({"width": 760, "height": 340})
    row += 1
    start_page(ws, row)
    ws.insert_chart(row, 0, fan)
    return row + 19


def _last_col(result: SimulationResult) -> int:
    """The sheet's last column (0-based): its years' or :data:`LAST_COL`, the larger."""
    return max(len(result.years), LAST_COL)


def _cell(
    ctx: AppendixContext, ws: Worksheet, row: int, first: int, last: int, text: str, fmt: Any
) -> None:
    """Text in one cell, or merged over ``first..last`` (always written as text; merged text
    wraps in its cells, so it does not widen their columns)."""
    if first == last:
        ctx.text(ws, row, first, text, fmt)
    else:
        ws.merge_range(row, first, row, last, "", fmt)
        ws.write_string(row, first, text, fmt)


def _write_investment(
    ctx: AppendixContext, ws: Worksheet, row: int, summary: InvestmentSummary
) -> int:
    st = ctx.styles
    ctx.section(
        ws,
        row,
        f"Investment {summary.investment}: NPSV against do nothing (£k real, discounted) and "
        f"service answers by option; selected {summary.selected}, preferred {summary.preferred}",
    )
    row += 1
    headers = [
        "Option",
        "NPSV P5",
        "NPSV P10",
        "NPSV P50",
        "NPSV P90",
        "NPSV P95",
        "NPSV mean",
        "Deterministic",
        "P(NPSV > 0)",
        "Backlog cleared P10",
        "P50",
        "P90",
        "P(cleared)",
        "28-day standard met P50",
        "P(met)",
    ]
    for col, head in enumerate(headers):
        ctx.text(ws, row, col, head, st.header if col == 0 else st.header_year)
    row += 1
    fan = summary.npsv.as_dict()
    for o, option in enumerate(summary.option_ids):
        ctx.text(ws, row, 0, option, st.label)
        for col, key in enumerate(["P5", "P10", "P50", "P90", "P95", "mean"], start=1):
            _number(ws, row, col, float(fan[key][o]), st.money)
        _number(ws, row, 7, float(summary.deterministic_npsv[o]), st.money)
        _number(ws, row, 8, float(summary.p_npsv_positive[o]), st.share)
        for col, level in ((9, 10), (10, 50), (11, 90)):
            label = summary.month_label(float(summary.months_to_clear_backlog.at(level)[o]))
            ctx.text(ws, row, col, label or "not in horizon", st.label)
        _number(ws, row, 12, float(summary.p_backlog_cleared[o]), st.share)
        label = summary.month_label(float(summary.months_to_standard.at(50)[o]))
        ctx.text(ws, row, 13, label or "not in horizon", st.label)
        _number(ws, row, 14, float(summary.p_standard_met[o]), st.share)
        row += 1
    ctx.text(
        ws,
        row,
        0,
        "Months are calendar months of the service model (first month "
        f"{summary.month_labels[0] if summary.month_labels else '?'}); percentiles are months "
        "observed in the draws; 'not in horizon' where that share of draws never gets there.",
        st.note,
    )
    return row + 1


def _write_tornado(ctx: AppendixContext, ws: Worksheet, row: int, tornado: Tornado) -> int:
    st = ctx.styles
    ctx.section(
        ws,
        row,
        f"Tornado: {tornado.label}; each input from its P10 to its P90, the others as modelled",
    )
    row += 1
    ctx.text(ws, row, 0, "Modelled value (every input as in the model)", st.label)
    _number(ws, row, 1, tornado.base, st.money)
    row += 1
    headers = [
        "Input",
        "P10 value",
        "P90 value",
        "Surplus at P10",
        "Surplus at P90",
        "Swing",
        "Change at P10",
        "Change at P90",
    ]
    for col, head in enumerate(headers):
        ctx.text(ws, row, col, head, st.header if col == 0 else st.header_year)
    row += 1
    first = row
    value_format = ctx.workbook.add_format(
        {"font_name": "Arial", "font_size": 10, "num_format": "#,##0.0000"}
    )
    for bar in tornado.rows:
        ctx.text(ws, row, 0, bar.input, st.label)
        _number(ws, row, 1, float(np.asarray(bar.low_value)), value_format)
        _number(ws, row, 2, float(np.asarray(bar.high_value)), value_format)
        _number(ws, row, 3, bar.output_at_low, st.money)
        _number(ws, row, 4, bar.output_at_high, st.money)
        _number(ws, row, 5, bar.swing, st.money)
        _number(ws, row, 6, bar.output_at_low - tornado.base, st.money)
        _number(ws, row, 7, bar.output_at_high - tornado.base, st.money)
        row += 1
    last = row - 1
    if tornado.rows:
        chart = ctx.workbook.add_chart({"type": "bar"})
        for col, name, colour in (
            (6, "Input at its P10", "#C00000"),
            (7, "Input at its P90", "#2F5597"),
        ):
            chart.add_series(
                {
                    "name": name,
                    "categories": [SHEET, first, 0, last, 0],
                    "values": [SHEET, first, col, last, col],
                    "fill": {"color": colour},
                    "overlap": 100,
                    "gap": 40,
                }
            )
        chart.set_title(
            {"name": f"Tornado: change in the {tornado.label}", "name_font": {"size": 12}}
        )
        chart.set_y_axis({"reverse": True, "label_position": "low"})
        chart.set_x_axis({"num_format": "#,##0;(#,##0)", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        height = max(240, 90 + 28 * len(tornado.rows))
        chart.set_size({"width": 760, "height": height})
        start_page(ws, row + 1)
        ws.insert_chart(row + 1, 0, chart)
        row += 3 + height // 20
    return row
