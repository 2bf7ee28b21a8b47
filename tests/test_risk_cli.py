"""``finmodel simulate``, ``sensitivity`` and ``goal-seek`` from the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from finmodel.cli.main import app
from tests.conftest import MODELS

runner = CliRunner()
DEFAULT = str(MODELS / "lsc_ics.yaml")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def bad_model(tmp_path: Path, section: dict) -> Path:
    data = yaml.safe_load((MODELS / "minimal.yaml").read_text(encoding="utf-8"))
    data["uncertainty"] = section
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_simulate_prints_the_fan_and_probabilities():
    out = invoke("simulate", "--draws", "600", "--seed", "3")
    assert out.exit_code == 0, out.output
    text = out.stdout
    for expected in (
        "system surplus",
        "P5",
        "P50",
        "P95",
        "Chance of meeting the control total",
        "Chance of breaking even",
        "600 draws, seed 3, random sampling",
        "IPA / Continuing Healthcare service uplift: NPSV",
        "Uncertain inputs",
    ):
        assert expected in text
    assert "2024/25" in text
    assert not re.search(r"\b20\d\d-\d\d\b", text)  # months read "Jun 2021", never "2021-06"


def test_simulate_json_is_reproducible_whatever_the_chunk_size():
    a = invoke("simulate", DEFAULT, "--draws", "700", "--seed", "5", "--json")
    b = invoke(
        "simulate", DEFAULT, "--draws", "700", "--seed", "5", "--json", "--chunk-size", "128"
    )
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    for data in (ja, jb):
        data.pop("seconds")
        data.pop("chunk_size")
    assert ja == jb
    assert ja["draws"] == 700 and ja["seed"] == 5


def test_simulate_lhs_and_scenario():
    out = invoke("simulate", "--draws", "500", "--lhs", "--scenario", "ipa_business_case", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["method"] == "lhs" and data["scenario"] == "ipa_business_case"
    assert data["investments"]["ipa_uplift"]["selected"] == "business_case"


def test_simulate_writes_the_risk_sheet(tmp_path):
    target = tmp_path / "risk.xlsx"
    out = invoke("simulate", "--draws", "400", "--seed", "9", "--out", str(target))
    assert out.exit_code == 0, out.output
    book = openpyxl.load_workbook(target)
    names = book.sheetnames
    assert "Risk" in names and names.index("Risk") < names.index("Checks")
    sheet = book["Risk"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    text = " ".join(str(c) for c in cells)
    assert "400 draws, seed 9, random sampling" in text
    assert "P(meeting the control total)" in text and "Tornado" in text
    assert "finmodel simulate --draws 400 --seed 9" in text
    assert sheet._charts  # the tornado charts


def test_sensitivity_prints_tornados_largest_first():
    out = invoke("sensitivity", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    rows = data["tornados"]["system_surplus"]["rows"]
    swings = [abs(r["swing"]) for r in rows]
    assert swings == sorted(swings, reverse=True)
    table = invoke("sensitivity")
    assert "Tornado: System surplus 2024/25" in table.stdout
    assert "Inflation, every line" in table.stdout and "assumptions." not in table.stdout
    assert (
        "-0.53 pp" in table.stdout and "pp: percentage points" in table.stdout
    )  # a change to a rate, in percentage points
    no_effect = sum(1 for r in rows if r["swing"] == 0)
    assert no_effect > 0  # the service model's inputs do not move the projection as modelled
    assert f"{no_effect} inputs with no effect on this result left out" in table.stdout


def test_goal_seek_prints_the_value_and_json():
    out = invoke("goal-seek", "--assumption", "assumptions.qipp", "--target", "control_total")
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())
    assert re.search(r"QIPP at 1\.\d\d% \(modelled: 1\.00%\)", text), text
    assert "meets its control total in 2024/25" in text
    js = invoke(
        "goal-seek",
        "-a",
        "assumptions.demand_growth",
        "-t",
        "surplus=0",
        "--year",
        "2023/24",
        "--json",
    )
    data = json.loads(js.stdout)
    assert data["year"] == "2023/24" and abs(data["metric_at_value"]) < 1e-6


def test_goal_seek_service_target():
    out = invoke(
        "goal-seek",
        "-a",
        "investments.ipa_uplift.service.parameters.base_fte",
        "-t",
        "standard_28d",
        "--year",
        "2021/22",
    )
    assert out.exit_code == 0, out.output
    assert "meets the 28-day standard by the end of 2021/22" in out.stdout


def test_goal_seek_without_a_solution_says_so_with_exit_1():
    out = invoke(
        "goal-seek",
        "-a",
        "assumptions.demand_growth",
        "-t",
        "surplus=1e9",
        "--low",
        "0",
        "--high",
        "0.1",
    )
    assert out.exit_code == 1
    assert "no value of assumptions.demand_growth between 0 and 0.1" in out.stderr
    assert "Traceback" not in out.output


@pytest.mark.parametrize(
    ("args", "place"),
    [
        (["goal-seek", "-a", "assumptions.inflaton", "-t", "control_total"], "--assumption"),
        (["goal-seek", "-a", "assumptions.inflation", "-t", "gap"], "--target"),
        (
            ["goal-seek", "-a", "assumptions.inflation", "-t", "break_even", "-y", "1999/00"],
            "--year",
        ),
        (
            ["goal-seek", "-a", "assumptions.inflation", "-t", "break_even", "--apply", "x"],
            "--apply",
        ),
        (["simulate", "--draws", "0"], "--draws"),
        (["simulate", "--seed", "-4"], "--seed"),
        (["simulate", "--scenario", "nope"], "--scenario"),
    ],
)
def test_bad_options_exit_2_naming_the_option(args, place):
    out = invoke(*args)
    assert out.exit_code == 2, out.output
    assert place in out.stderr
    assert "Traceback" not in out.output


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            {
                "assumptions.inflation": {
                    "dist": "uniform",
                    "low": 0.05,
                    "high": 0.01,
                    "source": "x",
                }
            },
            r"uncertainty\.assumptions\.inflation\.high \(line \d+\): .*below low",
        ),
        (
            {"assumptions.inflation": {"dist": "normal", "mean": 0.02, "sd": -1, "source": "x"}},
            r"uncertainty\.assumptions\.inflation\.sd \(line \d+\): .*greater than or equal to 0",
        ),
        (
            {"assumptions.nflation": {"dist": "uniform", "low": 0, "high": 0.1, "source": "x"}},
            r"uncertainty\.assumptions\.nflation \(line \d+\): 'assumptions\.nflation' is not a "
            r"numeric input",
        ),
    ],
)
def test_bad_uncertainty_exits_2_naming_file_path_and_line(tmp_path, section, expected):
    path = bad_model(tmp_path, section)
    for command in ("simulate", "sensitivity"):
        out = invoke(command, str(path))
        assert out.exit_code == 2, out.output
        # (the loader also repeats a base-model problem under each scenario that overlays it)
        line = out.stderr.strip().splitlines()[0]
        assert line.startswith(str(path))
        assert re.search(expected, line), line


def test_exit_status_and_clean_stderr_through_the_console_script(tmp_path):
    path = bad_model(
        tmp_path,
        {"assumptions.inflation": {"dist": "pert", "low": 1, "mode": 0, "high": 2, "source": "x"}},
    )
    out = subprocess.run(
        [sys.executable, "-m", "finmodel", "simulate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert "uncertainty.assumptions.inflation.mode" in out.stderr
    assert "Traceback" not in out.stderr
