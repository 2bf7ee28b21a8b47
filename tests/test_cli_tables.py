"""Command-line tables fit in 100 columns (80 too) and never cut a number; CSV and --year.

Every table of ``run``, ``appraise``, ``simulate`` and ``sensitivity`` is rendered with rich
at 80 and 100 columns: no line is wider, nothing is elided ("…" or "..."), and every figure's
text appears whole. The console scripts run in a pipe with ``COLUMNS`` unset and set wide.
"""

from __future__ import annotations

import csv
import importlib
import io
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.cli import appraise_commands, risk_commands
from finmodel.cli.tables import Cell, Frame, layout, render_lines, write_csv
from finmodel.investment.case import appraise_model
from finmodel.investment.projection import project
from finmodel.io.yaml_io import load_model
from finmodel.risk.analysis import sensitivity
from finmodel.risk.montecarlo import plan_simulation, run_plan
from tests.conftest import MODELS

DEFAULT = MODELS / "lsc_ics.yaml"
main = importlib.import_module("finmodel.cli.main")  # the module (the package exports main())


@pytest.fixture(scope="module")
def frames() -> dict[str, list[Frame]]:
    model = load_model(DEFAULT)
    result = project(model)
    case = appraise_model(model, "ipa_uplift")
    found = sensitivity(model)
    simulated = run_plan(plan_simulation(model, draws=300, seed=1))
    return {
        "run": [
            main._system_frame(result),
            main._partner_frame(result, len(result.years) - 1),
            main._bridge_frame(result),
        ],
        "appraise": appraise_commands.case_frames(case),
        "sensitivity": [
            risk_commands._tornado_table(t, found, model) for t in found.tornados.values()
        ],
        "simulate": [
            risk_commands._system_table(simulated),
            risk_commands._partner_table(simulated),
            *(risk_commands._investment_table(s, model) for s in simulated.investments.values()),
            risk_commands._inputs_table(simulated, model),
        ],
    }


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("command", ["run", "appraise", "sensitivity", "simulate"])
def test_every_table_fits_and_no_figure_is_cut(
    frames: dict[str, list[Frame]], command: str, width: int
) -> None:
    for frame in frames[command]:
        lines = render_lines(frame, width)
        text = "\n".join(lines)
        assert max(len(line) for line in lines) <= width, (frame.title, width)
        assert "…" not in text and "..." not in text, frame.title
        value_text = [
            c.text
            for row in frame.rows
            for k, c in enumerate(row.cells)
            if frame.value_columns[k] not in frame.text_columns
        ]
        for figure in value_text:  # each number on one line, whole
            assert figure in text, (frame.title, figure)


def test_wide_tables_split_their_columns_and_repeat_the_labels() -> None:
    frame = Frame("Wide, £k", ["Partner"], [f"20{y}/{y + 1}" for y in range(20, 32)])
    frame.add("Lancashire Teaching Hospitals NHS FT", [Cell("(123,456)", -123456.0)] * 12)
    _, _, groups = layout(frame, 80)
    assert len(groups) > 1 and sorted(k for g in groups for k in g) == list(range(12))
    text = "\n".join(render_lines(frame, 80))
    assert text.count("(123,456)") == 12 and text.count("(1 of") == 1
    assert text.count("Lancashire Teaching") == len(groups)


def test_not_applicable_is_a_dash_and_councils_have_no_control_total(
    frames: dict[str, list[Frame]],
) -> None:
    partners = frames["run"][1]
    council = next(r for r in partners.rows if "Lancashire County Council" in r.labels[0])
    control = partners.value_columns.index("Control total")
    assert council.cells[control].text == "-"
    assert "None" not in "\n".join(render_lines(partners, 100))


def test_tornado_names_inputs_plainly_and_drops_rows_with_no_swing(
    frames: dict[str, list[Frame]],
) -> None:
    system = frames["sensitivity"][0]
    names = [r.labels[0] for r in system.rows]
    assert "Inflation, every line" in names and not any("." in n.split()[0] for n in names)
    swing = system.value_columns.index("Swing")
    assert all(r.cells[swing].text != "0" for r in system.rows)
    assert any("left out" in note for note in system.notes)
    inflation = system.rows[names.index("Inflation, every line")]
    assert inflation.cells[0].text.endswith(" pp")  # a change to a rate


