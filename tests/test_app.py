"""Tests of the Streamlit front end: each page through AppTest, and the app's pure helpers.

AppTest runs the packaged ``finmodel/app/streamlit_app.py`` (what ``finmodel app`` starts) headless in this process (no browser): set a widget, rerun,
read the elements. Every number checked on screen is compared with the engine's own result for
the same dotted-path overlay, so the app adds nothing of its own.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from finmodel import load_model, project
from finmodel.app import views
from finmodel.app.assumptions import MISSING, entry_for, horizon_entries, main_assumptions
from finmodel.app.exports import appendix_bytes, scenario_entry_yaml, scenario_model_yaml
from finmodel.app.formatting import money, money_k, pct, styled_money
from finmodel.app.overrides import override_tables, table_entries
from finmodel.app.pages_risk import BREAK_EVEN_LABEL, MEET_LABEL, tornado_frame
from finmodel.app.risk_labels import format_value, input_label, npsv_title
from finmodel.app.sidebar import AS_WRITTEN, MODEL_SCENARIO, SAVED_SCENARIO, UPLOAD_OPTION
from finmodel.app.state import LoadedModel, full_overlay, read_upload
from finmodel.app.store import ScenarioStore
from finmodel.app.year_inputs import shown_values, year_entry, year_inputs
from finmodel.cli.app_commands import streamlit_command
from finmodel.domain.validation import with_overlay
from finmodel.engine.result import ProjectionResult
from finmodel.errors import GoalSeekError, InputError
from finmodel.investment.case import appraise_model
from finmodel.io.yaml_io import MAX_MODEL_BYTES, file_hash, load_model_text
from finmodel.resources import app_script
from finmodel.risk import goal_seek_model, sensitivity, simulate
from tests.conftest import MODELS

APP = str(app_script())
DEMAND = "in:assumptions.demand_growth"
PAGES = ("System", "Inputs", "Partners", "Investment", "Risk", "Scenarios", "Export")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("FINMODEL_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def at(data_dir: Path) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, app.exception
    return app


def engine(model_file: str, overlay: dict[str, Any]) -> ProjectionResult:
    """The engine's result for a model file with an overlay, outside the app."""
    return project(with_overlay(load_model(MODELS / model_file), overlay))


def final_surplus(result: ProjectionResult) -> float:
    return float(result.arrays.system_surplus[-1])


