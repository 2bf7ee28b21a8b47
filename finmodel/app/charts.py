"""Plotly charts for the app: gap-bridge waterfall, position by year, fan chart, tornado.

Every chart plots engine figures as they are (£k); labels use the app's money format, with
negatives in brackets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from finmodel.app.formatting import NEGATIVE_COLOUR, POSITIVE_COLOUR, money
from finmodel.engine.result import ProjectionResult

TOTAL_COLOUR = "#1f4e79"
CONTROL_COLOUR = "#d98e04"
LOW_COLOUR = "#7fa7cf"
_LAYOUT: dict[str, Any] = {
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "height": 380,
    "font": {"size": 13},
    "separators": ".,",
    "legend": {"orientation": "h", "y": -0.15},
}


def _y_axis(title: str = "£k") -> dict[str, Any]:
    return {"title": title, "tickformat": "(,.0f", "zeroline": True, "zerolinecolor": "#888"}


def _money_list(values: Sequence[float] | np.ndarray) -> list[str]:
    return [money(float(v)) for v in values]


def bridge_waterfall(result: ProjectionResult, year: int | None = None) -> go.Figure:
    """The gap bridge of the system surplus from the base year to ``year`` (default the last)."""
    t = len(result.years) - 1 if year is None else year
    steps = result.bridge_steps(t)
    start = float(result.arrays.system_surplus[0])
    end = float(result.arrays.system_surplus[t])
    labels = [f"Surplus {result.years[0]}", *(n for n, _ in steps), f"Surplus {result.years[t]}"]
    values = [start, *(v for _, v in steps), end]
    waterfall = {
        "type": "waterfall",
        "x": labels,
        "y": values,
        "measure": ["absolute", *(["relative"] * len(steps)), "total"],
        "text": _money_list(values),
        "textposition": "outside",
        "hovertemplate": "%{x}: %{text}k<extra></extra>",
        "increasing": {"marker": {"color": POSITIVE_COLOUR}},
        "decreasing": {"marker": {"color": NEGATIVE_COLOUR}},
        "totals": {"marker": {"color": TOTAL_COLOUR}},
        "connector": {"line": {"color": "#999", "width": 1}},
    }
    layout = {
        "title": {"text": f"Gap bridge, {result.years[0]} to {result.years[t]} (£k)"},
        "yaxis": _y_axis("System surplus, £k"),
        "showlegend": False,
        **_LAYOUT,
    }
    figure = go.Figure({"data": [waterfall], "layout": layout})
    return figure


def position_by_year(
    years: Sequence[str],
    surplus: np.ndarray,
    control_total: np.ndarray,
    title: str,
    income: np.ndarray | None = None,
    expenditure: np.ndarray | None = None,
) -> go.Figure:
    """Surplus bars by year (red when a deficit) with the control total as a line."""
    figure = go.Figure()
    if income is not None and expenditure is not None:
        figure.add_bar(x=list(years), y=income, name="Income", marker_color="#7fa7cf")
        figure.add_bar(x=list(years), y=expenditure, name="Expenditure", marker_color="#c9c9c9")
    colours = [NEGATIVE_COLOUR if v < 0 else POSITIVE_COLOUR for v in np.nan_to_num(surplus)]
    figure.add_bar(
        x=list(years),
        y=surplus,
        name="Surplus / (deficit)",
        marker_color=colours,
        text=_money_list(surplus),
        textposition="outside",
        hovertemplate="%{x}: %{text}k<extra>Surplus</extra>",
    )
    if not np.all(np.isnan(control_total)):
        figure.add_scatter(
            x=list(years),
            y=control_total,
            name="Control total",
            mode="lines+markers",
            line={"color": CONTROL_COLOUR, "dash": "dash", "width": 2},
        )
    figure.update_layout(title=title, yaxis=_y_axis(), barmode="group", **_LAYOUT)
    return figure


def system_position(result: ProjectionResult) -> go.Figure:
    """The surplus by year on the control-total boundary: the NHS position (partners in the
    control total) and the partners outside it as stacked bars (together the system surplus),
    the control total, and the system's underlying surplus (recurrent items only).

    Built from one dict (a figure validated in one pass is a few times quicker to make than
    trace by trace, which keeps the System page's rerun fast).
    """
    a = result.arrays
    x = list(result.years)
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": x,
            "y": a.control_total_surplus,
            "name": "NHS position (in the control total)",
            "marker": {"color": TOTAL_COLOUR},
            "hovertemplate": "%{x}: %{y:,.0f}k<extra>NHS position</extra>",
        },
        {
            "type": "bar",
            "x": x,
            "y": a.outside_surplus,
            "name": "Partners outside the control total",
            "marker": {"color": LOW_COLOUR},
            "hovertemplate": "%{x}: %{y:,.0f}k<extra>Outside the control total</extra>",
        },
        {
            "type": "scatter",
            "x": x,
            "y": a.system_surplus,
            "name": "System surplus, reported",
            "mode": "markers",
            "text": _money_list(a.system_surplus),
            "hovertemplate": "%{x}: %{text}k<extra>System surplus, reported</extra>",
            "marker": {"color": "#222", "size": 9, "symbol": "diamond"},
        },
        {
            "type": "scatter",
            "x": x,
            "y": a.system_underlying_surplus,
            "name": "System underlying",
            "mode": "lines+markers",
            "line": {"color": NEGATIVE_COLOUR, "dash": "dot", "width": 2},
        },
    ]
    if not np.all(np.isnan(a.system_control_total)):
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": a.system_control_total,
                "name": "Control total (NHS)",
                "mode": "lines+markers",
                "line": {"color": CONTROL_COLOUR, "dash": "dash", "width": 2},
            }
        )
    layout = {
        "title": {"text": "NHS position against its control total, by year (£k)"},
        "yaxis": _y_axis(),
        "barmode": "relative",
        **_LAYOUT,
    }
    return go.Figure({"data": data, "layout": layout})


def partner_position(result: ProjectionResult, partner_id: str) -> go.Figure:
    """One partner's surplus by year against its control total and after the risk share."""
    a = result.arrays
    p = result.partner_index(partner_id)
    figure = position_by_year(
        result.years,
        a.surplus[p],
        a.control_total[p],
        f"{result.inputs.partner_names[p]}: surplus / (deficit) by year (£k)",
    )
    figure.add_scatter(
        x=list(result.years),
        y=a.underlying_surplus[p],
        name="Underlying",
        mode="lines+markers",
        line={"color": NEGATIVE_COLOUR, "dash": "dot", "width": 2},
    )
    after = a.surplus_after_risk_share[p]
    if not np.all(np.isnan(after)):
        figure.add_scatter(
            x=list(result.years),
            y=after,
            name="After risk share",
            mode="lines+markers",
            line={"color": TOTAL_COLOUR, "width": 2},
        )
    return figure


def fan_chart(
    years: Sequence[str],
    bands: Mapping[str, Sequence[float] | np.ndarray],
    deterministic: Sequence[float] | np.ndarray | None = None,
    control_total: Sequence[float] | np.ndarray | None = None,
    title: str = "System surplus: range of outcomes (£k)",
    control_label: str = "Control total",
) -> go.Figure:
    """A fan of percentiles by year: P10-P90 shaded (P5-P95 lighter when given), P50 line.

    ``bands`` maps ``"P5"``, ``"P10"``, ``"P50"``, ``"P90"``, ``"P95"`` to one value per year.
    """
    x = list(years)
    figure = go.Figure()
    for low, high, opacity in (("P5", "P95", 0.15), ("P10", "P90", 0.3)):
        if low in bands and high in bands:
            figure.add_scatter(
                x=x,
                y=list(bands[high]),
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
            figure.add_scatter(
                x=x,
                y=list(bands[low]),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=f"rgba(31, 78, 121, {opacity})",
                name=f"{low}-{high}",
            )
    if "P50" in bands:
        figure.add_scatter(
            x=x,
            y=list(bands["P50"]),
            mode="lines+markers",
            name="Median (P50)",
            line={"color": TOTAL_COLOUR, "width": 2},
        )
    if deterministic is not None:
        figure.add_scatter(
            x=x,
            y=list(deterministic),
            mode="lines",
            name="Deterministic",
            line={"color": "#333", "dash": "dot"},
        )
    if control_total is not None:
        figure.add_scatter(
            x=x,
            y=list(control_total),
            mode="lines",
            name=control_label,
            line={"color": CONTROL_COLOUR, "dash": "dash"},
        )
    figure.update_layout(title=title, yaxis=_y_axis(), **_LAYOUT)
    return figure


def tornado_chart(rows: Sequence[tuple[str, float, float, str, str]], base: float) -> go.Figure:
    """A tornado: for each input ``(name, result at P10, result at P90, input at P10, input at
    P90)`` (the inputs as text), a bar from the modelled result to the result at each end.

    Rows are drawn in the order given, the first at the top (sort by swing before calling). The
    bar ends are labelled with the result (£k); hovering shows the input's value. Each end is
    one trace named "Input at its P10" / "P90" per layer (the bar further from the base first).
    """
    names = [r[0] for r in rows][::-1]
    ends = {"P10": [r[1] for r in rows][::-1], "P90": [r[2] for r in rows][::-1]}
    inputs = {"P10": [r[3] for r in rows][::-1], "P90": [r[4] for r in rows][::-1]}
    lengths = {level: [end - base for end in values] for level, values in ends.items()}
    # When both ends lie on one side of the base, the shorter bar is drawn after (on top of) the
    # longer one so that neither it nor its label is hidden: "far" bars first, then "near" ones.
    near = {
        level: [
            x * y > 0 and abs(x) < abs(y)
            for x, y in zip(lengths[level], lengths[other], strict=True)
        ]
        for level, other in (("P10", "P90"), ("P90", "P10"))
    }
    figure = go.Figure()
    for layer in ("far", "near"):
        for level, colour in (("P10", LOW_COLOUR), ("P90", TOTAL_COLOUR)):
            keep = [n == (layer == "near") for n in near[level]]
            figure.add_bar(
                y=names,
                x=[x if k else None for x, k in zip(lengths[level], keep, strict=True)],
                base=base,
                orientation="h",
                name=f"Input at its {level}",
                legendgroup=level,
                showlegend=layer == "far",
                marker_color=colour,
                text=[t if k else "" for t, k in zip(_money_list(ends[level]), keep, strict=True)],
                textposition="outside",
                cliponaxis=False,
                customdata=inputs[level],
                hovertemplate=f"%{{y}}<br>input at its {level}: %{{customdata}}"
                "<br>result: %{text}k<extra></extra>",
            )
    every = [base, *ends["P10"], *ends["P90"]]
    low, high = min(every), max(every)
    pad = 0.18 * (high - low or 1.0)
    figure.add_vline(
        x=base,
        line={"color": "#333", "dash": "dot", "width": 1},
        annotation_text=f"modelled {money(base)}",
        annotation_position="top",
    )
    figure.update_layout(
        barmode="overlay",
        xaxis={"tickformat": "(,.0f", "range": [low - pad, high + pad]},
        yaxis={"automargin": True},
        **{
            **_LAYOUT,
            "margin": {"l": 10, "r": 10, "t": 30, "b": 60},
            "height": max(230, 44 * len(rows) + 140),
            "legend": {
                "orientation": "h",
                "yref": "container",
                "y": 0.0,
                "yanchor": "bottom",
            },
        },
    )
    return figure


def lines_by_option(
    x: Sequence[Any], series: Mapping[str, Sequence[float]], title: str, y_title: str
) -> go.Figure:
    """One line per option (e.g. the overdue backlog or the 28-day share by month)."""
    figure = go.Figure()
    for name, values in series.items():
        figure.add_scatter(x=list(x), y=list(values), mode="lines", name=name)
    figure.update_layout(title=title, yaxis={"title": y_title}, **_LAYOUT)
    return figure
