"""Investment cases in the model file and in the projection (SPEC section 5, issue items 1, 5).

An option's costs land in exactly its funders' expenditure with their shares; the system surplus
moves by exactly the option's net cash effect; bad input is reported with its place; the
service-model link (per-option start months, the priority cap) keeps the service model's
invariants; the Monte Carlo entry point collapses to the deterministic answer.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from finmodel import load_model, project
from finmodel.domain.investments import Cost, Option, amounts_by_year, first_full_year
from finmodel.domain.validation import with_overlay
from finmodel.errors import ModelValidationError, ScenarioError
from finmodel.investment.effects import investment_draws
from finmodel.investment.streams import compile_investment
from finmodel.service import IpaServiceParameters, check_conservation, simulate_ipa_service
from tests.conftest import MODELS
from tests.strategies import model_dicts

YEARS = ["2019/20", "2020/21", "2021/22", "2022/23"]


def minimal_data() -> dict[str, Any]:
    return yaml.safe_load((MODELS / "minimal.yaml").read_text())


def with_investment(data: dict[str, Any], investment: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["investments"] = {"x": investment}
    return out


def simple_investment(**option: Any) -> dict[str, Any]:
    """do nothing + one option `b` starting 2020/21 with a recurrent cost of 100 paid by icb."""
    b: dict[str, Any] = {
        "id": "b",
        "start_year": "2020/21",
        "costs": [{"id": "staff", "recurrent": True, "amount": 100, "source": "illustrative: x"}],
        "funders": {"icb": 1.0},
    }
    b.update(option)
    return {"appraisal_period": 3, "options": [{"id": "do_nothing"}, b]}


def write(tmp_path: Path, data: dict[str, Any], name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    """Every problem reported on loading; the file's own come first (the minimal model's
    scenario repeats them under its path, as the loader does for any whole-model problem)."""
    with pytest.raises(ModelValidationError) as err:
        load_model(write(tmp_path, data))
    return [str(p) for p in err.value.problems]


# -- amounts by year -------------------------------------------------------------------------


def test_recurrent_amounts_ramp_up_and_uplift() -> None:
    cost = Cost(id="s", amount=200, recurrent=True, ramp_up=[0.25, 0.5], uplift=0.1)
    np.testing.assert_allclose(
        amounts_by_year(cost, "2020/21", [*YEARS, "2023/24"]), [0, 50, 110, 242, 266.2]
    )
    ended = Cost(id="s", amount=10, recurrent=True, end_year="2021/22")
    np.testing.assert_allclose(amounts_by_year(ended, "2020/21", YEARS), [0, 10, 10, 0])
    late = Cost(id="s", amount=10, recurrent=True, start_year="2022/23")
    np.testing.assert_allclose(amounts_by_year(late, "2020/21", YEARS), [0, 0, 0, 10])


def test_one_off_amounts_and_profiles() -> None:
    np.testing.assert_allclose(
        amounts_by_year(Cost(id="c", amount=7), "2021/22", YEARS), [0, 0, 7, 0]
    )
    profile = Cost(id="c", amount=[5, 6])
    np.testing.assert_allclose(amounts_by_year(profile, "2020/21", YEARS), [0, 5, 6, 0])


def test_first_full_year_follows_the_ramp_up() -> None:
    option = Option(
        id="a", start_year="2020/21", costs=[Cost(id="s", amount=1, recurrent=True, ramp_up=[0.5])]
    )
    assert first_full_year(option) == "2021/22"
    assert first_full_year(Option(id="a", start_year="2020/21")) == "2020/21"


# -- the projection ----------------------------------------------------------------------------


@given(
    data=model_dicts(max_partners=4, max_lines=2),
    weights=st.lists(st.integers(0, 9), min_size=4, max_size=4),
    amount=st.floats(0.0, 5000.0),
    uplift=st.floats(0.0, 0.1),
    start=st.integers(1, 6),
)
def test_costs_land_in_exactly_the_funders_expenditure_with_their_shares(
    data: dict[str, Any], weights: list[int], amount: float, uplift: float, start: int
) -> None:
    """Issue item 5: selecting an option adds cost x share to each funder's expenditure, to no
    one else's, and nothing in the base year; income is untouched."""
    ids = [p["id"] for p in data["partners"]]
    horizon = data["timeline"]["horizon"]
    start = min(start, horizon)
    w = np.asarray(weights[: len(ids)], dtype=float)
    if w.sum() == 0:
        w[0] = 1.0
    shares = {pid: float(s) for pid, s in zip(ids, w / w.sum(), strict=True) if s > 0}
    shares[next(iter(shares))] += 1.0 - sum(shares.values())
    start_year = f"{2019 + start}/{(2020 + start) % 100:02d}"
    investment = {
        "appraisal_period": 1,
        "appraisal_start": start_year,
        "deflator_extend_rate": 0.02,
        "options": [
            {"id": "do_nothing"},
            {
                "id": "b",
                "start_year": start_year,
                "funders": shares,
                "costs": [{"id": "k", "amount": amount, "recurrent": True, "uplift": uplift}],
            },
        ],
    }
    model = load_model_from(with_investment(data, investment))
    base = project(model)
    chosen = project(with_overlay(model, {"investments.x.option": "b"}))
    t = np.arange(horizon + 1)
    cost = np.where(t >= start, amount * (1 + uplift) ** np.maximum(t - start, 0), 0.0)
    expected = np.asarray([shares.get(pid, 0.0) for pid in ids])[:, None] * cost
    np.testing.assert_allclose(
        chosen.arrays.expenditure - base.arrays.expenditure, expected, rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(chosen.arrays.income, base.arrays.income, rtol=0, atol=0)
    np.testing.assert_allclose(
        chosen.arrays.system_surplus - base.arrays.system_surplus, -cost, rtol=1e-12, atol=1e-9
    )


def load_model_from(data: dict[str, Any]) -> Any:
    from finmodel.io.yaml_io import model_from_data

    return model_from_data(data, "generated.yaml")


def test_system_surplus_moves_by_exactly_the_net_cash_effect() -> None:
    """Costs to the funders less cash released to the beneficiaries, every year, and the bridge's
    Investments step is that change."""
    inv = simple_investment(
        funders={"icb": 0.25, "trust": 0.75},
        benefits=[
            {
                "id": "saving",
                "type": "cash_releasing",
                "recurrent": True,
                "amount": 30,
                "start_year": "2021/22",
                "beneficiaries": {"trust": 1.0},
            },
            {"id": "valued", "type": "societal", "recurrent": True, "amount": 1000},
        ],
    )
    model = load_model_from(with_investment(minimal_data(), inv))
    base = project(model)
    chosen = project(with_overlay(model, {"investments.x.option": "b"}))
    net = np.array([0.0, 100.0, 70.0, 70.0])
    np.testing.assert_allclose(chosen.arrays.system_surplus - base.arrays.system_surplus, -net)
    np.testing.assert_allclose(
        chosen.arrays.surplus - base.arrays.surplus, [[0, -25, -25, -25], [0, -75, -45, -45]]
    )
    np.testing.assert_allclose(
        chosen.arrays.bridge[-1] - base.arrays.bridge[-1], -(net - net[0]), atol=1e-12
    )
    # the control-total view moves with it
    np.testing.assert_allclose(
        chosen.arrays.system_variance[1:] - base.arrays.system_variance[1:], -net[1:]
    )


def test_default_model_ipa_options_are_paid_by_the_ccgs_in_proportion_to_chc(default_model) -> None:
    model = with_overlay(default_model, {"investments.ipa_uplift.option": "uplift_3m"})
    streams = compile_investment(model, "ipa_uplift")
    chc = {p.id: c.baseline for p in model.partners for c in p.costs if c.id == "chc"}
    o = streams.option_ids.index("uplift_3m")
    shares = dict(zip(streams.partner_ids, streams.funder_shares[o], strict=True))
    for pid, share in shares.items():
        assert share == pytest.approx(chc.get(pid, 0.0) / sum(chc.values()))
    base, chosen = project(default_model), project(model)
    net = streams.net_by_partner()[o][:, : len(model.years)]
    np.testing.assert_allclose(chosen.arrays.surplus - base.arrays.surplus, -net, atol=1e-6)
    councils = {"lancashire_cc", "blackpool_council", "blackburn_darwen_council", "cumbria_cc"}
    others = [i for i, p in enumerate(streams.partner_ids) if p not in chc and p not in councils]
    assert np.all(net[others] == 0.0)
    costs = streams.costs_by_partner()[o].sum(axis=0)
    # charged for staff in post: from July 2020 (three-month lag, three-month ramp), then the
    # full establishment at pay growing 3% a year in cash
    assert 0 < costs[1] < 3000.0 * 0.75 < 3000.0 < costs[2] < costs[3]
    np.testing.assert_allclose(costs[3] / costs[2], 1.03, rtol=1e-12)
    # the cash released reduces the net cost, and only after the staff are in post
    released = streams.cash_released_by_partner()[o].sum(axis=0)
    assert 0 < released[1] < released[2]  # package reductions build up as they persist


def test_do_nothing_selected_changes_nothing(default_model) -> None:
    result = project(default_model)
    assert np.all(result.inputs.investment_expenditure == 0.0)
    assert result.bridge_steps()[-1] == ("Investments", 0.0)


# -- bad input ---------------------------------------------------------------------------------


def test_shares_that_do_not_sum_to_one_are_named(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        with_investment(minimal_data(), simple_investment(funders={"icb": 0.5, "trust": 0.4})),
    )
    assert "investments.x.options.b.funders (line" in found[0]
    assert "shares must sum to 1, they sum to 0.9" in found[0]


def test_a_funder_that_is_not_a_partner_is_named(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        with_investment(
            minimal_data(), simple_investment(funders={"icb": 0.5, "nhs_england": 0.5})
        ),
    )
    assert found[0].startswith(
        f"{tmp_path / 'm.yaml'}: investments.x.options.b.funders.nhs_england (line "
    )
    assert found[0].endswith("): 'nhs_england' is not a partner")


def test_a_start_year_outside_the_timeline_is_named(tmp_path: Path) -> None:
    found = problems(
        tmp_path, with_investment(minimal_data(), simple_investment(start_year="2031/32"))
    )
    assert any(
        "investments.x.options.b.start_year (line" in p
        and "start year 2031/32 is not on the model's timeline (2020/21 to 2022/23)" in p
        for p in found
    ), found
    found = problems(
        tmp_path, with_investment(minimal_data(), simple_investment(start_year="2019/20"))
    )
    assert any("not on the model's timeline" in p for p in found)


def test_negative_costs_are_named(tmp_path: Path) -> None:
    inv = simple_investment()
    inv["options"][1]["costs"][0]["amount"] = -100
    found = problems(tmp_path, with_investment(minimal_data(), inv))
    assert any(
        "investments.x.options.b.costs.staff.amount (line" in p
        and "greater than or equal to 0" in p
        for p in found
    ), found


def test_an_unknown_option_is_named_in_the_file_and_in_a_scenario(tmp_path: Path) -> None:
    inv = simple_investment()
    inv["option"] = "gold_plated"
    found = problems(tmp_path, with_investment(minimal_data(), inv))
    assert any(
        "investments.x.option (line" in p and "'gold_plated' is not an option" in p for p in found
    ), found
    data = with_investment(minimal_data(), simple_investment())
    data["scenarios"].append({"id": "gold", "set": {"investments.x.option": "gold_plated"}})
    found = problems(tmp_path, data)
    assert any(
        "scenarios.gold.set.investments.x.option" in p and "'gold_plated' is not an option" in p
        for p in found
    ), found
    model = load_model_from(with_investment(minimal_data(), simple_investment()))
    with pytest.raises(ScenarioError, match="'gold_plated' is not an option of this investment"):
        with_overlay(model, {"investments.x.option": "gold_plated"})


def test_every_other_problem_is_collected_with_its_place(tmp_path: Path) -> None:
    inv = simple_investment(
        funders_basis={"in_proportion_to": "chc", "partners": ["icb", "ghost"]},
        funders={"icb": 1.0},
        costs=[
            {"id": "staff", "recurrent": True, "amount": [1, 2]},
            {"id": "kit", "kind": "capital", "amount": 5, "ramp_up": [0.5]},
        ],
        benefits=[{"id": "q", "type": "unmonetised", "amount": 3}, {"id": "s", "type": "societal"}],
        optimism_bias={"project_type": "spaceship"},
    )
    inv["appraisal_period"] = 10
    inv["discount"] = {"schedule": "generous"}
    found = "\n".join(problems(tmp_path, with_investment(minimal_data(), inv)))
    for text in (
        "investments.x.deflator_extend_rate (line",
        "investments.x.discount.schedule (line",
        "unknown discount schedule 'generous'",
        "investments.x.options.b.funders_basis (line",
        "give funders or funders_basis, not both",
        "costs.staff.amount (line",
        "a recurrent amount is one full-year number",
        "costs.kit.ramp_up (line",
        "benefits.q.amount (line",
        "an unmonetised benefit has no amount",
        "a societal benefit needs an amount",
        "optimism_bias.project_type (line",
        "unknown optimism bias project type 'spaceship'",
    ):
        assert text in found, text


def test_a_model_without_investments_still_loads(minimal_model) -> None:
    assert minimal_model.investments == {}
    assert project(minimal_model).bridge_steps()[-1][1] == 0.0


# -- the service-model link --------------------------------------------------------------------


def test_each_option_starts_its_investment_in_its_own_month() -> None:
    p = IpaServiceParameters.example().model_copy(update={"horizon_months": 30})
    together = simulate_ipa_service(p, [1000.0, 1000.0], investment_start=[3, 15])
    for k, start in enumerate((3, 15)):
        alone = simulate_ipa_service(p.model_copy(update={"investment_start_month": start}), 1000.0)
        np.testing.assert_allclose(together.overdue_backlog[k], alone.overdue_backlog)
        np.testing.assert_allclose(together.extra_fte[k], alone.extra_fte)
    check_conservation(together)


@given(cap=st.floats(0.05, 1.0), low=st.floats(0, 3000), more=st.floats(0, 3000))
def test_the_priority_cap_keeps_the_assessment_side_monotone(
    cap: float, low: float, more: float
) -> None:
    """More money never leaves a longer queue or fewer reviews of a fixed backlog, whatever share
    of the team assessments may take. (The overdue backlog itself need not fall with capacity
    when new cases add reviews: see the service model's tests.)"""
    p = IpaServiceParameters.example().model_copy(
        update={
            "horizon_months": 14,
            "priority_max_share": cap,
            "conversion_rate": 0.0,
            "review_interval_months": 14,
        }
    )
    r = simulate_ipa_service(p, [low, low + more])
    check_conservation(r)
    assert np.all(r.queue[1] <= r.queue[0] + 1e-9 * (1 + r.queue.max()))
    assert np.all(
        r.overdue_backlog[1] <= r.overdue_backlog[0] + 1e-9 * (1 + r.overdue_backlog.max())
    )


def test_the_priority_cap_reserves_time_for_reviews() -> None:
    p = IpaServiceParameters.example().model_copy(update={"horizon_months": 6})
    uncapped = simulate_ipa_service(
        p, 0.0, overrides={"initial_queue": 20000.0, "initial_queue_over_28_days": 0.0}
    )
    capped = simulate_ipa_service(
        p.model_copy(update={"priority_max_share": 0.5}),
        0.0,
        overrides={"initial_queue": 20000.0, "initial_queue_over_28_days": 0.0},
    )
    assert np.all(uncapped.reviews_done == 0.0)  # a queue that size takes the whole team
    np.testing.assert_allclose(capped.assessments, 0.5 * p.base_fte * p.assessments_per_fte_month)
    assert np.all(capped.reviews_done > 0.0)


def test_the_service_runs_to_the_end_of_the_appraisal(default_model) -> None:
    streams = compile_investment(default_model, "ipa_uplift")
    service = streams.service
    assert service is not None
    assert service.month_labels[0] == "2020-01" and service.month_labels[-1] == "2030-03"
    # every option but do nothing (no start year) starts in April 2020 (month 3)
    assert service.investment_start_month.tolist() == [0, 3, 3, 3, 3, 3, 3]
    staff, team = service.funding[1:]  # the costs that buy staff: "staff", "backlog_team"
    np.testing.assert_allclose(staff.amount_k, [0, 796, 0, 796, 2000, 3000, 4000])
    assert staff.start.tolist() == [0, 3, 0, 3, 3, 3, 3] and np.all(staff.end > service.months)
    # the backlog team: £3m over 18 months, £2m a year from April 2020 to September 2021
    np.testing.assert_allclose(team.amount_k, [0, 0, 2000, 2000, 0, 0, 0])
    assert team.interim and team.end[2] - team.start[2] == 18


# -- Monte Carlo entry point ----------------------------------------------------------------------


def test_draws_collapsed_to_the_model_values_give_the_deterministic_answer(default_model) -> None:
    model = with_overlay(default_model, {"investments.ipa_uplift.option": "uplift_2m"})
    params = model.investments["ipa_uplift"].service.parameters  # type: ignore[union-attr]
    point = np.full(4, params.review_finding_rate)
    draws = investment_draws(
        model, {"investments.ipa_uplift.service.parameters.review_finding_rate": point}
    )
    from finmodel.investment.case import appraise_model

    case = appraise_model(model)
    assert draws.expenditure.shape == (4, len(model.partners), len(model.years))
    np.testing.assert_allclose(
        draws.expenditure,
        np.broadcast_to(project(model).inputs.investment_expenditure, draws.expenditure.shape),
        atol=1e-9,
    )
    np.testing.assert_allclose(draws.npsv, np.broadcast_to(case.economic.appraisal.npsv, (4, 7)))
    assert (
        draws.months_to_clear_backlog.tolist()
        == [
            case.streams.service.months_to_clear_backlog().tolist()  # type: ignore[union-attr]
        ]
        * 4
    )


def test_draws_vary_the_answers_and_name_bad_overrides(default_model) -> None:
    draws = investment_draws(default_model, {"review_finding_rate": np.array([0.0, 0.1, 0.3])})
    assert draws.npsv.shape == (3, 7)
    assert np.all(np.diff(draws.npsv[:, 1:], axis=0) > 0)  # more findings, more cash released
    assert np.all(draws.expenditure == 0.0)  # do nothing is selected
    from finmodel.errors import InputError

    with pytest.raises(InputError, match="not a service-model parameter path"):
        investment_draws(default_model, {"partners.icb.costs.chc.baseline": np.ones(2)})
    with pytest.raises(InputError, match="one value per draw"):
        investment_draws(default_model, {"review_finding_rate": 0.1})
