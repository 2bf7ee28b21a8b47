"""Reading model files: every problem named by file, dotted path and line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from finmodel import load_model
from finmodel.errors import ModelValidationError
from finmodel.io.yaml_io import load_model_text, model_to_yaml

GOOD = """\
name: Two partners
timeline: {base_year: "2019/20", horizon: 2}
assumptions: {demand_growth: 0.03, inflation: 0.02, efficiency: 0.01, funding_growth: 0.04}
partners:
  - id: icb
    name: ICB
    kind: commissioner
    place: Central
    funding: [{id: allocation, baseline: 1000}]
    costs:
      - {id: acute, baseline: 700, payee: trust}
  - id: trust
    name: Trust
    kind: provider
    place: Central
    costs: [{id: staff, baseline: 600}]
control_totals: {icb: 0, trust: 0}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ModelValidationError) as err:
        load_model_text(text, "m.yaml")
    return [str(p) for p in err.value.problems]


def test_minimal_example_loads_as_it_is(minimal_model):
    assert [p.id for p in minimal_model.partners] == ["icb", "trust"]
    assert minimal_model.scenario("high_demand").set["assumptions.demand_growth"] == 0.04


def test_good_model_loads():
    model = load_model_text(GOOD)
    assert model.timeline.years == ["2019/20", "2020/21", "2021/22"]


def test_problems_name_path_and_line_and_come_together():
    text = GOOD.replace("baseline: 1000", "baseline: tbc").replace(
        "payee: trust", "payee: trusts, colour: red"
    )
    found = problems(text)
    assert (
        "m.yaml: partners.icb.funding.allocation.baseline (line 9): Input should be a valid number"
        in found[0]
        or any("partners.icb.funding.allocation.baseline (line 9)" in f for f in found)
    )
    assert any("partners.icb.costs.acute.colour (line 11): unknown key" in f for f in found)
    # the payee is checked on the raw data too: every problem in one pass
    assert any("payee 'trusts' is not a partner (did you mean 'trust'?)" in f for f in found)
    assert len(found) == 3


def test_whole_model_checks_are_all_reported():
    text = GOOD.replace("payee: trust", "payee: nobody").replace(
        "demand_growth: 0.03", "demand_growth: [0.03]"
    )
    text = text.replace("control_totals: {icb: 0, trust: 0}", "control_totals: {icb: 0}")
    found = problems(text)
    assert any(
        "assumptions.demand_growth (line 3): needs a single number or a list of exactly 2 values"
        in f
        for f in found
    )
    assert any(
        "partners.icb.costs.acute.payee (line 11): payee 'nobody' is not a partner" in f
        for f in found
    )
    assert any("control_totals has no entry for it" in f for f in found)


def test_unknown_scenario_path_is_an_error():
    text = GOOD + "scenarios:\n  - id: s\n    set: {partners.icb.costs.nope.inflation: 0.1}\n"
    found = problems(text)
    assert found == [
        "m.yaml: scenarios.s.set.partners.icb.costs.nope.inflation (line 20): unknown path "
        "'partners.icb.costs.nope.inflation': no item with id 'nope' (ids: acute)"
    ]


def test_scenario_with_invalid_value_is_an_error():
    text = GOOD + "scenarios:\n  - id: s\n    set: {assumptions.inflation: [0.1, 0.2, 0.3]}\n"
    assert any(
        "scenarios.s.set.assumptions.inflation" in f and "exactly 2 values" in f
        for f in problems(text)
    )


def test_duplicate_keys_and_bad_yaml():
    assert any("key given twice" in f for f in problems(GOOD + "name: again\n"))
    found = problems("name: [unclosed\n")
    assert found[0].startswith("m.yaml: line 2") and "not valid YAML" in found[0]
    assert "must be a mapping" in problems("- just\n- a list\n")[0]


def test_fixed_shares_must_name_ct_partners_and_sum_to_one():
    text = GOOD + "risk_share: {method: fixed_shares, shares: {icb: 0.5, council: 0.3}}\n"
    found = problems(text)
    assert any(
        "risk_share.shares.council" in f and "not a partner in the control total" in f
        for f in found
    )
    assert any("shares must sum to 1, they sum to 0.8" in f for f in found)


def test_missing_file_and_non_utf8(tmp_path: Path):
    with pytest.raises(ModelValidationError, match="no such file"):
        load_model(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ModelValidationError, match="not UTF-8"):
        load_model(binary)


def test_yaml_round_trip(minimal_model):
    again = load_model_text(model_to_yaml(minimal_model))
    assert again.model_dump() == minimal_model.model_dump()
