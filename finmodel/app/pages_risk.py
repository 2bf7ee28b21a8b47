"""Risk page: Monte Carlo fan chart and probabilities, tornados, goal seek.

Every number comes from :mod:`finmodel.risk` run on the model as on screen (the sidebar's
overlay applied):

* the Monte Carlo (:func:`~finmodel.risk.simulate`) runs only when the user presses *Run Monte
  Carlo* (with a progress bar); its result is kept in the session with the model hash, overlay
  and settings it was run for, and when the assumptions change the page says it is out of date
  instead of silently showing it;
* the tornados (:func:`~finmodel.risk.sensitivity`: the final-year system surplus and the NPSV
  of each investment's preferred option, each input from its P10 to its P90) are cached by model
  hash and overlay;
* goal seek (:mod:`finmodel.app.goal_seek_panel`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from finmodel.app import charts, goal_seek_panel
from finmodel.app.formatting import money_k, pct
from finmodel.app.risk_labels import format_value, input_label, npsv_title, option_name
from finmodel.app.state import Workspace, overlay_key
from finmodel.app.widgets import money_metric, money_table, show_problems
from finmodel.domain.model import Model
from finmodel.errors import InputError
from finmodel.formatting import month_name
from finmodel.risk import SensitivityResult, SimulationResult, Tornado, sensitivity, simulate

MAX_DRAWS = 200_000


def _settings() -> tuple[int, int, str]:
    cols = st.columns(3)
    draws = cols[0].number_input(
        "Draws", min_value=100, max_value=MAX_DRAWS, value=10_000, step=1_000, key="mc_draws"
    )
    seed = cols[1].number_input(
        "Seed", min_value=0, max_value=2**31 - 1, value=20200401, step=1, key="mc_seed",
        help="The same seed gives the same results.",
    )  # fmt: skip
    method = cols[2].selectbox(
        "Sampling", ["random", "lhs"], key="mc_method",
        format_func=lambda m: "Latin hypercube" if m == "lhs" else "Random",
    )  # fmt: skip
    return int(draws), int(seed), str(method)


def run_key(ws: Workspace, draws: int, seed: int, method: str) -> str:
    """What a stored run was computed for: model hash, overlay and settings."""
    return f"{ws.loaded.digest}|{overlay_key(ws.overlay)}|{draws}|{seed}|{method}"


def current_run(ws: Workspace) -> SimulationResult | None:
    """This session's Monte Carlo run if it was computed for the model and overlay on screen."""
    stored = st.session_state.get("mc_result")
    if stored is None:
        return None
    key, result = stored
    prefix = f"{ws.loaded.digest}|{overlay_key(ws.overlay)}|"
    return result if key.startswith(prefix) else None


def _run(ws: Workspace, draws: int, seed: int, method: str) -> None:
    assert ws.result is not None
    bar = st.progress(0.0, text="Monte Carlo: starting…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Monte Carlo: {done:,} of {total:,} draws")

    try:
        result = simulate(
            ws.result.model,
            draws=draws,
            seed=seed,
            method=method,  # type: ignore[arg-type]
            progress=progress,
        )
    except InputError as err:
        bar.empty()
        st.session_state.pop("mc_result", None)
        show_problems("The Monte Carlo cannot run:", [str(p) for p in err.problems])
        return
    bar.empty()
    st.session_state["mc_result"] = (run_key(ws, draws, seed, method), result)


#: The Monte Carlo probabilities, each labelled with the boundary it is measured on.
MEET_LABEL = "P(meet the control total: partners in it)"
BREAK_EVEN_LABEL = "P(break even: whole system)"


