"""The Excel appendix: figures equal the engine's, recalculated by LibreOffice and as stored.

The LibreOffice test writes every workbook with 0 stored as each formula's result, so the
numbers read back can only come from LibreOffice's own recalculation; all workbooks go through
one ``soffice`` run.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from finmodel import Model, load_model, project
from finmodel.cli.main import app
from finmodel.domain.validation import validate_data
from finmodel.engine.projection import BRIDGE_STEPS, project_arrays
from finmodel.engine.result import ProjectionResult
from finmodel.errors import InputError
from finmodel.io.appendix import writer as excel_appendix
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.investment import investment_sheets
from finmodel.io.appendix.risk_sheet import risk_sheet
from finmodel.io.appendix.writer import AppendixLayout, write_appendix
from finmodel.io.yaml_io import file_hash
from tests.conftest import MODELS
from tests.strategies import model_dicts

HOSTILE = '=HYPERLINK("http://x","y")'
FIGURE_SHEETS = ("Partners", "System", "Bridge")
REL, ABS = 1e-6, 1e-6


# ----- models ---------------------------------------------------------------------------------
@st.composite
def appendix_models(draw: st.DrawFn) -> dict[str, Any]:
    """Generated models with demand drivers on some lines (and the foundation's variety)."""
    data = draw(model_dicts())
    horizon = data["timeline"]["horizon"]
    if draw(st.booleans()):
        growth = draw(st.lists(st.floats(-0.02, 0.05), min_size=horizon, max_size=horizon))
        data["drivers"] = {"over_65": {"name": "Population 65+", "growth": growth}}
        data["assumptions"]["non_demographic_growth"] = draw(st.floats(0, 0.03))
        for partner in data["partners"]:
            for line in partner["costs"]:
                if draw(st.booleans()):
                    line.pop("demand_growth", None)
                    line["demand_driver"] = "over_65"
                    if draw(st.booleans()):
                        line["non_demographic_growth"] = draw(st.floats(-0.01, 0.04))
    return data


def generated(n: int) -> list[Model]:
    """``n`` generated models, drawn deterministically."""
    found: list[dict[str, Any]] = []

    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate])
    @given(appendix_models())
    def collect(data: dict[str, Any]) -> None:
        found.append(data)

    collect()
    models = []
    for data in found:
        model, findings = validate_data(data)
        assert model is not None and not findings, findings
        models.append(model)
    return models


def with_investments(result: ProjectionResult, seed: int = 3) -> ProjectionResult:
    """The result with a net investment cost on each partner (as the investment issue will add)."""
    rng = np.random.default_rng(seed)
    extra = rng.uniform(-50, 200, size=result.inputs.investment_expenditure.shape)
    inputs = dataclasses.replace(result.inputs, investment_expenditure=extra)
    return ProjectionResult(result.model, result.scenario, inputs, project_arrays(inputs))


def hostile(model: Model) -> Model:
    """The model with its first partner named like a formula."""
    data = model.model_dump(mode="json", exclude_unset=True)
    data["partners"][0]["name"] = HOSTILE
    checked, findings = validate_data(data)
    assert checked is not None and not findings
    return checked


