"""The projection: costs, funding, partner, place and system positions, risk share, gap bridge.

Equations (SPEC section 4), for cost line ``c`` and funding stream ``f``, year ``t = 1..H``::

    demand_growth[c,t] = (1 + driver_growth[c,t]) * (1 + direct_growth[c,t]) - 1
    before[c,t]     = underlying[c,t-1] * (1 + demand_growth[c,t]) * (1 + inflation[c,t])
    underlying[c,t] = before[c,t] * (1 - efficiency[c,t])          (recurrent run rate)
    cost[c,t]       = underlying[c,t] - before[c,t] * nonrecurrent_cip[c,t]     (reported)
    fund[f,t] = fund[f,t-1] * (1 + funding_growth[f,t])
    income[p,t]      = funding of p + cost lines of other partners with payee p
                       + non-recurrent income of p (deficit support, winter money, grants)
    expenditure[p,t] = cost lines of p + net cost of selected investment options funded by p
                       + one-off costs of p - non-recurrent savings of p
    surplus[p,t]     = income[p,t] - expenditure[p,t]         (reported; surplus +, gap = -surplus)
    non_recurrent[p,t] = non-recurrent income + savings - one-off costs of p
    underlying_surplus[p,t] = surplus[p,t] - non_recurrent[p,t]   (the recurrent run rate)

System and place figures eliminate internal flows. Every function takes arrays with any leading
batch shape (Monte Carlo draws); there is no Python loop over lines, years or draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finmodel.domain.model import RiskShareMethod
from finmodel.engine.inputs import FloatArray, ProjectionInputs

#: Gap-bridge steps, in the order they are applied (SPEC section 4).
BRIDGE_STEPS = (
    "Funding growth",
    "Demand",
    "Inflation",
    "Efficiency",
    "Non-recurrent items",
    "Investments",
)


@dataclass(frozen=True)
class Projection:
    """Every projected array of one run (or a batch of draws). Money in £k, shapes noted."""

    cost: FloatArray  # (..., L, T)
    funding: FloatArray  # (..., F, T)
    income: FloatArray  # (..., P, T)
    expenditure: FloatArray  # (..., P, T)
    surplus: FloatArray  # (..., P, T)
    control_total: FloatArray  # (..., P, T) NaN where none
    variance: FloatArray  # (..., P, T) NaN where none
    risk_shares: FloatArray  # (..., P) share of the system variance borne by each partner
    surplus_after_risk_share: FloatArray  # (..., P, T) NaN where none
    system_income: FloatArray  # (..., T)
    system_expenditure: FloatArray  # (..., T)
    system_surplus: FloatArray  # (..., T)
    system_eliminations: FloatArray  # (..., T)
    system_control_total: FloatArray  # (..., T) NaN in the base year
    system_variance: FloatArray  # (..., T) NaN in the base year
    place_income: FloatArray  # (..., Q, T)
    place_expenditure: FloatArray  # (..., Q, T)
    place_surplus: FloatArray  # (..., Q, T)
    place_eliminations: FloatArray  # (..., Q, T)
    bridge: FloatArray  # (..., 6, T): step effects on the system surplus from the base year to t
    non_recurrent: FloatArray  # (..., P, T): net non-recurrent items (income + savings - costs)
    underlying_surplus: FloatArray  # (..., P, T): surplus - non_recurrent (the run rate)
    system_non_recurrent: FloatArray  # (..., T)
    system_underlying_surplus: FloatArray  # (..., T)
    place_non_recurrent: FloatArray  # (..., Q, T)
    place_underlying_surplus: FloatArray  # (..., Q, T)
    control_total_surplus: FloatArray  # (..., T): surplus of the partners in the control total
    control_total_underlying_surplus: FloatArray  # (..., T): their underlying surplus
    outside_surplus: FloatArray  # (..., T): surplus of the partners outside the control total
    cip_planned: FloatArray  # (..., P, T): provider CIP planned, £k (0 in the base year)
    cip_delivered: FloatArray  # (..., P, T): CIP delivered, recurrent + non-recurrent, £k
    cip_recurrent: FloatArray  # (..., P, T): recurrent part of CIP delivered, £k


def _cumulative(factors: FloatArray) -> FloatArray:
    """Cumulative product over years with 1 prepended for the base year: (..., n, H) -> (..., n, T).

    Written straight into the result (a concatenation would copy every row again).
    """
    out = np.empty((*factors.shape[:-1], factors.shape[-1] + 1))
    out[..., 0] = 1.0
    np.cumprod(factors, axis=-1, out=out[..., 1:])
    return out


def _cumulative_of(offset: float, sign: float, rates: FloatArray) -> FloatArray:
    """:func:`_cumulative` of ``offset + sign * rates`` (``1 + inflation``, ``1 - efficiency``),
    the factors formed in place in the result: one (..., n, T) array, no temporaries."""
    out = np.empty((*rates.shape[:-1], rates.shape[-1] + 1))
    out[..., 0] = 1.0
    factors = out[..., 1:]
    if sign > 0:
        np.add(offset, rates, out=factors)
    else:
        np.subtract(offset, rates, out=factors)
    np.cumprod(factors, axis=-1, out=factors)
    return out


def _with_base_year(values: FloatArray) -> FloatArray:
    """(..., n, H) yearly amounts with a zero base year prepended: (..., n, T)."""
    out = np.empty((*values.shape[:-1], values.shape[-1] + 1))
    out[..., 0] = 0.0
    out[..., 1:] = values
    return out


def one_hot(index: np.ndarray, size: int) -> FloatArray:
    """A (size, len(index)) matrix with 1 where row == index[column]; index -1 gives a zero column.

    >>> one_hot(np.array([0, 1, -1]), 2).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    return (np.arange(size)[:, None] == np.asarray(index)[None, :]).astype(float)


