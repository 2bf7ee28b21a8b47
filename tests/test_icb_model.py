"""The ICB-era model, models/lsc_icb.yaml: the published 2024/25 position held exactly.

Published [S]/[P] (see the model file): the L&SC NHS system (ICB and trusts, the partners in
the control total) reported a £129.8m deficit in 2024/25 after £175m deficit support and £50m
winter funding; its underlying deficit was £354.8m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from finmodel import Model, load_model, project
from tests.test_default_model import CITED, ILLUSTRATIVE, _all_sources, _objects, _unsourced

ICB_MODEL = Path(__file__).resolve().parents[1] / "models" / "lsc_icb.yaml"
NHS = {"icb", "lth", "elht", "bth", "uhmbt", "lscft"}
COUNCILS = {"lancashire_cc", "blackpool", "blackburn", "westmorland_furness"}


@pytest.fixture(scope="module")
def icb() -> Model:
    return load_model(ICB_MODEL)


def test_base_year_reproduces_the_published_position(icb: Model) -> None:
    result = project(icb)
    a = result.arrays
    assert result.years[0] == "2024/25"
    assert set(result.partners_inside()) == NHS
    assert set(result.partners_outside()) == COUNCILS
    # reported deficit £129.8m, underlying £354.8m (£k), exactly
    assert a.control_total_surplus[0] == pytest.approx(-129_800, abs=1e-6)
    assert a.control_total_underlying_surplus[0] == pytest.approx(-354_800, abs=1e-6)
    # the difference is £175m deficit support and £50m winter funding
    inputs = result.inputs
    by_kind = {
        kind: float(inputs.nonrec_income[[k == kind for k in inputs.nonrec_kind], 0].sum())
        for kind in ("deficit_support", "winter_funding")
    }
    assert by_kind == {"deficit_support": 175_000, "winter_funding": 50_000}
    inside = [inputs.partner_ids.index(p) for p in NHS]
    assert float(a.non_recurrent[inside, 0].sum()) == pytest.approx(225_000)
    boundary = result.to_json()["control_total_boundary"]
    assert boundary["surplus_inside"][0] == pytest.approx(-129_800)
    assert boundary["underlying_surplus_inside"][0] == pytest.approx(-354_800)


def test_mental_health_investment_standard_met_and_allocation_converges(icb: Model) -> None:
    result = project(icb).to_json()
    assert result["ring_fences"]["icb.mental_health"]["met"][1:] == [True] * 4
    distance = result["allocations"]["icb.allocation"]["distance_from_target"]
    d0 = 5_200_000 / 5_148_000 - 1
    np.testing.assert_allclose(distance, [d0 * 0.75**t for t in range(5)], rtol=1e-9)


def test_deficit_support_is_withdrawn(icb: Model) -> None:
    a = project(icb).arrays
    np.testing.assert_allclose(a.system_non_recurrent, [225_000, 87_500, 0, 0, 0])


@pytest.mark.parametrize(
    "scenario",
    [None, "cip_2023_24_rate", "nonrecurrent_cip_not_replaced", "pay_award_above_funding"],
)
def test_scenarios_keep_the_base_year_and_the_identities(icb: Model, scenario: str | None) -> None:
    a = project(icb, scenario).arrays
    assert a.control_total_surplus[0] == pytest.approx(-129_800, abs=1e-6)
    np.testing.assert_allclose(a.surplus - a.underlying_surplus, a.non_recurrent, atol=1e-6)
    np.testing.assert_allclose(a.control_total_surplus + a.outside_surplus, a.system_surplus)
    assert (a.cip_delivered <= a.cip_planned + 1e-6).all()


def test_scenarios_move_the_plan_as_a_finance_lead_expects(icb: Model) -> None:
    plan = project(icb).arrays
    rate = project(icb, "cip_2023_24_rate").arrays
    not_replaced = project(icb, "nonrecurrent_cip_not_replaced").arrays
    pay = project(icb, "pay_award_above_funding").arrays
    last = -1
    # CIP short of plan and partly non-recurrent: a worse run rate every projected year
    assert (
        rate.control_total_underlying_surplus[1:] < plan.control_total_underlying_surplus[1:]
    ).all()
    # the 2023/24 rate keeps replacing its non-recurrent schemes; not replacing them is worse
    assert not_replaced.control_total_surplus[last] < rate.control_total_surplus[last]
    # in 2025/26 the two are the same plan
    assert not_replaced.control_total_surplus[1] == pytest.approx(rate.control_total_surplus[1])
    # a pay award above the funded cost uplift falls on the trusts, not the ICB
    icb_row = 0
    assert pay.surplus[icb_row, last] == pytest.approx(plan.surplus[icb_row, last])
    assert pay.control_total_surplus[last] < plan.control_total_surplus[last]


def test_every_figure_is_cited_or_illustrative(icb: Model) -> None:
    # a non-recurrent item's `source` covers its amounts (base year and projected), a
    # convergence's `source` its fair-share target
    amounts = (".base_year", ".projected", ".fair_share")
    assert [m for m in _unsourced(icb) if not m.endswith(amounts)] == []
    assert all(item.source for p in icb.partners for item in p.non_recurrent)
    for section in ("price_series", "tariff"):
        for path, obj in _objects(getattr(icb, section), section):
            figures = [n for n in obj.model_fields_set if n not in ("source", "sources", "name")]
            for name in figures:
                value = getattr(obj, name)
                if isinstance(value, (float, list)) and name not in ("weights",):
                    given = obj.source if name == "growth" else obj.sources.get(name)  # type: ignore[attr-defined]
                    assert given, f"{path}.{name}"
    sources = _all_sources(icb)
    bad = [(w, t) for w, t in sources if not (CITED.match(t) or ILLUSTRATIVE.match(t))]
    assert bad == []
    assert [w for w, t in sources if "[U]" in t] == []
