"""NHS price and efficiency rules applied when compiling a model: tariff, CIP, QIPP, prices.

With a ``tariff:`` section (and wherever a line names a ``price_series``) the compiled rates of
each cost line follow how NHS systems plan, for year ``t``::

    cost_uplift[t]     = tariff.cost_uplift[t], or sum_k weight[k] * price_series[k][t]
    contract line (payee):     inflation = cost_uplift, efficiency = tariff efficiency factor
                               demand    = 0 on a block contract (it does not follow activity)
    provider own cost (no payee):
        recurrent CIP      r[t] = planned[t] * delivered[t] * recurrent[t]      (efficiency)
        non-recurrent CIP  n[t] = planned[t] * delivered[t] * (1 - recurrent[t])
    commissioner own cost (no payee):  efficiency = QIPP
    any line naming a price series:    inflation  = that series
    other lines (councils ...):        efficiency = assumptions.efficiency

A line's own ``inflation`` or ``efficiency`` always wins. Without ``tariff:`` only price series
apply and every other rate is as before (old model files project exactly as they did).

Shapes as in :mod:`finmodel.engine.inputs`: ``L`` lines, ``P`` partners, ``H`` projected years.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from operator import is_
from typing import Any

import numpy as np
from numpy.typing import NDArray

from finmodel.domain.model import CipPlan, Model, PartnerKind, PaymentBasis

FloatArray = NDArray[np.float64]
#: The CIP levers, as named in ``assumptions.cip_<name>`` and a partner's ``cip.<name>``.
CIP_SHARES = ("planned", "delivered", "recurrent")
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def year_rows(values: list[Any], default: FloatArray) -> FloatArray:
    """(n, H) rows from per-row values: None takes ``default``, a scalar repeats, a list is used.

    >>> year_rows([None, 0.1, [0.1, 0.2]], np.zeros(2)).tolist()
    [[0.0, 0.0], [0.1, 0.1], [0.1, 0.2]]
    """
    table = np.empty((len(values), default.shape[-1]))
    table[:] = default
    for row, value in enumerate(values):  # partners or series: a handful, not lines
        if value is not None:
            table[row] = value
    return table


@dataclass(frozen=True)
class NhsRates:
    """Line rates after the NHS rules, and which lines take which rule (for input paths)."""

    inflation: FloatArray  # (L, H)
    efficiency: FloatArray  # (L, H) recurrent
    nonrecurrent_cip: FloatArray  # (L, H) share of the year's cost saved once
    cip_planned: FloatArray  # (L, H) planned CIP rate (0 off CIP lines)
    cip_delivered: FloatArray  # (L, H) share of the plan delivered (1 off CIP lines)
    cip_recurrent: FloatArray  # (L, H) share of delivered CIP that is recurrent (1 off CIP lines)
    cip_line: BoolArray  # (L,) provider own-cost lines taking CIP
    cip_own: dict[str, BoolArray]  # planned/delivered/recurrent -> (L,) partner sets its own
    block: BoolArray  # (L,) block contracts: no demand growth
    basis: list[str | None]  # (L,) payment basis of contracts, None for other lines
    series_line: IntArray  # (L,) price series index taken for inflation, -1 if none
    cuf_line: BoolArray  # (L,) contract lines taking the cost uplift factor
    tariff_efficiency_line: BoolArray  # (L,) contract lines taking the efficiency factor
    default_efficiency_line: BoolArray  # (L,) lines taking assumptions.efficiency
    default_inflation_line: BoolArray  # (L,) lines taking assumptions.inflation
    default_qipp_line: BoolArray  # (L,) commissioners' lines taking assumptions.qipp
    qipp_line: BoolArray  # (L,) commissioners' own-cost lines taking QIPP (theirs or the default)


def _series_of_lines(model: Model, series: list[Any]) -> IntArray:
    """Index of the price series each line names (-1 if none), as an int array (L,)."""
    n_lines = len(series)
    if not model.price_series or series.count(None) == n_lines:
        return np.full(n_lines, -1, dtype=np.int64)
    position = {s: k for k, s in enumerate(model.price_series)}
    return np.fromiter(map(position.get, series, repeat(-1)), dtype=np.int64, count=n_lines)


def cost_uplift(model: Model) -> FloatArray | None:
    """The tariff's cost uplift factor by year (H,), given or derived from weights; None if
    the model has no tariff.

    Derived: ``sum_k weight[k] * growth of price series k`` (weights sum to 1).
    """
    tariff, horizon = model.tariff, model.timeline.horizon
    if tariff is None:
        return None
    if tariff.cost_uplift is not None:
        return np.broadcast_to(np.asarray(tariff.cost_uplift, dtype=float), (horizon,)).copy()
    total = np.zeros(horizon)
    for series_id, weight in tariff.weights.items():
        total += weight * np.broadcast_to(
            np.asarray(model.price_series[series_id].growth, dtype=float), (horizon,)
        )
    return total


def cip_line_rates(
    planned: FloatArray, delivered: FloatArray, recurrent: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Recurrent and non-recurrent CIP rates from the plan and its shares (any shapes that
    broadcast): ``(planned * delivered) * recurrent`` and ``(planned * delivered) * (1 -
    recurrent)``. With both shares in [0, 1] the two never sum above the plan.

    >>> [round(float(x), 6) for x in cip_line_rates(np.array(0.05), np.array(0.8), np.array(0.75))]
    [0.03, 0.01]
    """
    delivered_rate = planned * delivered
    return delivered_rate * recurrent, delivered_rate * (1.0 - recurrent)