def _show(result: SimulationResult, model: Model) -> None:
    system = result.row("system")
    years = result.years
    bands = fan_bands(result)
    final = len(years) - 1
    cols = st.columns(5)
    money_metric(cols[0], f"Median {years[-1]}", float(bands["P50"][final]))
    money_metric(cols[1], f"P10 {years[-1]}", float(bands["P10"][final]))
    money_metric(cols[2], f"P90 {years[-1]}", float(bands["P90"][final]))
    cols[3].metric(
        MEET_LABEL,
        pct(result.p_meet_control_total[system, final], 0),
        help=f"Share of draws in which the partners in the control total (the NHS position) "
        f"together meet it in {years[-1]}; the partners outside it are not counted.",
    )
    cols[4].metric(
        BREAK_EVEN_LABEL,
        pct(result.p_break_even[system, final], 0),
        help=f"Share of draws with a whole-system surplus (every partner, those outside the "
        f"control total included) of zero or more in {years[-1]}.",
    )
    st.plotly_chart(
        charts.fan_chart(
            years,
            bands,
            deterministic=result.deterministic[system],
            control_total=result.control_total[system],
            title="System surplus (whole system): range of outcomes (£k)",
            control_label="Control total (of the partners in it)",
        ),
        key="chart_fan",
    )
    st.caption(
        f"{result.describe_sampling()}; {result.seconds:.2f} s. Percentiles of the surplus in "
        "each year separately (P10: 10% of draws are at or below it). The fan is the whole "
        "system, the partners outside the control total included; the control total is that of "
        "the partners in it, whose own surplus P(meet the control total) compares with it."
    )
    st.markdown("#### Probabilities by year")
    probabilities = pd.DataFrame(
        {
            MEET_LABEL: [pct(v, 0) for v in result.p_meet_control_total[system]],
            BREAK_EVEN_LABEL: [pct(v, 0) for v in result.p_break_even[system]],
        },
        index=years,
    ).T
    st.dataframe(probabilities, width="stretch", key="table_probabilities")
    st.markdown(f"#### Partners in {years[-1]} (£k)")
    pcts = result.surplus.as_dict()
    partners = pd.DataFrame(
        {
            "Partner": result.partner_names,
            "P10": pcts["P10"][:-1, final],
            "Median": pcts["P50"][:-1, final],
            "P90": pcts["P90"][:-1, final],
            "Deterministic": result.deterministic[:-1, final],
        }
    )
    partners["P(meet control total)"] = [pct(v, 0) for v in result.p_meet_control_total[:-1, final]]
    money_table(
        partners,
        money_columns=["P10", "Median", "P90", "Deterministic"],
        variance_columns=["P10", "Median", "P90"],
        hide_index=True,
        key="table_mc_partners",
    )
    for inv_id in result.investments:
        _investment_table(result, model, inv_id)
    with st.expander("Uncertain inputs"):
        st.dataframe(
            inputs_table(result, model), hide_index=True, width="stretch", key="table_mc_inputs"
        )


def _investment_table(result: SimulationResult, model: Model, inv_id: str) -> None:
    summary = result.investments[inv_id]
    name = getattr(model.investments.get(inv_id), "name", None) or inv_id
    st.markdown(f"#### {name}: options under uncertainty")
    end = month_name(summary.month_labels[-1])

    def when(months: float) -> str:
        return month_name(summary.month_label(months), f"not by {end}")

    npsv, clear, standard = (
        summary.npsv,
        summary.months_to_clear_backlog,
        summary.months_to_standard,
    )
    options = [option_name(model, inv_id, o) for o in summary.option_ids]
    frame = pd.DataFrame(
        {
            "Option": options,
            "NPSV P10": npsv.at(10),
            "NPSV median": npsv.at(50),
            "NPSV P90": npsv.at(90),
            "NPSV modelled": summary.deterministic_npsv,
            "P(NPSV > 0)": [pct(v, 0) for v in summary.p_npsv_positive],
        }
    )
    money_table(
        frame,
        money_columns=["NPSV P10", "NPSV median", "NPSV P90", "NPSV modelled"],
        variance_columns=["NPSV median"],
        hide_index=True,
        widths={"Option": 220},
        key=f"table_mc_investment_{inv_id}",
    )
    service = pd.DataFrame(
        {
            "Option": options,
            "Overdue reviews cleared (median)": [when(v) for v in clear.at(50)],
            "P(cleared)": [pct(v, 0) for v in summary.p_backlog_cleared],
            "28-day standard met (median)": [when(v) for v in standard.at(50)],
            "P(met)": [pct(v, 0) for v in summary.p_standard_met],
        }
    )
    st.dataframe(
        service,
        hide_index=True,
        width="stretch",
        column_config={"Option": st.column_config.TextColumn(width=220)},
        key=f"table_mc_service_{inv_id}",
    )
    st.caption(
        "NPSV against do nothing, real £k, discounted. Months from the service model, which "
        f"runs to {end}; P(cleared), P(met): shares of draws in which that happens by then."
    )


