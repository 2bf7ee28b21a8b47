"""Goal seek on the Risk page: the value of one assumption at which a target is met.

The finance lead chooses a numeric input of the model (any dotted path the engine knows, or a
pattern from the ``uncertainty:`` section such as ``partners.*.costs.pay.efficiency``), how the
value applies (the value itself, a change to the modelled values, a multiple of them), and a
target: the system or a partner meets its control total, breaks even, or reaches a surplus or
variance (£k) in a year; or, for a service-model parameter, an option meets the 28-day standard
or clears the overdue review backlog by the end of a year. *Find the value* runs
:func:`finmodel.risk.goal_seek_model` on the model as on screen; the answer (or the engine's
message when no value in the range meets the target) is cached by model hash, overlay and
request, and shown until the request or the assumptions change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from finmodel.app.formatting import money_k
from finmodel.app.pages_investment import appraisal
from finmodel.app.risk_labels import format_value, input_label
from finmodel.app.state import Workspace, overlay_key
from finmodel.app.widgets import show_problems
from finmodel.domain.model import Model
from finmodel.errors import GoalSeekError, InputError
from finmodel.formatting import month_name
from finmodel.risk import GoalSeekOutcome, goal_seek_model
from finmodel.risk.inputs import known_inputs

#: Finance targets: (engine target, words after "the system" / a partner).
FINANCE_TARGETS = {
    "control_total": "meets its control total",
    "break_even": "breaks even",
    "surplus": "has a surplus of … (£k)",
    "variance": "is this far from its control total (£k; negative = behind)",
}
#: Targets on an investment's service model, met by the end of a year.
SERVICE_TARGETS = {
    "standard_28d": "meets the 28-day standard",
    "backlog_cleared": "clears the overdue review backlog",
}
APPLY_LABELS = {
    "set": "The value itself",
    "add": "A change to the modelled values",
    "scale": "A multiple of the modelled values",
}
#: The input goal seek offers first: commissioners' QIPP under the NHS rules, else the
#: system efficiency rate (which is the commissioners' savings in a model without them).
DEFAULT_PATHS = ("assumptions.qipp", "assumptions.efficiency")
SYSTEM = "system"


@dataclass(frozen=True)
class Request:
    """One goal-seek question (hashable: the cache key with the model hash and overlay)."""

    path: str
    apply: str
    target: str
    """The engine's target text: ``control_total``, ``surplus=-5000``, ``standard_28d:opt``."""
    year: str
    partner: str | None


@dataclass(frozen=True)
class Answer:
    """What goal seek gave: an outcome, or the engine's message, or problems with the request."""

    outcome: GoalSeekOutcome | None
    message: str | None = None
    problems: tuple[str, ...] = ()


@st.cache_resource(show_spinner=False, max_entries=8)
def _paths(digest: str, key: str, _ws: Workspace) -> list[str]:
    assert _ws.result is not None
    known, _ = known_inputs(_ws.result.model, _ws.result.inputs)
    patterns = sorted(_ws.result.model.uncertainty)
    order = ("assumptions.", "drivers.", "investments.", "partners.")

    def rank(path: str) -> tuple[int, str]:
        if path.startswith(order[0]):
            return 0, path
        if path in patterns:
            return 1, path
        found = [i for i, prefix in enumerate(order) if path.startswith(prefix)]
        return (found[0] + 1 if found else len(order) + 1), path

    # a control total moves no surplus (the variance follows it one for one): nothing to seek
    chosen = {p for p in known if not p.startswith("control_totals.")}
    return sorted({*chosen, *patterns}, key=rank)


def assumption_paths(ws: Workspace) -> list[str]:
    """Numeric inputs to choose from: the main assumptions, the uncertainty section's patterns,
    drivers, service-model parameters, then each partner's lines."""
    return _paths(ws.loaded.digest, overlay_key(ws.overlay), ws)


@st.cache_resource(show_spinner="Goal seek…", max_entries=64)
def _goal_seek(
    digest: str, key: str, asked: tuple[str, ...], _request: Request, _model: Model
) -> Answer:
    request = _request
    try:
        outcome = goal_seek_model(
            _model,
            request.path,
            request.target,
            year=request.year,
            partner=request.partner,
            apply=request.apply,  # type: ignore[arg-type]
        )
    except GoalSeekError as err:
        return Answer(None, str(err))
    except InputError as err:
        return Answer(None, None, tuple(str(p) for p in err.problems))
    return Answer(outcome)