#: Largest groups x rows for which group sums use a dense one-hot product.
_DENSE_LIMIT = 250_000


def group_sum(index: np.ndarray, n_groups: int, values: FloatArray) -> FloatArray:
    """Sum rows of ``values`` (..., n, T) into groups (..., n_groups, T) by ``index``; -1 is dropped.

    For large models a sparse matrix product, so the cost is linear in the number of rows
    whatever the number of groups (a dense one-hot product would be rows x groups).

    >>> group_sum(np.array([1, 0, 1, -1]), 2, np.array([[1.0], [2.0], [3.0], [4.0]])).tolist()
    [[2.0], [4.0]]
    """
    index = np.asarray(index)
    if (
        n_groups * index.size <= _DENSE_LIMIT
    ):  # small: a dense product is faster than building a sparse one
        return one_hot(index, n_groups) @ values
    keep = np.flatnonzero(index >= 0)
    from scipy import sparse  # imported only for large models: it takes 0.3 s to import

    matrix = sparse.csr_array(
        (np.ones(keep.size), (index[keep], keep)), shape=(n_groups, index.size)
    )
    n_rows, n_years = values.shape[-2], values.shape[-1]
    lead = values.shape[:-2]
    if n_rows == 0:
        return np.zeros((*lead, n_groups, n_years))
    flat = np.moveaxis(values, -2, 0).reshape(n_rows, -1)
    summed = np.asarray(matrix @ flat).reshape((n_groups, *lead, n_years))
    return np.moveaxis(summed, 0, -2)


