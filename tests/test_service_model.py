"""IPA / CHC service model (SPEC section 6): conservation, FIFO and 28-day measures, reviews,
money, monotonicity, edge cases, validation and vectorisation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.service import (
    NEVER,
    VARIABLE_FIELDS,
    ConservationError,
    Funding,
    IpaServiceParameters,
    ServiceParameterError,
    check_conservation,
    conservation_residuals,
    simulate_ipa_service,
)

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def params(**changes: Any) -> IpaServiceParameters:
    """A small, simple service: 100 referrals a month, nothing else going on unless changed."""
    base: dict[str, Any] = dict(
        start_year=2020,
        start_month=1,
        horizon_months=24,
        referrals_per_month=100.0,
        conversion_rate=0.0,
        initial_caseload=0.0,
        monthly_exit_rate=0.0,
        base_fte=10.0,
        assessments_per_fte_month=10.0,
        reviews_per_fte_month=10.0,
        cost_per_fte_k=50.0,
        package_cost_k_per_year=60.0,
    )
    base.update(changes)
    return IpaServiceParameters(**base)


@st.composite
def service_parameters(draw: st.DrawFn, **fixed: Any) -> IpaServiceParameters:
    """Random but valid parameters, some of them extreme (zero capacity, full exits, ...)."""
    unit = st.floats(0.0, 1.0)
    queue = draw(st.floats(0.0, 2000.0))
    caseload = draw(st.floats(0.0, 5000.0))
    outstanding = draw(unit) * caseload
    package = draw(st.floats(0.0, 100.0))
    values: dict[str, Any] = dict(
        start_year=2020,
        start_month=draw(st.integers(1, 12)),
        horizon_months=draw(st.integers(1, 40)),
        referrals_per_month=draw(st.floats(0.0, 500.0)),
        referral_growth=draw(st.floats(-0.5, 0.5)),
        initial_queue=queue,
        initial_queue_over_28_days=draw(unit) * queue,
        conversion_rate=draw(unit),
        initial_caseload=caseload,
        monthly_exit_rate=draw(st.sampled_from([0.0, 0.02, 0.3, 1.0])),
        first_review_months=draw(st.integers(1, 6)),
        review_interval_months=draw(st.integers(1, 14)),
        initial_outstanding_reviews=outstanding,
        initial_overdue_reviews=draw(unit) * outstanding,
        overdue_reviews_lapse=draw(st.booleans()),
        queue_withdrawal_rate=draw(st.sampled_from([0.0, 0.01, 0.2, 1.0])),
        saving_persistence_months=draw(st.sampled_from([None, 1, 12, 30])),
        saving_erosion_rate=draw(st.sampled_from([0.0, 0.05])),
        vacancy_factor=draw(st.sampled_from([0.0, 0.1])),
        interim_premium=draw(st.sampled_from([0.0, 0.4])),
        interim_lag_months=draw(st.sampled_from([0.0, 1.0, 2.5])),
        pay_growth=draw(st.sampled_from([0.0, 0.03])),
        base_fte=draw(st.sampled_from([0.0, 5.0, 40.0, 120.0])),
        assessments_per_fte_month=draw(st.floats(0.0, 12.0)),
        reviews_per_fte_month=draw(st.floats(0.0, 12.0)),
        cost_per_fte_k=draw(st.floats(20.0, 80.0)),
        investment_start_month=draw(st.integers(0, 6)),
        recruitment_lag_months=draw(st.sampled_from([0.0, 1.0, 3.0, 4.5])),
        ramp_months=draw(st.integers(0, 6)),
        priority=draw(st.sampled_from(["assessments", "reviews"])),
        package_cost_k_per_year=package,
        review_finding_rate=draw(unit),
        review_saving_k_per_year=draw(unit) * package,
    )
    values.update(fixed)
    return IpaServiceParameters(**values)


investments = st.lists(st.floats(0.0, 5000.0), min_size=1, max_size=4)


# -- conservation ----------------------------------------------------------------------------


@SETTINGS
@given(
    p=service_parameters(),
    invest=investments,
    team=st.tuples(st.floats(0.0, 5000.0), st.integers(0, 10), st.integers(0, 30), st.booleans()),
)
def test_conservation_every_month(
    p: IpaServiceParameters, invest: list[float], team: tuple[float, int, int, bool]
) -> None:
    """Invariant 8: referrals = assessments + withdrawals + change in queue; reviews due =
    reviews done + change in overdue backlog + lapsed reviews; with recurrent money that stops
    and a time-limited team."""
    amount, start, months, interim = team
    block = Funding(np.array(amount), np.array(start), np.array(start + months), interim)
    result = simulate_ipa_service(
        p, invest, investment_end=np.full(len(invest), 12), funding=[block]
    )
    check_conservation(result)
    residuals = conservation_residuals(result)
    scale = 1.0 + np.max(np.abs(result.queue)) + np.max(np.abs(result.overdue_backlog))
    assert np.max(np.abs(residuals["referrals"])) <= 1e-9 * scale
    assert np.max(np.abs(residuals["reviews"])) <= 1e-9 * scale
    if not p.overdue_reviews_lapse:
        assert np.all(result.lapsed_reviews == 0.0)
    for name in ("queue", "incomplete_over_28_days", "overdue_backlog", "caseload",
                 "assessments", "reviews_done", "reviews_due", "cash_released"):  # fmt: skip
        assert np.all(result.get(name) >= -1e-9 * scale), name
    assert np.all(result.incomplete_over_28_days <= result.queue + 1e-9 * scale)
    assert np.all(result.decisions_within_28_days <= result.assessments + 1e-9 * scale)


def test_the_spec_identity_holds_literally_without_lapsing() -> None:
    p = IpaServiceParameters.example().model_copy(update={"overdue_reviews_lapse": False})
    r = simulate_ipa_service(p, [0.0, 796.0, 2000.0, 3000.0, 4000.0])
    backlog_start = np.concatenate(
        [[[p.initial_overdue_reviews]] * 5, r.overdue_backlog[:, :-1]], 1
    )
    np.testing.assert_allclose(r.reviews_due, r.reviews_done + r.overdue_backlog - backlog_start,
                               atol=1e-8)  # fmt: skip


def test_check_conservation_catches_a_broken_run() -> None:
    r = simulate_ipa_service(params(), 0.0)
    r.series["assessments"][..., 3] += 1.0
    with pytest.raises(ConservationError, match="referrals conservation fails"):
        check_conservation(r)


# -- queue, FIFO and the 28-day measures -----------------------------------------------------


def test_enough_capacity_decides_everything_within_28_days() -> None:
    r = simulate_ipa_service(params(initial_queue=50.0, initial_queue_over_28_days=20.0), 0.0)
    # Month 0: 150 waiting (100 new, 30 from last month, 20 older) and capacity 100: FIFO takes
    # the 20 oldest, the 30 from last month and 50 of this month's.
    assert r.assessments[0] == 100.0
    assert r.decisions_within_28_days[0] == pytest.approx(50.0 + 0.42 * 30.0)
    assert r.queue[0] == 50.0 and r.incomplete_over_28_days[0] == 0.0
    # Month 1: last month's 50 first (age 1), then 50 new; 50 left, all from this month.
    assert r.decisions_within_28_days[1] == pytest.approx(50.0 + 0.42 * 50.0)
    assert r.incomplete_over_28_days[1] == 0.0


def test_short_capacity_builds_a_queue_of_old_referrals() -> None:
    r = simulate_ipa_service(params(base_fte=8.0), 0.0)  # capacity 80 a month, 100 arrive
    np.testing.assert_allclose(r.assessments, 80.0)
    np.testing.assert_allclose(r.queue, 20.0 * np.arange(1, 25))
    # Oldest first: until the queue exceeds a month's arrivals (100) all of it arrived this
    # month; after that the excess is older than 28 days.
    np.testing.assert_allclose(r.incomplete_over_28_days, np.maximum(r.queue - 100.0, 0.0))
    share = r.share_within_28_days
    assert share[0] == 1.0 and share[1] == pytest.approx((60 + 0.42 * 20) / 80)
    assert share[5] == pytest.approx(0.42)  # every decision is on last month's referrals
    assert share[9] == 0.0  # every decision is on referrals two months old or more
    assert r.first_month_meeting_standard().item() == 0


def test_next_month_credit_is_a_parameter() -> None:
    strict = simulate_ipa_service(params(base_fte=8.0, next_month_within_28_days=0.0), 0.0)
    assert strict.share_within_28_days[1] == pytest.approx(60 / 80)


# -- reviews, caseload and money -------------------------------------------------------------


def test_review_schedule_three_months_then_every_twelve() -> None:
    one_month = np.zeros(30)
    one_month[0] = 100.0
    r = simulate_ipa_service(
        params(horizon_months=30, conversion_rate=0.5, referrals_per_month=0.0), 0.0,
        referrals=one_month,
    )  # fmt: skip
    assert r.caseload[0] == 50.0
    due = r.reviews_due
    assert due[3] == 50.0 and due[15] == 50.0 and due[27] == 50.0
    assert np.sum(due) == 150.0
    np.testing.assert_array_equal(r.reviews_done, due)  # capacity is ample
    assert np.all(r.overdue_backlog == 0.0)


def test_exits_thin_the_caseload_and_its_reviews() -> None:
    one_month = np.zeros(20)
    one_month[0] = 100.0
    r = simulate_ipa_service(
        params(horizon_months=20, conversion_rate=1.0, monthly_exit_rate=0.1,
               referrals_per_month=0.0), 0.0, referrals=one_month)  # fmt: skip
    assert r.caseload[3] == pytest.approx(100.0 * 0.9**3)
    assert r.reviews_due[3] == pytest.approx(100.0 * 0.9**3)
    assert r.reviews_due[15] == pytest.approx(100.0 * 0.9**15)


def test_starting_position_and_a_backlog_that_clears() -> None:
    p = params(
        horizon_months=36,
        referrals_per_month=0.0,
        initial_caseload=3800.0,
        initial_outstanding_reviews=3800.0,
        initial_overdue_reviews=2800.0,
        base_fte=0.0,
        investment_start_month=2,
        recruitment_lag_months=1,
    )
    # £0 never clears; £30m a year buys 600 FTE = 6,000 reviews a month, in post from month 3.
    r = simulate_ipa_service(p, [0.0, 30000.0])
    assert r.overdue_backlog[0, 0] == pytest.approx(2800.0 + 1000.0 / 3)
    assert r.months_to_clear_backlog().tolist() == [NEVER, 4]
    assert r.option_summary(0)["months_to_clear_backlog"] is None
    assert r.fte[1, 2] == 0.0 and r.fte[1, 3] == pytest.approx(600.0)


def test_recruitment_lag_and_ramp() -> None:
    r = simulate_ipa_service(
        params(investment_start_month=3, recruitment_lag_months=2, ramp_months=4), 500.0
    )
    extra = r.extra_fte  # £500k / £50k = 10 FTE
    np.testing.assert_allclose(extra[:8], [0, 0, 0, 0, 0, 2.5, 5.0, 7.5])
    assert np.all(extra[8:] == 10.0)
    np.testing.assert_allclose(r.extra_staff_cost, extra * 50.0 / 12)


def test_cash_released_by_reviews_with_a_persistence_limit() -> None:
    # 600 cases reviewed in month 0, 10% found over-provided, £12k a year each: a run rate of
    # £720k a year, so £60k a month for the 12 months the reductions are set to last.
    p = params(
        saving_persistence_months=12,
        horizon_months=13,
        referrals_per_month=0.0,
        initial_caseload=600.0,
        initial_outstanding_reviews=600.0,
        initial_overdue_reviews=600.0,
        base_fte=100.0,
        review_finding_rate=0.1,
        review_saving_k_per_year=12.0,
        review_interval_months=13,
    )
    r = simulate_ipa_service(p, 0.0)
    assert r.reviews_done[0] == 600.0
    np.testing.assert_allclose(r.cash_released[:12], 60.0)
    assert r.cash_released[12] == pytest.approx(0.0, abs=1e-9)
    assert r.annual().values["cash_released"].sum() == pytest.approx(600 * 0.1 * 12.0)
    np.testing.assert_allclose(r.package_spend, r.caseload * 60.0 / 12)


# -- monotonicity ----------------------------------------------------------------------------


@SETTINGS
@given(
    p=service_parameters(priority="assessments"), low=st.floats(0, 3000), more=st.floats(0, 3000)
)
def test_more_capacity_never_worsens_the_assessment_side(
    p: IpaServiceParameters, low: float, more: float
) -> None:
    """With assessments first (the default), more money never leaves a longer queue, more
    referrals over 28 days, a lower 28-day share or a later month meeting the standard."""
    r = simulate_ipa_service(p, [low, low + more])
    tol = 1e-9 * (1.0 + np.max(r.queue))
    assert np.all(r.queue[1] <= r.queue[0] + tol)
    assert np.all(r.incomplete_over_28_days[1] <= r.incomplete_over_28_days[0] + tol)
    share = r.share_within_28_days
    both = ~np.isnan(share[0]) & ~np.isnan(share[1])
    assert np.all(share[1][both] >= share[0][both] - 1e-9)
    first = np.where(
        r.first_month_meeting_standard() == NEVER, 10**6, r.first_month_meeting_standard()
    )
    assert first[1] <= first[0]


@SETTINGS
@given(
    p=service_parameters(conversion_rate=0.0, review_interval_months=14, horizon_months=14),
    low=st.floats(0, 3000),
    more=st.floats(0, 3000),
)
def test_more_capacity_never_leaves_a_larger_backlog_of_the_same_reviews(
    p: IpaServiceParameters, low: float, more: float
) -> None:
    """When the reviews to do do not depend on the capacity (no new cases, no review done in
    the horizon falls due again), more capacity never leaves a larger overdue backlog."""
    r = simulate_ipa_service(p, [low, low + more])
    b = r.overdue_backlog
    assert np.all(b[1] <= b[0] + 1e-9 * (1.0 + np.max(b)))
    clear = np.where(r.months_to_clear_backlog() == NEVER, 10**6, r.months_to_clear_backlog())
    assert clear[1] <= clear[0]


def test_more_assessment_capacity_can_raise_the_review_backlog() -> None:
    """Not a bug: capacity that clears the assessment queue finds more people eligible sooner,
    and each needs a review three months later, so the overdue backlog can be larger for a
    while. SPEC section 6's monotonicity holds for the backlog only with that demand fixed."""
    # 100 referrals a month; 5 FTE assess 50, with £150k (3 FTE more) 80: no time is left for
    # reviews either way, and the new cases' first reviews fall due unmet.
    p = params(horizon_months=12, conversion_rate=0.5, base_fte=5.0)
    r = simulate_ipa_service(p, [0.0, 150.0])
    assert r.assessments[:, 0].tolist() == [50.0, 80.0]
    assert np.all(r.reviews_done == 0.0)
    np.testing.assert_allclose(r.overdue_backlog[:, 11], [25.0 * 9, 40.0 * 9])
    assert r.queue[1, 11] < r.queue[0, 11]


