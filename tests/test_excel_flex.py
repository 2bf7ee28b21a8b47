"""A reviewer's flex, automated: change inputs on the appendix's Inputs sheet, recalculate in
LibreOffice, and require the master check 0 and every Partners, System and Bridge figure equal
to the engine's run of the same change (an overlay setting the same dotted paths).

Inputs are changed in the workbook's own XML (the cell's value only), so everything else in the
file, formulas, formats and charts, is exactly as written. The workbooks are written with 0
stored as every formula's result, so the figures read back are LibreOffice's own.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from finmodel import Model, load_model, project
from finmodel.domain.appraisal_tables import deflator_table
from finmodel.domain.validation import apply_scenario, validate_data, with_overlay
from finmodel.engine.inputs import year_vector
from finmodel.io.appendix.writer import AppendixLayout, write_appendix
from finmodel.io.excel_styles import FIRST_YEAR_COL, col_letter
from tests.conftest import MODELS
from tests.test_excel_appendix import figure_mismatches, generated

#: Position of Inputs among the sheets (Cover, Summary, Inputs): its part in the package.
INPUTS_PART = "xl/worksheets/sheet3.xml"


def set_cells(path: Path, values: dict[str, float | str]) -> None:
    """Type numbers into cells of Inputs (``{"H27": 0.04}``), as a reviewer would."""
    tmp = path.with_suffix(".editing")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == INPUTS_PART:
                text = data.decode("utf-8")
                for ref, value in values.items():
                    cell = re.compile(rf'<c r="{ref}"( s="\d+")?(?: t="\w+")?\s*(?:/>|>.*?</c>)')
                    typed = (
                        f' t="inlineStr"><is><t>{value}</t></is></c>'
                        if isinstance(value, str)
                        else f"><v>{value!r}</v></c>"
                    )
                    opening = f'<c r="{ref}"'

                    def replaced(
                        m: re.Match[str], opening: str = opening, typed: str = typed
                    ) -> str:
                        return f"{opening}{m.group(1) or ''}{typed}"

                    text, found = cell.subn(replaced, text, count=1)
                    assert found == 1, f"Inputs!{ref} not found"
                data = text.encode("utf-8")
            zout.writestr(item, data)
    tmp.replace(path)


def non_recurrent_flex(model: Model) -> dict[str, Any]:
    """A non-recurrent item's base-year amount (a taper follows it) and, for an item with
    projected amounts, one projected year's amount."""
    horizon = len(model.years) - 1
    items = [(p, item) for p in model.partners for item in p.non_recurrent]
    change: dict[str, Any] = {}
    if not items:
        return change
    partner, item = items[0]
    key = f"partners.{partner.id}.non_recurrent.{item.id}"
    change[f"{key}.base_year"] = float(item.base_year) * 1.2 + 11.0
    projected = [(p, i) for p, i in items[1:] if i.taper_to_zero_by is None]
    if projected:
        partner, item = projected[0]
        amounts = year_vector(item.projected, horizon).tolist()
        amounts[min(1, horizon - 1)] += 4321.0
        change[f"partners.{partner.id}.non_recurrent.{item.id}.projected"] = amounts
    return change


def nhs_flex(model: Model) -> dict[str, Any]:
    """The NHS rules' inputs, one year each: the tariff efficiency factor, a price series, the
    CIP delivered share and QIPP (a model without the rules: nothing)."""
    horizon = len(model.years) - 1
    change: dict[str, Any] = {}
    if model.tariff is None:
        return change

    def one_year(path: str, t: int, delta: float) -> None:
        values = year_vector(value_at(model, path), horizon).tolist()
        values[min(t, horizon - 1)] += delta
        change[path] = values

    one_year("tariff.efficiency", 1, 0.011)
    if model.price_series:
        one_year(f"price_series.{next(iter(model.price_series))}.growth", 0, 0.017)
    one_year("assumptions.cip_delivered", 1, -0.16)
    one_year("assumptions.qipp", 2, 0.009)
    return change


