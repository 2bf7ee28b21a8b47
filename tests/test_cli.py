"""The command line, end to end: output, JSON contract, exit statuses, clean errors.

In-process through Typer's test runner (``tests.cli.invoke``), except the smoke tests marked
below, which run the real ``python -m finmodel`` process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from finmodel.resources import template
from tests.cli import invoke, run_script
from tests.conftest import MODELS


def test_run_prints_system_table():
    out = invoke("run", str(MODELS / "minimal.yaml"))
    assert out.exit_code == 0, out.stderr
    assert "system position" in out.stdout and "2022/23" in out.stdout and "(20)" in out.stdout


def test_run_default_model_without_argument(tmp_path):
    # smoke test in a real process, from a folder that is not the checkout
    out = run_script("run", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Lancashire" in out.stdout


def test_json_contract():
    out = invoke("run", str(MODELS / "minimal.yaml"), "--scenario", "high_demand", "--json")
    assert out.exit_code == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) >= {
        "model",
        "scenario",
        "units",
        "years",
        "system",
        "places",
        "partners",
        "bridge",
        "control_total_boundary",
        "allocations",
        "ring_fences",
    }
    assert result["scenario"] == "high_demand" and result["units"] == "gbp_thousands"
    assert result["years"] == ["2019/20", "2020/21", "2021/22", "2022/23"]
    assert set(result["system"]) == {
        "income",
        "expenditure",
        "surplus",
        "non_recurrent",
        "underlying_surplus",
        "eliminations",
        "control_total",
        "variance",
    }
    boundary = result["control_total_boundary"]
    assert boundary["partners_inside"] == ["icb", "trust"]
    assert boundary["control_total"][1] == -20
    assert (
        result["system"]["control_total"][0] is None and result["system"]["control_total"][1] == -20
    )
    assert set(result["partners"]["icb"]) == {
        "income",
        "expenditure",
        "surplus",
        "non_recurrent",
        "underlying_surplus",
        "control_total",
        "variance",
        "surplus_after_risk_share",
        "cip_planned",
        "cip_delivered",
        "cip_recurrent",
        "illustrative",
    }
    assert set(result["places"]["Central"]) == {
        "income",
        "expenditure",
        "surplus",
        "non_recurrent",
        "underlying_surplus",
        "eliminations",
    }
    bridge = result["bridge"]
    assert bridge["from"] == "2019/20" and bridge["to"] == "2022/23"
    assert [s["name"] for s in bridge["steps"]] == [
        "Funding growth",
        "Demand",
        "Inflation",
        "Efficiency",
        "Non-recurrent items",
        "Investments",
    ]
    assert sum(s["value"] for s in bridge["steps"]) == pytest.approx(bridge["total"])


def test_validate_and_schema():
    ok = invoke("validate", str(MODELS / "minimal.yaml"))
    assert ok.exit_code == 0 and "valid" in ok.stdout
    schema = json.loads(invoke("schema").stdout)
    assert schema["title"] == "Model"
    assert "Activity volume growth" in json.dumps(schema)


def test_bad_input_exit_2_one_line_per_problem_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (MODELS / "minimal.yaml")
        .read_text()
        .replace("baseline: 700", "baseline: tbc")
        .replace("payee: trust", "payee: nobody")
    )
    for command in (["validate", str(bad)], ["run", str(bad)]):
        out = run_script(*command)  # smoke test in a real process: the status reaches the shell
        assert out.returncode == 2
        assert "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 2, lines  # field and cross-reference problems in one pass
        assert lines[0].startswith(f"{bad}: partners.icb.costs.acute_contract.baseline (line 30):")
        assert lines[1].startswith(f"{bad}: partners.icb.costs.acute_contract.payee (line 31):")
        assert "payee 'nobody' is not a partner" in lines[1]


def _nine_problems(tmp_path: Path) -> Path:
    """Five field errors and four cross-reference errors in the minimal model."""
    data = yaml.safe_load((MODELS / "minimal.yaml").read_text())
    data["timeline"]["horizn"] = 3
    data["assumptions"]["inflaton"] = 0.02
    data["partners"][0]["kind"] = "hospital"
    data["partners"][1]["costs"][0]["baseline"] = -5
    data["partners"][0]["costs"][1]["efficency"] = 0.01
    data["partners"][0]["costs"][0]["payee"] = "trustt"
    del data["control_totals"]["trust"]
    data["assumptions"]["demand_growth"] = [0.03, 0.03]
    data["scenarios"][0]["set"] = {"assumptions.demand_growht": 0.04}
    bad = tmp_path / "nine.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    return bad


def test_validate_reports_field_and_reference_problems_in_one_pass(tmp_path):
    bad = _nine_problems(tmp_path)
    out = invoke("validate", str(bad))
    assert out.exit_code == 2 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 9 and len(set(lines)) == 9, lines  # each problem once
    text = "\n".join(lines)
    for expected in (
        "timeline.horizn (line 6): unknown key",
        "did you mean 'horizon'?",
        "did you mean 'inflation'?",
        "did you mean 'efficiency'?",
        "partners.icb.kind",
        "partners.trust.costs.staff.baseline",
        "payee 'trustt' is not a partner (did you mean 'trust'?)",
        "partner 'trust' is in the control total but control_totals has no entry for it",
        "assumptions.demand_growth (line 8): needs a single number or a list of exactly 3",
        "did you mean 'assumptions.demand_growth'?",
    ):
        assert expected in text, expected


def test_validate_without_a_path_checks_the_default_model():
    out = invoke("validate")
    assert out.exit_code == 0, out.stderr
    assert "lsc_ics.yaml: valid" in out.stdout


def test_a_blank_template_says_what_to_fill_in():
    out = invoke("validate", str(template("blank")))
    assert out.exit_code == 2
    assert "no partners yet: add at least one partner" in out.stderr
    assert "List should have at least 1 item" not in out.stderr


def test_unknown_scenario_and_missing_file_exit_2(tmp_path):
    out = invoke("run", str(MODELS / "minimal.yaml"), "--scenario", "nope")
    assert out.exit_code == 2 and "no scenario 'nope'" in out.stderr
    out = invoke("run", str(tmp_path / "absent.yaml"))
    assert out.exit_code == 2 and "no such file" in out.stderr


MINIMAL = (MODELS / "minimal.yaml").read_text()

#: Each bad input of the foundation issue: (name, edit of the minimal model, expected place, expected words).
BAD_INPUTS = [
    ("malformed YAML", lambda t: t.replace("horizon: 3", "horizon: [3"), "line ", "not valid YAML"),
    (
        "unknown key",
        lambda t: t.replace("baseline: 700", "baseline: 700\n        colour: red"),
        "partners.icb.costs.acute_contract.colour (line 31)",
        "unknown key",
    ),
    (
        "negative baseline",
        lambda t: t.replace("baseline: 700", "baseline: -700"),
        "partners.icb.costs.acute_contract.baseline (line 30)",
        "greater than or equal to 0",
    ),
    (
        "payee not a partner",
        lambda t: t.replace("payee: trust ", "payee: nobody"),
        "partners.icb.costs.acute_contract.payee (line 31)",
        "not a partner",
    ),
    (
        "partner paying itself",
        lambda t: t.replace("payee: trust ", "payee: icb   "),
        "partners.icb.costs.acute_contract.payee (line 31)",
        "cannot pay itself",
    ),
    (
        "duplicate ids",
        lambda t: t.replace("id: non_pay", "id: staff"),
        "partners.trust.costs.staff.id (line 45)",
        "used twice",
    ),
    (
        "year list of wrong length",
        lambda t: t.replace("inflation: 0.02 ", "inflation: [0.02, 0.02]"),
        "assumptions.inflation (line 14)",
        "exactly 3 values",
    ),
    (
        "NaN",
        lambda t: t.replace("baseline: 500", "baseline: .nan"),
        "partners.trust.costs.staff.baseline (line 43)",
        "finite number",
    ),
    (
        "infinite",
        lambda t: t.replace("funding_growth: 0.04", "funding_growth: .inf"),
        "assumptions.funding_growth (line 16)",
        "finite number",
    ),
    (
        "text for a number",
        lambda t: t.replace("baseline: 220", "baseline: tbc"),
        "partners.trust.costs.non_pay.baseline (line 46)",
        "valid number",
    ),
    (
        "rate above 100% a year",
        lambda t: t.replace("demand_growth: 0.05", "demand_growth: 5"),
        "partners.icb.costs.chc.demand_growth (line 34)",
        "less than or equal to 1",
    ),
    (
        "rate below -50% a year",
        lambda t: t.replace("efficiency: 0.02", "efficiency: -0.6"),
        "partners.trust.costs.staff.efficiency (line 44)",
        "greater than or equal to -0.5",
    ),
    (
        "unknown scenario path",
        lambda t: t.replace("assumptions.demand_growth: 0.04", "assumptions.demand_grwth: 0.04"),
        "scenarios.high_demand.set.assumptions.demand_grwth (line 62)",
        "unknown key",
    ),
]


@pytest.mark.parametrize(
    ("edit", "place", "words"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_each_bad_input_fails_cleanly_and_writes_nothing(tmp_path, edit, place, words):
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit(MINIMAL))
    out_file = tmp_path / "appendix.xlsx"
    result = invoke("run", str(bad), "--out", str(out_file))
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith(f"{bad}: ") for line in lines), lines
    assert any(place in line and words in line for line in lines), lines
    assert not out_file.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_unknown_scenario_writes_nothing(tmp_path):
    out_file = tmp_path / "appendix.xlsx"
    result = invoke(
        "run", str(MODELS / "minimal.yaml"), "--scenario", "nope", "--out", str(out_file)
    )
    assert result.exit_code == 2 and "--scenario: no scenario 'nope'" in result.stderr
    assert not out_file.exists()


def test_validate_survives_hostile_shapes_in_one_pass(tmp_path):
    bad = tmp_path / "hostile.yaml"
    bad.write_text(
        'name: x\ntimeline: {base_year: "2019/20", horizon: 2}\npartners: notalist\n'
        "control_totals: [1, 2]\nscenarios:\n"
        '  - id: s\n    set: {5: 1, "a..b": 3, partners.nobody.x: 1}\n  - just text\n'
    )
    out = invoke("validate", str(bad))
    assert out.exit_code == 2 and "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == len(set(lines)) >= 5, lines
    assert all(line.startswith(f"{bad}: ") for line in lines)
    assert any("scenarios.s.set.a..b" in line for line in lines)


def test_assumptions_are_listed_by_their_finance_names_with_sources():
    out = invoke("assumptions", str(MODELS / "lsc_icb.yaml"), "--format", "json")
    assert out.exit_code == 0, out.output
    listed = {a["path"]: a for a in json.loads(out.stdout)["assumptions"]}
    assert listed["tariff.efficiency"]["assumption"] == "Tariff efficiency factor"
    assert listed["tariff.efficiency"]["value"] == 0.02
    assert listed["tariff.cost_uplift"]["source"].startswith("[P] NHS England")
    assert listed["assumptions.cip_delivered"]["assumption"] == "CIP delivered share"
    pace = listed["partners.icb.funding.allocation.convergence.pace"]
    assert pace["value"] == 0.25 and "quarter" in pace["source"]
    # a scenario's value says it is the scenario's; the default model shows only what it has
    out = invoke("assumptions", str(MODELS / "lsc_icb.yaml"), "-s", "cip_2023_24_rate", "-f", "csv")
    assert "CIP delivered share,84.00%,scenario cip_2023_24_rate" in out.stdout
    table = invoke("assumptions")
    assert table.exit_code == 0, table.output
    # the default model is on the NHS rules too: tariff factors, CIP and QIPP apart
    for name in ("Tariff efficiency factor", "Cost uplift factor", "CIP planned", "QIPP"):
        assert name in table.stdout, name
    assert "Other partners' savings" in table.stdout  # assumptions.efficiency: councils only
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
