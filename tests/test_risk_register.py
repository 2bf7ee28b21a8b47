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