def flex_of(model: Model) -> dict[str, Any]:
    """Changes of each kind, by dotted path: a system rate in one year, a cost line's baseline,
    a funding stream's baseline, non-recurrent amounts, a case amount and the optimism bias, and
    on a model with NHS rules their inputs (values as the overlay sets them)."""
    horizon = len(model.years) - 1
    rate = year_vector(model.assumptions.inflation, horizon).tolist()
    rate[min(1, horizon - 1)] += 0.013
    line = next(c for p in model.partners for c in p.costs)
    line_owner = next(p for p in model.partners if line in p.costs)
    stream_owner = next(p for p in model.partners if p.funding)
    stream = stream_owner.funding[0]
    case: dict[str, Any] = {}
    for investment_id, investment in model.investments.items():
        selected = investment.options[investment.selected_index()]
        # the option laid over the projection when one is (its net cost on Inputs follows it)
        option = selected if selected.costs else next(o for o in investment.options if o.costs)
        item = next(c for c in option.costs if isinstance(c.amount, int | float))
        assert isinstance(item.amount, int | float)
        prefix = f"investments.{investment_id}"
        case[f"{prefix}.options.{option.id}.costs.{item.id}.amount"] = float(item.amount) + 123.0
        if investment.optimism_bias is not None:
            case[f"{prefix}.optimism_bias.mitigation_share"] = 0.2
        case.update(case_settings_flex(model, investment_id))
        if investment.service is not None:  # a service parameter and the recruitment lag
            p = investment.service.parameters
            service = f"{prefix}.service.parameters"
            case[f"{service}.assessments_per_fte_month"] = p.assessments_per_fte_month + 0.7
            case[f"{service}.referral_growth"] = p.referral_growth + 0.01
            case[f"{service}.recruitment_lag_months"] = p.recruitment_lag_months + 2.0
        break
    return {
        **case,
        **non_recurrent_flex(model),
        **nhs_flex(model),
        "assumptions.inflation": rate,
        f"partners.{line_owner.id}.costs.{line.id}.baseline": line.baseline * 1.1 + 7.0,
        f"partners.{stream_owner.id}.funding.{stream.id}.baseline": stream.baseline * 1.05 + 3.0,
    }


def case_settings_flex(model: Model, investment_id: str) -> dict[str, Any]:
    """The other discount schedule and one appraisal year's GDP deflator (the case's series
    with that year changed, as the engine takes it)."""
    from finmodel.domain.appraisal_tables import deflator_table, discount_table

    investment = model.investments[investment_id]
    prefix = f"investments.{investment_id}"
    schedules = [s for s in discount_table(investment.discount.version).schedules]
    other = next(s for s in schedules if s != investment.discount.schedule)
    table = deflator_table(investment.deflator_series())
    year = next(y for y in investment.appraisal_years(model)[1:] if y in table.index)
    index = dict(table.index)
    index[year] = round(index[year] * 1.03, 6)
    series = table.model_dump(mode="json")
    series["index"] = index
    change: dict[str, Any] = {f"{prefix}.discount.schedule": other, f"{prefix}.deflator": series}
    case_years = investment.case_years(model)
    moved: set[str] = set()
    for option in investment.options:
        for item in option.costs:
            charged = investment.service is not None and item.buys_capacity()
            if not isinstance(item.amount, int | float) or charged or item.ramp_up:
                continue
            path = f"{prefix}.options.{option.id}.costs.{item.id}"
            if item.recurrent and "end" not in moved:  # a year earlier
                end = item.end_year or case_years[-1]
                change[f"{path}.end_year"] = case_years[case_years.index(end) - 1]
                moved.add("end")
            elif not item.recurrent and "start" not in moved:  # a year later
                start = item.start_year or option.start_year or case_years[1]
                change[f"{path}.start_year"] = case_years[case_years.index(start) + 1]
                moved.add("start")
    return change


def with_case(model: Model) -> Model:
    """The model with an investment of the user's own amounts (no service model): a recurrent
    running cost with an uplift and an end year, a one-off capital cost and a recurrent saving."""
    data = model.model_dump(mode="json", exclude_unset=True)
    years = model.years
    data["investments"] = {
        "upgrade": {
            "name": "Upgrade",
            "deflator_extend_rate": 0.02,
            "discount": {"schedule": "standard"},
            "optimism_bias": {"project_type": "outsourcing", "mitigation_share": 0.4},
            "funders": {"icb": 1.0},
            "options": [
                {"id": "do_nothing"},
                {
                    "id": "build",
                    "start_year": years[1],
                    "costs": [
                        {
                            "id": "running",
                            "recurrent": True,
                            "amount": 300,
                            "uplift": 0.02,
                            "end_year": years[-2],
                        },
                        {"id": "kit", "kind": "capital", "amount": 900, "start_year": years[1]},
                    ],
                    "benefits": [
                        {"id": "saving", "type": "cash_releasing", "recurrent": True, "amount": 450}
                    ],
                },
            ],
        }
    }
    checked, findings = validate_data(data)
    assert checked is not None and not findings, findings
    return checked


def value_at(model: Model, path: str) -> Any:
    """The value at a dotted path of the model (list items by id)."""
    node: Any = model
    for part in path.split("."):
        if isinstance(node, list):
            node = next(item for item in node if item.id == part)
        elif isinstance(node, dict):
            node = node[part]
        else:
            node = getattr(node, part)
    return node