# ----- reading figures ------------------------------------------------------------------------
def expected_rows(result: ProjectionResult) -> dict[str, list[float | None]]:
    """Every named figure of Partners, System and Bridge, from the engine (None where null)."""
    j = result.to_json()
    a, inputs = result.arrays, result.inputs

    def series(values: Any) -> list[float | None]:
        return [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            for v in np.asarray(values, dtype=float).tolist()
        ]

    rows: dict[str, list[float | None]] = {}
    for p, pid in enumerate(inputs.partner_ids):
        for measure in (
            "income",
            "expenditure",
            "surplus",
            "control_total",
            "variance",
            "surplus_after_risk_share",
        ):
            rows[f"partners.{measure}.{pid}"] = j["partners"][pid][measure]
        rows[f"partners.funding.{pid}"] = series(a.funding[inputs.fund_partner == p].sum(axis=0))
        rows[f"partners.internal_income.{pid}"] = series(a.cost[inputs.line_payee == p].sum(axis=0))
        rows[f"partners.cost_expenditure.{pid}"] = series(
            a.cost[inputs.line_partner == p].sum(axis=0)
        )
        rows[f"partners.investments.{pid}"] = series(inputs.investment_expenditure[p])
        mine = inputs.nonrec_partner == p
        income = inputs.nonrec_income[mine].sum(axis=0)
        spend = (inputs.nonrec_cost - inputs.nonrec_saving)[mine].sum(axis=0)
        rows[f"partners.nonrec_income.{pid}"] = series(income)
        rows[f"partners.nonrec_spend.{pid}"] = series(spend)
        rows[f"partners.non_recurrent.{pid}"] = j["partners"][pid]["non_recurrent"]
        rows[f"partners.underlying.{pid}"] = j["partners"][pid]["underlying_surplus"]
        if np.any(inputs.cip_line):  # the row exists wherever a line takes CIP
            rows[f"partners.cip_one_off.{pid}"] = series(a.non_recurrent[p] - income + spend)
        if result.model.risk_share.method.value != "none":
            share = a.risk_shares[p] * np.asarray(j["system"]["variance"], dtype=float)
            rows[f"partners.risk_share.{pid}"] = series(
                np.where(np.isnan(a.control_total[p]), np.nan, share)
            )
    for measure in (
        "income",
        "expenditure",
        "surplus",
        "eliminations",
        "control_total",
        "variance",
    ):
        rows[f"system.{measure}"] = j["system"][measure]
    after = np.where(
        np.arange(len(result.years)) > 0, np.nansum(a.surplus_after_risk_share, axis=0), np.nan
    )
    rows["system.after_risk_share"] = series(after)
    rows["system.investments"] = series(inputs.investment_expenditure.sum(axis=0))
    rows["system.non_recurrent"] = j["system"]["non_recurrent"]
    rows["system.underlying"] = j["system"]["underlying_surplus"]
    boundary = j["control_total_boundary"]
    rows["nhs.surplus"] = boundary["surplus_inside"]
    rows["nhs.underlying"] = boundary["underlying_surplus_inside"]
    rows["outside.surplus"] = boundary["surplus_outside"]
    control_total = np.asarray(j["system"]["control_total"], dtype=float)
    rows["nhs.control_total"] = series(control_total)
    rows["nhs.variance"] = series(a.control_total_surplus - control_total)
    rows["nhs.underlying_variance"] = series(a.control_total_underlying_surplus - control_total)
    for place, figures in j["places"].items():
        for measure in ("income", "expenditure", "surplus", "eliminations", "non_recurrent"):
            rows[f"places.{measure}.{place}"] = figures[measure]
        rows[f"places.underlying.{place}"] = figures["underlying_surplus"]
    surplus = np.asarray(j["system"]["surplus"])
    rows["bridge.opening"] = series(np.full(len(surplus), surplus[0]))
    for k, name in enumerate(BRIDGE_STEPS):
        rows[f"bridge.{name}"] = series(a.bridge[k])
    rows["bridge.closing"] = series(surplus)
    rows["bridge.total"] = series(surplus - surplus[0])
    assert j["bridge"]["total"] == pytest.approx(rows["bridge.total"][-1], rel=1e-12, abs=1e-9)
    return rows