def test_csv_is_one_row_per_figure_with_unformatted_values(
    frames: dict[str, list[Frame]],
) -> None:
    out = io.StringIO()
    write_csv(frames["run"][:1], out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    reported = "Surplus / (deficit), reported"
    surplus = [r for r in rows if r["row"] == reported and r["column"] == "2019/20"]
    expected = float(project(load_model(DEFAULT)).arrays.system_surplus[0])
    assert len(surplus) == 1 and float(surplus[0]["value"]) == pytest.approx(expected, abs=1)


def _pipe(*args: str, columns: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, "-m", "finmodel", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


@pytest.mark.parametrize("columns", [None, "250"])
def test_piped_output_is_at_most_100_columns(columns: str | None) -> None:
    out = _pipe("run", "--year", "2022/23", columns=columns)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "Partners in 2022/23" in out.stdout and "…" not in out.stdout


def test_format_csv_and_json_on_the_commands() -> None:
    out = _pipe("sensitivity", "--format", "csv", columns=None)
    assert out.returncode == 0, out.stderr
    header, *rows = list(csv.reader(io.StringIO(out.stdout)))
    assert header == ["table", "row", "column", "value"] and rows
    assert any(r[1] == "Demand growth" and r[2] == "Swing" for r in rows)
    bad = _pipe("run", "--format", "xml", columns=None)
    assert bad.returncode == 2 and "--format: must be table, csv or json" in bad.stderr
    year = _pipe("run", "--year", "2022/32", columns=None)
    assert year.returncode == 2 and "did you mean '2022/23'" in year.stderr


def _json(out: subprocess.CompletedProcess[str]) -> Any:
    import json

    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_format_json_matches_the_json_flag() -> None:
    assert _json(_pipe("run", "--format", "json", columns=None)) == _json(
        _pipe("run", "--json", columns=None)
    )


def _stderr_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run the console script with stderr on a pseudo-terminal and stdout in a pipe."""
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm"
    proc = subprocess.Popen(
        [sys.executable, "-m", "finmodel", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
        text=True,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    stdout = proc.stdout.read() if proc.stdout else ""
    os.close(leader)
    return proc.wait(timeout=180), stdout, seen.decode("utf-8", "replace")


def test_simulate_shows_progress_on_a_terminal_only() -> None:
    code, stdout, terminal = _stderr_on_a_terminal("simulate", "--draws", "5000")
    assert code == 0
    assert "simulating" in terminal and "5,000 draws" in terminal
    assert "simulating" not in stdout and max(len(x) for x in stdout.splitlines()) <= 100
    piped = _pipe("simulate", "--draws", "5000", columns=None)
    assert piped.returncode == 0 and piped.stderr == ""


def test_goal_seek_on_a_profile_shifts_it_and_says_so() -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    args = ["goal-seek", "-a", "assumptions.funding_growth", "-t", "control_total"]
    out = runner.invoke(main.app, args)
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())
    assert "shifted by +0." in text and "percentage points in every year" in text
    assert "profile keeps its shape" in text
    assert "modelled 5.20%, 5.00%, 5.00%, 5.70%, 5.20%" in text
    shifted = runner.invoke(main.app, [*args, "--json"])
    data = __import__("json").loads(shifted.stdout)
    assert data["apply"] == "add" and data["profile"] == [0.052, 0.05, 0.05, 0.057, 0.052]
    flat = runner.invoke(main.app, [*args, "--apply", "set"])
    assert "replacing the year-by-year profile" in " ".join(flat.stdout.split())
    scaled = runner.invoke(main.app, [*args, "--apply", "scale"])
    assert "a scale factor" in " ".join(scaled.stdout.split())
    single = runner.invoke(
        main.app, ["goal-seek", "-a", "assumptions.efficiency", "-t", "break_even"]
    )
    modelled = load_model(DEFAULT).assumptions.efficiency
    assert not isinstance(modelled, list)  # a single rate, not a profile
    assert f"(modelled: {100 * float(modelled):.2f}%)" in " ".join(single.stdout.split())


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(min_value=40, max_value=100),
    names=st.lists(st.text("abc Trust NHS", min_size=1, max_size=70), min_size=1, max_size=6),
    values=st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=14),
)
def test_any_table_fits_its_width_and_keeps_every_number_whole(
    width: int, names: list[str], values: list[float]
) -> None:
    from finmodel.cli.tables import money_cell

    frame = Frame("Any, £k", ["Name"], [f"Year {k + 1}" for k in range(len(values))])
    for name in names:
        frame.add(name, [money_cell(v) for v in values])
    lines = render_lines(frame, width)
    text = "\n".join(lines)
    assert max(len(line) for line in lines) <= width
    for v in values:
        assert money_cell(v).text in text
