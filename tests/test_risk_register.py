"""Risk register and optimism bias of the IPA case (issue 12, defect 6)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from finmodel.domain.validation import with_overlay
from finmodel.investment.economic import RISK_STREAM, economic_case
from finmodel.investment.streams import compile_investment
from finmodel.io.yaml_io import load_model

INV = "investments.ipa_uplift"


@pytest.fixture(scope="module")
def model() -> Any:
    return load_model("models/lsc_ics.yaml")


def test_the_staffing_budget_carries_no_outsourcing_bound(model: Any) -> None:
    s = compile_investment(model, "ipa_uplift")
    e = economic_case(s)
    assert all(np.all(rate == 0.0) for rate in e.optimism_bias.values())
    assert model.investments["ipa_uplift"].optimism_bias.project_type == "none"
    # the outsourcing bound, if chosen, still raises the revenue costs by 41% x (1 - 0.5)
    outsourcing = with_overlay(
        model,
        {f"{INV}.optimism_bias.project_type": "outsourcing",
         f"{INV}.optimism_bias.mitigation_share": 0.5},
    )  # fmt: skip
    biased = economic_case(compile_investment(outsourcing, "ipa_uplift"))
    np.testing.assert_allclose(biased.costs["staff"], biased.costs_before_bias["staff"] * 1.205)


def test_the_benefit_shortfall_reduces_every_monetised_benefit(model: Any) -> None:
    e = economic_case(compile_investment(model, "ipa_uplift"))
    none = with_overlay(model, {f"{INV}.optimism_bias.benefit_shortfall": 0.0})
    full = economic_case(compile_investment(none, "ipa_uplift"))
    for key, pv in e.pv_benefits.items():
        np.testing.assert_allclose(pv, 0.8 * full.pv_benefits[key], atol=1e-9)


def test_the_risk_register_is_an_expected_cost(model: Any) -> None:
    s = compile_investment(model, "ipa_uplift")
    e = economic_case(s)
    risks = model.investments["ipa_uplift"].risks
    assert [r.id for r in risks] == ["recruitment", "systems", "disputes"]
    assert s.risk_costs is not None
    total = s.total_costs()
    years = np.asarray([int(y[:4]) for y in s.years])
    expected = np.zeros_like(total)
    for r in risks:
        on = (years >= int(r.year[:4])) & (years < int(r.year[:4]) + r.years)
        expected[1:] += r.probability * (r.impact + r.impact_share_of_costs * total[1:]) * on
    np.testing.assert_allclose(s.risk_costs, expected)
    assert np.all(e.pv_costs[RISK_STREAM][1:] > 0) and e.pv_costs[RISK_STREAM][0] == 0
    # more likely risks lower NPSV by their extra expected cost
    likelier = with_overlay(model, {f"{INV}.risks.systems.probability": 0.9})
    worse = economic_case(compile_investment(likelier, "ipa_uplift"))
    assert np.all(worse.appraisal.npsv[1:] < e.appraisal.npsv[1:])


def test_risk_probabilities_can_be_drawn(model: Any) -> None:
    """Draws of a risk's probability move the NPSV by the change in expected cost; at the
    modelled probability they give the deterministic answer."""
    from finmodel.investment.effects import investment_draws
    from finmodel.risk.service_draws import service_inputs

    path = f"{INV}.risks.systems.probability"
    assert service_inputs(model)[path].base == 0.3
    draws = investment_draws(model, {path: np.array([0.3, 0.0, 1.0])})
    e = economic_case(compile_investment(model, "ipa_uplift"))
    np.testing.assert_allclose(draws.npsv[0], e.appraisal.npsv)
    assert np.all(draws.npsv[1, 1:] > draws.npsv[0, 1:])
    assert np.all(draws.npsv[0, 1:] > draws.npsv[2, 1:])
    # £250k in 2020/21 (year 0, real 2019/20 prices), undiscounted: the swing from 0 to 1
    real = e.real_factor[0]
    np.testing.assert_allclose(draws.npsv[1, 1:] - draws.npsv[2, 1:], 250.0 * real)
