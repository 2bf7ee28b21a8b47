"""Parameters of the IPA / Continuing Healthcare service model, as a model file gives them.

An investment links to the service model with ``service: {model: ipa_chc, parameters: {...}}``;
this is the schema of those parameters (units in each field's docstring: referrals, cases and
reviews a month, FTE, £k a year, fractions). The model itself, the monthly stock-flow
simulation, is :func:`finmodel.service.ipa.simulate_ipa_service`.

>>> IpaServiceParameters.example().base_fte
115.0
>>> cross_field_problems({"initial_queue": 1.0, "initial_queue_over_28_days": 2.0,
...     "initial_overdue_reviews": 0.0, "initial_outstanding_reviews": 0.0,
...     "initial_caseload": 0.0, "review_saving_k_per_year": 0.0, "package_cost_k_per_year": 0.0})
['initial_queue_over_28_days must not exceed initial_queue']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from finmodel.domain.types import Amount, Count, Frozen, PositiveAmount, Rate, Share

__all__ = ["CROSS_FIELDS", "VARIABLE_FIELDS", "IpaServiceParameters", "cross_field_problems"]


class IpaServiceParameters(Frozen):
    """Parameters of the IPA / CHC assessment-and-review service model (one option, one draw)."""

    start_year: int = Field(ge=1990, le=2200)
    """Calendar year of the first simulated month."""
    start_month: int = Field(ge=1, le=12)
    """Calendar month (1 = January) of the first simulated month."""
    horizon_months: int = Field(default=120, ge=1, le=1200)
    """Number of months simulated."""

    referrals_per_month: Count
    """Referrals for assessment arriving in the first month (referrals a month)."""
    referral_growth: Rate = 0.0
    """Growth of referrals, a fraction a year (compounded monthly)."""
    initial_queue: Count = 0.0
    """Referrals waiting for an assessment decision at the start (referrals)."""
    initial_queue_over_28_days: Count = 0.0
    """Of ``initial_queue``, those already waiting over 28 days (referrals)."""
    conversion_rate: Share
    """Share of completed assessments found eligible (fraction)."""
    initial_caseload: Count
    """Eligible cases at the start (cases)."""
    monthly_exit_rate: Share
    """Share of the caseload leaving each month (death, discharge, ineligible), a fraction."""

    first_review_months: int = Field(default=3, ge=1, le=24)
    """Months after eligibility that a new case's first review falls due."""
    review_interval_months: int = Field(default=12, ge=1, le=24)
    """Months after a review is done that the next falls due."""
    initial_outstanding_reviews: Count = 0.0
    """Reviews outstanding at the start, overdue or falling due within ``first_review_months``
    months (reviews); the rest of the caseload falls due evenly after that."""
    initial_overdue_reviews: Count = 0.0
    """Of ``initial_outstanding_reviews``, those already overdue (reviews): the starting backlog."""
    overdue_reviews_lapse: bool = True
    """If true (default), an overdue review leaves the backlog when its case leaves
    (``lapsed_reviews``): nobody reviews a person who has died or been discharged. False keeps
    it until done (SPEC section 6's original identity; it overstates the backlog)."""
    queue_withdrawal_rate: Share = 0.0
    """Share of the referrals waiting for a decision that leave the queue each month without
    one (the person dies, withdraws or the referral is closed), a fraction a month."""

    base_fte: Count
    """Assessment and review staff in post before the investment (FTE)."""
    assessments_per_fte_month: Count
    """Assessments one FTE completes in a month (assessments per FTE per month)."""
    reviews_per_fte_month: Count
    """Reviews one FTE completes in a month (reviews per FTE per month)."""
    cost_per_fte_k: PositiveAmount
    """Cost of one FTE a year including on-costs (£k a year)."""
    investment_start_month: int = Field(default=0, ge=0)
    """Month index (0 = first simulated month) from which the investment is funded."""
    recruitment_lag_months: Count = 0.0
    """Months from funding to the first extra permanent staff in post (may be fractional)."""
    ramp_months: int = Field(default=0, ge=0)
    """Months over which the extra staff arrive after the lag, linearly (0 = all at once)."""
    interim_lag_months: Count = 1.0
    """Months from funding to interim (agency or fixed-term) staff in post, for a time-limited
    team that uses them."""
    interim_premium: Rate = 0.0
    """Extra cost of an interim FTE over a permanent one (0.3 = 30% dearer), a fraction: the
    same money buys fewer interim staff."""
    vacancy_factor: Share = 0.0
    """Share of funded posts vacant at any time once recruited (turnover, sickness cover not
    backfilled), a fraction: staff in post = funded posts x (1 - vacancy factor)."""
    budget_held: bool = False
    """False (default): the option is charged for staff in post only (from their arrival, net of
    vacancies). True: the whole budget is committed from the month it is funded, whether or not
    the posts are filled (as when a budget is delegated to a provider)."""
    pay_growth: Rate = 0.0
    """Nominal growth of the cost of one FTE, a fraction a year (compounded monthly from the
    first simulated month): pay awards and increments. The economic case turns it to real
    prices with the GDP deflator."""
    priority: Literal["assessments", "reviews"] = "assessments"
    """Which work the shared team does first; the other gets the FTE left over."""
    priority_max_share: Share = 1.0
    """The largest share of the team's time the priority work may take in a month (1 = all of
    it; 0.55 keeps at least 45% for the other work, as a team with a ring-fenced review function
    does). A fraction."""

    package_cost_k_per_year: Amount
    """Average care package cost of an eligible case (£k a year) in the first month."""
    package_cost_growth: Rate = 0.0
    """Growth of the average package cost, a fraction a year (compounded monthly)."""
    review_finding_rate: Share = 0.0
    """Share of reviews done that find over-provision (fraction)."""
    review_saving_k_per_year: Amount = 0.0
    """Average saving on a package found over-provided (£k a year at the first month's prices;
    it grows with ``package_cost_growth``). It lasts while the person stays (and for at most
    ``saving_persistence_months`` when set), eroding at ``saving_erosion_rate``."""
    saving_persistence_months: int | None = Field(default=None, ge=1, le=1200)
    """If set, a package reduction ends this many months after the review that found it (the
    package drifts back up); None (default): it lasts until the person leaves."""
    saving_erosion_rate: Share = 0.0
    """Share of the package reductions still in place that is lost each month (needs rising
    again before the next review), a fraction a month; 0 = none."""

    # -- benefits register drivers (unit values in real prices of the case's price-base year) --
    retrospective_cost_k: Amount = 0.0
    """Cost of handling one eligible decision made after 28 days (£k each, real): calculating
    and paying the retrospective reimbursement from day 28, disputes and legal costs. Fewer late
    eligible decisions than do nothing is a cash-releasing benefit."""
    acute_share_waiting: Share = 0.0
    """Share of the people waiting over 28 days for a decision who wait in an acute hospital
    bed (a fraction): their bed days are a non-cash-releasing cost the options can avoid."""
    bed_day_value_k: Amount = 0.0
    """Value of an acute bed day freed (£k a day, real): the non-cash-releasing benefit."""
    qaly_loss_per_year_waiting: Count = 0.0
    """Quality of life lost by a person (and carers) waiting a year beyond 28 days for a
    decision (QALYs per person-year): the societal benefit's driver."""
    qaly_value_k: Amount = 0.0
    """Value of one QALY (£k, real), discounted at the Green Book health schedule."""
    council_funded_share_waiting: Share = 0.0
    """Share of the people waiting over 28 days whose care a council funds meanwhile (a
    fraction): a cost on councils in the financial case, a transfer in the economic case."""
    council_cost_k_per_year: Amount = 0.0
    """A council's cost of care for such a person (£k a year at the first month's prices,
    growing with ``package_cost_growth``)."""

    next_month_within_28_days: Share = 0.42
    """Share of assessments completed in the month after the referral's month that were within
    28 days (0.42 assumes days spread evenly; 0 counts only same-month decisions)."""
    standard_share: Share = 0.8
    """The national standard: share of decisions within 28 days (0.8 = 80%)."""
    backlog_clear_threshold: Count = 0.5
    """The overdue backlog counts as cleared at or below this many reviews."""

    @model_validator(mode="after")
    def _consistent(self) -> IpaServiceParameters:
        problems = cross_field_problems(
            {name: np.asarray(getattr(self, name), dtype=float) for name in CROSS_FIELDS}
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def example(cls) -> IpaServiceParameters:
        """An *illustrative* parameter set shaped like the LSC IPA position of January 2020
        (about 3,800 reviews outstanding, over 2,800 overdue); every other figure is invented."""
        return cls(
            start_year=2020,
            start_month=1,
            horizon_months=120,
            referrals_per_month=480.0,
            referral_growth=0.02,
            initial_queue=900.0,
            initial_queue_over_28_days=600.0,
            conversion_rate=0.35,
            initial_caseload=6000.0,
            monthly_exit_rate=0.03,
            initial_outstanding_reviews=3800.0,
            initial_overdue_reviews=2800.0,
            base_fte=115.0,
            assessments_per_fte_month=6.0,
            reviews_per_fte_month=8.0,
            cost_per_fte_k=45.0,
            investment_start_month=3,
            recruitment_lag_months=3,
            ramp_months=3,
            package_cost_k_per_year=40.0,
            package_cost_growth=0.02,
            review_finding_rate=0.1,
            review_saving_k_per_year=8.0,
        )


#: Numeric parameters that may vary by option or draw (arrays in ``overrides``).
VARIABLE_FIELDS = tuple(
    name for name, info in IpaServiceParameters.model_fields.items() if info.annotation is float
)
CROSS_FIELDS = (
    "initial_queue",
    "initial_queue_over_28_days",
    "initial_outstanding_reviews",
    "initial_overdue_reviews",
    "initial_caseload",
    "review_saving_k_per_year",
    "package_cost_k_per_year",
)


def cross_field_problems(v: Mapping[str, np.ndarray]) -> list[str]:
    """Messages for parameters that exceed the one they are part of (empty when consistent);
    values may be arrays by option or draw."""
    checks = [
        ("initial_queue_over_28_days", "initial_queue"),
        ("initial_overdue_reviews", "initial_outstanding_reviews"),
        ("initial_outstanding_reviews", "initial_caseload"),
        ("review_saving_k_per_year", "package_cost_k_per_year"),
    ]
    return [
        f"{small} must not exceed {big}"
        for small, big in checks
        if np.any(np.asarray(v[small]) > np.asarray(v[big]))
    ]