def goal_seek(ws: Workspace, request: Request) -> Answer:
    """The engine's goal seek on the model as on screen (cached by model hash, overlay, request)."""
    assert ws.result is not None
    asked = (request.path, request.apply, request.target, request.year, request.partner or "")
    return _goal_seek(ws.loaded.digest, overlay_key(ws.overlay), asked, request, ws.result.model)


def financial_year(month: str) -> str:
    """The UK financial year of a service-model month: ``"2023-02"`` -> ``"2022/23"``.

    >>> financial_year("2022-05"), financial_year("2023-02")
    ('2022/23', '2022/23')
    """
    year, number = (int(x) for x in month.split("-"))
    start = year if number >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _service_request(ws: Workspace, path: str, apply: str) -> Request | None:
    inv_id = path.split(".")[1]
    try:
        case = appraisal(ws, inv_id)
    except InputError as err:
        show_problems("This investment cannot be appraised:", [str(p) for p in err.problems])
        return None
    s = case.streams
    if s.service is None:
        st.info("This investment has no service model.")
        return None
    cols = st.columns([2, 2, 1])
    target = cols[0].selectbox(
        "Target",
        list(SERVICE_TARGETS),
        format_func=lambda t: SERVICE_TARGETS[t],
        key="gs_service_target",
    )
    others = [o for o in range(len(s.option_ids)) if o != s.baseline] or [s.baseline]
    default = s.selected if s.selected in others else others[0]
    option = cols[1].selectbox(
        "Option",
        others,
        index=others.index(default),
        format_func=lambda o: s.option_names[o],
        key="gs_option",
    )
    years = sorted({financial_year(m) for m in s.service.month_labels})
    year = cols[2].selectbox("By the end of", years, index=len(years) - 1, key="gs_service_year")
    return Request(path, apply, f"{target}:{s.option_ids[option]}", str(year), None)


def _finance_request(ws: Workspace, path: str, apply: str) -> Request:
    assert ws.result is not None
    result = ws.result
    cols = st.columns([2, 3, 1])
    target = cols[1].selectbox(
        "Target",
        list(FINANCE_TARGETS),
        format_func=lambda t: FINANCE_TARGETS[t],
        key="gs_target",
    )
    with_control_total = [
        pid
        for p, pid in enumerate(result.inputs.partner_ids)
        if not all(math.isnan(v) for v in result.arrays.control_total[p, 1:])
    ]
    partners = (
        with_control_total
        if target in ("control_total", "variance")
        else list(result.inputs.partner_ids)
    )
    names = dict(zip(result.inputs.partner_ids, result.inputs.partner_names, strict=True))
    who = cols[0].selectbox(
        "Who",
        [SYSTEM, *partners],
        format_func=lambda p: "The system" if p == SYSTEM else names[p],
        key="gs_who",
    )
    years = list(result.years[1:])
    year = cols[2].selectbox("In", years, index=len(years) - 1, key="gs_year")
    text = str(target)
    if target in ("surplus", "variance"):
        value = st.number_input(
            "Surplus (£k)" if target == "surplus" else "Surplus less control total (£k)",
            value=0.0,
            step=1000.0,
            format="%.0f",
            key="gs_value",
        )
        text = f"{target}={float(value):.6f}"
    return Request(path, apply, text, str(year), None if who == SYSTEM else str(who))


def _month_of(ws: Workspace, path: str, months: float) -> str:
    case = appraisal(ws, path.split(".")[1])
    labels = case.streams.service.month_labels
    if not math.isfinite(months) or not 0 <= int(months) < len(labels):
        return "never within the horizon"
    return month_name(labels[int(months)])