def inputs_table(result: SimulationResult, model: Model) -> pd.DataFrame:
    """The uncertain inputs: readable name, dotted path, distribution and source."""
    rows = []
    for v in result.inputs:
        spec = v.spec.model_dump(exclude_none=True, exclude_defaults=True, exclude={"source"})
        rows.append(
            {
                "Input": input_label(model, v.key, v.spec.also),
                "Dotted path": v.key,
                "Distribution": ", ".join(f"{k} {val}" for k, val in spec.items()),
                "Source": str(getattr(v.spec, "source", "") or ""),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- tornado
@st.cache_resource(show_spinner="Computing the tornados…", max_entries=32)
def _sensitivity(digest: str, key: str, _model: Model) -> SensitivityResult:
    return sensitivity(_model)


def tornados(ws: Workspace) -> SensitivityResult:
    """The tornados of the model as on screen (cached by model hash and overlay)."""
    assert ws.result is not None
    return _sensitivity(ws.loaded.digest, overlay_key(ws.overlay), ws.result.model)


def tornado_frame(found: SensitivityResult, tornado: Tornado, model: Model) -> pd.DataFrame:
    """One row per bar (largest swing first): the input's readable name, its P10 and P90 values
    and the output (£k) with the input at each."""
    by_key = {v.key: v for v in found.inputs}
    rows = []
    for row in tornado.rows:
        value = by_key[row.input]
        apply = value.spec.apply
        low, high = float(np.asarray(row.low_value)), float(np.asarray(row.high_value))
        rows.append(
            {
                "Input": input_label(model, row.input, value.spec.also),
                "Input at P10": format_value(model, row.input, low, apply),
                "Input at P90": format_value(model, row.input, high, apply),
                "Result at P10": row.output_at_low,
                "Result at P90": row.output_at_high,
                "Swing": row.swing,
            }
        )
    return pd.DataFrame(rows)


def _tornado(found: SensitivityResult, name: str, model: Model, title: str) -> None:
    tornado = found.tornados[name]
    frame = tornado_frame(found, tornado, model)
    if name.startswith("npsv:"):  # the title names the investment; its inputs need not repeat it
        inv = model.investments.get(name.removeprefix("npsv:"))
        prefix = f"{getattr(inv, 'name', None) or name.removeprefix('npsv:')}: "
        frame["Input"] = [
            (text.removeprefix(prefix)[:1].upper() + text.removeprefix(prefix)[1:])
            for text in frame["Input"]
        ]
    moved = frame[frame["Swing"] != 0]
    still = frame[frame["Swing"] == 0]
    st.markdown(f"##### {title}")
    if moved.empty:
        st.info("No uncertain input moves this result.")
        return
    bars = [
        (r["Input"], r["Result at P10"], r["Result at P90"], r["Input at P10"], r["Input at P90"])
        for _, r in moved.iterrows()
    ]
    st.plotly_chart(charts.tornado_chart(bars, tornado.base), key=f"chart_tornado_{name}")
    with st.expander("The tornado as a table"):
        money_table(
            moved,
            money_columns=["Result at P10", "Result at P90", "Swing"],
            variance_columns=["Swing"],
            hide_index=True,
            key=f"table_tornado_{name}",
        )
    if not still.empty:
        st.caption("Not moved by: " + "; ".join(still["Input"]) + ".")


def _tornados(ws: Workspace) -> None:
    st.markdown("### What drives the result: tornados")
    st.caption(
        "Each uncertain input moves from its P10 to its P90 (so every bar covers the same 80% of "
        "probability) with the others as modelled; bars sorted by swing. £k."
    )
    try:
        found = tornados(ws)
    except InputError as err:
        show_problems("The tornado cannot run:", [str(p) for p in err.problems])
        return
    st.session_state["tornados"] = found
    model = ws.model
    system = found.tornados["system_surplus"]
    _tornado(
        found,
        "system_surplus",
        model,
        f"System surplus {found.year} (modelled {money_k(system.base)})",
    )
    for name, tornado in found.tornados.items():
        if name.startswith("npsv:"):
            title = npsv_title(model, tornado.label)
            _tornado(found, name, model, title)
            st.caption(
                f"NPSV against do nothing, real £k, discounted; modelled {money_k(tornado.base)}."
            )


def drawn_over_screen(ws: Workspace, found: SensitivityResult) -> list[str]:
    """Readable names of inputs changed on screen that the uncertainty section replaces by its
    draws (``apply: set``), so the Monte Carlo and tornados do not use the value on screen."""
    names = []
    for value in found.inputs:
        if value.spec.apply == "set" and any(path in ws.overlay for path in value.target.paths):
            names.append(input_label(ws.model, value.key, value.spec.also))
    return names


def _drawn_notice(ws: Workspace) -> None:
    try:
        names = drawn_over_screen(ws, tornados(ws))
    except InputError:
        return  # the tornado section reports the problems
    if names:
        st.info(
            f"Changed on screen but drawn from the model file's distribution here: "
            f"{'; '.join(names)}. The Monte Carlo and the tornados use the distribution "
            "(`apply: set`) instead of the value on screen; every other change applies."
        )


# ---------------------------------------------------------------------------------- page
def render(ws: Workspace) -> None:
    """Draw the Risk page."""
    st.subheader("Risk: range of outcomes")
    assert ws.result is not None
    if not ws.model.uncertainty:
        st.info(
            "This model has no uncertain inputs: add an `uncertainty:` section to the model file "
            "(distributions of inputs by dotted path) to run a Monte Carlo and see tornados."
        )
        goal_seek_panel.render(ws)
        return
    st.caption(
        "Draws every input of the model's uncertainty section around the assumptions on "
        "screen. Money in £k, negatives in brackets."
    )
    _drawn_notice(ws)
    draws, seed, method = _settings()
    if st.button("Run Monte Carlo", type="primary", key="mc_run"):
        _run(ws, draws, seed, method)
    stored = st.session_state.get("mc_result")
    if stored is None:
        st.info("Press Run Monte Carlo to simulate.")
    else:
        key, result = stored
        if key != run_key(ws, draws, seed, method):
            st.warning(
                "The assumptions or settings have changed since this run: press Run Monte "
                "Carlo again. Showing the earlier run."
            )
        _show(result, ws.model)
    _tornados(ws)
    goal_seek_panel.render(ws)


def fan_bands(result: Any, row: str = "system") -> dict[str, np.ndarray]:
    """The percentile bands of one row (a partner id or ``system``) by year, £k."""
    index = result.row(row)
    return {name: values[index] for name, values in result.surplus.as_dict().items()}