def expected_scalars(result: ProjectionResult) -> dict[str, float]:
    """Figures in column E: the bridge chart data (last year) and each partner's risk share."""
    rows = expected_rows(result)
    scalars = {
        f"bridge_chart.{k.removeprefix('bridge.')}": rows[k][-1]
        for k in rows
        if k.startswith("bridge.") and k != "bridge.total"
    }
    for p, pid in enumerate(result.inputs.partner_ids):
        if f"partners.risk_share.{pid}" in rows and not math.isnan(
            result.arrays.control_total[p, -1]
        ):
            scalars[f"partners.risk_share.{pid}"] = float(result.arrays.risk_shares[p])
    if result.model.risk_share.method.value == "proportional_to_baseline_expenditure":
        in_ct = result.inputs.in_control_total
        scalars["partners.base_expenditure_in_ct"] = float(
            result.arrays.expenditure[in_ct, 0].sum()
        )
    return {k: v for k, v in scalars.items() if v is not None}


def expected_waterfall(result: ProjectionResult) -> dict[str, list[float]]:
    """The waterfall's chart data by bridge_chart row: before, after, base +/-, increase +/-,
    decrease +/-, total (the bar from before to after, stacked on an invisible base)."""
    surplus = result.arrays.system_surplus
    steps = result.arrays.bridge[:, -1]
    out: dict[str, list[float]] = {}
    opening, closing = float(surplus[0]), float(surplus[0] + steps.sum())
    out["bridge_chart.opening"] = [opening, opening, 0, 0, 0, 0, 0, 0, opening]
    before = opening
    for k, name in enumerate(BRIDGE_STEPS):
        after = before + float(steps[k])
        lo, hi = sorted((before, after))
        pos, neg = max(0.0, hi) - max(0.0, lo), min(0.0, lo) - min(0.0, hi)
        up = [pos, neg, 0, 0] if after >= before else [0, 0, pos, neg]
        out[f"bridge_chart.{name}"] = [before, after, max(0.0, lo), min(0.0, hi), *up, 0]
        before = after
    out["bridge_chart.closing"] = [closing, closing, 0, 0, 0, 0, 0, 0, closing]
    return out


def close(got: Any, want: float | None) -> bool:
    if want is None:
        return got is None or got == ""
    return isinstance(got, int | float) and math.isclose(got, want, rel_tol=REL, abs_tol=ABS)


def figure_mismatches(path: Path, result: ProjectionResult, layout: AppendixLayout) -> list[str]:
    """Every figure of Partners, System and Bridge that differs from the engine, and uncovered cells."""
    wb = openpyxl.load_workbook(path, data_only=True)
    col0 = layout.first_year_col + 1
    bad = []
    checked: set[tuple[str, int, int]] = set()
    for name, want in expected_rows(result).items():
        sheet, row = layout.rows[name]
        for t, value in enumerate(want):
            got = wb[sheet].cell(row=row + 1, column=col0 + t).value
            checked.add((sheet, row + 1, col0 + t))
            if not close(got, value):
                bad.append(f"{sheet}!{name}[{result.years[t]}]: workbook {got!r}, engine {value!r}")
    for name, parts in expected_waterfall(result).items():
        sheet, row = layout.rows[name]
        for i, value in enumerate(parts):
            got = wb[sheet].cell(row=row + 1, column=col0 + i).value
            checked.add((sheet, row + 1, col0 + i))
            if not close(got, value):
                bad.append(f"{sheet}!{name} waterfall part {i}: workbook {got!r}, want {value!r}")
    for name, scalar in expected_scalars(result).items():
        sheet, row = layout.rows[name]
        got = wb[sheet].cell(row=row + 1, column=5).value
        checked.add((sheet, row + 1, 5))
        if not close(got, scalar):
            bad.append(f"{sheet}!E{row + 1} ({name}): workbook {got!r}, engine {scalar!r}")
    for sheet in FIGURE_SHEETS:  # every figure on these sheets is one the engine also gives
        for row in wb[sheet].iter_rows(min_row=5, min_col=5):
            for c in row:
                if (
                    isinstance(c.value, int | float)
                    and not isinstance(c.value, bool)
                    and (sheet, c.row, c.column) not in checked
                ):
                    bad.append(
                        f"{sheet}!{c.coordinate} = {c.value!r} is not compared with the engine"
                    )
    return bad


