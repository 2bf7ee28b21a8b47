"""Scenario overlays by dotted path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from finmodel.domain.overlay import OverlayPathError, apply_overlay, get_at, resolve_path
from finmodel.domain.schema_paths import model_fields
from finmodel.domain.validation import apply_scenario, with_overlay
from finmodel.errors import ScenarioError
from finmodel.investment.case import appraise_model
from finmodel.io.yaml_io import load_model
from tests.cli import invoke
from tests.conftest import MODELS

DATA: dict[str, Any] = {
    "assumptions": {"inflation": 0.02},
    "partners": [{"id": "icb", "costs": [{"id": "chc", "baseline": 300}]}],
    "control_totals": {"icb": {"value": 0, "source": "illustrative"}},
}
#: Two partners as in the minimal model: the icb's CHC line and the trust's staff line.
DATA_TWO: dict[str, Any] = {
    "partners": [
        {
            "id": "icb",
            "funding": [{"id": "allocation", "baseline": 1000}],
            "costs": [{"id": "acute", "baseline": 700}, {"id": "chc", "baseline": 300}],
        },
        {"id": "trust", "costs": [{"id": "staff", "baseline": 500}]},
    ]
}


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


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


# -- sections the file leaves out: the overlay creates them ----------------------------------


def _with_investment(data: dict[str, Any], **investment: Any) -> dict[str, Any]:
    """The data with investment ``x``: do nothing and option ``b`` (a recurrent cost paid by
    the icb, a cash-releasing benefit to it), under the given extra settings."""
    b = {
        "id": "b",
        "start_year": "2020/21",
        "costs": [{"id": "staff", "recurrent": True, "amount": 100, "source": "illustrative"}],
        "benefits": [
            {
                "id": "saving",
                "type": "cash_releasing",
                "recurrent": True,
                "amount": 150,
                "source": "illustrative",
            }
        ],
        "funders": {"icb": 1.0},
    }
    out = copy.deepcopy(data)
    out["investments"] = {"x": {"appraisal_period": 5, "options": [{"id": "do_nothing"}, b]}}
    out["investments"]["x"].update(investment)
    return out


def test_a_scenario_creates_a_missing_discount_section_as_if_written(tmp_path: Path) -> None:
    data = yaml.safe_load((MODELS / "minimal.yaml").read_text())
    data = _with_investment(data)
    data["scenarios"].append({"id": "qaly", "set": {"investments.x.discount.schedule": "health"}})
    in_scenario = load_model(_write(tmp_path / "a.yaml", data))
    written = _with_investment(yaml.safe_load((MODELS / "minimal.yaml").read_text()))
    written["investments"]["x"]["discount"] = {"schedule": "health"}
    in_file = load_model(_write(tmp_path / "b.yaml", written))

    applied = appraise_model(in_scenario, "x", "qaly")
    expected = appraise_model(in_file, "x")
    assert applied.economic.schedule == "health"
    assert applied.model.investments["x"] == in_file.investments["x"]
    np.testing.assert_array_equal(applied.economic.appraisal.npsv, expected.economic.appraisal.npsv)
    standard = appraise_model(in_scenario, "x")
    assert not np.allclose(standard.economic.appraisal.npsv, expected.economic.appraisal.npsv)
    assert "discount" not in data["investments"]["x"]  # the caller's data is left alone


#: Paths into sections a model file may leave out, and the mapping each creates.
SECTION_PATHS = {
    "partners.trust.cip.planned": ("partners", 1, "cip"),
    "partners.trust.cip.sources.planned": ("partners", 1, "cip"),
    "partners.icb.funding.allocation.convergence.pace": (
        "partners",
        0,
        "funding",
        0,
        "convergence",
    ),
    "tariff.cost_uplift": ("tariff",),
    "investments.x.discount.schedule": ("investments", "x", "discount"),
    "investments.x.optimism_bias.mitigation_share": ("investments", "x", "optimism_bias"),
}


@given(path=st.sampled_from(sorted(SECTION_PATHS)), value=st.floats(0, 1) | st.text(max_size=5))
def test_a_missing_section_is_created_in_the_copy_only(path: str, value: Any) -> None:
    data = _with_investment({"partners": copy.deepcopy(DATA_TWO["partners"])})
    before = copy.deepcopy(data)
    out = apply_overlay(data, {path: value})
    assert data == before
    keys = resolve_path(out, path)
    assert get_at(out, keys) == value
    section = get_at(out, SECTION_PATHS[path])
    assert isinstance(section, dict) and len(section) == 1  # only what the path names


@given(name=st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True))
def test_an_unknown_key_above_the_leaf_is_refused_with_the_path(name: str) -> None:
    assume(name not in model_fields(("investments", "x")))
    path = f"investments.x.{name}.schedule"
    data = _with_investment({"partners": copy.deepcopy(DATA_TWO["partners"])})
    with pytest.raises(OverlayPathError, match=rf"no {name!r} under investments\.x") as err:
        apply_overlay(data, {path: "health"})
    assert err.value.path == path and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (
            "investments.x.discont.schedule",
            "no 'discont' under investments.x (did you mean 'discount'?)",
        ),
        (
            "investments.x.discount.schedul",
            "no 'schedul' under investments.x.discount (did you mean",
        ),
        ("investments.y.discount.schedule", "no 'y' under investments"),
        ("partners.trust.qipp.rate", "partners.trust.qipp is a value, not a section"),
        ("partners.trust.costs.nope.baseline", "no item with id 'nope'"),
    ],
)
def test_paths_that_cannot_be_created_are_named(path: str, reason: str) -> None:
    data = _with_investment({"partners": copy.deepcopy(DATA_TWO["partners"])})
    with pytest.raises(OverlayPathError) as err:
        resolve_path(data, path)
    assert reason in str(err.value) and path in str(err.value)
    assert resolve_path(data, "investments.x.discount") == ("investments", "x", "discount")
    with pytest.raises(OverlayPathError):
        resolve_path(data, "investments.x.discount.schedule", allow_missing_leaf=False)


def test_the_cli_refuses_an_unknown_section_in_a_scenario_in_one_line(tmp_path: Path) -> None:
    data = _with_investment(yaml.safe_load((MODELS / "minimal.yaml").read_text()))
    data["scenarios"].append({"id": "typo", "set": {"investments.x.discont.schedule": "health"}})
    path = _write(tmp_path / "m.yaml", data)
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if "discont" in line]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "scenarios.typo.set.investments.x.discont.schedule" in lines[0]
    assert "did you mean 'discount'?" in lines[0]


def test_the_cli_applies_a_scenario_that_creates_a_section(tmp_path: Path) -> None:
    data = _with_investment(yaml.safe_load((MODELS / "minimal.yaml").read_text()))
    data["scenarios"].append({"id": "cip", "set": {"partners.trust.cip.planned": 0.05}})
    result = invoke("run", str(_write(tmp_path / "m.yaml", data)), "--scenario", "cip")
    assert result.exit_code == 0, result.stderr