def metric(at: AppTest, label_start: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert found, [m.label for m in at.metric]
    return found[0]


def go(at: AppTest, page: str) -> AppTest:
    at.radio(key="page").set_value(page).run()
    assert not at.exception, at.exception
    return at


# ------------------------------------------------------------------------------ System page
def test_headline_is_the_engines_and_follows_an_assumption_and_reset(at: AppTest) -> None:
    # one session of the System page: the default model, a change, back, and reset
    assert at.selectbox(key="model_choice").value == "lsc_ics.yaml"
    as_written = engine("lsc_ics.yaml", {})
    headline = at.session_state["headline"]
    assert headline.surplus == final_surplus(as_written)
    assert headline.variance == float(as_written.arrays.system_variance[-1])
    assert metric(at, "System surplus 20") == money_k(final_surplus(as_written))
    # the underlying beside the reported, and the control-total boundary apart
    a = as_written.arrays
    assert metric(at, "System underlying 20") == money_k(float(a.system_underlying_surplus[-1]))
    assert metric(at, "NHS position 20") == money_k(float(a.control_total_surplus[-1]))
    assert metric(at, "NHS underlying 20") == money_k(float(a.control_total_underlying_surplus[-1]))
    assert metric(at, "Outside the CT 20") == money_k(float(a.outside_surplus[-1]))
    assert headline.nhs_surplus + headline.outside_surplus == pytest.approx(headline.surplus)
    assert "Lancashire County Council" in headline.outside_names
    assert any("outside the control total, shown apart" in c.value for c in at.caption)
    bridge = next(c for c in at.get("plotly_chart") if '"Non-recurrent items"' in c.proto.spec)
    assert bridge is not None  # the gap bridge's own step for non-recurrent items
    assert at.session_state["ws_overlay"] == {}

    before = at.session_state["headline"].surplus
    at.number_input(key=DEMAND).set_value(4.0).run()
    assert not at.exception
    assert at.session_state["ws_overlay"] == {"assumptions.demand_growth": 0.04}
    expected = engine("lsc_ics.yaml", {"assumptions.demand_growth": 0.04})
    headline = at.session_state["headline"]
    assert headline.surplus == final_surplus(expected)
    assert headline.change_from_baseline == final_surplus(expected) - before
    assert headline.surplus < before  # more demand never improves the surplus
    assert metric(at, "System surplus 20") == money_k(final_surplus(expected))
    assert metric(at, "Change vs baseline") == money_k(final_surplus(expected) - before)
    # back to the model's value: no overlay, the model's numbers again
    at.number_input(key=DEMAND).set_value(3.0).run()
    assert at.session_state["ws_overlay"] == {}
    assert at.session_state["headline"].surplus == before
    # reset returns every changed assumption to the starting point
    at.number_input(key=DEMAND).set_value(4.5).run()
    at.number_input(key="in:assumptions.inflation").set_value(1.0).run()
    assert len(at.session_state["ws_overlay"]) == 2
    at.button(key="reset_inputs").click().run()
    assert at.session_state["ws_overlay"] == {}
    assert at.number_input(key=DEMAND).value == pytest.approx(3.0)
    assert at.session_state["headline"].surplus == before


def test_every_page_renders_after_a_change(at: AppTest) -> None:
    at.number_input(key="in:assumptions.inflation").set_value(3.5).run()
    for page in PAGES:
        go(at, page)
        assert not at.error, (page, [e.value for e in at.error])
        assert "Lancashire" in at.markdown[0].value or any(
            "Lancashire" in m.value for m in at.markdown
        )


def test_risk_share_and_horizon(at: AppTest) -> None:
    at.selectbox(key="in:risk_share.method").set_value("none").run()
    go(at, "Partners")
    expected = engine("lsc_ics.yaml", {"risk_share.method": "none"})
    first = expected.inputs.partner_ids[0]
    after = float(expected.arrays.surplus_after_risk_share[0, -1])
    assert after == float(expected.arrays.surplus[0, -1])
    assert metric(at, "After risk share") == money_k(after)
    assert at.selectbox(key="w:partner_choice").value == first
    # a shorter horizon cuts every per-year list (funding growth, drivers) to fit
    go(at, "System")
    at.number_input(key="in:timeline.horizon").set_value(3).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["headline"].year == "2022/23"
    overlay = at.session_state["ws_overlay"]
    assert overlay["assumptions.funding_growth"] == [0.052, 0.05, 0.05]
    assert at.session_state["headline"].surplus == final_surplus(engine("lsc_ics.yaml", overlay))


def test_partners_page_shows_the_engines_partner(at: AppTest) -> None:
    go(at, "Partners")
    expected = engine("lsc_ics.yaml", {})
    pid = "lth"
    at.selectbox(key="w:partner_choice").set_value(pid).run()
    p = expected.partner_index(pid)
    a = expected.arrays
    assert metric(at, "Surplus 20") == money_k(float(a.surplus[p, -1]))
    assert metric(at, "Underlying 20") == money_k(float(a.underlying_surplus[p, -1]))
    assert metric(at, "Non-recurrent items 20") == money_k(float(a.non_recurrent[p, -1]))
    assert metric(at, "Variance") == money_k(float(a.variance[p, -1]))


# --------------------------------------------------------------------------- Scenarios page
def _save(at: AppTest, name: str) -> None:
    at.text_input(key="save_name").input(name)
    next(b for b in at.button if b.label == "Save scenario").click()
    at.run()
    assert not at.exception, at.exception


def test_save_reload_compare_delete(at: AppTest, data_dir: Path) -> None:
    go(at, "Scenarios")
    at.text_input(key="w:user_name").input("A. Finance Lead").run()
    at.number_input(key=DEMAND).set_value(4.0).run()
    _save(at, "Baseline")
    assert any("Saved 'Baseline'" in s.value for s in at.success)
    at.number_input(key=DEMAND).set_value(5.0).run()
    at.number_input(key="in:assumptions.efficiency").set_value(2.0).run()
    _save(at, "Stretch")

    store = ScenarioStore(data_dir)
    saved = {s.name: s for s in store.list_scenarios("Lancashire and South Cumbria ICS")}
    assert saved["Baseline"].assumptions == {"assumptions.demand_growth": 0.04}
    assert saved["Stretch"].assumptions == {
        "assumptions.demand_growth": 0.05,
        "assumptions.efficiency": 0.02,
    }
    assert saved["Stretch"].saved_by == "A. Finance Lead"
    assert saved["Stretch"].model_hash == file_hash(MODELS / "lsc_ics.yaml")
    stretch = engine("lsc_ics.yaml", saved["Stretch"].assumptions)
    results = saved["Stretch"].results
    assert results is not None  # the app saves a snapshot of the headline with every scenario
    assert results["final_year_system_surplus"] == pytest.approx(final_surplus(stretch), abs=1e-6)

    # the System page compares with the saved "Baseline" by default
    go(at, "System")
    baseline = engine("lsc_ics.yaml", saved["Baseline"].assumptions)
    assert at.selectbox(key="w:baseline_choice").value == SAVED_SCENARIO + "Baseline"
    headline = at.session_state["headline"]
    assert headline.change_from_baseline == final_surplus(stretch) - final_surplus(baseline)

    # reload the baseline into the sidebar
    go(at, "Scenarios")
    at.selectbox(key="load_choice").set_value("Baseline").run()  # choose, then click
    next(b for b in at.button if b.label == "Load into the sidebar").click()
    at.run()
    assert not at.exception
    assert at.number_input(key=DEMAND).value == pytest.approx(4.0)
    # back to the model's own rate (the default model's QIPP)
    own = load_model(MODELS / "lsc_ics.yaml").assumptions.efficiency
    assert at.number_input(key="in:assumptions.efficiency").value == pytest.approx(own * 100)
    assert at.session_state["ws_overlay"] == saved["Baseline"].assumptions
    assert at.selectbox(key="scenario_choice").value == SAVED_SCENARIO + "Baseline"

    # compare the two side by side: inputs and results
    at.selectbox(key="cmp_first").set_value("Baseline")
    at.selectbox(key="cmp_second").set_value("Stretch").run()
    table = at.session_state["comparison"]
    diff = table.loc["Surplus, second - first"].to_numpy()
    np.testing.assert_array_equal(
        diff, stretch.arrays.system_surplus - baseline.arrays.system_surplus
    )
    frames = [d.value for d in at.dataframe]
    inputs = next(f for f in frames if "Input (dotted path)" in f.columns)
    assert set(inputs["Input (dotted path)"]) == {
        "assumptions.demand_growth",
        "assumptions.efficiency",
    }

    # delete needs the confirmation box
    at.selectbox(key="delete_choice").set_value("Stretch")
    at.checkbox(key="delete_confirm").check()
    at.run()
    next(b for b in at.button if b.label == "Delete").click()
    at.run()
    assert not at.exception
    assert [s.name for s in store.list_scenarios("Lancashire and South Cumbria ICS")] == [
        "Baseline"
    ]
    actions = [(e.action, e.scenario_name, e.user) for e in store.audit_log()]
    assert actions[0] == ("delete", "Stretch", "A. Finance Lead")
    assert len(actions) == 3


def test_save_without_a_name_says_what_is_missing(at: AppTest) -> None:
    go(at, "Scenarios")
    _save(at, "Nameless user")
    assert any("user: is required" in c.value for c in at.code)


def test_saved_scenarios_survive_a_new_session(at: AppTest, data_dir: Path) -> None:
    go(at, "Scenarios")
    at.text_input(key="w:user_name").input("Jo").run()
    at.number_input(key="in:assumptions.inflation").set_value(2.5).run()
    _save(at, "Low inflation")
    fresh = AppTest.from_file(APP, default_timeout=60).run()  # a new browser session
    options = fresh.selectbox(key="scenario_choice").options
    assert SAVED_SCENARIO + "Low inflation" in options
    fresh.selectbox(key="scenario_choice").set_value(SAVED_SCENARIO + "Low inflation").run()
    assert fresh.session_state["ws_overlay"] == {"assumptions.inflation": 0.025}
    assert fresh.session_state["headline"].surplus == final_surplus(
        engine("lsc_ics.yaml", {"assumptions.inflation": 0.025})
    )


# --------------------------------------------------------------------------------- uploads
def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.selectbox(key="model_choice").set_value(UPLOAD_OPTION).run()
    at.file_uploader(key="upload").upload(name, data).run()
    assert not at.exception, at.exception
    return at


def test_bad_upload_names_the_place_and_the_app_keeps_working(at: AppTest) -> None:
    text = (MODELS / "minimal.yaml").read_text().replace("baseline: 300", "baseline: -300")
    with pytest.raises(InputError) as expected:
        load_model_text(text, "bad_model.yaml")
    _upload(at, "bad_model.yaml", text.encode())
    shown = "\n".join(c.value for c in at.code)
    for problem in expected.value.problems:
        assert str(problem) in shown
    assert "bad_model.yaml: partners.icb.costs.chc.baseline (line" in shown
    assert not at.metric
    # the app keeps working: back to a bundled model
    at.selectbox(key="model_choice").set_value("minimal.yaml").run()
    assert not at.exception
    assert at.session_state["headline"].surplus == final_surplus(engine("minimal.yaml", {}))


def test_oversize_upload_is_refused(at: AppTest) -> None:
    _upload(at, "huge.yaml", b"#" * (MAX_MODEL_BYTES + 1))
    shown = "\n".join(c.value for c in at.code)
    assert "huge.yaml: larger than 10 MB; not a model file (refused)" in shown


def test_valid_upload_is_projected(at: AppTest) -> None:
    _upload(at, "my_model.yaml", (MODELS / "minimal.yaml").read_bytes())
    assert at.session_state["headline"].surplus == final_surplus(engine("minimal.yaml", {}))
    assert at.selectbox(key="scenario_choice").value == AS_WRITTEN
    at.number_input(key="in:assumptions.efficiency").set_value(2.0).run()
    expected = engine("minimal.yaml", {"assumptions.efficiency": 0.02})
    assert at.session_state["headline"].surplus == final_surplus(expected)
    go(at, "Export")


def test_upload_is_never_executed() -> None:
    hostile = b"name: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(InputError) as err:
        read_upload("evil.yaml", hostile)
    assert str(err.value).startswith("evil.yaml: line 1")
    with pytest.raises(InputError, match="upload a model file"):
        read_upload("script.py", b"print(1)")


# ---------------------------------------------------------------------- pure helpers
def test_assumption_entries_keep_lists_and_drop_model_values() -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    spec = next(s for s in main_assumptions(model) if s.path == "assumptions.funding_growth")
    assert spec.model_value == [0.052, 0.05, 0.05, 0.057, 0.052]
    assert entry_for(5.2, base=MISSING, model_value=spec.model_value, kind="rate") is MISSING
    assert entry_for(4.0, base=MISSING, model_value=spec.model_value, kind="rate") == 0.04
    base = [0.03, 0.03, 0.03, 0.03, 0.02]
    assert entry_for(3.0, base=base, model_value=spec.model_value, kind="rate") == base
    assert spec.source.startswith("[P]") or spec.source.startswith("illustrative")


def test_horizon_entries_fit_every_per_year_list() -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    extra = horizon_entries(model, {}, 7)
    assert extra["assumptions.funding_growth"] == [0.052, 0.05, 0.05, 0.057, 0.052, 0.052, 0.052]
    assert extra["scenarios"] == []  # a model scenario sets a per-year list
    overlay = full_overlay(model, {"timeline.horizon": 7})
    result = project(with_overlay(model, overlay))
    assert len(result.years) == 8


def test_override_tables_round_trip() -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    scenario = model.scenario("lower_efficiency").set
    tables = override_tables(model, scenario)
    entries: dict[str, Any] = {}
    for table in tables.values():
        entries.update(table_entries(table, table.frame, scenario))
    # an untouched table reproduces the loaded scenario's partner settings exactly (the system
    # assumptions it sets, such as the CIP plan, are the assumption widgets')
    assert entries == {k: v for k, v in scenario.items() if not k.startswith("assumptions.")}
    edited = tables["partners"].frame.copy()
    edited.loc["lth", "Control total £k"] = -5000.0
    assert table_entries(tables["partners"], edited, {}) == {"control_totals.lth": -5000.0}
    costs = tables["costs"].frame.copy()
    costs.loc["lth.pay", "Efficiency %"] = np.nan  # blank: as in the model
    assert "partners.lth.costs.pay.efficiency" not in table_entries(tables["costs"], costs, {})


def test_views_match_the_engine() -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    result = project(model)
    statement = views.partner_statement(result, "lth")
    total = statement[statement["Item"] == "Total income"].iloc[0, 2:].to_numpy(dtype=float)
    np.testing.assert_array_equal(total, result.arrays.income[result.partner_index("lth")])
    income_lines = statement[statement["Section"] == "Income"].iloc[:, 2:].to_numpy(dtype=float)
    np.testing.assert_allclose(income_lines.sum(axis=0), total, rtol=1e-12)
    snapshot = views.results_snapshot(result)
    assert snapshot["final_year_system_surplus"] == pytest.approx(final_surplus(result))


def test_money_formatting() -> None:
    assert money(-1234.4) == "(1,234)" and money_k(-1234.4) == "£(1,234)k"
    frame = pd.DataFrame({"Variance": [-5.0, np.nan, 7.0]})
    styler, _ = styled_money(frame, variance_columns=["Variance"])
    # pandas-stubs omit Styler.data (pandas sets it in StylerRenderer.__init__)
    shown = styler.data  # type: ignore[attr-defined]
    assert shown["Variance"].tolist() == ["(5)", "-", "7"]  # "-": not applicable
    html = styler.to_html()
    assert "color: #b00020" in html and "color: #1b7f3b" in html


def test_appendix_and_scenario_exports(tmp_path: Path) -> None:
    path = MODELS / "minimal.yaml"
    model = load_model(path)
    loaded = LoadedModel(model, path.name, file_hash(path), path)
    overlay = {"assumptions.inflation": 0.025}
    result = project(with_overlay(model, overlay))
    book = openpyxl.load_workbook(io.BytesIO(appendix_bytes(result, loaded)))
    assert len(book.sheetnames) >= 2
    text = scenario_model_yaml(with_overlay(model, overlay), result, loaded, overlay)
    again = project(load_model_text(text, "export.yaml"))
    np.testing.assert_array_equal(again.arrays.system_surplus, result.arrays.system_surplus)
    entry = scenario_entry_yaml(overlay, "Low inflation", "Low inflation")
    assert "id: low_inflation" in entry and "assumptions.inflation: 0.025" in entry


def test_app_command_line() -> None:
    command = streamlit_command("127.0.0.1", 8765, headless=True)
    assert command[command.index("--server.maxUploadSize") + 1] == "10"
    assert command[4] == APP


def test_budget_workbook_upload(at: AppTest, tmp_path: Path) -> None:
    from finmodel.io.template.writer import write_template

    path = tmp_path / "budget.xlsx"
    write_template(path, load_model(MODELS / "minimal.yaml"))
    _upload(at, "budget.xlsx", path.read_bytes())
    assert at.session_state["headline"].surplus == final_surplus(engine("minimal.yaml", {}))
    # a baseline typed as text: the error names the sheet and the cell of the uploaded file
    book = openpyxl.load_workbook(path)
    cell = next(
        c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == 300
    )
    cell.value = "tbc"
    book.save(path)
    bad = AppTest.from_file(APP, default_timeout=60).run()
    _upload(bad, "budget.xlsx", path.read_bytes())
    shown = "\n".join(c.value for c in bad.code)
    assert f"budget.xlsx: {cell.parent.title}!{cell.coordinate}" in shown, shown
    assert not bad.metric


UNCERTAIN = """
uncertainty:
  assumptions.demand_growth:
    dist: triangular
    low: 0.01
    mode: 0.03
    high: 0.06
    source: illustrative
  assumptions.efficiency:
    dist: uniform
    low: 0.0
    high: 0.02
    source: illustrative
"""


def test_risk_page_runs_monte_carlo_on_the_assumptions_on_screen(at: AppTest) -> None:
    text = (MODELS / "minimal.yaml").read_text() + UNCERTAIN
    _upload(at, "uncertain.yaml", text.encode())
    at.number_input(key="in:assumptions.inflation").set_value(2.5).run()
    go(at, "Risk")
    assert any("Press Run Monte Carlo" in i.value for i in at.info)
    at.number_input(key="mc_draws").set_value(2000)
    at.number_input(key="mc_seed").set_value(7).run()
    at.button(key="mc_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    model = with_overlay(load_model_text(text, "uncertain.yaml"), {"assumptions.inflation": 0.025})
    expected = simulate(model, draws=2000, seed=7)
    system = expected.row("system")
    assert metric(at, BREAK_EVEN_LABEL) == f"{expected.p_break_even[system, -1] * 100:.0f}%"
    assert metric(at, "Median 20") == money_k(float(expected.surplus.at(50)[system, -1]))
    # a change of assumption makes the stored run out of date, and says so
    at.number_input(key="in:assumptions.inflation").set_value(3.0).run()
    assert any("changed since this run" in w.value for w in at.warning)


def test_investment_page_and_the_selected_option(at: AppTest) -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    assert model.investments
    inv_id = next(iter(model.investments))
    path = f"investments.{inv_id}.option"
    option = appraise_model(model, inv_id).option_ids[-1]
    at.selectbox(key=f"in:{path}").set_value(option).run()
    assert at.session_state["ws_overlay"] == {path: option}
    expected = engine("lsc_ics.yaml", {path: option})
    assert at.session_state["headline"].surplus == final_surplus(expected)
    go(at, "Investment")
    assert not at.error, [e.value for e in at.error]
    shown = at.session_state["investment_case"]
    case = appraise_model(with_overlay(model, {path: option}), inv_id)
    np.testing.assert_array_equal(shown.economic.appraisal.npsv, case.economic.appraisal.npsv)
    html = " ".join(str(getattr(h, "proto", h)) for h in at.get("html"))
    assert money(float(case.economic.appraisal.npsv[-1])) in html
    assert "(selected)</td>" in html


def test_model_scenarios_load_their_overlay_exactly_with_overrides_open_or_closed(
    at: AppTest,
) -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    scenario = model.scenario("higher_demand")
    assert scenario.name is not None  # the sidebar lists it by its name
    at.selectbox(key="scenario_choice").set_value(MODEL_SCENARIO + scenario.name).run()
    assert not at.exception
    assert at.session_state["ws_overlay"] == scenario.set
    assert at.number_input(key=DEMAND).value == pytest.approx(4.0)
    assert at.session_state["headline"].surplus == final_surplus(project(model, "higher_demand"))
    # with the overrides tables open, another scenario goes through the editable tables
    scenario = model.scenario("lower_efficiency")
    go(at, "Inputs")
    assert any("Cost lines" in m.value for m in at.markdown)  # in the main area
    assert not any("Cost lines" in m.value for m in at.sidebar.markdown)
    assert scenario.name is not None  # the sidebar lists it by its name
    at.selectbox(key="scenario_choice").set_value(MODEL_SCENARIO + scenario.name).run()
    assert at.session_state["ws_overlay"] == scenario.set  # through the editable tables
    go(at, "System")
    assert not any("Cost lines" in m.value for m in at.markdown)
    assert at.session_state["ws_overlay"] == scenario.set
    assert at.session_state["headline"].surplus == final_surplus(project(model, scenario.id))


def _year_rows(at: AppTest, path: str) -> list[Any]:
    return [n for n in at.number_input if (k := n.key) and k.startswith("yr:") and f":{path}:" in k]


def test_editing_one_year_of_a_control_total_changes_only_that_year(at: AppTest) -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    path = "control_totals.lth"
    go(at, "Inputs")
    at.selectbox(key="yr_choice").set_value(path).run()
    rows = _year_rows(at, path)
    path_now = [
        float(v)
        for v in project(model).arrays.control_total[
            project(model).inputs.partner_ids.index("lth"), 1:
        ]
    ]
    assert [r.value for r in rows] == path_now  # every year shown, not only the first
    assert [r.label.split(",")[0] for r in rows] == project(model).years[1:]
    rows[2].set_value(-5000.0).run()
    expected = [*path_now[:2], -5000.0, *path_now[3:]]
    assert at.session_state["ws_overlay"] == {path: expected}
    result = engine("lsc_ics.yaml", {path: expected})
    assert at.session_state["headline"].control_total == float(
        result.arrays.system_control_total[-1]
    )
    go(at, "System")  # the change holds on other pages
    assert at.session_state["ws_overlay"] == {path: expected}


def test_apply_to_all_years_and_funding_growth_keeps_its_profile(at: AppTest) -> None:
    path = "assumptions.funding_growth"
    sidebar_keys = [n.key for n in at.sidebar.number_input]
    assert f"in:{path}" not in sidebar_keys  # a path is not squeezed into one box
    go(at, "Inputs")
    at.selectbox(key="yr_choice").set_value(path).run()
    rows = _year_rows(at, path)
    assert [round(r.value, 2) for r in rows] == [5.2, 5.0, 5.0, 5.7, 5.2]
    rows[0].set_value(6.0).run()
    assert at.session_state["ws_overlay"] == {path: [0.06, 0.05, 0.05, 0.057, 0.052]}
    every = next(n for n in at.number_input if str(n.key).startswith("yr_all:"))
    every.set_value(4.0).run()
    at.button(key=next(k for b in at.button if (k := b.key) and k.startswith("yr_apply:"))).click()
    at.run()
    assert at.session_state["ws_overlay"] == {path: [0.04] * 5}


def test_year_inputs_cover_every_year_varying_input() -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    found = year_inputs(model, {})
    groups = {spec.group for spec in found.values()}
    assert groups == {"System", "Control totals", "Drivers", "Funding streams", "Cost lines"}
    assert found["assumptions.funding_growth"].values == [0.052, 0.05, 0.05, 0.057, 0.052]
    assert all(len(spec.values) == model.timeline.horizon for spec in found.values())
    spec = found["control_totals.lth"]
    unchanged = shown_values(spec)
    assert year_entry(spec, unchanged, {}) is MISSING
    one = [*unchanged[:1], unchanged[1] + 100, *unchanged[2:]]
    assert year_entry(spec, one, {})[1] == unchanged[1] + 100


def test_save_clears_the_form(at: AppTest, data_dir: Path) -> None:
    go(at, "Scenarios")
    at.text_input(key="w:user_name").input("Tester").run()
    at.text_input(key="save_name").input("First")
    at.text_area(key="save_note").input("a note for the first")
    next(b for b in at.button if b.label == "Save scenario").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert any("Saved 'First'" in s.value for s in at.success), [s.value for s in at.success]
    assert at.text_input(key="save_name").value == ""
    assert at.text_area(key="save_note").value == ""


# ------------------------------------------------------------------- Risk page, default model
RISK_OVERLAY = {"assumptions.demand_growth": 0.035}


def _chart(at: AppTest, trace_name: str) -> dict[str, Any]:
    """The plotly traces called ``trace_name`` across the charts on screen."""
    traces = [
        trace
        for chart in at.get("plotly_chart")
        for trace in json.loads(chart.proto.spec)["data"]
        if trace.get("name") == trace_name
    ]
    assert traces, trace_name
    return traces[0]


def _bars(at: AppTest, trace_name: str) -> list[tuple[str, float, str]]:
    """(input, bar end in £k, label) of the first tornado's bars at one end, bottom row first:
    the chart draws each end as two layers (bars further from the base, then nearer ones)."""
    chart = json.loads(at.get("plotly_chart")[_first_tornado(at)].proto.spec)
    found: dict[str, tuple[str, float, str]] = {}
    for trace in chart["data"]:
        if trace.get("name") != trace_name:
            continue
        for name, x, text in zip(trace["y"], trace["x"], trace["text"], strict=True):
            if x is not None:
                found[name] = (name, trace["base"] + x, text)
    return [found[name] for name in chart["data"][0]["y"]]


def _first_tornado(at: AppTest) -> int:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(i for i, s in enumerate(specs) if s["data"][0].get("orientation") == "h")


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe]
    found = [f for f in frames if column in f.columns]
    assert found, [list(f.columns) for f in frames]
    return found[0]


@pytest.fixture
def risk(at: AppTest) -> AppTest:
    """The Risk page of the default model with demand growth at 3.5%."""
    at.number_input(key=DEMAND).set_value(3.5).run()
    assert at.session_state["ws_overlay"] == RISK_OVERLAY
    return go(at, "Risk")


def test_risk_page_monte_carlo_on_the_default_model_is_simulates(risk: AppTest) -> None:
    at = risk
    at.number_input(key="mc_draws").set_value(600)
    at.number_input(key="mc_seed").set_value(11)
    at.selectbox(key="mc_method").set_value("lhs").run()
    at.button(key="mc_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    model = with_overlay(load_model(MODELS / "lsc_ics.yaml"), RISK_OVERLAY)
    expected = simulate(model, draws=600, seed=11, method="lhs")
    system = expected.row("system")
    # the fan chart is simulate's percentiles, year by year
    for trace, level in (("Median (P50)", 50), ("P10-P90", 10), ("P5-P95", 5)):
        np.testing.assert_allclose(
            _chart(at, trace)["y"], expected.surplus.at(level)[system], rtol=0, atol=1e-9
        )
    np.testing.assert_allclose(
        _chart(at, "Deterministic")["y"], expected.deterministic[system], atol=1e-9
    )
    # the probabilities, headline and by year
    assert metric(at, BREAK_EVEN_LABEL) == pct(expected.p_break_even[system, -1], 0)
    assert metric(at, MEET_LABEL) == pct(expected.p_meet_control_total[system, -1], 0)
    assert metric(at, "Median 20") == money_k(float(expected.surplus.at(50)[system, -1]))
    table = _frame_with(at, expected.years[-1])
    break_even, meet = table.loc[BREAK_EVEN_LABEL], table.loc[MEET_LABEL]
    assert isinstance(break_even, pd.Series) and isinstance(meet, pd.Series)  # one row each
    assert break_even.tolist() == [pct(v, 0) for v in expected.p_break_even[system]]
    assert meet.tolist() == [pct(v, 0) for v in expected.p_meet_control_total[system]]
    # the investment's options under uncertainty
    inv = expected.investments["ipa_uplift"]
    options = _frame_with(at, "P(NPSV > 0)")
    assert options["NPSV median"].tolist() == [money(float(v)) for v in inv.npsv.at(50)]
    assert options["Option"].iloc[1] == "Business case, £796k a year"  # names, not ids
    assert any("600 draws, seed 11, Latin hypercube" in c.value for c in at.caption)
    # the Export page puts this run on the appendix's Risk sheet
    go(at, "Export")
    assert any("this session's Monte Carlo (600 draws, seed 11" in c.value for c in at.caption)


def test_risk_page_tornados_are_sensitivitys_and_goal_seek_is_the_engines(risk: AppTest) -> None:
    # one render of the Risk page: the tornados as drawn, then goal seek on the same page
    at = risk
    model = load_model(MODELS / "lsc_ics.yaml")
    expected = sensitivity(with_overlay(model, RISK_OVERLAY))
    system = expected.tornados["system_surplus"]
    shown = at.session_state["tornados"]
    assert shown.tornados["system_surplus"].rows == system.rows
    largest = system.rows[0]
    by_key = {v.key: v for v in expected.inputs}
    label = input_label(model, largest.input, by_key[largest.input].spec.also)
    assert label == "Inflation, every line"  # a readable name, not the dotted path
    # the chart: the top bar (plotly draws the first row last) is the largest swing
    low, high = _bars(at, "Input at its P10"), _bars(at, "Input at its P90")
    assert low[-1][0] == label
    assert low[-1][1] == pytest.approx(largest.output_at_low)
    assert high[-1][1] == pytest.approx(largest.output_at_high)
    assert high[-1][2] == money(largest.output_at_high)
    assert [name for name, _, _ in low][::-1] == list(
        tornado_frame(shown, shown.tornados["system_surplus"], model)["Input"]
    )[: len(low)]
    # the table under it: readable inputs, their P10 and P90, the swing in £k
    table = _frame_with(at, "Swing")
    assert table["Swing"].iloc[0] == money(largest.swing)
    assert table["Input at P10"].iloc[0] == format_value(
        model, largest.input, float(largest.low_value), "add"
    )
    assert "assumptions." not in " ".join(table["Input"])
    # the NPSV tornado of the preferred option, titled with names
    npsv = expected.tornados["npsv:ipa_uplift"]
    title = npsv_title(model, npsv.label)
    assert "uplift_2m" not in title and "£2m a year" in title  # the preferred option, named
    assert any(title in m.value for m in at.markdown)
    assert _chart(at, "Input at its P90")["y"]  # both charts drawn
    # demand growth changed on screen is drawn from its distribution (apply: set): said so
    assert any("drawn from the model file's distribution here: Demand growth." in i.value
               for i in at.info)  # fmt: skip

    # goal seek: the engine's value for the system, a partner, no solution, a service target
    model = with_overlay(model, RISK_OVERLAY)
    assert at.selectbox(key="gs_path").value == "assumptions.qipp"
    assert any("press Find the value" in i.value for i in at.info)
    at.button(key="gs_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    sought = goal_seek_model(model, "assumptions.qipp", "control_total", year="2024/25")
    answer = at.session_state["goal_seek"]
    assert answer.outcome.value == sought.value
    assert metric(at, "Value needed") == format_value(model, "assumptions.qipp", sought.value)
    assert metric(at, "Variance 2024/25, at the value found") == money_k(sought.metric)
    assert any("the system meets its control total in 2024/25" in s.value for s in at.success)
    # a partner, by name (a CCG: QIPP is on the CCGs' own lines, it moves no trust)
    at.selectbox(key="gs_target").set_value("break_even")
    at.selectbox(key="gs_who").set_value("blackpool_ccg").run()
    at.button(key="gs_run").click().run()
    found = goal_seek_model(model, "assumptions.qipp", "break_even", partner="blackpool_ccg")
    assert at.session_state["goal_seek"].outcome.value == found.value
    assert any("NHS Blackpool CCG breaks even" in s.value for s in at.success)
    # no value in the valid range: the engine's own message
    at.selectbox(key="gs_who").set_value("system")
    at.selectbox(key="gs_target").set_value("surplus").run()
    at.number_input(key="gs_value").set_value(5_000_000.0).run()
    at.button(key="gs_run").click().run()
    with pytest.raises(GoalSeekError) as err:
        goal_seek_model(model, "assumptions.qipp", "surplus=5000000")
    assert any(str(err.value) in w.value for w in at.warning), [w.value for w in at.warning]
    # a service-model parameter: the 28-day standard by the end of a year
    path = "investments.ipa_uplift.service.parameters.base_fte"
    at.selectbox(key="gs_path").set_value(path).run()
    at.selectbox(key="gs_service_year").set_value("2020/21").run()
    at.button(key="gs_run").click().run()
    service = goal_seek_model(model, path, "standard_28d:business_case", year="2020/21")
    assert at.session_state["goal_seek"].outcome.value == service.value
    assert any("meets the 28-day standard by the end of 2020/21" in s.value for s in at.success)
    # a change of assumption: the answer is not shown for assumptions it was not found for
    at.number_input(key=DEMAND).set_value(3.0).run()
    assert not at.success


def test_goal_seek_on_a_profile_shifts_it_by_default(risk: AppTest) -> None:
    at = risk
    model = with_overlay(load_model(MODELS / "lsc_ics.yaml"), RISK_OVERLAY)
    path = "assumptions.funding_growth"
    at.selectbox(key="gs_path").set_value(path).run()
    assert at.selectbox(key="gs_apply").value == "add"  # the path keeps its shape
    at.button(key="gs_run").click().run()
    expected = goal_seek_model(model, path, "control_total", year="2024/25", apply="add")
    assert at.session_state["goal_seek"].outcome.value == expected.value
    assert any("added to every year" in s.value for s in at.success)
    at.selectbox(key="gs_apply").set_value("set").run()
    assert any("replaces that path" in w.value for w in at.warning)


def test_risk_labels_name_every_uncertain_input() -> None:
    model = load_model(MODELS / "lsc_ics.yaml")
    labels = {key: input_label(model, key, spec.also) for key, spec in model.uncertainty.items()}
    assert labels["assumptions.cip_delivered"] == "CIP delivered share"
    assert labels["drivers.over_65.growth"] == "L&SC population aged 65 and over: growth"
    assert all(label != key and "_" not in label for key, label in labels.items())
    assert format_value(model, "partners.*.costs.pay.efficiency", 0.8, "scale") == (
        "80% of modelled"
    )
    assert format_value(model, "partners.lth.costs.pay.baseline", -1234.0) == "£(1,234)k"


def test_system_tables_are_the_engines_in_brackets_with_dashes(at: AppTest) -> None:
    expected = engine("lsc_ics.yaml", {})
    html = " ".join(str(getattr(h, "proto", h)) for h in at.get("html"))
    assert money(float(expected.arrays.system_surplus[-1])) in html  # (50,943)
    assert money(float(expected.arrays.system_surplus[-1])).startswith("(")
    assert "Lancashire County Council" in html and ">-<" in html  # a council: no control total
    # no missing value shown as a word (a word boundary: "Financial Recovery Fund" is fine)
    assert re.search(r"\b(None|nan|NaN)\b", html) is None


# ------------------------------------------------------------------------ the ICB-era model
def _html_rows(at: AppTest, label: str) -> list[list[str]]:
    """Cells (text) of every HTML table row on screen whose first cell is ``label``."""
    import re

    html = " ".join(str(getattr(h, "proto", h)) for h in at.get("html"))
    html = html.replace('\\"', '"').replace("\\n", "")
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
        if cells and cells[0] == label:
            rows.append(cells)
    return rows


def test_icb_model_is_selectable_with_its_finance_assumptions_and_published_base_year(
    at: AppTest,
) -> None:
    at.selectbox(key="model_choice").set_value("lsc_icb.yaml").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # the System page's base-year column is the published 2024/25 outturn (£k)
    reported = _html_rows(at, "Partners in the control total: surplus / (deficit)")
    underlying = _html_rows(at, "Partners in the control total: underlying")
    assert reported[0][1] == "(129,800)" and underlying[0][1] == "(354,800)"
    support = _html_rows(at, "NHS Lancashire and South Cumbria ICB")
    assert any(r[1:4] == ["Deficit support funding from NHS England", "Deficit support",
                          "175,000"] for r in support)  # fmt: skip
    # the partners outside the control total in a table of their own, without its columns
    headers = [m.value for m in at.markdown]
    assert any(h.startswith("#### Partners outside the control total") for h in headers)
    council = _html_rows(at, "Lancashire County Council (adult social care)")
    assert council and len(council[-1]) < len(
        _html_rows(at, "NHS Lancashire and South Cumbria ICB")[-1]
    )
    # the assumptions a finance lead plans with, each with the model's source
    labels = {n.key: n.label for n in at.number_input}
    assert labels["in:tariff.efficiency"] == "Tariff efficiency factor, % a year"
    assert labels["in:assumptions.cip_delivered"] == "CIP delivered share, %"
    assert labels["in:assumptions.qipp"] == "QIPP, % a year"
    assert labels["in:assumptions.efficiency"].startswith("Other partners' savings (councils)")
    assert "in:price_series.drugs.growth" in labels
    assert "in:partners.icb.funding.allocation.convergence.pace" in labels
    captions = " ".join(c.value for c in at.caption)
    assert "Medium-term planning framework" in captions  # the tariff efficiency factor's source
    assert "Cost uplift factor (tariff)" in " ".join(m.value for m in at.markdown)  # by year
    # edits go through the validated overlay and give the engine's numbers
    at.number_input(key="in:assumptions.cip_delivered").set_value(84.0).run()
    at.selectbox(key="in:partners.icb.non_recurrent.deficit_support.taper_to_zero_by").set_value(
        "2027/28"
    ).run()
    overlay = {
        "assumptions.cip_delivered": 0.84,
        "partners.icb.non_recurrent.deficit_support.taper_to_zero_by": "2027/28",
    }
    assert at.session_state["ws_overlay"] == overlay
    expected = engine("lsc_icb.yaml", overlay)
    assert at.session_state["headline"].nhs_surplus == float(
        expected.arrays.control_total_surplus[-1]
    )
    for page in PAGES:
        go(at, page)
        assert not at.error, (page, [e.value for e in at.error])
    go(at, "Partners")
    a, p = expected.arrays, expected.partner_index("icb")
    assert metric(at, "Underlying 20") == money_k(float(a.underlying_surplus[p, -1]))


def test_non_recurrent_items_and_statement_add_up() -> None:
    for file, pid in (("lsc_icb.yaml", "icb"), ("lsc_icb.yaml", "lth"), ("lsc_ics.yaml", "lth")):
        result = project(load_model(MODELS / file))
        a, p = result.arrays, result.partner_index(pid)
        items = views.non_recurrent_items(result)
        name = result.inputs.partner_names[p]
        mine = items[items["Partner"] == name][result.years].to_numpy(dtype=float)
        np.testing.assert_allclose(mine.sum(axis=0), a.non_recurrent[p], atol=1e-6)
        statement = views.partner_statement(result, pid)
        for section, total in (("Income", "Total income"), ("Expenditure", "Total expenditure")):
            rows = statement[statement["Section"] == section].iloc[:, 2:].to_numpy(dtype=float)
            whole = statement[statement["Item"] == total].iloc[0, 2:].to_numpy(dtype=float)
            np.testing.assert_allclose(rows.sum(axis=0), whole, rtol=1e-12, atol=1e-6)
        under = statement[statement["Item"] == "Underlying surplus / (deficit)"]
        np.testing.assert_array_equal(
            under.iloc[0, 2:].to_numpy(dtype=float), a.underlying_surplus[p]
        )


def test_assumptions_are_named_by_what_they_do_in_each_model() -> None:
    default = {s.path: s for s in main_assumptions(load_model(MODELS / "lsc_ics.yaml"))}
    icb = {s.path: s for s in main_assumptions(load_model(MODELS / "lsc_icb.yaml"))}
    # the 2019/20 model is on the NHS rules too: the system efficiency falls on councils only,
    # CCGs take QIPP, trusts CIP, contracts the 2019/20 tariff
    assert default["assumptions.efficiency"].label == "Other partners' savings (councils)"
    assert default["assumptions.qipp"].label == "QIPP"
    assert default["tariff.efficiency"].model_value == 0.011
    assert default["assumptions.cip_planned"].model_value == 0.036
    assert not any(p.startswith("price_series.") for p in default)  # none declared
    assert icb["assumptions.qipp"].label == "QIPP"
    assert icb["tariff.cost_uplift"].source.startswith("[P] NHS England")
    assert icb["assumptions.cip_recurrent"].kind == "share"
    assert input_label(load_model(MODELS / "lsc_icb.yaml"), "tariff.efficiency") == (
        "Tariff efficiency factor"
    )
    found = year_inputs(load_model(MODELS / "lsc_icb.yaml"), {})
    assert found["tariff.cost_uplift"].values == [0.0483, 0.029, 0.025, 0.025]
    assert found["price_series.pay.growth"].label == "System: Pay prices"


def test_icb_scenario_by_year_and_the_cost_uplift_edited_year_by_year(at: AppTest) -> None:
    at.selectbox(key="model_choice").set_value("lsc_icb.yaml").run()
    model = load_model(MODELS / "lsc_icb.yaml")
    scenario = model.scenario("nonrecurrent_cip_not_replaced")
    assert scenario.name is not None  # the sidebar lists it by its name
    at.selectbox(key="scenario_choice").set_value(MODEL_SCENARIO + scenario.name).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["ws_overlay"] == scenario.set  # lists kept whole
    sidebar_keys = [n.key for n in at.sidebar.number_input]
    assert "in:assumptions.cip_delivered" not in sidebar_keys  # by year: on the Inputs page
    expected = project(model, scenario.id)
    assert at.session_state["headline"].nhs_underlying == float(
        expected.arrays.control_total_underlying_surplus[-1]
    )
    path = "tariff.cost_uplift"
    go(at, "Inputs")
    at.selectbox(key="yr_choice").set_value(path).run()
    rows = _year_rows(at, path)
    assert [round(r.value, 2) for r in rows] == [4.83, 2.9, 2.5, 2.5]
    rows[1].set_value(3.5).run()
    overlay = {**scenario.set, path: [0.0483, 0.035, 0.025, 0.025]}
    assert at.session_state["ws_overlay"] == overlay
    result = project(with_overlay(model, overlay))
    assert at.session_state["headline"].surplus == pytest.approx(final_surplus(result), rel=1e-12)


def _derived_icb_text() -> str:
    """The ICB model with its cost uplift factor derived from pay, drugs and non-pay weights
    (70/10/20, as its source names) instead of given."""
    text = (MODELS / "lsc_icb.yaml").read_text()
    given = "  cost_uplift: [0.0483, 0.029, 0.025, 0.025]\n"
    assert given in text
    return text.replace(given, "  weights: {pay: 0.7, drugs: 0.1, non_pay: 0.2}\n")


def test_a_derived_cost_uplift_is_shown_with_its_derivation(at: AppTest) -> None:
    """A tariff whose cost uplift factor is derived from price series weights still shows it
    among the assumptions: the value the engine uses, the sum that makes it and the series'
    sources; it moves with a series' growth and is not a widget of its own."""
    from finmodel.app.finance_assumptions import derived_cost_uplift
    from finmodel.engine.nhs_rules import cost_uplift

    model = load_model_text(_derived_icb_text(), "derived.yaml")
    specs = {s.path: s for s in main_assumptions(model)}
    spec = specs["tariff.cost_uplift"]
    assert spec.kind == "derived" and spec.label == "Cost uplift factor (tariff, derived)"
    engine_value = cost_uplift(model)
    assert engine_value is not None
    np.testing.assert_allclose(spec.model_value, engine_value, rtol=0, atol=1e-10)
    assert spec.source.startswith("derived from the price series: 0.7 x pay (3.60%)")
    assert "0.1 x drugs (3.00%) + 0.2 x non-pay (2.50%) = 3.32% in 2025/26" in spec.source
    assert "assumed drugs price growth" in spec.source  # the series' own sources
    moved = derived_cost_uplift(with_overlay(model, {"price_series.pay.growth": 0.05}))
    assert moved.model_value == pytest.approx(0.7 * 0.05 + 0.1 * 0.03 + 0.2 * 0.025)  # flat
    # the app: shown in the sidebar with its derivation, no widget, the projection as modelled
    _upload(at, "derived.yaml", _derived_icb_text().encode())
    assert any(
        m.value.startswith("**Cost uplift factor (tariff, derived)**: 3.32%") for m in at.markdown
    ), [m.value for m in at.markdown][:20]
    assert any("derived from the price series" in c.value for c in at.caption)
    assert "in:tariff.cost_uplift" not in at.session_state
    assert at.session_state["headline"].surplus == final_surplus(project(model))