def _partner_cip(model: Model) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Planned, delivered and recurrent CIP shares by partner and year, (P, H) each."""
    a, horizon = model.assumptions, model.timeline.horizon
    plans = [p.cip or CipPlan() for p in model.partners]

    def rows(name: str) -> FloatArray:
        default = np.broadcast_to(np.asarray(getattr(a, f"cip_{name}"), dtype=float), (horizon,))
        return year_rows([getattr(plan, name) for plan in plans], default)

    return rows("planned"), rows("delivered"), rows("recurrent")


def nhs_rates(
    model: Model,
    line_partner: IntArray,
    is_contract: BoolArray,
    inflation: FloatArray,
    own_inflation: BoolArray,
    efficiency: FloatArray,
    own_efficiency: BoolArray,
    bases: list[Any],
    series: list[Any],
) -> NhsRates:
    """Apply the rules above to compiled line rates.

    The inputs are not changed: a rate array a rule changes is returned as a changed copy, one
    no rule changes is returned as given.
    """
    horizon = model.timeline.horizon
    n_lines = len(line_partner)
    series_line = _series_of_lines(model, series)
    takes_series = (series_line >= 0) & ~own_inflation
    if takes_series.any():
        series_table = np.zeros((len(model.price_series) + 1, horizon))
        for k, price_series in enumerate(model.price_series.values()):  # a handful of series
            series_table[k] = np.broadcast_to(
                np.asarray(price_series.growth, dtype=float), (horizon,)
            )
        inflation = inflation.copy()
        inflation[takes_series] = series_table[series_line[takes_series]]

    zeros = np.zeros(n_lines, dtype=bool)
    none: NhsRates = NhsRates(
        inflation=inflation,
        efficiency=efficiency,
        nonrecurrent_cip=np.zeros((n_lines, horizon)),
        cip_planned=np.zeros((n_lines, horizon)),
        cip_delivered=np.ones((n_lines, horizon)),
        cip_recurrent=np.ones((n_lines, horizon)),
        cip_line=zeros,
        cip_own={name: zeros for name in CIP_SHARES},
        block=zeros,
        basis=[None] * n_lines,
        series_line=np.where(takes_series, series_line, -1),
        cuf_line=zeros,
        tariff_efficiency_line=zeros,
        default_efficiency_line=~own_efficiency,
        default_inflation_line=~own_inflation & ~takes_series,
        default_qipp_line=zeros,
        qipp_line=zeros,
    )
    tariff = model.tariff
    uplift = cost_uplift(model)
    if tariff is None or uplift is None:
        return none

    if not takes_series.any():  # else inflation is already a copy, with the series written in
        inflation = inflation.copy()
    efficiency = efficiency.copy()
    basis = np.fromiter(bases, dtype=object, count=n_lines)
    missing = np.fromiter(map(is_, bases, repeat(None)), dtype=bool, count=n_lines)
    basis[is_contract & missing] = tariff.default_basis
    basis[~is_contract] = None
    cuf_line = is_contract & ~own_inflation & ~takes_series
    inflation[cuf_line] = uplift
    tariff_efficiency_line = is_contract & ~own_efficiency
    efficiency[tariff_efficiency_line] = np.broadcast_to(
        np.asarray(tariff.efficiency, dtype=float), (horizon,)
    )

    kinds = np.array([p.kind for p in model.partners], dtype=object)
    line_kind = kinds[line_partner] if n_lines else np.zeros(0, dtype=object)
    own_cost = ~is_contract & ~own_efficiency
    cip_line = own_cost & (line_kind == PartnerKind.provider)
    qipp_line = own_cost & (line_kind == PartnerKind.commissioner)
    planned, delivered, recurrent = _partner_cip(model)
    recurrent_rate, nonrecurrent_rate = cip_line_rates(planned, delivered, recurrent)
    efficiency[cip_line] = recurrent_rate[line_partner[cip_line]]
    nonrecurrent = np.zeros((n_lines, horizon))
    nonrecurrent[cip_line] = nonrecurrent_rate[line_partner[cip_line]]
    cip_planned = np.zeros((n_lines, horizon))
    cip_planned[cip_line] = planned[line_partner[cip_line]]
    cip_delivered = np.ones((n_lines, horizon))
    cip_delivered[cip_line] = delivered[line_partner[cip_line]]
    cip_recurrent = np.ones((n_lines, horizon))
    cip_recurrent[cip_line] = recurrent[line_partner[cip_line]]
    plans = [p.cip for p in model.partners]
    cip_own = {
        name: np.array(
            [plan is not None and getattr(plan, name) is not None for plan in plans], dtype=bool
        )[line_partner]
        & cip_line
        for name in CIP_SHARES
    }
    a = model.assumptions
    qipp = year_rows(
        [p.qipp for p in model.partners],
        np.broadcast_to(np.asarray(a.qipp, dtype=float), (horizon,)),
    )
    efficiency[qipp_line] = qipp[line_partner[qipp_line]]
    own_qipp_none = np.array([p.qipp is None for p in model.partners], dtype=bool)
    return NhsRates(
        inflation=inflation,
        efficiency=efficiency,
        nonrecurrent_cip=nonrecurrent,
        cip_planned=cip_planned,
        cip_delivered=cip_delivered,
        cip_recurrent=cip_recurrent,
        cip_line=cip_line,
        cip_own=cip_own,
        block=np.equal(basis, PaymentBasis.block),
        basis=[None if b is None else str(b) for b in basis.tolist()],
        series_line=np.where(takes_series, series_line, -1),
        cuf_line=cuf_line,
        tariff_efficiency_line=tariff_efficiency_line,
        default_efficiency_line=~own_efficiency & ~is_contract & ~cip_line & ~qipp_line,
        default_inflation_line=~own_inflation & ~takes_series & ~cuf_line,
        default_qipp_line=qipp_line & own_qipp_none[line_partner],
        qipp_line=qipp_line,
    )