def project_arrays(inputs: ProjectionInputs) -> Projection:
    """Project every line, partner, place and the system, for one run or a batch of draws.

    Example
    -------
    >>> from finmodel.io.yaml_io import load_model
    >>> from finmodel.engine.inputs import compile_model
    >>> result = project_arrays(compile_model(load_model("models/minimal.yaml")))
    >>> round(float(result.system_surplus[0]), 3)
    -20.0
    """
    n_partners = len(inputs.partner_ids)
    demand = (1 + inputs.driver_growth) * (1 + inputs.direct_growth)
    cum_demand = _cumulative(demand)
    cum_inflation = _cumulative_of(1.0, 1.0, inputs.inflation)
    cum_efficiency = _cumulative_of(1.0, -1.0, inputs.efficiency)
    base = inputs.cost_baseline[..., None]
    cost_demand = base * cum_demand
    cost_demand_inflation = cost_demand * cum_inflation
    underlying_cost = cost_demand_inflation * cum_efficiency
    funding = inputs.fund_baseline[..., None] * _cumulative_of(1.0, 1.0, inputs.funding_growth)
    if inputs.cip_line.any():
        # The year's cost before its savings: last year's run rate grown by demand and prices.
        before = underlying_cost[..., :-1] * demand * (1 + inputs.inflation)
        one_off = _with_base_year(before * inputs.nonrecurrent_cip)  # non-recurrent CIP saved
        cost = underlying_cost - one_off
        cip_line = inputs.cip_line.astype(float)[:, None]
        cip_planned = group_sum(
            inputs.line_partner, n_partners, _with_base_year(before * inputs.cip_planned)
        )
        cip_recurrent = group_sum(
            inputs.line_partner,
            n_partners,
            _with_base_year(before * inputs.efficiency * cip_line),
        )
        line_one_off = group_sum(inputs.line_partner, n_partners, one_off)
    else:  # no CIP lines: nothing non-recurrent on the lines, the same arrays without the work
        cost = underlying_cost
        cip_planned = np.zeros((*underlying_cost.shape[:-2], n_partners, underlying_cost.shape[-1]))
        cip_recurrent = cip_planned
        line_one_off = cip_planned

    internal = (inputs.line_payee >= 0).astype(float)
    external = 1.0 - internal

    nonrec_income = group_sum(inputs.nonrec_partner, n_partners, inputs.nonrec_income)
    nonrec_spend = group_sum(
        inputs.nonrec_partner, n_partners, inputs.nonrec_cost - inputs.nonrec_saving
    )
    non_recurrent = nonrec_income - nonrec_spend + line_one_off
    expenditure = (
        group_sum(inputs.line_partner, n_partners, cost)
        + inputs.investment_expenditure
        + nonrec_spend
    )
    income = (
        group_sum(inputs.fund_partner, n_partners, funding)
        + group_sum(inputs.line_payee, n_partners, cost)
        + nonrec_income
    )
    surplus = income - expenditure

    system_eliminations = internal @ cost
    system_income = income.sum(axis=-2) - system_eliminations
    system_expenditure = expenditure.sum(axis=-2) - system_eliminations
    system_surplus = system_income - system_expenditure

    place_number = {name: q for q, name in enumerate(inputs.place_names)}
    place_of = np.array([place_number[p] for p in inputs.partner_places])
    n_places = len(inputs.place_names)
    payer_place = place_of[inputs.line_partner]
    payee_place = np.where(inputs.line_payee >= 0, place_of[np.maximum(inputs.line_payee, 0)], -1)
    same_place = np.where(payer_place == payee_place, payer_place, -1)
    place_eliminations = group_sum(same_place, n_places, cost)
    place_income = group_sum(place_of, n_places, income) - place_eliminations
    place_expenditure = group_sum(place_of, n_places, expenditure) - place_eliminations

    control_total = np.broadcast_to(inputs.control_total, surplus.shape)
    variance = surplus - control_total
    in_ct = inputs.in_control_total
    has_ct = in_ct[:, None] & ~np.isnan(inputs.control_total)
    system_variance = np.where(has_ct, variance, 0.0).sum(axis=-2)
    system_control_total = np.where(has_ct, control_total, 0.0).sum(axis=-2)
    projected = np.arange(len(inputs.years)) > 0
    system_variance = np.where(projected, system_variance, np.nan)
    system_control_total = np.where(projected, system_control_total, np.nan)

    shares = risk_shares(inputs, expenditure)
    if inputs.risk_method == RiskShareMethod.none:
        after = np.where(has_ct, surplus, np.nan)
    else:
        after = np.where(
            has_ct, control_total + shares[..., None] * system_variance[..., None, :], np.nan
        )

    external_funding = funding.sum(axis=-2)
    system_non_recurrent = non_recurrent.sum(axis=-2)
    place_non_recurrent = group_sum(place_of, n_places, non_recurrent)
    place_surplus = place_income - place_expenditure
    outside = ~in_ct
    steps = [
        external_funding - external_funding[..., :1],
        -(external @ cost_demand - (external @ cost)[..., :1]),
        -(external @ (cost_demand_inflation - cost_demand)),
        -(external @ (underlying_cost - cost_demand_inflation)),
        system_non_recurrent - system_non_recurrent[..., :1],
        -(
            inputs.investment_expenditure.sum(axis=-2)
            - inputs.investment_expenditure.sum(axis=-2)[..., :1]
        ),
    ]
    return Projection(
        cost=cost,
        funding=funding,
        income=income,
        expenditure=expenditure,
        surplus=surplus,
        control_total=np.where(has_ct, control_total, np.nan),
        variance=np.where(has_ct, variance, np.nan),
        risk_shares=shares,
        surplus_after_risk_share=after,
        system_income=system_income,
        system_expenditure=system_expenditure,
        system_surplus=system_surplus,
        system_eliminations=system_eliminations,
        system_control_total=system_control_total,
        system_variance=system_variance,
        place_income=place_income,
        place_expenditure=place_expenditure,
        place_surplus=place_surplus,
        place_eliminations=place_eliminations,
        bridge=np.stack(np.broadcast_arrays(*steps), axis=-2),
        non_recurrent=non_recurrent,
        underlying_surplus=surplus - non_recurrent,
        system_non_recurrent=system_non_recurrent,
        system_underlying_surplus=system_surplus - system_non_recurrent,
        place_non_recurrent=place_non_recurrent,
        place_underlying_surplus=place_surplus - place_non_recurrent,
        control_total_surplus=np.where(in_ct[:, None], surplus, 0.0).sum(axis=-2),
        control_total_underlying_surplus=np.where(in_ct[:, None], surplus - non_recurrent, 0.0).sum(
            axis=-2
        ),
        outside_surplus=np.where(outside[:, None], surplus, 0.0).sum(axis=-2),
        cip_planned=cip_planned,
        cip_delivered=cip_recurrent + line_one_off,
        cip_recurrent=cip_recurrent,
    )


def risk_shares(inputs: ProjectionInputs, expenditure: FloatArray) -> FloatArray:
    """Each partner's share of the system variance (zero outside the control total).

    ``proportional_to_baseline_expenditure``: base-year expenditure over the sum for partners in
    the control total (equal shares if they spent nothing); ``fixed_shares``: as given;
    ``none``: zeros.
    """
    in_ct = inputs.in_control_total.astype(float)
    if inputs.risk_method == RiskShareMethod.proportional_to_baseline_expenditure:
        weights = expenditure[..., 0] * in_ct
        total = weights.sum(axis=-1, keepdims=True)
        # With no base-year expenditure at all, share equally so the share stays zero-sum.
        equal = np.broadcast_to(in_ct / max(in_ct.sum(), 1.0), weights.shape)
        return np.where(total > 0, weights / np.where(total > 0, total, 1.0), equal)
    if inputs.risk_method == RiskShareMethod.fixed_shares:
        return np.broadcast_to(inputs.fixed_shares, expenditure.shape[:-1]).copy()
    return np.zeros(expenditure.shape[:-1])
