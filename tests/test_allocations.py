"""Allocations: convergence to fair share at a stated pace; ring-fences (MHIS) reported."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finmodel import project
from finmodel.domain.validation import validate_data


def _model(alloc: float, fair: float, pace: float, growth: list[float], mh_growth: float):
    data = {
        "name": "alloc",
        "timeline": {"base_year": "2024/25", "horizon": len(growth)},
        "partners": [
            {
                "id": "icb",
                "name": "ICB",
                "kind": "commissioner",
                "place": "P",
                "in_control_total": False,
                "funding": [
                    {
                        "id": "allocation",
                        "baseline": alloc,
                        "funding_growth": growth,
                        "convergence": {"fair_share": fair, "pace": pace},
                    }
                ],
                "costs": [
                    {
                        "id": "mh",
                        "baseline": 100,
                        "demand_growth": mh_growth,
                        "ring_fence": "mental_health",
                    }
                ],
            }
        ],
    }
    model, findings = validate_data(data)
    assert model is not None and not findings, findings
    return model


@given(
    alloc=st.floats(1_000, 1e6),
    gap=st.floats(-0.2, 0.2),
    pace=st.floats(0.0, 1.0),
    growth=st.lists(st.floats(-0.02, 0.08), min_size=1, max_size=6),
)
def test_distance_from_target_closes_at_the_pace(alloc, gap, pace, growth):
    fair = alloc / (1 + gap)
    result = project(_model(alloc, fair, pace, growth, 0.0))
    entry = result.to_json()["allocations"]["icb.allocation"]
    distance = np.array(entry["distance_from_target"])
    expected = (alloc / fair - 1) * (1 - pace) ** np.arange(len(growth) + 1)
    np.testing.assert_allclose(distance, expected, rtol=1e-9, atol=1e-9)
    # the target grows with the national uplift
    np.testing.assert_allclose(
        entry["fair_share"], fair * np.concatenate([[1.0], np.cumprod(1 + np.array(growth))])
    )


def test_full_pace_reaches_target_in_one_year():
    result = project(_model(110.0, 100.0, 1.0, [0.03, 0.03], 0.0))
    assert result.arrays.funding[0].tolist() == pytest.approx([110.0, 103.0, 106.09])


def test_mental_health_investment_standard_reported():
    # allocation grows 3%: MH spend growing 2% misses the standard, 4% meets it
    short = project(_model(100.0, 100.0, 0.5, [0.03, 0.03], 0.02)).to_json()["ring_fences"]
    met = project(_model(100.0, 100.0, 0.5, [0.03, 0.03], 0.04)).to_json()["ring_fences"]
    assert short["icb.mental_health"]["met"] == [None, False, False]
    assert met["icb.mental_health"]["met"] == [None, True, True]
    assert met["icb.mental_health"]["allocation_growth"][1] == pytest.approx(0.03)
    assert met["icb.mental_health"]["spend_growth"][1] == pytest.approx(0.04)
