"""The economic and financial case of a model's investment (SPEC section 5, issue item 2).

Real prices and discounting as the Green Book says (the known answer of SPEC section 5 through a
model file), NPSV at 0% equals the undiscounted sum, switching values take NPSV to zero,
optimism bias raises costs by its rate, the financial case matches the projection, and the
default model's IPA answers read as the business case's question expects.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
import yaml

from finmodel.appraisal import discounting
from finmodel.appraisal.discounting import DeflatorTable, discount_factors
from finmodel.appraisal.measures import appraise
from finmodel.domain.validation import with_overlay
from finmodel.investment.case import InvestmentCase, appraise_model
from finmodel.investment.economic import economic_case
from finmodel.investment.streams import compile_investment
from finmodel.io.yaml_io import model_from_data
from tests.conftest import MODELS

FLAT = DeflatorTable(
    version="flat-test",
    citation="test: a flat deflator, so real equals nominal",
    status="illustrative",
    reference="every year = 100",
    index={f"{y}/{(y + 1) % 100:02d}": 100.0 for y in range(2015, 2040)},
)


@pytest.fixture
def flat_deflator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(discounting.DEFLATOR_TABLES, FLAT.version, FLAT)


def it_system_model(**settings: Any) -> Any:
    """The SPEC section 5 known answer as an investment: £1m now, £150k a year for 10 years."""
    data = yaml.safe_load((MODELS / "minimal.yaml").read_text())
    data["investments"] = {
        "it": {
            "appraisal_start": "2020/21",
            "price_base_year": "2020/21",
            "appraisal_period": 11,
            "deflator_version": FLAT.version,
            "funders": {"icb": 1.0},
            "options": [
                {"id": "do_nothing"},
                {
                    "id": "it_system",
                    "start_year": "2020/21",
                    "costs": [{"id": "system", "kind": "capital", "amount": 1000}],
                    "benefits": [
                        {
                            "id": "savings",
                            "type": "cash_releasing",
                            "recurrent": True,
                            "amount": 150,
                            "start_year": "2021/22",
                            "end_year": "2030/31",
                        }
                    ],
                },
            ],
            **settings,
        }
    }
    return model_from_data(data, "it.yaml")


@pytest.fixture(scope="module")
def ipa(default_model: Any) -> InvestmentCase:
    return appraise_model(default_model)


def test_known_answer_through_a_model_file(flat_deflator: None) -> None:
    case = appraise_model(it_system_model())
    annuity = (1 - 1.035**-10) / 0.035
    assert case.economic.appraisal.npsv[1] == pytest.approx(150 * annuity - 1000)
    assert round(float(case.economic.appraisal.npsv[1])) == 247
    assert case.economic.payback_label(1) == "2028/29"  # year 8
    assert case.preferred == 1
    # the financial case is cash: £1m in 2020/21, then £150k a year back to the icb
    f = case.financial
    icb = case.streams.partner_ids.index("icb")
    assert f.cost[1, icb, 0] == 1000.0 and f.cash_released[1, icb, 1] == 150.0
    np.testing.assert_allclose(f.surplus_change[1, icb], [-1000.0, 150.0, 150.0])


def test_mid_year_discounting_is_an_option(flat_deflator: None) -> None:
    end = appraise_model(it_system_model()).economic
    mid = appraise_model(it_system_model(discount={"mid_year": True})).economic
    np.testing.assert_allclose(mid.discount_factors, discount_factors(10, mid_year=True))
    assert mid.appraisal.npsv[1] > end.appraisal.npsv[1]


def test_health_schedule_and_real_prices(flat_deflator: None) -> None:
    health = appraise_model(it_system_model(discount={"schedule": "health"})).economic
    np.testing.assert_allclose(health.discount_factors, discount_factors(10, "health"))
    real = appraise_model(
        it_system_model(deflator_version="ons-ybgb-2025-06", deflator_extend_rate=0.02)
    ).economic
    d = discounting.deflator_index(list(real.years), extend_rate=0.02)
    np.testing.assert_allclose(real.real_factor, d[0] / d)
    np.testing.assert_allclose(real.benefits["savings"][1], 150.0 * np.r_[0, [1] * 10] * d[0] / d)


def test_npsv_at_a_zero_rate_is_the_undiscounted_sum(ipa: InvestmentCase) -> None:
    """SPEC invariant 7 on the default case's own streams."""
    e = ipa.economic
    shape = (len(ipa.option_ids), len(e.years))
    costs = sum(e.costs.values(), np.zeros(shape))
    benefits = sum(e.benefits.values(), np.zeros(shape))
    zero = appraise(costs, benefits, np.ones(len(e.years)), baseline=0)
    incremental = (benefits - benefits[0]) - (costs - costs[0])
    np.testing.assert_allclose(zero.npsv, incremental.sum(axis=-1))
    discounted = ((benefits - benefits[0]) - (costs - costs[0])) @ e.discount_factors
    np.testing.assert_allclose(e.appraisal.npsv, discounted)


