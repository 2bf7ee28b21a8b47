"""Net cost of the selected investment options by partner and year (SPEC section 5), and draws.

**Projection.** :func:`investment_expenditure` is what
:func:`finmodel.investment.projection.compile_inputs` lays over the projection: for every
investment whose selected option is not do nothing, each partner's share of the option's nominal costs (its funders, in their shares) minus its share of
the option's cash-releasing benefits (its beneficiaries), both *incremental to do nothing*
(do nothing's own costs and the cash its reviews release are business as usual, already in the
cost lines). The result is extra expenditure (+) net of cash released (-), £k, shaped
``(partners, years)`` over the model's years (the base year is outturn and is always 0 unless an
option starts in it, which the checks forbid). The bridge step "Investments" is its change.

**Monte Carlo.** :func:`investment_draws` is the entry point for the uncertainty issue. Given
draws of the service model's numeric parameters, it runs the service model for every draw and
option at once (vectorised; the only loop is over months) and returns
:class:`InvestmentDraws`:

* ``expenditure`` ``(D, P, T)``: the net cost of every investment's selected option per draw,
  to use as ``ProjectionInputs.investment_expenditure`` of a batch of D draws;
* ``npsv`` ``(D, O)``: each option's NPSV against do nothing (£k real, discounted);
* ``months_to_clear_backlog`` ``(D, O)``: months from the service model's start until the overdue
  review backlog clears, ``-1`` if not within the service horizon;
* ``first_month_meeting_standard`` ``(D, O)``: index of the first month with at least 80% (the
  standard) of decisions within 28 days, ``-1`` if never.

Override keys are service parameter names (``conversion_rate``) or their dotted paths in the
model (``investments.ipa_uplift.service.parameters.conversion_rate``), or a risk's probability
(``risks.recruitment.probability``, ``investments.ipa_uplift.risks.recruitment.probability``);
values are arrays of one value per draw ``(D,)``.

Example
-------
>>> import numpy as np
>>> from finmodel.io.yaml_io import load_model
>>> model = load_model("models/lsc_ics.yaml")
>>> draws = investment_draws(model, {"review_finding_rate": np.array([0.05, 0.1, 0.2])})
>>> draws.expenditure.shape[0], draws.npsv.shape
(3, (3, 7))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from finmodel.domain.model import Model
from finmodel.engine.inputs import FloatArray, IntArray, ProjectionInputs
from finmodel.errors import InputError, Problem
from finmodel.investment.economic import economic_case
from finmodel.investment.streams import DRAW_SERIES, InvestmentStreams, compile_investment


def investment_expenditure(model: Model, inputs: ProjectionInputs) -> FloatArray | None:
    """Extra expenditure (+) net of cash released (-) by partner and year, £k; None if none.

    >>> from finmodel.io.yaml_io import load_model
    >>> from finmodel.domain.validation import with_overlay
    >>> from finmodel.engine.inputs import compile_model
    >>> m = with_overlay(load_model("models/lsc_ics.yaml"),
    ...                  {"investments.ipa_uplift.option": "business_case"})
    >>> extra = investment_expenditure(m, compile_model(m))
    >>> round(float(extra[:, 1].sum() + 0.0), 1) < 796.0  # cost less cash released, 2020/21
    True
    """
    del inputs
    return _expenditure(model, {})


def expenditure_by_option(model: Model, streams: InvestmentStreams) -> list[FloatArray | None]:
    """:func:`investment_expenditure` of ``model`` with each option of ``streams``' investment
    selected in turn (the other investments as selected), £k ``(partners, years)`` or None,
    from the streams already compiled: the same arrays as setting the option and compiling the
    model again, without re-validating and recompiling it once per option.

    >>> from finmodel.io.yaml_io import load_model
    >>> from finmodel.investment.streams import compile_investment
    >>> m = load_model("models/lsc_ics.yaml")
    >>> by_option = expenditure_by_option(m, compile_investment(m, "ipa_uplift"))
    >>> by_option[0] is None, by_option[1].shape == (len(m.partners), len(m.years))
    (True, True)
    """
    n_years = len(model.years)
    others = {
        inv_id: _selected_net(model, inv_id)
        for inv_id in model.investments
        if inv_id != streams.investment_id
    }
    return [
        _expenditure(
            model,
            others
            | {
                streams.investment_id: None
                if o == streams.baseline
                else streams.net_of(o)[:, :n_years]
            },
        )
        for o in range(len(streams.option_ids))
    ]


def _selected_net(model: Model, inv_id: str) -> FloatArray | None:
    """Net cost of an investment's selected option over the model's years (None: do nothing)."""
    inv = model.investments[inv_id]
    if inv.selected_index() == inv.baseline_index():
        return None
    streams = compile_investment(model, inv_id, record=DRAW_SERIES)
    return streams.net_of(streams.selected)[:, : len(model.years)]


def _expenditure(model: Model, nets: Mapping[str, FloatArray | None]) -> FloatArray | None:
    """Sum over the investments in model order of their net costs (``nets`` where given)."""
    total: FloatArray | None = None
    for inv_id in model.investments:
        net = nets[inv_id] if inv_id in nets else _selected_net(model, inv_id)
        if net is not None:
            total = net if total is None else total + net
    return total


@dataclass(frozen=True)
class InvestmentDraws:
    """Monte Carlo draws of one investment's service model and what they do to the money."""

    investment_id: str
    """The investment whose service model was drawn."""
    option_ids: tuple[str, ...]
    """Option ids (the ``O`` axis)."""
    selected: int
    """Index of the option laid over the projection."""
    expenditure: FloatArray
    """Net cost of every investment's selected option per draw, £k ``(D, P, T)``."""
    npsv: FloatArray
    """NPSV of each option against do nothing per draw, £k real ``(D, O)``."""
    months_to_clear_backlog: IntArray
    """Months until the overdue backlog clears, -1 if not within the horizon ``(D, O)``."""
    first_month_meeting_standard: IntArray
    """First month index meeting the 28-day standard, -1 if never ``(D, O)``."""
    month_labels: tuple[str, ...]
    """Calendar month of each service-model month index (``"2020-04"``)."""


