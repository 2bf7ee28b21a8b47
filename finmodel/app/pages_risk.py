"""Risk page: Monte Carlo fan chart of the system surplus, probabilities, tornado.

The simulation runs only when the user presses *Run Monte Carlo* (with a progress bar), on the
model as on screen (the sidebar's overlay applied). Its result is kept in the session with the
model hash, overlay and settings it was run for; when the assumptions change the page says the
result is out of date instead of silently showing it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from finmodel.app import charts
from finmodel.app.engines import optional_function
from finmodel.app.formatting import money_k, pct
from finmodel.app.state import Workspace, overlay_key
from finmodel.app.widgets import money_metric, money_table, show_problems
from finmodel.errors import InputError

#: The Monte Carlo entry point the page uses (the uncertainty issue's public function).
SIMULATE = ("finmodel.risk.montecarlo", "simulate")
#: A model-level tornado, when the uncertainty issue provides one.
TORNADO = ("finmodel.risk.model_sensitivity", "model_tornado")
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


def _run(ws: Workspace, simulate: Any, draws: int, seed: int, method: str) -> None:
    assert ws.result is not None
    bar = st.progress(0.0, text="Monte Carlo: starting…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Monte Carlo: {done:,} of {total:,} draws")

    try:
        result = simulate(ws.result.model, draws=draws, seed=seed, method=method, progress=progress)
    except InputError as err:
        bar.empty()
        st.session_state.pop("mc_result", None)
        show_problems("The Monte Carlo cannot run:", [str(p) for p in err.problems])
        return
    bar.empty()
    st.session_state["mc_result"] = (run_key(ws, draws, seed, method), result)


def _show(result: Any) -> None:
    system = result.row("system")
    years = result.years
    bands = fan_bands(result)
    final = len(years) - 1
    cols = st.columns(4)
    money_metric(cols[0], f"Median system surplus {years[-1]}", float(bands["P50"][final]))
    cols[1].metric(
        f"P10 to P90, {years[-1]}",
        f"{money_k(float(bands['P10'][final]))} to {money_k(float(bands['P90'][final]))}",
    )
    cols[2].metric(
        f"P(meet control total) {years[-1]}", pct(result.p_meet_control_total[system, final], 0)
    )
    cols[3].metric(f"P(break even) {years[-1]}", pct(result.p_break_even[system, final], 0))
    st.plotly_chart(
        charts.fan_chart(
            years,
            bands,
            deterministic=result.deterministic[system],
            control_total=result.control_total[system],
        ),
        key="chart_fan",
    )
    st.caption(f"{result.describe_sampling()}; {result.seconds:.2f} s.")
    st.markdown("#### Probabilities by year (system)")
    probabilities = pd.DataFrame(
        {
            "Meet the control total": [pct(v, 0) for v in result.p_meet_control_total[system]],
            "Break even": [pct(v, 0) for v in result.p_break_even[system]],
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
    with st.expander("Uncertain inputs"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Input (dotted path)": v.key,
                        "Distribution": v.spec.model_dump(
                            exclude_none=True, exclude_defaults=True, exclude={"source"}
                        ),
                        "Source": getattr(v.spec, "source", ""),
                    }
                    for v in result.inputs
                ]
            ).astype(str),
            hide_index=True,
            width="stretch",
            key="table_mc_inputs",
        )


def _tornado(ws: Workspace) -> None:
    st.markdown("#### Tornado: what drives the final-year system surplus")
    tornado = optional_function(*TORNADO)
    if tornado is None:
        st.info("The tornado is available when the model-level sensitivity lands (finmodel.risk).")
        return
    assert ws.result is not None
    try:
        rows = tornado(ws.result.model)
    except InputError as err:
        show_problems("The tornado cannot run:", [str(p) for p in err.problems])
        return
    if not rows:
        st.info("No uncertain inputs.")
        return
    base = float(rows[0].output_at_base)
    st.plotly_chart(
        charts.tornado_chart(
            [(r.input, float(r.output_at_low), float(r.output_at_high)) for r in rows],
            base,
            f"Final-year system surplus: each input from low to high (base {money_k(base)})",
        ),
        key="chart_tornado",
    )


def render(ws: Workspace) -> None:
    """Draw the Risk page."""
    st.subheader("Risk: range of outcomes")
    simulate = optional_function(*SIMULATE)
    if simulate is None:
        st.info(
            "The fan chart (P10-P90 of the system surplus), the probabilities of meeting the "
            "control total and of breaking even, and the tornado are available when the Monte "
            "Carlo simulation lands (finmodel.risk)."
        )
        return
    if not ws.model.uncertainty:
        st.info(
            "This model has no uncertain inputs: add an `uncertainty:` section to the model file "
            "(distributions of inputs by dotted path) to run a Monte Carlo."
        )
        return
    st.caption(
        "Draws every input of the model's uncertainty section around the assumptions on "
        "screen. Money in £k."
    )
    draws, seed, method = _settings()
    if st.button("Run Monte Carlo", type="primary", key="mc_run"):
        _run(ws, simulate, draws, seed, method)
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
        _show(result)
    _tornado(ws)


def fan_bands(result: Any, row: str = "system") -> dict[str, np.ndarray]:
    """The percentile bands of one row (a partner id or ``system``) by year, £k."""
    index = result.row(row)
    return {name: values[index] for name, values in result.surplus.as_dict().items()}