def cells_of(
    layout: AppendixLayout, change: dict[str, Any], model: Model
) -> dict[str, float | str]:
    """The Inputs cells holding the changed values (a rate list: only the year that differs)."""
    cells: dict[str, float | str] = {}
    horizon = len(model.years) - 1
    for path, value in change.items():
        # a non-recurrent item is one row: its base year and projected amounts
        row_name = path.rsplit(".", 1)[0] if ".non_recurrent." in path else path
        if path.endswith(".deflator"):  # the one year of the series that changed
            old = value_at(model, path.rsplit(".", 1)[0]).deflator_series()
            table = deflator_table(old)
            year = next(y for y, v in value["index"].items() if table.index[y] != v)
            row_name = f"{path}.index.{year}"
            value = value["index"][year]
        sheet, row = layout.rows[f"inputs.{row_name}"]
        assert sheet == "Inputs"
        if path.endswith(
            (".schedule", ".start_year", ".end_year")
        ):  # a choice or a year, typed as text
            cells[f"E{row + 1}"] = value
        elif path.startswith("investments."):  # a case input: one value in column E
            cells[f"E{row + 1}"] = float(value)
        elif ".non_recurrent." in path:  # base year or one projected year of an item
            if path.endswith(".base_year"):
                cells[f"{col_letter(FIRST_YEAR_COL)}{row + 1}"] = float(value)
                continue
            before = year_vector(_item(model, path).projected, horizon)
            for t, (old, new) in enumerate(zip(before, value, strict=True)):
                if old != new:
                    cells[f"{col_letter(FIRST_YEAR_COL + 1 + t)}{row + 1}"] = float(new)
        elif isinstance(value, list):
            before = year_vector(value_at(model, path), horizon)
            for t, (old, new) in enumerate(zip(before, value, strict=True)):
                if old != new:
                    cells[f"{col_letter(FIRST_YEAR_COL + 1 + t)}{row + 1}"] = float(new)
        else:
            cells[f"{col_letter(FIRST_YEAR_COL)}{row + 1}"] = float(value)
    return cells


@pytest.fixture(scope="module")
def flexed(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Any, Any, Path, int]]:
    """Default (with its investment sheets), minimal and generated models, flexed on Inputs and
    recalculated in one LibreOffice run; with the engine's run of the same change."""
    from finmodel.io.recalc import recalculate

    models = [
        ("default", load_model(MODELS / "lsc_ics.yaml"), True),
        ("minimal", load_model(MODELS / "minimal.yaml"), True),
        ("minimal_case", with_case(load_model(MODELS / "minimal.yaml")), True),
        ("icb", load_model(MODELS / "lsc_icb.yaml"), True),
        # the £2m option laid over the projection: Partners and System follow its amount
        ("default_2m", apply_scenario(load_model(MODELS / "lsc_ics.yaml"), "ipa_2m"), True),
    ]
    flexible = [
        m
        for m in generated(12)
        if any(p.costs for p in m.partners) and any(p.funding for p in m.partners)
    ]
    models += [(f"generated{i}", m, False) for i, m in enumerate(flexible[:3])]
    folder = tmp_path_factory.mktemp("flex")
    written = []
    for label, model, sheets in models:
        path = folder / "in" / f"{label}.xlsx"
        layout = write_appendix(project(model), path, appendix_sheets=sheets, cached_values=False)
        change = flex_of(model)
        cells = cells_of(layout, change, model)
        set_cells(path, cells)
        engine = project(with_overlay(model, change, label="flex"))
        engine_change[label] = change
        moved = engine.arrays.system_surplus - project(model).arrays.system_surplus
        assert abs(moved).max() > 1e-3, f"{label}: the flex moves nothing"
        written.append((label, engine, layout, path, len(change)))
    outputs = recalculate([w[3] for w in written], folder / "out")
    return [(*w[:3], out, w[4]) for w, out in zip(written, outputs, strict=True)]


#: The change each flexed model got (by label).
engine_change: dict[str, dict[str, Any]] = {}


def _item(model: Model, path: str) -> Any:
    """The non-recurrent item of ``partners.<p>.non_recurrent.<id>.<field>``."""
    _, partner_id, _, item_id, _ = path.split(".")
    return next(i for i in model.partner(partner_id).non_recurrent if i.id == item_id)


def figure(path: Path, sheet: str, row: int, col: int) -> Any:
    return (
        openpyxl.load_workbook(path, data_only=True)[sheet].cell(row=row + 1, column=col + 1).value
    )


@pytest.mark.slow
def test_flexed_inputs_give_the_engines_run_of_the_same_change(flexed):
    assert len(flexed) == 8
    for label, engine, layout, path, _ in flexed:
        assert figure_mismatches(path, engine, layout) == [], label


