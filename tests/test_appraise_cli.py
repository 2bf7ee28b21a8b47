"""``finmodel appraise`` end to end: board tables, JSON, and exit 2 with the place named.

The board tables run the real console script in a subprocess (a smoke test, from a folder that
is not the checkout); everything else runs the same Typer application in-process (much faster,
same exit status and stdout/stderr).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli import invoke, run_script
from tests.conftest import MODELS


@pytest.fixture(scope="module")
def default_json() -> dict[str, Any]:
    out = invoke("appraise", "--json")
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)


def test_appraise_prints_a_table_per_section(tmp_path: Path) -> None:
    out = run_script("appraise", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert max(len(line) for line in out.stdout.splitlines()) <= 100
    text = " ".join(out.stdout.split())  # titles wrap at the table width
    for heading in (
        "IPA / Continuing Healthcare service uplift",
        "Economic case: each option against Do nothing, real £k, 2019/20 prices",
        "Switching values",
        "Unmonetised benefits",
        "Financial case: net cost to the partners",
        "every cash effect",
        "Least cost: the 28-day standard met",
        "Cost to each funder in 2020/21 (first full year)",
        "system variance against its control total",
        "Service model: IPA / CHC assessments and reviews from the position of Jan 2020",
    ):
        assert heading in text, heading
    assert "NHS East Lancashire CCG" in text and "not reached by" in text
    assert "sustained from" in text and "lost" in text  # the course of each outcome, in words


def test_appraise_json(default_json: dict[str, Any]) -> None:
    assert default_json["model"] == "Lancashire and South Cumbria ICS"
    assert default_json["units"] == "gbp_thousands" and default_json["scenario"] is None
    case = default_json["investments"]["ipa_uplift"]
    assert set(case) >= {"economic_case", "financial_case", "service", "answers", "preferred"}
    options = case["economic_case"]["options"]
    assert [o["option"] for o in options] == [
        "do_nothing",
        "business_case",
        "backlog_team",
        "business_case_and_team",
        "uplift_2m",
        "uplift_3m",
        "uplift_4m",
    ]
    assert sorted(o["rank"] for o in options) == [1, 2, 3, 4, 5, 6, 7]
    for o in options[1:]:
        assert o["npsv"] == pytest.approx(o["pv_benefits"] - o["pv_costs"])
        assert o["bcr"] == pytest.approx(o["pv_benefits"] / o["pv_costs"])
    answers = {row["option"]: row for row in case["answers"]}
    course = answers["uplift_4m"]["backlog_cleared"]
    assert course["first_reached"] == answers["uplift_4m"]["backlog_cleared_in"]
    assert course["text"].startswith("first ")
    assert set(course) == {"first_reached", "sustained_from", "lost_in", "at_end", "text"}
    paid = sum(answers["business_case"]["cost_to_funders_first_full_year"].values())
    assert 0 < paid < 796.0  # staff charged from their arrival, not from April


def test_appraise_with_a_scenario_and_an_investment(default_json: dict[str, Any]) -> None:
    out = invoke(
        "appraise", "--investment", "ipa_uplift", "--scenario", "ipa_business_case", "--json"
    )
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["scenario"] == "ipa_business_case"
    case = data["investments"]["ipa_uplift"]
    assert case["selected"] == "business_case"
    assert case["economic_case"] == default_json["investments"]["ipa_uplift"]["economic_case"]
    text = invoke("appraise", "--scenario", "ipa_3m").stdout
    assert "Effect of £3m a year on each partner's surplus" in text


def test_run_shows_the_selected_option_in_the_bridge() -> None:
    out = invoke("run", "--scenario", "ipa_3m", "--json")
    assert out.exit_code == 0, out.stderr
    steps = {s["name"]: s["value"] for s in json.loads(out.stdout)["bridge"]["steps"]}
    # the bridge step is the financial case's net cost in the last projected year, every cash
    # effect included (staff, cash released, packages sooner, liability, council care)
    case = json.loads(invoke("appraise", "--scenario", "ipa_3m", "--json").stdout)
    fin = case["investments"]["ipa_uplift"]["financial_case"]
    last = fin["years"].index(fin["model_years"][-1])
    net = fin["options"]["uplift_3m"]["total_net_cost"][last]
    assert steps["Investments"] == pytest.approx(-net, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--investment", "gym"), "--investment: no investment 'gym' (ipa_uplift)"),
        (("--scenario", "nope"), "--scenario: no scenario 'nope'"),
    ],
)
def test_unknown_names_exit_2(args: tuple[str, ...], message: str) -> None:
    out = invoke("appraise", *args)
    assert out.exit_code == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_a_model_without_investments_exits_2() -> None:
    out = invoke("appraise", str(MODELS / "minimal.yaml"))
    assert out.exit_code == 2 and out.stdout == ""
    assert "investments: the model has no investment cases" in out.stderr


def _bad_model(tmp_path: Path, change: str) -> Path:
    data = yaml.safe_load((MODELS / "minimal.yaml").read_text())
    option: dict[str, Any] = {
        "id": "b",
        "start_year": "2020/21",
        "costs": [{"id": "staff", "recurrent": True, "amount": 100}],
        "funders": {"icb": 0.6, "trust": 0.4},
    }
    investment: dict[str, Any] = {"appraisal_period": 3, "options": [{"id": "none"}, option]}
    if change == "shares":
        option["funders"] = {"icb": 0.6, "trust": 0.6}
    elif change == "funder":
        option["funders"] = {"icb": 0.6, "hospice": 0.4}
    elif change == "start":
        option["start_year"] = "2030/31"
    elif change == "negative":
        option["costs"][0]["amount"] = -5
    elif change == "option":
        data["scenarios"].append({"id": "pick", "set": {"investments.x.option": "b2"}})
    data["investments"] = {"x": investment}
    path = tmp_path / f"{change}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("change", "place", "message"),
    [
        (
            "shares",
            "investments.x.options.b.funders (line",
            "shares must sum to 1, they sum to 1.2",
        ),
        ("funder", "investments.x.options.b.funders.hospice (line", "'hospice' is not a partner"),
        ("start", "investments.x.options.b.start_year (line", "is not on the model's timeline"),
        (
            "negative",
            "investments.x.options.b.costs.staff.amount (line",
            "greater than or equal to 0",
        ),
        ("option", "scenarios.pick.set.investments.x.option", "'b2' is not an option"),
    ],
)
@pytest.mark.parametrize("command", ["appraise", "validate"])
def test_bad_input_exits_2_naming_the_place(
    tmp_path: Path, command: str, change: str, place: str, message: str
) -> None:
    path = _bad_model(tmp_path, change)
    out = invoke(command, str(path))
    assert out.exit_code == 2, out.stdout + out.stderr
    first = out.stderr.splitlines()[0]
    assert first.startswith(f"{path}: {place}"), first
    assert message in first and "Traceback" not in out.stderr
