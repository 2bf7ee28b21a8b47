"""Optimism bias: HMT upper bounds, mitigation, combined projects (SPEC section 5)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.domain.optimism_bias import (
    DEFAULT_OPTIMISM_BIAS_VERSION,
    OPTIMISM_BIAS_TABLES,
    AppraisalError,
    apply_optimism_bias,
    combined_optimism_bias_rate,
    optimism_bias_rate,
    upper_bound,
)

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

TYPES = [
    "standard_buildings",
    "non_standard_buildings",
    "standard_civil_engineering",
    "non_standard_civil_engineering",
    "equipment_development",
    "outsourcing",
]


@pytest.mark.parametrize(
    ("project_type", "cost", "duration"),
    [
        ("standard_buildings", 0.24, 0.04),
        ("non_standard_buildings", 0.51, 0.39),
        ("standard_civil_engineering", 0.44, 0.20),
        ("non_standard_civil_engineering", 0.66, 0.25),
        ("equipment_development", 2.00, 0.54),
        ("outsourcing", 0.41, None),
    ],
)
def test_upper_bounds_from_the_hmt_table(
    project_type: str, cost: float, duration: float | None
) -> None:
    assert upper_bound(project_type) == cost
    if duration is None:
        with pytest.raises(AppraisalError, match="no works_duration"):
            upper_bound(project_type, "works_duration")
    else:
        assert upper_bound(project_type, "works_duration") == duration


def test_cost_means_capex_for_works_and_opex_for_outsourcing() -> None:
    assert upper_bound("standard_buildings", "capex") == upper_bound("standard_buildings")
    assert upper_bound("outsourcing", "opex") == 0.41
    with pytest.raises(AppraisalError, match="no capex"):
        upper_bound("outsourcing", "capex")
    with pytest.raises(AppraisalError, match="no opex"):
        upper_bound("standard_buildings", "opex")


def test_table_is_versioned_and_cited() -> None:
    table = OPTIMISM_BIAS_TABLES[DEFAULT_OPTIMISM_BIAS_VERSION]
    assert sorted(table.project_types) == sorted(TYPES)
    assert "Mott MacDonald" in table.citation


@SETTINGS
@given(project_type=st.sampled_from(TYPES), mitigation=st.floats(0.0, 1.0))
def test_rate_is_upper_bound_times_unmitigated_share(project_type: str, mitigation: float) -> None:
    rate = optimism_bias_rate(project_type, mitigation)
    assert rate == pytest.approx(upper_bound(project_type) * (1.0 - mitigation))
    assert 0.0 <= rate <= upper_bound(project_type)


def test_mitigation_end_points_and_arrays() -> None:
    assert optimism_bias_rate("non_standard_buildings", 0.0) == 0.51
    assert optimism_bias_rate("non_standard_buildings", 1.0) == 0.0
    draws = optimism_bias_rate("equipment_development", np.array([0.0, 0.5, 0.75]))
    np.testing.assert_allclose(draws, [2.0, 1.0, 0.5])


def test_combined_project_worked_example() -> None:
    """HMT supplementary guidance: 30% non-standard + 70% standard building."""
    weights = {"non_standard_buildings": 0.3, "standard_buildings": 0.7}
    assert combined_optimism_bias_rate(weights) == pytest.approx(0.321)
    assert combined_optimism_bias_rate(weights, measure="works_duration") == pytest.approx(0.145)
    # Mitigation by part: half of the non-standard part's factors mitigated.
    mitigated = combined_optimism_bias_rate(weights, {"non_standard_buildings": 0.5})
    assert mitigated == pytest.approx(0.3 * 0.51 * 0.5 + 0.7 * 0.24)
    # One share for every part scales the whole.
    assert combined_optimism_bias_rate(weights, 0.4) == pytest.approx(0.321 * 0.6)


@SETTINGS
@given(project_type=st.sampled_from(TYPES), mitigation=st.floats(0.0, 1.0))
def test_combined_project_of_one_type_is_that_type(project_type: str, mitigation: float) -> None:
    assert combined_optimism_bias_rate({project_type: 1.0}, mitigation) == pytest.approx(
        optimism_bias_rate(project_type, mitigation)
    )


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(AppraisalError, match="unknown optimism bias project type 'bridge'"):
        optimism_bias_rate("bridge")
    with pytest.raises(AppraisalError, match="known: equipment_development"):
        combined_optimism_bias_rate({"bridge": 1.0})
    with pytest.raises(AppraisalError, match="sum to 1"):
        combined_optimism_bias_rate({"standard_buildings": 0.5, "non_standard_buildings": 0.4})
    with pytest.raises(AppraisalError, match="non-negative"):
        combined_optimism_bias_rate({"standard_buildings": 1.5, "non_standard_buildings": -0.5})
    with pytest.raises(AppraisalError, match=r"mitigation share must be in \[0, 1\]"):
        optimism_bias_rate("standard_buildings", 1.2)
    with pytest.raises(AppraisalError, match="unknown optimism bias table version"):
        optimism_bias_rate("standard_buildings", version="hmt-1999")
    with pytest.raises(AppraisalError, match="unknown optimism bias measure"):
        upper_bound("standard_buildings", "benefits")  # type: ignore[arg-type]


def test_apply_optimism_bias() -> None:
    np.testing.assert_allclose(apply_optimism_bias([100.0, 0.0, 50.0], 0.24), [124.0, 0.0, 62.0])
    uplifted = apply_optimism_bias(np.ones((3, 2)), np.array([0.0, 0.5, 1.0])[:, None])
    np.testing.assert_allclose(uplifted[:, 0], [1.0, 1.5, 2.0])