def test_pv_costs_add_up_the_streams_with_their_bias(ipa: InvestmentCase) -> None:
    """Every cost stream (staff, backlog team, the risk register's expected cost) raised by its
    optimism-bias rate (none on an in-house staffing budget) adds up to PV costs."""
    e = ipa.economic
    total = sum(e.pv_costs.values())
    np.testing.assert_allclose(e.appraisal.pv_costs, total)
    for key, before in e.costs_before_bias.items():
        np.testing.assert_allclose(e.costs[key], before * (1 + e.optimism_bias[key][:, None]))


def test_switching_values_take_npsv_to_zero(ipa: InvestmentCase) -> None:
    e = ipa.economic
    o = e.switching_option
    assert o is not None and o != ipa.streams.baseline  # preferred, or the best other
    ranked = [int(i) for i in np.argsort(-e.appraisal.npsv) if i != ipa.streams.baseline]
    assert o == ranked[0]
    df = e.discount_factors
    for value in e.switching:
        if value.present_value == 0.0:  # a stream the option does not have (e.g. a team)
            assert value.switching_value is None
            continue
        assert value.switching_value is not None
        scale = {value.stream: 1.0 + value.switching_value}
        pvc = sum(
            ((v[o] - v[0]) * scale.get(k, 1.0)) @ df * (1 + e.optimism_bias[k][o])
            for k, v in e.costs_before_bias.items()
        )
        pvb = sum(((v[o] - v[0]) * scale.get(k, 1.0)) @ df for k, v in e.benefits.items())
        assert pvb - pvc == pytest.approx(0.0, abs=1e-6)


def test_the_financial_case_is_the_projection(ipa: InvestmentCase) -> None:
    f = ipa.financial
    n = len(f.model_years)
    np.testing.assert_allclose(f.surplus_change, -f.net_cost[:, :, :n], atol=1e-9)
    in_ct = np.array([p.in_control_total for p in ipa.model.partners])
    np.testing.assert_allclose(
        f.system_variance_change, -f.net_cost[:, in_ct, :n].sum(axis=1), atol=1e-9
    )
    assert f.years[0] == "2020/21" and f.years[-1] == "2029/30"
    assert {f.partner_ids[p] for p in f.involved} == {
        p.id for p in ipa.model.partners for c in p.costs if c.id == "chc"
    } | {"lancashire_cc", "blackpool_council", "blackburn_darwen_council", "cumbria_cc"}


def test_the_ipa_answers_read_as_the_business_case_asks(ipa: InvestmentCase) -> None:
    rows = {row["option"]: row for row in ipa.answers()}
    assert list(rows) == [
        "do_nothing",
        "business_case",
        "backlog_team",
        "business_case_and_team",
        "uplift_2m",
        "uplift_3m",
        "uplift_4m",
    ]
    # do nothing and the business case never clear the overdue reviews; more money clears sooner
    assert rows["do_nothing"]["months_to_clear_backlog"] is None
    assert rows["business_case"]["months_to_clear_backlog"] is None
    months = [rows[o]["months_to_clear_backlog"] for o in ("uplift_2m", "uplift_3m", "uplift_4m")]
    assert all(m is not None for m in months) and months == sorted(months, reverse=True)
    assert rows["do_nothing"]["first_month_meeting_standard"] is None
    recurrent = ("business_case", "uplift_2m", "uplift_3m", "uplift_4m")
    firsts = [rows[o]["first_month_meeting_standard"] for o in recurrent]
    assert firsts == sorted(firsts, reverse=True)
    # a team on top of the business case reaches the standard sooner than the business case
    assert rows["business_case_and_team"]["first_month_meeting_standard"] < firsts[0]
    # every CCG pays its chc share; the shares add up to the option's amount
    for option, amount in (("business_case", 796), ("uplift_3m", 3000)):
        paid = rows[option]["cost_to_funders_first_full_year"]
        year = ipa.financial.years.index(rows[option]["first_full_year"])
        charged = ipa.streams.costs["staff"][ipa.option_ids.index(option), year + 1]
        assert len(paid) == 8 and sum(paid.values()) == pytest.approx(charged)
        assert 0 < charged < amount  # staff charged from their arrival in July 2020
        assert rows[option]["first_full_year"] == "2020/21"
    assert rows["business_case"]["extra_fte"] == pytest.approx(796 / 50)
    # the economic case: costs are the staff (and risks), benefits the register's streams
    for o in range(1, len(ipa.option_ids)):
        assert ipa.economic.appraisal.pv_costs[o] > 0 and ipa.economic.appraisal.pv_benefits[o] > 0


def test_a_scenario_selects_the_option_the_projection_shows(default_model: Any) -> None:
    case = appraise_model(default_model, scenario="ipa_3m")
    assert case.streams.option_ids[case.streams.selected] == "uplift_3m"
    assert case.focus == case.streams.selected
    # every option is still appraised the same way
    base = appraise_model(default_model)
    np.testing.assert_allclose(case.economic.appraisal.npsv, base.economic.appraisal.npsv)