@pytest.mark.slow
def test_flexed_case_inputs_give_the_engines_appraisal(flexed):
    """A case amount, the optimism bias's mitigation share and (with a service model) a service
    parameter, referral growth and the recruitment lag changed on Inputs: every option's PVC,
    PVB and NPSV on Appraisal equal the appraisal of the same change (the staff charged, the
    risk register and the service benefits are formulas of the Service months sheet)."""
    from finmodel.investment.case import appraise_model

    compared = 0
    for label, engine, layout, path, _ in flexed:
        book = openpyxl.load_workbook(path, data_only=True)
        for investment_id in engine.model.investments:
            a = appraise_model(engine.model, investment_id).economic.appraisal
            for o, option in enumerate(appraise_model(engine.model, investment_id).option_ids):
                sheet, row = layout.rows[f"appraisal.{investment_id}.summary.{option}"]
                got = [
                    book[sheet].cell(row=row + 1, column=FIRST_YEAR_COL + 1 + i).value
                    for i in range(3)
                ]
                want = [float(a.pv_costs[o]), float(a.pv_benefits[o]), float(a.npsv[o])]
                assert got == pytest.approx(want, rel=1e-6, abs=1e-6), (label, option)
                compared += 1
    assert compared >= 5


@pytest.mark.slow
def test_flexed_service_inputs_give_the_engines_service_rows(flexed):
    """The Service model sheet's annual rows (backlog, 28-day share, reviews, caseload, package
    spend, cash released, staff) of every option equal the engine's service run of the same
    change, and so does each benefit stream on Appraisal."""
    from finmodel.investment.case import appraise_model

    compared = 0
    for label, engine, layout, path, _ in flexed:
        book = openpyxl.load_workbook(path, data_only=True)
        for investment_id, investment in engine.model.investments.items():
            if investment.service is None:
                continue
            case = appraise_model(engine.model, investment_id)
            service = case.streams.service
            assert service is not None
            annual = service.annual()
            for o, option in enumerate(case.option_ids):
                for series in ("overdue_backlog", "reviews_done", "caseload", "cash_released",
                               "incomplete_over_28_days", "package_spend"):  # fmt: skip
                    sheet, row = layout.rows[f"service.{investment_id}.{series}.{option}"]
                    want = annual.values[series][o]
                    got = [
                        book[sheet].cell(row=row + 1, column=FIRST_YEAR_COL + 1 + t).value
                        for t in range(len(want))
                    ]
                    assert got == pytest.approx(want.tolist(), rel=1e-6, abs=1e-6), (
                        label,
                        series,
                        option,
                    )
                    compared += 1
            sheet = layout.rows[f"appraisal.{investment_id}.discount_factor"][0]
            ws = book[sheet]
            e = case.economic
            for row in ws.iter_rows(min_row=5):
                name, o, stream = row[0].value, row[1].value, row[2].value
                if stream in e.benefits and "nominal benefit" in str(name):
                    want = case.streams.benefits[stream][int(o) - 1, case.streams.appraisal_slice]
                    got = [row[FIRST_YEAR_COL + t].value for t in range(len(want))]
                    assert got == pytest.approx(want.tolist(), rel=1e-6, abs=1e-6), (
                        label,
                        name,
                    )
                    compared += 1
    assert compared >= 6 * 7 + 4 * 7


@pytest.mark.slow
def test_flexed_default_model_gives_every_investment_figure_of_the_engine(flexed):
    """Every figure of the default model's investment sheets (discount factors, PVs, the
    results table, each funder's cost and each partner's surplus effect on Financial case,
    the backlog and 28-day share) equals the engine's case of the same change."""
    from finmodel.investment.case import appraise_model
    from tests.test_excel_investment import INV, mismatches

    for label in ("default", "default_2m"):
        (_, engine, layout, path, _) = next(f for f in flexed if f[0] == label)
        assert mismatches(path, layout, appraise_model(engine.model, INV)) == [], label


@pytest.mark.slow
def test_checks_hold_under_flexing(flexed):
    for label, _, layout, path, _ in flexed:
        sheet, row, col = layout.master_check
        assert figure(path, sheet, row, col) == 0, label


@pytest.mark.slow
def test_the_cover_says_the_inputs_are_no_longer_as_exported(flexed):
    for label, _, layout, path, n_changed in flexed:
        sheet, row = layout.rows["checks.inputs_changed"]
        assert figure(path, sheet, row, 4) == n_changed, label
        sheet, row = layout.rows["cover.inputs_changed"]
        assert figure(path, sheet, row, 1) == n_changed, label