def _show(ws: Workspace, request: Request, answer: Answer, label: str) -> None:
    if answer.problems:
        show_problems("Goal seek cannot run:", list(answer.problems))
        return
    if answer.outcome is None:
        st.warning(f"No value found. {answer.message}")
        return
    o = answer.outcome
    model = ws.model
    value = format_value(model, request.path, o.value, o.apply)
    current = format_value(model, request.path, o.current, o.apply)
    who = o.who
    if request.partner is not None:
        assert ws.result is not None
        who = ws.result.inputs.partner_names[ws.result.partner_index(request.partner)]
    service = o.target.measure in SERVICE_TARGETS
    if service:
        option = o.target.option or ""
        case = appraisal(ws, request.path.split(".")[1])
        names = dict(zip(case.streams.option_ids, case.streams.option_names, strict=True))
        who = f"option “{names.get(option, option)}”"
    when = "by the end of" if service else "in"
    how = {
        "add": " added to every year (a shift; a year-by-year path keeps its shape)",
        "scale": " of every year's modelled value (a scale factor; the path keeps its shape)",
    }.get(o.apply, "")
    value = value.replace(" points", " percentage points")
    st.success(
        f"**{label}: {value}**{how} (modelled {current}): {o.target.describe(who)} {when} {o.year}."
    )
    cols = st.columns(4)
    cols[0].metric("Value needed", value)
    cols[1].metric("Modelled value", current)
    if service:
        cols[2].metric("With the modelled value", _month_of(ws, request.path, o.metric_now))
        cols[3].metric("At the value found", _month_of(ws, request.path, o.metric))
    else:
        what = "Surplus" if o.target.measure == "surplus" else "Variance"
        cols[2].metric(f"{what} {o.year}, modelled", money_k(o.metric_now))
        cols[3].metric(f"{what} {o.year}, at the value found", money_k(o.metric))
    st.caption(
        f"Engine: {o.sentence()} Searched {o.low:g} to {o.high:g} ({o.iterations} evaluations)."
    )


def render(ws: Workspace) -> None:
    """Draw the goal-seek panel."""
    assert ws.result is not None
    st.markdown("### Goal seek: what would it take?")
    st.caption(
        "The value of one assumption at which a target is met, with everything else as on "
        "screen (bracketed root finding over the input's valid range)."
    )
    model = ws.model
    paths = assumption_paths(ws)
    labels = {p: _path_label(model, p) for p in paths}
    cols = st.columns([3, 2])
    path = cols[0].selectbox(
        "Assumption",
        paths,
        index=next((paths.index(p) for p in DEFAULT_PATHS if p in paths), 0),
        format_func=lambda p: labels[p],
        key="gs_path",
        help="Type to search. Inputs with `*` set every matching line to the same value.",
    )
    profile = _profile(ws, path)
    if profile is not None and st.session_state.get("gs_apply_for") != path:
        st.session_state["gs_apply"] = "add"  # a path keeps its shape unless asked otherwise
    st.session_state["gs_apply_for"] = path
    apply = cols[1].selectbox(
        "Vary", list(APPLY_LABELS), format_func=lambda a: APPLY_LABELS[a], key="gs_apply"
    )
    if profile is not None and apply == "set":
        st.warning(
            f"{labels[path]} is given year by year ({profile}): the value itself puts one value "
            "in every year and replaces that path. A change (a shift added to every year) or a "
            "multiple keeps its shape."
        )
    is_service = ".service.parameters." in path
    request = _service_request(ws, path, apply) if is_service else _finance_request(ws, path, apply)
    if request is None:
        return
    asked = (ws.loaded.digest, overlay_key(ws.overlay), request)
    if st.button("Find the value", key="gs_run", type="primary"):
        st.session_state["gs_asked"] = asked
    if st.session_state.get("gs_asked") != asked:
        st.info("Choose the assumption and the target, then press Find the value.")
        return
    answer = goal_seek(ws, request)
    st.session_state["goal_seek"] = answer
    spec = model.uncertainty.get(path)
    _show(ws, request, answer, input_label(model, path, spec.also if spec is not None else ()))


def _profile(ws: Workspace, path: str) -> str | None:
    """The year-by-year values of an input as text when they differ by year, else None."""
    from finmodel.app.pages_inputs import inputs_for
    from finmodel.app.year_inputs import shown_values

    spec = inputs_for(ws.loaded, ws.overlay).get(path)
    if spec is None or len(set(spec.values)) <= 1:
        return None
    shown = shown_values(spec)
    return ", ".join(f"{v:.2f}%" if spec.kind == "rate" else money_k(v) for v in shown)


def _path_label(model: Model, path: str) -> str:
    spec = model.uncertainty.get(path)
    label = input_label(model, path, spec.also if spec is not None else ())
    return label if label == path else f"{label}  ·  {path}"
