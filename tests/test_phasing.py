"""Phasing profiles: a total change and a shape expanded to yearly rates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finmodel import project
from finmodel.domain.phasing import PROFILES, phase, weights
from finmodel.domain.validation import validate_data


@given(
    total=st.floats(-0.5, 1.0),
    profile=st.sampled_from(PROFILES),
    horizon=st.integers(1, 10),
    data=st.data(),
)
def test_rates_compound_to_the_total(total, profile, horizon, data):
    step = data.draw(st.integers(1, horizon)) if profile == "step" else None
    rates = np.array(phase(total, profile, horizon, step))
    assert rates.shape == (horizon,)
    assert np.prod(1 + rates) == pytest.approx(1 + total, rel=1e-12)
    w = weights(profile, horizon, step)
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()


def test_shapes():
    front = phase(0.2, "front_loaded", 4)
    back = phase(0.2, "back_loaded", 4)
    assert front == sorted(front, reverse=True) and back == sorted(back)
    assert phase(0.1, "step", 3, step_year=2) == pytest.approx([0.0, 0.1, 0.0])


def _data(rate):
    return {
        "name": "p",
        "timeline": {"base_year": "2024/25", "horizon": 3},
        "assumptions": {"demand_growth": rate},
        "partners": [
            {
                "id": "a",
                "name": "A",
                "kind": "provider",
                "place": "P",
                "in_control_total": False,
                "costs": [{"id": "c", "baseline": 100}],
            }
        ],
    }


def test_model_expands_a_profile():
    model, findings = validate_data(_data({"total": 0.1, "profile": "step", "year": "2026/27"}))
    assert model is not None and not findings
    assert model.assumptions.demand_growth == pytest.approx([0.0, 0.1, 0.0])
    assert project(model).arrays.cost[0].tolist() == pytest.approx([100, 100, 110, 110])


def test_bad_profile_is_reported_with_its_path():
    model, findings = validate_data(_data({"total": 0.1, "profile": "sideways"}))
    assert model is None
    text = " ".join(str(f) for f in findings)
    assert "assumptions.demand_growth" in text and "sideways" in text
