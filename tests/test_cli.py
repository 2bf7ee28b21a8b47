"""The command line, end to end: output, JSON contract, exit statuses, clean errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MODELS

FINMODEL = [sys.executable, "-m", "finmodel"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FINMODEL, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_run_prints_system_table():
    out = run("run", str(MODELS / "minimal.yaml"))
    assert out.returncode == 0, out.stderr
    assert "system position" in out.stdout and "2022/23" in out.stdout and "(20)" in out.stdout


def test_run_default_model_without_argument(tmp_path):
    out = run("run", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Lancashire" in out.stdout


def test_json_contract():
    out = run("run", str(MODELS / "minimal.yaml"), "--scenario", "high_demand", "--json")
    assert out.returncode == 0, out.stderr
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
    }
    assert result["scenario"] == "high_demand" and result["units"] == "gbp_thousands"
    assert result["years"] == ["2019/20", "2020/21", "2021/22", "2022/23"]
    assert set(result["system"]) == {
        "income",
        "expenditure",
        "surplus",
        "eliminations",
        "control_total",
        "variance",
    }
    assert (
        result["system"]["control_total"][0] is None and result["system"]["control_total"][1] == -20
    )
    assert set(result["partners"]["icb"]) == {
        "income",
        "expenditure",
        "surplus",
        "control_total",
        "variance",
        "surplus_after_risk_share",
    }
    assert set(result["places"]["Central"]) == {"income", "expenditure", "surplus", "eliminations"}
    bridge = result["bridge"]
    assert bridge["from"] == "2019/20" and bridge["to"] == "2022/23"
    assert [s["name"] for s in bridge["steps"]] == [
        "Funding growth",
        "Demand",
        "Inflation",
        "Efficiency",
        "Investments",
    ]
    assert sum(s["value"] for s in bridge["steps"]) == pytest.approx(bridge["total"])


def test_validate_and_schema():
    ok = run("validate", str(MODELS / "minimal.yaml"))
    assert ok.returncode == 0 and "valid" in ok.stdout
    schema = json.loads(run("schema").stdout)
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
        out = run(*command)
        assert out.returncode == 2
        assert "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, lines  # payee is checked only once the structure is valid
        assert lines[0].startswith(f"{bad}: partners.icb.costs.acute_contract.baseline (line 30):")


def test_unknown_scenario_and_missing_file_exit_2(tmp_path):
    out = run("run", str(MODELS / "minimal.yaml"), "--scenario", "nope")
    assert out.returncode == 2 and "no scenario 'nope'" in out.stderr
    out = run("run", str(tmp_path / "absent.yaml"))
    assert out.returncode == 2 and "no such file" in out.stderr