def master_check(path: Path, layout: AppendixLayout) -> Any:
    wb = openpyxl.load_workbook(path, data_only=True)
    sheet, row, col = layout.master_check
    return wb[sheet].cell(row=row + 1, column=col + 1).value, wb["Cover"]


# ----- LibreOffice recalculation: the acceptance test -----------------------------------------
@pytest.fixture(scope="module")
def recalculated(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[str, ProjectionResult, AppendixLayout, Path]]:
    """Default, minimal and generated models, written without stored results, recalculated in one run."""
    from finmodel.io.recalc import recalculate

    default = load_model(MODELS / "lsc_ics.yaml")
    results: list[tuple[str, ProjectionResult]] = [("default", project(default))]
    with_options = [project(default, s.id) for s in default.scenarios]
    invested = [r for r in with_options if np.any(r.inputs.investment_expenditure)]
    results += [("default_scenario", (invested or with_options or [project(default)])[0])]
    results += [
        ("minimal", project(load_model(MODELS / "minimal.yaml"), "high_demand")),
        (
            "minimal_investments_hostile",
            with_investments(project(hostile(load_model(MODELS / "minimal.yaml")))),
        ),
    ]
    results += [(f"generated{i}", project(m)) for i, m in enumerate(generated(4))]
    # the ICB-era model: non-recurrent items (a taper), the control-total boundary, NHS rules
    icb = load_model(MODELS / "lsc_icb.yaml")
    results += [("icb", project(icb))]
    results += [(f"icb_{s.id}", project(icb, s.id)) for s in icb.scenarios]
    folder = tmp_path_factory.mktemp("appendix")
    written = []
    for label, result in results:
        path = folder / "in" / f"{label}.xlsx"
        written.append(
            (
                label,
                result,
                write_appendix(result, path, appendix_sheets=False, cached_values=False),
                path,
            )
        )
    outputs = recalculate([w[3] for w in written], folder / "out")
    return [
        (label, result, layout, out)
        for (label, result, layout, _), out in zip(written, outputs, strict=True)
    ]


@pytest.mark.slow
def test_libreoffice_recalculation_gives_the_engines_figures(recalculated):
    assert len(recalculated) >= 7
    for label, result, layout, path in recalculated:
        assert figure_mismatches(path, result, layout) == [], label
        master, cover = master_check(path, layout)
        assert master == 0, label
        assert any(c.value == 0 for row in cover.iter_rows() for c in row if c.column == 2), label


@pytest.mark.slow
def test_text_that_looks_like_a_formula_stays_text_after_recalculation(recalculated):
    _, _, layout, path = next(r for r in recalculated if "hostile" in r[0])
    wb = openpyxl.load_workbook(path)
    sheet, row = layout.rows["partners.surplus.icb"]
    assert wb[sheet].cell(row=row + 1, column=1).value == HOSTILE
    assert wb["Inputs"]["A6"].value == f"1. {HOSTILE} (commissioner)"


# ----- stored results, without a spreadsheet --------------------------------------------------
@pytest.fixture(scope="module")
def default_appendix(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ProjectionResult, AppendixLayout, Path]:
    result = project(load_model(MODELS / "lsc_ics.yaml"))
    path = tmp_path_factory.mktemp("default") / "appendix.xlsx"
    return (
        result,
        write_appendix(result, path, model_file=MODELS / "lsc_ics.yaml", appendix_sheets=False),
        path,
    )


def test_stored_results_equal_the_engines(default_appendix):
    result, layout, path = default_appendix
    assert figure_mismatches(path, result, layout) == []
    assert master_check(path, layout)[0] == 0


