"""The economic case of an investment: real, discounted, every option against do nothing.

Method (HM Treasury Green Book, SPEC section 5), for the appraisal years ``t = 0 .. N-1``:

1. **Real prices.** Nominal streams become real prices of the price-base year with the GDP
   deflator table the investment names: ``real = nominal * D[base] / D[year]``
   (:func:`finmodel.appraisal.discounting.to_real`; past the table's last year the deflator grows
   at ``deflator_extend_rate``).
2. **Optimism bias and risk.** Each cost stream of a kind the bias applies to is raised by the
   option's rate ``upper bound x (1 - mitigation share)``
   (:mod:`finmodel.domain.optimism_bias`; ``project_type: none`` where no HMT bound covers
   the costs, e.g. an in-house staffing budget). Monetised benefits are reduced by the option's
   ``benefit_shortfall`` (applied in the streams, so the financial case plans on the same
   prudent cash). The risk register's expected cost (probability x impact) is a cost stream
   ``risk_register`` (no optimism bias on it; economic case only).
3. **Discounting.** ``DF_t`` of the chosen STPR schedule and table version (end of year, or
   mid-year when asked): ``PVC = sum_t DF_t dC_t``, ``PVB = sum_t DF_t dB_t`` where ``d`` is the
   difference from do nothing. ``NPSV = PVB - PVC``, ``BCR = PVB / PVC``, payback is the first year
   the cumulative discounted net benefit reaches zero, cost per unit of outcome is
   ``PVC / discounted extra units``, and options are ranked by NPSV
   (:func:`finmodel.appraisal.measures.appraise`). Monetised benefits are cash-releasing,
   non-cash-releasing and societal; unmonetised ones are listed beside the numbers. QALY
   streams (:data:`~finmodel.investment.service_benefits.HEALTH_STREAMS`) are discounted at the
   Green Book health schedule (1.5%): their amounts are held as ``x DF_health / DF``
   ("standard-equivalent", :attr:`InvestmentStreams.benefit_factors`), so every PV, NPSV and
   switching value uses one set of factors.
4. **Switching values** of every cost and benefit stream for the preferred option
   (:func:`finmodel.appraisal.measures.switching_values`): the % change in the stream that takes
   NPSV to zero. When do nothing is preferred, they are given for the best other option (the
   change that would make it worth doing).

Everything is vectorised over leading draw dimensions (Monte Carlo of the service model);
switching values are computed only without draws.

Example
-------
>>> from finmodel.io.yaml_io import load_model
>>> from finmodel.investment.streams import compile_investment
>>> case = economic_case(compile_investment(load_model("models/lsc_ics.yaml"), "ipa_uplift"))
>>> case.appraisal.npsv.shape, float(case.appraisal.npsv[0])
((7,), 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finmodel.appraisal.discounting import DeflatorTable, discount_factors, to_real
from finmodel.appraisal.measures import (
    Appraisal,
    SwitchingValue,
    appraise,
    present_value,
    switching_values,
)
from finmodel.domain.investments import BenefitType
from finmodel.investment.streams import RISK_STREAM, FloatArray, InvestmentStreams

__all__ = ["RISK_STREAM", "EconomicCase", "economic_case"]


@dataclass(frozen=True)
class EconomicCase:
    """Real, discounted appraisal of every option against do nothing (£k, prices of the
    price-base year); arrays may carry leading draw dimensions."""

    years: tuple[str, ...]
    """Appraisal years, year 0 first."""
    price_base_year: str
    """Real prices of this year."""
    schedule: str
    """Discount schedule (``standard`` or ``health``)."""
    discount_version: str
    """Discount table version."""
    mid_year: bool
    """Whether flows are discounted to mid-year."""
    deflator_version: str | DeflatorTable
    """GDP deflator table version (or the user's own series)."""
    real_factor: FloatArray
    """``D[base] / D[year]`` for each appraisal year: multiply nominal by it to get real."""
    costs: dict[str, FloatArray]
    """Cost stream -> real £k ``(..., options, years)`` after optimism bias."""
    costs_before_bias: dict[str, FloatArray]
    """Cost stream -> real £k before optimism bias."""
    optimism_bias: dict[str, FloatArray]
    """Cost stream -> rate of each option ``(options,)``."""
    benefits: dict[str, FloatArray]
    """Monetised benefit stream -> real £k ``(..., options, years)``."""
    benefit_types: dict[str, BenefitType]
    """Benefit stream -> its type."""
    outcomes: FloatArray | None
    """Units of outcome by appraisal year ``(..., options, years)``, or None."""
    appraisal: Appraisal
    """PVC, PVB, NPSV, BCR, payback, rank, cost per outcome per option."""
    pv_costs: dict[str, FloatArray]
    """Cost stream -> incremental PV (after optimism bias) per option ``(..., options)``
    (empty when computed with ``by_stream=False``)."""
    pv_benefits: dict[str, FloatArray]
    """Benefit stream -> incremental PV per option ``(..., options)`` (empty likewise)."""
    switching: tuple[SwitchingValue, ...]
    """Switching values of each stream for :attr:`switching_option` (empty with draws)."""
    switching_option: int | None
    """The option the switching values are for (preferred, or best other than do nothing)."""

    @property
    def discount_factors(self) -> FloatArray:
        """``DF_t`` of each appraisal year."""
        return self.appraisal.discount_factors

    def payback_label(self, option: int) -> str | None:
        """Payback year of an option as a financial year (None: not within the appraisal)."""
        year = self.appraisal.payback(option)
        return None if year is None else self.years[year]


def economic_case(
    streams: InvestmentStreams, *, switching: bool = True, by_stream: bool = True
) -> EconomicCase:
    """Appraise every option of compiled streams (see the module docstring for the method).

    ``by_stream=False`` leaves out each stream's own PV (:attr:`EconomicCase.pv_costs` and
    ``pv_benefits`` empty): the Monte Carlo path needs the options' totals only."""
    inv = streams.investment
    years = list(streams.appraisal_years)
    window = streams.appraisal_slice
    price_base = inv.price_base_year or streams.years[0]
    real = to_real(
        np.ones(len(years)), years, price_base, inv.deflator_series(), inv.deflator_extend_rate
    )
    df = discount_factors(
        len(years) - 1, inv.discount.schedule, inv.discount.mid_year, inv.discount.version
    )
    before = {k: v[..., window] * real for k, v in streams.costs.items()}
    bias = dict(streams.optimism_bias)
    costs = {k: v * (1.0 + bias[k][:, None]) for k, v in before.items()}
    # Benefits arrive with the benefit shortfall applied and QALY streams scaled by
    # DF_health / DF (InvestmentStreams.benefit_factors).
    benefits = {k: v[..., window] * real for k, v in streams.benefits.items()}
    shape = (len(streams.option_ids), len(years))
    total_costs = sum(costs.values(), np.zeros(shape))
    total_benefits = sum(benefits.values(), np.zeros(shape))
    # draws may vary the costs only (risk probabilities) or the benefits only: one batch shape
    common = np.broadcast_shapes(np.shape(total_costs), np.shape(total_benefits))
    total_costs = np.broadcast_to(total_costs, common)
    total_benefits = np.broadcast_to(total_benefits, common)
    outcomes = None if streams.outcomes is None else streams.outcomes[..., window]
    if outcomes is not None:
        outcomes = np.broadcast_to(outcomes, np.broadcast_shapes(outcomes.shape, common))
    result = appraise(
        total_costs,
        total_benefits,
        df,
        baseline=streams.baseline,
        outcomes=outcomes,
        option_names=streams.option_ids,
    )
    b = streams.baseline
    pv_costs: dict[str, FloatArray] = {}
    pv_benefits: dict[str, FloatArray] = {}
    if by_stream:
        pv_costs = {k: present_value(v - v[..., b : b + 1, :], df) for k, v in costs.items()}
        pv_benefits = {k: present_value(v - v[..., b : b + 1, :], df) for k, v in benefits.items()}

    chosen: int | None = None
    found: list[SwitchingValue] = []
    if switching and result.npsv.ndim == 1 and len(streams.option_ids) > 1 and (before or benefits):
        chosen = int(result.preferred)
        if chosen == b:
            others = [i for i in np.argsort(-result.npsv, kind="stable") if i != b]
            chosen = int(others[0])
        found = switching_values(
            before,
            benefits,
            df,
            option=chosen,
            baseline=b,
            optimism_bias={k: float(v[chosen]) for k, v in bias.items()},
        )
    return EconomicCase(
        years=tuple(years),
        price_base_year=price_base,
        schedule=inv.discount.schedule,
        discount_version=inv.discount.version,
        mid_year=inv.discount.mid_year,
        deflator_version=inv.deflator_series(),
        real_factor=real,
        costs=costs,
        costs_before_bias=before,
        optimism_bias=bias,
        benefits=benefits,
        benefit_types=dict(streams.benefit_types),
        outcomes=outcomes,
        appraisal=result,
        pv_costs=pv_costs,
        pv_benefits=pv_benefits,
        switching=tuple(found),
        switching_option=chosen,
    )