# -- edge cases ------------------------------------------------------------------------------


def test_zero_referrals() -> None:
    r = simulate_ipa_service(
        params(referrals_per_month=0.0, initial_queue=250.0, initial_queue_over_28_days=100.0), 0.0
    )
    np.testing.assert_allclose(r.assessments[:3], [100.0, 100.0, 50.0])
    assert np.all(r.queue[2:] == 0.0) and np.all(r.assessments[3:] == 0.0)
    assert np.all(np.isnan(r.share_within_28_days[3:]))  # no decisions: no share
    assert r.share_within_28_days[0] == 0.0  # the oldest first
    check_conservation(r)
    empty = simulate_ipa_service(params(referrals_per_month=0.0), 0.0)
    assert np.all(empty.queue == 0.0) and empty.first_month_meeting_standard().item() == NEVER


def test_zero_capacity() -> None:
    p = params(base_fte=0.0, initial_queue=30.0, initial_caseload=1200.0,
               initial_outstanding_reviews=1200.0, initial_overdue_reviews=900.0)  # fmt: skip
    r = simulate_ipa_service(p, 0.0)
    assert np.all(r.assessments == 0.0) and np.all(r.reviews_done == 0.0)
    np.testing.assert_allclose(r.queue, 30.0 + 100.0 * np.arange(1, 25))
    np.testing.assert_allclose(r.overdue_backlog[-1], 1200.0)  # every review falls overdue
    assert np.all(np.isnan(r.share_within_28_days))
    assert r.months_to_clear_backlog().item() == NEVER
    assert r.option_summary(())["first_month_meeting_standard"] is None
    check_conservation(r)
    no_rate = simulate_ipa_service(params(assessments_per_fte_month=0.0), 0.0)
    assert np.all(no_rate.assessments == 0.0)


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"conversion_rate": 1.2}, "less than or equal to 1"),
        ({"monthly_exit_rate": -0.1}, "greater than or equal to 0"),
        ({"referrals_per_month": -5.0}, "greater than or equal to 0"),
        ({"cost_per_fte_k": 0.0}, "greater than 0"),
        ({"initial_queue_over_28_days": 10.0}, "must not exceed initial_queue"),
        ({"initial_overdue_reviews": 10.0}, "must not exceed initial_outstanding_reviews"),
        ({"initial_outstanding_reviews": 10.0}, "must not exceed initial_caseload"),
        ({"review_saving_k_per_year": 61.0}, "must not exceed package_cost_k_per_year"),
        ({"priority": "whoever_shouts"}, "assessments"),
        ({"favourite_colour": "teal"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_parameters_are_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        params(**change)


def test_parameters_are_frozen_and_documented() -> None:
    p = params()
    with pytest.raises(pydantic.ValidationError):
        p.base_fte = 3.0  # type: ignore[misc]
    schema = IpaServiceParameters.model_json_schema()["properties"]
    assert all(schema[name].get("description") for name in IpaServiceParameters.model_fields)
    assert "£k a year" in schema["cost_per_fte_k"]["description"]


def test_bad_overrides_are_listed_together() -> None:
    with pytest.raises(ServiceParameterError) as err:
        simulate_ipa_service(params(), 0.0, overrides={
            "conversion_rate": [0.5, 1.5], "horizon_months": [12], "base_fte": [np.nan]})  # fmt: skip
    text = str(err.value)
    assert "conversion_rate: values must be <= 1" in text
    assert "horizon_months: not a parameter that can vary" in text
    assert "base_fte: values must be finite" in text
    with pytest.raises(ServiceParameterError, match="must not exceed initial_queue"):
        simulate_ipa_service(params(initial_queue=10.0), 0.0,
                             overrides={"initial_queue_over_28_days": [5.0, 20.0]})  # fmt: skip
    with pytest.raises(ServiceParameterError, match="do not broadcast"):
        simulate_ipa_service(params(), [0.0, 1.0, 2.0], overrides={"base_fte": [1.0, 2.0]})
    with pytest.raises(ServiceParameterError, match="referrals"):
        simulate_ipa_service(params(), 0.0, referrals=np.ones(5))
    with pytest.raises(ServiceParameterError, match="unknown series"):
        simulate_ipa_service(params(), 0.0, record=["queue", "happiness"])


# -- vectorisation and summaries -------------------------------------------------------------


def test_draws_by_options_match_single_runs() -> None:
    p = IpaServiceParameters.example().model_copy(update={"horizon_months": 36})
    invest = np.array([0.0, 796.0, 4000.0])
    conversion = np.array([[0.2], [0.35], [0.5]])
    finding = np.array([[0.05], [0.1], [0.2]])
    batch = simulate_ipa_service(
        p, invest, overrides={"conversion_rate": conversion, "review_finding_rate": finding}
    )
    assert batch.overdue_backlog.shape == (3, 3, 36)
    for d in range(3):
        for o in range(3):
            single = simulate_ipa_service(
                p.model_copy(update={"conversion_rate": float(conversion[d, 0]),
                                     "review_finding_rate": float(finding[d, 0])}),
                invest[o],
            )  # fmt: skip
            for name in ("queue", "overdue_backlog", "caseload", "cash_released",
                         "share_within_28_days", "package_spend"):  # fmt: skip
                np.testing.assert_allclose(batch.get(name)[d, o], single.get(name), rtol=1e-12)


def test_recording_fewer_series() -> None:
    r = simulate_ipa_service(params(), 0.0, record=["overdue_backlog"])
    assert set(r.series) == {"overdue_backlog"}
    with pytest.raises(Exception, match="not recorded"):
        r.get("queue")


def test_annual_summary_by_financial_year() -> None:
    r = simulate_ipa_service(params(horizon_months=16, base_fte=8.0), [0.0, 600.0])
    a = r.annual()
    assert a.years == ("2019/20", "2020/21", "2021/22")
    assert a.months_in_year == (3, 12, 1)
    assert r.month_labels[3] == "2020-04" and r.financial_years[3] == "2020/21"
    np.testing.assert_allclose(a.values["referrals"][:, 1], 1200.0)
    np.testing.assert_allclose(a.values["assessments"][0], [240.0, 960.0, 80.0])
    np.testing.assert_allclose(a.values["queue"], r.queue[:, [2, 14, 15]])  # stocks at year end
    np.testing.assert_allclose(
        a.share_within_28_days,
        a.values["decisions_within_28_days"] / a.values["assessments"],
    )
    # £600k buys 12 FTE: capacity 200 a month, so everything is decided within 28 days.
    assert r.first_year_meeting_standard().tolist() == [0, 0]
    assert r.option_summary(1)["first_year_meeting_standard"] == "2019/20"


def test_example_options_read_naturally() -> None:
    """The illustrative LSC-shaped example: more money clears the backlog sooner."""
    r = simulate_ipa_service(IpaServiceParameters.example(), [0.0, 796.0, 2000.0, 3000.0, 4000.0])
    check_conservation(r)
    clear = r.months_to_clear_backlog().tolist()
    assert clear[:2] == [NEVER, NEVER]
    assert 0 < clear[4] <= clear[3] <= clear[2] < 120
    cash = r.annual().values["cash_released"].sum(axis=-1)
    assert np.all(np.diff(cash) > 0)
    assert set(VARIABLE_FIELDS) >= {"conversion_rate", "base_fte", "review_finding_rate"}


# -- issue 12: savings persist, reviews lapse, withdrawals, capacity follows money -----------


def test_package_reductions_last_until_the_person_leaves_by_default() -> None:
    """Defect 1: savings were cut off after 12 months in code."""
    p = params(
        horizon_months=30,
        referrals_per_month=0.0,
        initial_caseload=600.0,
        initial_outstanding_reviews=600.0,
        initial_overdue_reviews=600.0,
        base_fte=100.0,
        review_finding_rate=0.1,
        review_saving_k_per_year=12.0,
        review_interval_months=24,
        monthly_exit_rate=0.02,
    )
    assert p.saving_persistence_months is None
    r = simulate_ipa_service(p, 0.0)
    # Month 0's reductions (on the 98% still there, the rest's reviews lapsed): £60k a month x
    # 0.98, shrinking only as people leave (2% a month), and no cliff at month 12.
    np.testing.assert_allclose(r.cash_released[:24], 60.0 * 0.98 ** np.arange(1, 25))
    eroded = simulate_ipa_service(p.model_copy(update={"saving_erosion_rate": 0.1}), 0.0)
    np.testing.assert_allclose(eroded.cash_released[:24], 58.8 * (0.98 * 0.9) ** np.arange(24))


def test_overdue_reviews_lapse_when_people_leave_by_default() -> None:
    """Defect 2: the overdue backlog could not exceed... it did: reviews of people who left."""
    p = IpaServiceParameters.example()
    assert p.overdue_reviews_lapse is True
    r = simulate_ipa_service(p, 0.0)
    kept = simulate_ipa_service(p.model_copy(update={"overdue_reviews_lapse": False}), 0.0)
    assert np.all(r.overdue_backlog <= r.caseload + 1e-9)
    assert r.overdue_backlog[-1] < 0.5 * kept.overdue_backlog[-1]
    assert r.lapsed_reviews.sum() > 0


def test_withdrawals_leave_the_queue_and_are_conserved() -> None:
    p = params(base_fte=5.0, queue_withdrawal_rate=0.05, initial_queue=300.0)
    r = simulate_ipa_service(p, 0.0)
    check_conservation(r)
    assert r.withdrawals[0] == pytest.approx(0.05 * 400.0)
    no = simulate_ipa_service(p.model_copy(update={"queue_withdrawal_rate": 0.0}), 0.0)
    assert np.all(r.queue <= no.queue + 1e-9) and r.queue[-1] < no.queue[-1]


def test_money_that_stops_buys_no_staff_and_no_benefits_after() -> None:
    """Defect 3: £2m for two years kept all its staff to the horizon."""
    p = IpaServiceParameters.example()
    stop = simulate_ipa_service(p, [2000.0], investment_start=[3], investment_end=[27])
    keep = simulate_ipa_service(p, [2000.0], investment_start=[3])
    none = simulate_ipa_service(p, [0.0])
    check_conservation(stop)
    assert np.all(stop.extra_fte[0, 27:] == 0.0) and np.all(stop.extra_staff_cost[0, 27:] == 0)
    assert stop.extra_fte[0, 20] == pytest.approx(2000.0 / 45.0)
    # No new reviews beyond do nothing's capacity after the money stops: the cash released
    # only decays (and the extra staff cost is zero), while money that keeps going keeps adding.
    extra = stop.cash_released[0] - none.cash_released[0]
    assert np.all(np.diff(extra[28:]) <= 1e-9)
    assert keep.cash_released[0, -1] > stop.cash_released[0, -1]


def test_a_one_off_team_clears_the_backlog_in_its_months() -> None:
    """Defect 3: non-recurrent money bought no capacity at all."""
    p = IpaServiceParameters.example()
    team = Funding(np.array([6000.0]), np.array([3]), np.array([27]), interim=True)
    r = simulate_ipa_service(p, [0.0], funding=[team])
    check_conservation(r)
    cleared = int(r.months_to_clear_backlog()[0])
    assert 0 < cleared <= 27
    lag = p.interim_lag_months
    assert r.extra_fte[0, int(3 + lag + p.ramp_months)] == pytest.approx(6000.0 / 45.0)
    assert np.all(r.extra_fte[0, 27:] == 0.0)


def test_staff_are_charged_from_arrival_at_growing_pay() -> None:
    """Defect 4: costs were charged from April while staff arrived from July, at flat cash."""
    p = params(
        horizon_months=36,
        recruitment_lag_months=3.0,
        pay_growth=0.03,
        vacancy_factor=0.1,
    )
    r = simulate_ipa_service(p, [600.0])
    assert np.all(r.extra_staff_cost[0, :3] == 0.0)
    posts = 600.0 / 50.0 * 0.9
    np.testing.assert_allclose(r.extra_fte[0, 3:], posts)
    np.testing.assert_allclose(
        r.extra_staff_cost[0, 3:], posts * 50.0 / 12 * 1.03 ** (np.arange(3, 36) / 12)
    )
    held = simulate_ipa_service(p.model_copy(update={"budget_held": True}), [600.0])
    np.testing.assert_allclose(held.extra_staff_cost[0, :3], 50.0 * 1.03 ** (np.arange(3) / 12))
    interim = Funding(np.array([600.0]), np.array([0]), np.array([12]), interim=True)
    pricier = simulate_ipa_service(p.model_copy(update={"interim_premium": 0.5}), [0.0],
                                   funding=[interim])  # fmt: skip
    assert pricier.extra_fte[0, 6] == pytest.approx(600.0 / 75.0 * 0.9)