@settings(max_examples=8)
@given(appendix_models(), st.booleans())
def test_stored_results_equal_the_engines_on_generated_models(tmp_path_factory, data, investments):
    model, findings = validate_data(data)
    assert model is not None and not findings
    result = project(model)
    if investments:
        result = with_investments(result)
    path = tmp_path_factory.mktemp("gen") / "appendix.xlsx"
    layout = write_appendix(result, path, appendix_sheets=False)
    assert figure_mismatches(path, result, layout) == []
    assert master_check(path, layout)[0] == 0


def test_stored_results_are_exact(default_appendix):
    result, layout, path = default_appendix
    wb = openpyxl.load_workbook(path, data_only=True)
    sheet, row = layout.rows["system.surplus"]
    got = [
        wb[sheet].cell(row=row + 1, column=layout.first_year_col + 1 + t).value
        for t in range(len(result.years))
    ]
    assert got == result.arrays.system_surplus.tolist()


def test_values_mode_writes_numbers_only(tmp_path):
    result = project(load_model(MODELS / "minimal.yaml"))
    layout = write_appendix(
        result, tmp_path / "values.xlsx", values_only=True, appendix_sheets=False
    )
    wb = openpyxl.load_workbook(tmp_path / "values.xlsx")
    formulas = [
        c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []
    assert figure_mismatches(tmp_path / "values.xlsx", result, layout) == []
    assert "values only" in str([c.value for row in wb["Cover"].iter_rows() for c in row])


# ----- formulas a reviewer can audit ----------------------------------------------------------
_REF = re.compile(r"(?:(?:'[^']+'|[A-Za-z_][A-Za-z0-9_]*)!)?\$?([A-Z]{1,3})\$?(\d+)(?![\d(])")
_STRING = re.compile(r'"[^"]*"')


def relative(formula: str, row: int, col: int) -> str:
    """A formula with each reference written relative to its cell (R1C1-like), to compare cells."""

    def shift(match: re.Match[str]) -> str:
        text = match.group(0)
        letters, number = match.group(1), int(match.group(2))
        c = openpyxl.utils.column_index_from_string(letters)
        sheet = text.split("!")[0] + "!" if "!" in text else ""
        r_part = f"R{number}" if f"${number}" in text else f"R[{number - row}]"
        c_part = f"C{c}" if f"${letters}" in text else f"C[{c - col}]"
        return sheet + r_part + c_part

    return _REF.sub(shift, formula)


def test_formulas_are_auditable(default_appendix):
    result, layout, path = default_appendix
    wb = openpyxl.load_workbook(path)
    names = [p.name for p in result.model.partners] + [p for p in result.inputs.place_names]
    count = 0
    chart_data = {  # the waterfall's chart-data table: a formula per part, not a timeline
        (sheet, r + 1)
        for name, (sheet, r) in layout.rows.items()
        if name.startswith("bridge_chart.")
    }
    for ws in wb:
        for row in ws.iter_rows():
            timeline = [  # the year columns (Inputs' "changed since export" flag is not one)
                c
                for c in row
                if c.column > layout.first_year_col
                and c.data_type == "f"
                and "Inputs as exported" not in str(c.value)
            ]
            if (ws.title, row[0].row) in chart_data:
                timeline = []
            shapes = {relative(c.value, c.row, c.column) for c in timeline}
            assert len(shapes) <= 1, f"{ws.title} row {row[0].row}: {shapes}"
            for c in row:
                if c.data_type != "f":
                    continue
                count += 1
                f = c.value
                assert "OFFSET" not in f and "INDIRECT" not in f, c.coordinate
                assert _STRING.search(f) is None, f"{ws.title}!{c.coordinate}: text inside {f}"
                stripped = _REF.sub("", f)
                literals = set(re.findall(r"(?<![A-Za-z_$])\d+(?:\.\d+)?", stripped))
                assert literals <= {"0", "1"}, f"{ws.title}!{c.coordinate}: {f}"
                assert not any(n in f for n in names if len(n) > 3), f"{ws.title}!{c.coordinate}"
    assert count > 1000


def test_calculations_are_live_formulas_over_inputs(default_appendix):
    result, layout, path = default_appendix
    ws = openpyxl.load_workbook(path)["Calculations"]
    n_years = len(result.years)
    for l_index in range(len(result.inputs.line_ids)):
        _, row = layout.rows[f"calc.cost.{l_index}"]
        cells = [ws.cell(row=row + 1, column=layout.first_year_col + 1 + t) for t in range(n_years)]
        assert all(c.data_type == "f" for c in cells)
        first = cells[0].value
        # a line with non-recurrent CIP costs its underlying cost row less its saving row (blank
        # in the base year), both formulas of Inputs on this sheet
        parts = re.fullmatch(r"=([A-Z]+)\$(\d+)-\1\$(\d+)", first)
        column = cells[1].column_letter
        sources = [ws[f"{column}{r}"].value for r in parts.groups()[1:]] if parts else [first]
        assert all("Inputs!" in f for f in sources), first
        assert any("Time!" in f for f in sources), first
    # a system default that a line inherits is referenced, not copied
    assert (
        "Inputs!"
        in ws.cell(row=layout.rows["calc.funding.0"][1] + 1, column=layout.first_year_col + 2).value
    )


def test_cover_records_the_run(default_appendix):
    result, layout, path = default_appendix
    wb = openpyxl.load_workbook(path)
    cover = {row[0].value: row[1].value for row in wb["Cover"].iter_rows(max_col=2) if row[0].value}
    assert cover["Model"] == result.model.name
    assert cover["Model file SHA-256"] == file_hash(MODELS / "lsc_ics.yaml")
    assert cover["Master check"] == "=Checks!$E$5"
    assert cover["Engine"].startswith("finmodel ")
    assert layout.sheets == [
        "Cover",
        "Summary",
        "Inputs",
        "Time",
        "Calculations",
        "Partners",
        "System",
        "Bridge",
        "Checks",
        "Inputs as exported",
    ]
    assert wb.sheetnames == layout.sheets
    assert wb["Calculations"].freeze_panes == "G5"
    assert len(wb["Bridge"]._charts) == 2


def test_a_broken_invariant_shows_in_the_master_check(tmp_path):
    """Break the engine's figures: the stored checks (by the engine's arithmetic) must fail."""
    result = project(load_model(MODELS / "minimal.yaml"))
    broken = dataclasses.replace(result.arrays, system_surplus=result.arrays.system_surplus + 5.0)
    bad = ProjectionResult(result.model, None, result.inputs, broken)
    layout = write_appendix(bad, tmp_path / "broken.xlsx", appendix_sheets=False)
    assert master_check(tmp_path / "broken.xlsx", layout)[0] > 0


# ----- the extension hook ---------------------------------------------------------------------
def test_extra_sheets_come_before_checks_and_add_checks(tmp_path, monkeypatch):
    def appraisal(workbook: Any, ctx: AppendixContext) -> None:
        ws = ctx.add_timeseries_sheet(
            "Financial case", "Extra sheet from another module", title="Financial case"
        )
        ctx.text(ws, 4, 0, "System surplus, linked", ctx.styles.label)
        ctx.write_row(
            ws,
            4,
            lambda c, p: f"={ctx.at('system.surplus', c)}",
            ctx.result.arrays.system_surplus,
            ctx.styles.money,
        )
        ctx.write_row(
            ws,
            5,
            lambda c, p: f"=IF(ABS({c}5-{ctx.at('system.surplus', c)})>{ctx.tolerance_ref},1,0)",
            np.zeros(ctx.n_years),
            ctx.styles.check,
        )
        ctx.add_check(
            "Linked surplus equals the System sheet",
            f"'Financial case'!{ctx.letter(0)}6:{ctx.last_letter}6",
            failures=1,
        )

    monkeypatch.setattr(excel_appendix, "APPENDIX_SHEETS", (appraisal,))
    result = project(load_model(MODELS / "minimal.yaml"))
    layout = write_appendix(result, tmp_path / "a.xlsx")
    assert layout.sheets[-3:] == ["Financial case", "Checks", "Inputs as exported"]
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx", data_only=True)
    assert "Financial case" in [c.value for row in wb["Cover"].iter_rows() for c in row]
    assert master_check(tmp_path / "a.xlsx", layout)[0] == 1  # the failure it reported is rolled up


def test_the_appendix_lists_its_sheets_in_order():
    """The product's sheets are an explicit list (no registration by import): investments
    first, then risk."""
    assert (investment_sheets, risk_sheet) == excel_appendix.APPENDIX_SHEETS


# ----- safety ---------------------------------------------------------------------------------
def test_formula_like_names_are_written_as_text(tmp_path):
    result = project(hostile(load_model(MODELS / "minimal.yaml")))
    write_appendix(result, tmp_path / "h.xlsx", appendix_sheets=False)
    wb = openpyxl.load_workbook(tmp_path / "h.xlsx")
    cells = [
        c
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_only_xlsx_is_written(tmp_path):
    result = project(load_model(MODELS / "minimal.yaml"))
    with pytest.raises(InputError, match=r"\.xlsm"):
        write_appendix(result, tmp_path / "a.xlsm")
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_appendix(result, tmp_path / "a.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_existing_file_intact(tmp_path):
    target = tmp_path / "appendix.xlsx"
    target.write_bytes(b"the previous appendix")

    def broken(workbook: Any, ctx: AppendixContext) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_appendix(
            project(load_model(MODELS / "minimal.yaml")),
            target,
            extra_sheets=[broken],
            appendix_sheets=False,
        )
    assert target.read_bytes() == b"the previous appendix"
    assert [p.name for p in tmp_path.iterdir()] == ["appendix.xlsx"]


# ----- command line ---------------------------------------------------------------------------
def finmodel(*args: str) -> Any:
    """Run the command line in-process (the exit status and streams as a shell sees them)."""
    return CliRunner().invoke(app, list(args))


def test_cli_run_writes_the_appendix(tmp_path):
    out = finmodel("run", str(MODELS / "minimal.yaml"), "--out", str(tmp_path / "a.xlsx"))
    assert out.exit_code == 0, out.stderr
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").sheetnames[0] == "Cover"
    values = finmodel(
        "run", str(MODELS / "minimal.yaml"), "--out", str(tmp_path / "v.xlsx"), "--values"
    )
    assert values.exit_code == 0, values.stderr
    wb = openpyxl.load_workbook(tmp_path / "v.xlsx")
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_cli_refuses_xlsm_output(tmp_path):
    out = finmodel("run", str(MODELS / "minimal.yaml"), "--out", str(tmp_path / "a.xlsm"))
    assert out.exit_code == 2
    assert ".xlsm" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_garbage_collector_is_paused_while_writing_and_left_as_it_was(
    minimal_model: Model, tmp_path: Path, enabled_before: bool
) -> None:
    import gc

    seen: list[bool] = []

    def sheet(workbook: Any, ctx: AppendixContext) -> None:
        seen.append(gc.isenabled())

    was = gc.isenabled()
    try:
        (gc.enable if enabled_before else gc.disable)()
        write_appendix(project(minimal_model), tmp_path / "a.xlsx", extra_sheets=[sheet])
        assert seen == [False]
        assert gc.isenabled() is enabled_before

        def failing(workbook: Any, ctx: AppendixContext) -> None:
            raise RuntimeError("a sheet writer fails")

        with pytest.raises(RuntimeError):
            write_appendix(project(minimal_model), tmp_path / "b.xlsx", extra_sheets=[failing])
        assert gc.isenabled() is enabled_before
        assert not (tmp_path / "b.xlsx").exists()
    finally:
        (gc.enable if was else gc.disable)()