def _split_overrides(
    model: Model, overrides: Mapping[str, npt.ArrayLike], investment: str | None
) -> tuple[str, dict[str, npt.ArrayLike]]:
    problems: list[Problem] = []
    named: set[str] = set()
    values: dict[str, npt.ArrayLike] = {}
    for key, value in overrides.items():
        parts = key.split(".")
        if (
            len(parts) == 5
            and parts[0] == "investments"
            and parts[2:4] == ["service", "parameters"]
        ):
            named.add(parts[1])
            values[parts[4]] = value
        elif (
            len(parts) == 5
            and parts[0] == "investments"
            and parts[2::2] == ["risks", "probability"]
        ):
            named.add(parts[1])
            values[".".join(parts[2:])] = value
        elif len(parts) == 1 or (parts[0], parts[-1], len(parts)) == ("risks", "probability", 3):
            values[key] = value
        else:
            problems.append(Problem(model.origin, key, "not a service-model parameter path"))
    linked = [i for i, inv in model.investments.items() if inv.service is not None]
    if investment is None:
        candidates = sorted(named) or linked[:1]
        investment = candidates[0] if len(candidates) == 1 else None
    if investment is None or investment not in model.investments:
        known = ", ".join(linked) or "none"
        problems.append(
            Problem(
                model.origin, "investment", f"name one investment with a service model ({known})"
            )
        )
    elif model.investments[investment].service is None or named - {investment}:
        problems.append(
            Problem(model.origin, "investment", f"{investment!r}: overrides must be of its service")
        )
    if problems:
        raise InputError(problems)
    assert investment is not None
    return investment, values


def investment_draws(
    model: Model,
    service_overrides: Mapping[str, npt.ArrayLike],
    investment: str | None = None,
) -> InvestmentDraws:
    """Draws of one investment's service model: expenditure ``(D, P, T)``, NPSV ``(D, O)`` and
    the backlog and 28-day answers ``(D, O)`` (see the module docstring).

    ``investment`` defaults to the investment named in dotted override paths, else the model's
    only investment with a service model. Raises :class:`~finmodel.errors.InputError` when it
    cannot tell, and :class:`~finmodel.service.ServiceParameterError` for values out of range.
    """
    inv_id, values = _split_overrides(model, service_overrides, investment)
    draws = {np.shape(v)[0] for v in values.values() if np.ndim(v) >= 1}
    if len(draws) != 1:
        raise InputError(
            [Problem(model.origin, "overrides", "give every override one value per draw (D,)")]
        )
    n_draws = draws.pop()
    values = {k: np.broadcast_to(np.asarray(v, dtype=float), (n_draws,)) for k, v in values.items()}
    # the yearly sums and headline months only (no monthly series kept; same numbers)
    streams = compile_investment(model, inv_id, service_overrides=values, record=(), summaries=True)
    economic = economic_case(streams, switching=False, by_stream=False)
    n_years = len(model.years)
    shape = (n_draws, len(streams.partner_ids), n_years)
    if streams.selected == streams.baseline:  # nothing laid over the projection
        net = np.zeros(shape)
    else:
        net = np.broadcast_to(streams.net_of(streams.selected)[..., :n_years], shape)
    others = [
        i
        for i, inv in model.investments.items()
        if i != inv_id and inv.selected_index() != inv.baseline_index()
    ]
    for other in others:
        fixed = compile_investment(model, other, record=DRAW_SERIES)
        net = net + fixed.net_by_partner()[fixed.selected, :, :n_years]
    service = streams.service
    assert service is not None
    return InvestmentDraws(
        investment_id=inv_id,
        option_ids=streams.option_ids,
        selected=streams.selected,
        expenditure=np.ascontiguousarray(net),
        npsv=np.broadcast_to(economic.appraisal.npsv, (n_draws, len(streams.option_ids))).copy(),
        months_to_clear_backlog=service.months_to_clear_backlog(),
        first_month_meeting_standard=service.first_month_meeting_standard(),
        month_labels=service.month_labels,
    )
