"""The benefits register derived from the service model (issue 12): each CIA benefit type moves
NPSV the right way, QALYs at the health schedule, cash effects in the financial case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from finmodel.appraisal.discounting import discount_factors
from finmodel.domain.validation import with_overlay
from finmodel.investment.economic import economic_case
from finmodel.investment.service_benefits import BENEFIT_TYPES, HEALTH_STREAMS
from finmodel.investment.streams import compile_investment
from finmodel.io.yaml_io import load_model

PARAMS = "investments.ipa_uplift.service.parameters"
DRIVERS = {
    "avoided_retrospective": "retrospective_cost_k",
    "acute_bed_days": "bed_day_value_k",
    "wellbeing_qalys": "qaly_value_k",
    "service_cash_released": "review_saving_k_per_year",
}


@pytest.fixture(scope="module")
def model() -> Any:
    return load_model("models/lsc_ics.yaml")


def _npsv(model: Any, changes: dict[str, float]) -> np.ndarray:
    changed = with_overlay(model, {f"{PARAMS}.{k}": v for k, v in changes.items()})
    return economic_case(compile_investment(changed, "ipa_uplift")).appraisal.npsv


@pytest.mark.parametrize("stream", sorted(DRIVERS))
def test_each_benefit_type_raises_npsv_of_options_that_cut_waiting(model: Any, stream: str) -> None:
    """Switching one benefit's unit value off lowers the NPSV of every option by exactly that
    benefit's PV, which is positive (each option decides sooner than do nothing)."""
    case = economic_case(compile_investment(model, "ipa_uplift"))
    pv = case.pv_benefits[stream]
    without = _npsv(model, {DRIVERS[stream]: 0.0})
    assert np.all(pv[1:] > 0.0) and pv[0] == 0.0
    np.testing.assert_allclose(case.appraisal.npsv - without, pv, rtol=1e-9, atol=1e-6)


def test_the_register_uses_the_cia_types(model: Any) -> None:
    s = compile_investment(model, "ipa_uplift")
    for key, kind in BENEFIT_TYPES.items():
        assert s.benefit_types[key] == kind
    assert {t.value for t in s.benefit_types.values()} == {
        "cash_releasing",
        "non_cash_releasing",
        "societal",
    }
    assert s.unmonetised  # listed beside the numbers


def test_qalys_are_discounted_at_the_health_schedule(model: Any) -> None:
    s = compile_investment(model, "ipa_uplift")
    e = economic_case(s)
    (key,) = HEALTH_STREAMS
    window = s.appraisal_slice
    raw = (s.benefits[key] / s.benefit_factors[key])[..., window] * e.real_factor
    health = discount_factors(len(e.years) - 1, "health")
    bias = s.investment.optimism_bias
    assert bias is not None  # the IPA case declares its optimism bias and benefit shortfall
    kept = 1 - bias.benefit_shortfall
    np.testing.assert_allclose(e.pv_benefits[key], kept * (raw - raw[0]) @ health)
    assert e.pv_benefits[key][1] > kept * (raw - raw[0])[1] @ e.discount_factors
    # every other benefit: only the shortfall
    np.testing.assert_allclose(s.benefit_factors["acute_bed_days"], kept)


def test_cash_effects_are_transfers_not_benefits(model: Any) -> None:
    """Package spend, the retrospective liability and council care are in the financial case
    (net cost by partner) but not in the economic case."""
    s = compile_investment(model, "ipa_uplift")
    assert set(s.cash_effects) == {"package_spend", "retrospective_liability", "council_care"}
    assert not set(s.cash_effects) & set(s.benefits)
    # deciding sooner: more package spend, less liability and council cost than do nothing
    assert np.all(s.cash_effects["package_spend"][1:, 2:] > 0)
    assert np.all(s.cash_effects["retrospective_liability"][1:, 2:] < 0)
    assert np.all(s.cash_effects["council_care"][1:, 2:] < 0)
    council = s.cash_effect_shares["council_care"][1]
    ids = [s.partner_ids[i] for i in np.flatnonzero(council)]
    assert ids == ["lancashire_cc", "blackpool_council", "blackburn_darwen_council", "cumbria_cc"]
    net = s.net_by_partner()
    np.testing.assert_allclose(
        net, s.costs_by_partner() - s.cash_released_by_partner() + s.cash_effects_by_partner()
    )


def test_collapsed_distributions_give_the_deterministic_answer(model: Any) -> None:
    """Every service and benefit parameter drawn at its modelled value (point draws) gives the
    deterministic NPSV and projection effect, staff costs and the register included."""
    from finmodel.domain.validation import with_overlay as overlay
    from finmodel.investment.case import appraise_model
    from finmodel.investment.effects import investment_draws
    from finmodel.service import VARIABLE_FIELDS

    chosen = overlay(model, {"investments.ipa_uplift.option": "business_case_and_team"})
    service = chosen.investments["ipa_uplift"].service
    assert service is not None  # the IPA case is driven by its service model
    params = service.parameters
    point = {name: np.full(3, float(getattr(params, name))) for name in VARIABLE_FIELDS}
    draws = investment_draws(chosen, point)
    case = appraise_model(chosen)
    np.testing.assert_allclose(draws.npsv, np.broadcast_to(case.economic.appraisal.npsv, (3, 7)))
    net = case.streams.net_by_partner()[case.streams.selected][:, : len(chosen.years)]
    np.testing.assert_allclose(draws.expenditure, np.broadcast_to(net, draws.expenditure.shape))


def test_a_users_own_deflator_series_is_used(model: Any) -> None:
    """Users may supply their own GDP deflator series (with its source) for the bundled table:
    a flat series makes real equal nominal."""
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2019, 2031)]
    flat = {
        "version": "flat-test",
        "citation": "illustrative: a flat deflator for the test",
        "status": "illustrative",
        "reference": "every year = 100",
        "index": dict.fromkeys(years, 100.0),
    }
    own = with_overlay(model, {"investments.ipa_uplift.deflator": flat})
    e = economic_case(compile_investment(own, "ipa_uplift"))
    np.testing.assert_allclose(e.real_factor, 1.0)
    base = economic_case(compile_investment(model, "ipa_uplift"))
    assert np.all(base.real_factor[1:] < 1.0)