def test_json_is_complete_and_strict(ipa: InvestmentCase) -> None:
    data = ipa.to_json()
    text = json.dumps(data, allow_nan=False)
    assert "NaN" not in text
    assert data["selected"] == "do_nothing"
    assert data["preferred"] == ipa.option_ids[int(np.argmax(ipa.economic.appraisal.npsv))]
    economic = data["economic_case"]
    assert economic["options"][0]["bcr"] is None and economic["options"][0]["payback_year"] is None
    assert len(economic["discount_factors"]) == 10
    assert ipa.economic.switching_option is not None  # the JSON names the option it is for
    assert (
        economic["switching_values"]["option"]
        == ipa.streams.option_ids[ipa.economic.switching_option]
    )
    fin = data["financial_case"]["options"]["business_case"]
    assert sum(v[0] for v in fin["cost"].values()) == pytest.approx(
        ipa.streams.costs["staff"][1, 1]
    )
    assert data["service"]["start"] == "2020-01" and data["service"]["end"] == "2030-03"
    assert len(data["service"]["options"]["uplift_4m"]["overdue_backlog"]) == len(
        data["service"]["years"]
    )


def test_an_option_can_override_funders_and_optimism_bias(flat_deflator: None) -> None:
    model = it_system_model(
        optimism_bias={"project_type": "equipment_development", "mitigation_share": 0.9}
    )
    data = model.model_dump(mode="json", exclude_unset=True)
    data = copy.deepcopy(data)
    option = data["investments"]["it"]["options"][1]
    option["funders"] = {"icb": 0.5, "trust": 0.5}
    option["optimism_bias"] = {
        "combined": {"standard_buildings": 0.7, "non_standard_buildings": 0.3}
    }
    case = appraise_model(model_from_data(data, "it.yaml"))
    assert case.economic.optimism_bias["system"][1] == pytest.approx(0.321)
    base = appraise_model(model)
    assert base.economic.optimism_bias["system"][1] == pytest.approx(0.2)
    np.testing.assert_allclose(case.streams.funder_shares[1], [0.5, 0.5])


def test_economic_case_vectorises_over_draws(default_model: Any) -> None:
    draws = compile_investment(
        default_model, "ipa_uplift", service_overrides={"review_finding_rate": np.array([0.1, 0.2])}
    )
    case = economic_case(draws)
    assert case.appraisal.npsv.shape == (2, 7) and case.switching == ()
    single = economic_case(compile_investment(default_model, "ipa_uplift"))
    np.testing.assert_allclose(case.appraisal.npsv[0], single.appraisal.npsv)
    assert np.all(case.appraisal.npsv[1, 1:] > case.appraisal.npsv[0, 1:])


def test_selecting_an_option_moves_the_control_total_view(default_model: Any) -> None:
    from finmodel import project

    chosen = project(with_overlay(default_model, {"investments.ipa_uplift.option": "uplift_2m"}))
    case = appraise_model(default_model)
    o = case.option_ids.index("uplift_2m")
    np.testing.assert_allclose(chosen.arrays.system_variance[1:], case.financial.system_variance[o])


def test_the_projection_effect_equals_the_financial_case_to_the_penny(
    ipa: InvestmentCase,
) -> None:
    """Defect 7: every cash effect (costs, cash released, package spend of eligibility decided
    sooner, the retrospective liability, council care) is in the projection, exactly."""
    f = ipa.financial
    n = len(f.model_years)
    assert set(f.cash_effects) == {"package_spend", "retrospective_liability", "council_care"}
    for o in range(len(ipa.option_ids)):
        np.testing.assert_allclose(f.surplus_change[o], -f.net_cost[o][:, :n], atol=5e-6)
    # the councils bear (or are spared) the cost of care while people wait
    councils = [ipa.streams.partner_ids.index(p) for p in ("lancashire_cc", "cumbria_cc")]
    assert np.all(f.cash_effects["council_care"][1:, councils, 1:] < 0)
    data = ipa.to_json()["financial_case"]["options"]["uplift_2m"]
    assert set(data) >= {"package_spend", "retrospective_liability", "council_care"}


def test_the_financial_case_is_the_engine_with_each_option_selected_exactly(
    default_model: Any,
) -> None:
    """The financial case projects the model compiled once with each option's net cost laid
    over it: exactly what setting the option and projecting again gives, including with a
    second investment (before and after this one) whose own selected option stays laid over."""
    from finmodel import project

    data = default_model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    second = copy.deepcopy(data["investments"]["ipa_uplift"]) | {"option": "uplift_3m"}
    data["investments"] = {"first": second, **data["investments"], "last": second}
    model = model_from_data(data, "two.yaml")
    case = appraise_model(model, "ipa_uplift")
    f = case.financial
    path = "investments.ipa_uplift.option"
    baseline = project(with_overlay(model, {path: "do_nothing"})).arrays.surplus[:, 1:]
    for o, option in enumerate(case.option_ids):
        engine = project(with_overlay(model, {path: option})).arrays
        assert np.array_equal(f.system_surplus[o], engine.system_surplus[1:])
        assert np.array_equal(f.system_variance[o], engine.system_variance[1:])
        assert np.array_equal(f.surplus_change[o], engine.surplus[:, 1:] - baseline)
