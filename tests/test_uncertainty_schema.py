"""The ``uncertainty:`` section of model files: format, validation, places named in errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from finmodel import load_model
from finmodel.domain.model import Model
from finmodel.domain.uncertainty import UncertainInput
from finmodel.errors import ModelValidationError
from finmodel.risk.inputs import input_target, matching_paths, resolve_uncertainty
from tests.conftest import MODELS

MINIMAL = MODELS / "minimal.yaml"


def write_with_uncertainty(tmp_path: Path, section: dict[str, Any], base: Path = MINIMAL) -> Path:
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data["uncertainty"] = section
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ModelValidationError) as info:
        load_model(path)
    return [str(p) for p in info.value.problems]


def spec(**fields: Any) -> dict[str, Any]:
    return {"source": "illustrative: test", **fields}


def test_every_distribution_kind_is_accepted(tmp_path):
    path = write_with_uncertainty(
        tmp_path,
        {
            "assumptions.inflation": spec(dist="uniform", low=0.01, high=0.04),
            "assumptions.demand_growth": spec(dist="triangular", low=0.01, mode=0.02, high=0.05),
            "assumptions.efficiency": spec(dist="pert", low=0.0, mode=0.01, high=0.02),
            "assumptions.funding_growth": spec(dist="normal", mean=0.0, sd=0.01, apply="add"),
            "partners.icb.costs.chc.baseline": spec(
                dist="interval80", low=0.9, high=1.1, apply="scale"
            ),
        },
    )
    model = load_model(path)
    assert sorted(model.uncertainty) == sorted(
        [
            "assumptions.inflation",
            "assumptions.demand_growth",
            "assumptions.efficiency",
            "assumptions.funding_growth",
            "partners.icb.costs.chc.baseline",
        ]
    )
    means = {k: v.distribution().mean for k, v in model.uncertainty.items()}
    assert means["assumptions.inflation"] == pytest.approx(0.025)
    assert means["partners.icb.costs.chc.baseline"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("fields", "place", "message"),
    [
        (spec(dist="uniform", low=0.05, high=0.01), "high", "below low"),
        (spec(dist="pert", low=0.01, mode=0.05, high=0.03), "high", "below mode"),
        (spec(dist="triangular", low=0.02, mode=0.01, high=0.03), "mode", "below low"),
        (spec(dist="interval80", low=0.03, high=0.02), "high", "below low"),
        (spec(dist="normal", mean=0.02, sd=-0.01), "sd", "greater than or equal to 0"),
    ],
)
def test_bad_parameters_name_the_field_and_line(tmp_path, fields, place, message):
    path = write_with_uncertainty(tmp_path, {"assumptions.inflation": fields})
    [problem] = problems_of(path)
    assert f"uncertainty.assumptions.inflation.{place} (line " in problem
    assert message in problem
    assert problem.startswith(str(path))


def test_missing_and_foreign_parameters_are_reported(tmp_path):
    path = write_with_uncertainty(
        tmp_path,
        {
            "assumptions.inflation": spec(dist="pert", low=0.01, high=0.03),
            "assumptions.efficiency": spec(dist="uniform", low=0.0, high=0.02, sd=0.1),
        },
    )
    problems = "\n".join(problems_of(path))
    assert "pert takes low, mode, high: missing mode" in problems
    assert "sd not used by uniform" in problems


def test_unknown_paths_are_reported_with_a_suggestion(tmp_path):
    path = write_with_uncertainty(
        tmp_path,
        {
            "assumptions.inflaton": spec(dist="uniform", low=0.0, high=0.01),
            "assumptions.inflation": spec(
                dist="uniform", low=0.0, high=0.01, also=["partners.nobody.costs.*.inflation"]
            ),
        },
    )
    problems = problems_of(path)
    unknown = next(p for p in problems if "inflaton" in p)
    assert re.search(r"uncertainty\.assumptions\.inflaton \(line \d+\)", unknown)
    assert "not a numeric input of this model" in unknown
    assert "did you mean assumptions.inflation" in unknown
    also = next(p for p in problems if "nobody" in p)
    assert "uncertainty.assumptions.inflation.also.[0] (line " in also


def test_values_outside_the_valid_range_are_reported(tmp_path):
    path = write_with_uncertainty(
        tmp_path,
        {
            "assumptions.efficiency": spec(dist="uniform", low=0.0, high=1.5),
            "partners.icb.costs.chc.baseline": spec(
                dist="uniform", low=-400.0, high=10.0, apply="add"
            ),
            "assumptions.inflation": spec(dist="normal", mean=-2.0, sd=0.01),
        },
    )
    problems = "\n".join(problems_of(path))
    assert re.search(
        r"assumptions\.efficiency\.high \(line \d+\): values drawn reach 1\.5", problems
    )
    assert "above the valid maximum 0.999 of an efficiency rate" in problems
    assert "chc.baseline.low" in problems and "below the valid minimum 0" in problems
    assert "the mean value reach -2" in problems


def test_one_input_may_have_only_one_distribution(tmp_path):
    path = write_with_uncertainty(
        tmp_path,
        {
            "assumptions.inflation": spec(dist="uniform", low=0.0, high=0.01),
            "partners.*.costs.*.inflation": spec(dist="uniform", low=0.0, high=0.01),
        },
    )
    problems = "\n".join(problems_of(path))
    assert "sets some of the same inputs as 'assumptions.inflation'" in problems


def test_patterns_match_one_segment_per_wildcard():
    known = ["partners.a.costs.pay.efficiency", "partners.a.b.costs.pay.efficiency", "x.y"]
    assert matching_paths("partners.*.costs.pay.efficiency", known) == [known[0]]
    assert matching_paths("partners.?.costs.pay.efficiency", known) == [known[0]]
    assert matching_paths("x.y", known) == ["x.y"]
    assert matching_paths("x.z", known) == []


def test_default_model_covers_the_main_drivers_with_sources(default_model: Model):
    keys = set(default_model.uncertainty)
    for driver in (
        "assumptions.demand_growth",
        "assumptions.inflation",
        "assumptions.cip_delivered",
        "assumptions.funding_growth",
        "investments.ipa_uplift.service.parameters.referral_growth",
        "investments.ipa_uplift.service.parameters.assessments_per_fte_month",
    ):
        assert driver in keys
    for item in default_model.uncertainty.values():
        assert item.source.startswith(("illustrative", "[S]", "[P]"))
    resolution = resolve_uncertainty(default_model)
    assert resolution.findings == []
    targets = {v.key: v.target for v in resolution.inputs}
    # `also` paths take the same draw: every line's inflation with the system's
    assert len(targets["assumptions.inflation"].paths) > 1
    # one draw of CIP delivery moves every trust's pay and non-pay CIP lines
    [slot] = targets["assumptions.cip_delivered"].slots
    assert slot.array == "cip_delivered" and slot.index.size == 14
    assert targets["investments.ipa_uplift.service.parameters.referral_growth"].service


def test_input_target_knows_service_parameters(default_model: Model):
    target = input_target(
        default_model, "investments.ipa_uplift.service.parameters.conversion_rate"
    )
    [item] = target.service
    assert item.parameter == "conversion_rate"
    assert target.valid == (0.0, 1.0)


def test_schema_documents_the_uncertainty_section():
    schema = json.dumps(Model.model_json_schema())
    assert "UncertainInput" in schema
    assert "interval80" in schema
    fields = UncertainInput.model_json_schema()["properties"]
    assert {"dist", "low", "mode", "high", "mean", "sd", "apply", "also", "source"} <= set(fields)
    assert "P90" in fields["high"]["description"]
