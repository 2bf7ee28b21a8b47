"""Scenario overlays by dotted path."""

from __future__ import annotations

import pytest

from finmodel.domain.overlay import OverlayPathError, apply_overlay, resolve_path
from finmodel.domain.validation import apply_scenario, with_overlay
from finmodel.errors import ScenarioError

DATA = {
    "assumptions": {"inflation": 0.02},
    "partners": [{"id": "icb", "costs": [{"id": "chc", "baseline": 300}]}],
    "control_totals": {"icb": {"value": 0, "source": "illustrative"}},
}


def test_resolve_by_id_and_missing_leaf():
    assert resolve_path(DATA, "partners.icb.costs.chc.baseline") == (
        "partners",
        0,
        "costs",
        0,
        "baseline",
    )
    assert resolve_path(DATA, "partners.icb.costs.chc.demand_growth")[-1] == "demand_growth"


@pytest.mark.parametrize(
    "path", ["partners.nope.costs", "assumptions.inflation.x", "partners.icb.costs.chc.x.y", ""]
)
def test_unknown_paths(path):
    with pytest.raises(OverlayPathError):
        resolve_path(DATA, path)


def test_overlay_copies_and_keeps_provenance():
    out = apply_overlay(DATA, {"control_totals.icb": -5, "assumptions.inflation": 0.03})
    assert out["control_totals"]["icb"] == {"value": -5, "source": "illustrative"}
    assert DATA["assumptions"]["inflation"] == 0.02


def test_with_overlay_validates(minimal_model):
    assert (
        with_overlay(minimal_model, {"partners.trust.costs.staff.efficiency": 0.05})
        .partner("trust")
        .costs[0]
        .efficiency
        == 0.05
    )
    with pytest.raises(ScenarioError, match=r"partners\.trust\.costs\.staff\.efficency"):
        with_overlay(minimal_model, {"partners.trust.costs.staff.efficency": 0.05})
    with pytest.raises(ScenarioError, match=r"greater than or equal to -0\.5"):
        with_overlay(minimal_model, {"assumptions.inflation": -2})


def test_apply_named_scenario(minimal_model):
    assert apply_scenario(minimal_model, "high_demand").assumptions.demand_growth == 0.04
    with pytest.raises(ScenarioError, match="no scenario 'x'"):
        apply_scenario(minimal_model, "x")
