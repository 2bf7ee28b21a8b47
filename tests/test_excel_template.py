"""The budget template: written from a model and read back, it gives the same projection."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from typer.testing import CliRunner

from finmodel import Model, load_model, project
from finmodel.cli.main import app
from finmodel.domain.validation import validate_data
from finmodel.errors import InputError, WorkbookInputError
from finmodel.io.template.reader import load_workbook_model
from finmodel.io.template.writer import write_template
from tests.conftest import MODELS
from tests.test_excel_appendix import HOSTILE, appendix_models, hostile

ARRAYS = (
    "cost",
    "funding",
    "income",
    "expenditure",
    "surplus",
    "variance",
    "surplus_after_risk_share",
    "place_surplus",
    "bridge",
)


def same_projection(a: Model, b: Model, scenario: str | None = None) -> None:
    left, right = project(a, scenario).arrays, project(b, scenario).arrays
    for name in ARRAYS:
        np.testing.assert_allclose(
            getattr(right, name), getattr(left, name), rtol=1e-12, atol=1e-9, err_msg=name
        )


def open_template(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def test_default_model_round_trip(tmp_path):
    model = load_model(MODELS / "lsc_ics.yaml")
    write_template(tmp_path / "budget.xlsx", model)
    back = load_workbook_model(tmp_path / "budget.xlsx")
    assert [p.id for p in back.partners] == [p.id for p in model.partners]
    assert [s.id for s in back.scenarios] == [s.id for s in model.scenarios]
    same_projection(model, back)
    for scenario in model.scenarios:
        same_projection(model, back, scenario.id)


def test_the_nhs_rules_round_trip(tmp_path):
    """The ICB model's tariff and price series (Other settings), CIP and QIPP assumptions,
    contracts' payment bases, lines' price series and ring-fences and the allocation's
    convergence all survive the workbook: the same projection in every scenario."""
    model = load_model(MODELS / "lsc_icb.yaml")
    write_template(tmp_path / "budget.xlsx", model)
    back = load_workbook_model(tmp_path / "budget.xlsx")
    assert back.tariff == model.tariff and back.price_series == model.price_series
    lines = [(c.basis, c.price_series, c.ring_fence) for p in model.partners for c in p.costs]
    assert [(c.basis, c.price_series, c.ring_fence) for p in back.partners for c in p.costs] == (
        lines
    )
    [stream] = back.partner("icb").funding
    assert stream.convergence is not None
    assert stream.convergence.pace == 0.25 and "quarter" in str(stream.convergence.source)
    same_projection(model, back)
    for scenario in model.scenarios:
        same_projection(model, back, scenario.id)


def with_own_cip_and_qipp(qipp: Any) -> dict[str, Any]:
    """The ICB model's data with providers' own CIP plans (a year list of plans, a 100%
    delivered share, a recurrent share with a source of its own, the plan's source; a list of
    delivered shares reaching 100%) and the ICB's own QIPP."""
    data = yaml.safe_load((MODELS / "lsc_icb.yaml").read_text())
    partners = {p["id"]: p for p in data["partners"]}
    partners["lth"]["cip"] = {
        "planned": [0.05, 0.045, 0.04, 0.04],
        "delivered": 1.0,
        "recurrent": 0.69,
        "source": "illustrative: a trust's own plan, for the round trip",
        "sources": {"recurrent": "illustrative: the 2023/24 system rate"},
    }
    partners["elht"]["cip"] = {"delivered": [0.84, 0.9, 1.0, 1.0]}
    partners["icb"]["qipp"] = qipp
    return data


@pytest.mark.parametrize("qipp", [0.025, [0.02, 0.025, 0.03, 0.03]])
def test_a_partners_own_cip_and_qipp_round_trip(tmp_path, qipp):
    from finmodel.io.yaml_io import model_from_data

    model = model_from_data(with_own_cip_and_qipp(qipp), "own.yaml")
    write_template(tmp_path / "budget.xlsx", model)
    back = load_workbook_model(tmp_path / "budget.xlsx")
    assert back.partner("lth").cip == model.partner("lth").cip
    assert back.partner("elht").cip == model.partner("elht").cip
    assert back.partner("icb").qipp == qipp
    # every partner as written (a convergence's sources fold into its one source cell)
    assert [p.model_dump(exclude={"funding"}) for p in back.partners] == [
        p.model_dump(exclude={"funding"}) for p in model.partners
    ]
    same_projection(model, back)
    plain = project(load_model(MODELS / "lsc_icb.yaml")).arrays.surplus
    assert not np.allclose(project(back).arrays.surplus, plain)  # the own rates count
    overrides = open_template(tmp_path / "budget.xlsx")["Rate overrides"]
    own = [(r[0].value, r[1].value, r[2].value) for r in overrides.iter_rows(min_row=5)]
    assert ("lth", None, "cip.recurrent") in own and ("elht", None, "cip.delivered") in own


def test_a_template_without_the_later_columns_still_reads(tmp_path):
    """A budget workbook written before the payment basis, price series, ring-fence,
    convergence and a partner's own CIP and QIPP columns existed (they end their sheets) reads
    as before."""
    model = load_model(MODELS / "minimal.yaml")
    write_template(tmp_path / "budget.xlsx", model)
    wb = open_template(tmp_path / "budget.xlsx")
    for sheet, count, before in (
        ("Costs", 3, "Source"),
        ("Funding", 3, "Source"),
        ("Partners", 5, "Illustrative figures"),
    ):
        ws = wb[sheet]
        headers = [c.value for c in ws[4]]
        last = max(i for i, h in enumerate(headers) if h)
        ws.delete_cols(last - count + 2, count)  # openpyxl columns count from 1
        assert [c.value for c in ws[4] if c.value][-1] == before, sheet
    wb.save(tmp_path / "older.xlsx")
    back = load_workbook_model(tmp_path / "older.xlsx")
    assert project(back).to_json() == project(model).to_json()


def test_minimal_model_round_trip_keeps_the_model(tmp_path):
    model = load_model(MODELS / "minimal.yaml")
    write_template(tmp_path / "budget.xlsx", model)
    back = load_workbook_model(tmp_path / "budget.xlsx")
    assert project(back).to_json() == project(model).to_json()
    assert back.partners == model.partners and back.control_totals == model.control_totals


@settings(max_examples=15)
@given(appendix_models())
def test_generated_models_round_trip(tmp_path_factory, data):
    model, findings = validate_data(data)
    assert model is not None and not findings
    path = tmp_path_factory.mktemp("tpl") / "budget.xlsx"
    write_template(path, model)
    same_projection(model, load_workbook_model(path))


def test_template_offers_lists_and_guidance(tmp_path):
    write_template(tmp_path / "budget.xlsx", load_model(MODELS / "minimal.yaml"))
    wb = open_template(tmp_path / "budget.xlsx")
    for sheet in (
        "Guide",
        "Model",
        "Assumptions",
        "Drivers",
        "Partners",
        "Funding",
        "Costs",
        "Control totals",
        "Rate overrides",
        "Other settings",
        "Lists",
    ):
        assert sheet in wb.sheetnames
        assert wb[sheet]["A2"].value, f"{sheet} has guidance under its title"

    def lists(sheet: str) -> dict[str, str]:
        return {
            str(dv.sqref).split(":")[0]: dv.formula1
            for dv in wb[sheet].data_validations.dataValidation
            if dv.type == "list"
        }

    assert '"commissioner,provider,local_authority,vcfse,other"' in lists("Partners")["C5"]
    assert lists("Partners")["D5"] == "Lists!$C$5:$C$54"  # places
    assert lists("Costs")["E5"] == "Partners!$A$5:$A$504"  # payees
    assert lists("Costs")["F5"] == "Drivers!$A$5:$A$504"  # drivers
    assert "inflation" in lists("Rate overrides")["C5"]
    assert [c.value for c in wb["Assumptions"][4]][4:7] == ["2020/21", "2021/22", "2022/23"]
    assert wb["Costs"]["D4"].comment is not None  # each column header explains itself
    assert wb["Lists"]["C5"].value == "Central"


def test_blank_template_has_no_partners(tmp_path):
    write_template(tmp_path / "blank.xlsx", load_model(MODELS / "minimal.yaml"), blank=True)
    wb = open_template(tmp_path / "blank.xlsx")
    assert wb["Partners"]["A5"].value is None and wb["Costs"]["A5"].value is None
    assert wb["Assumptions"]["D6"].value == 0.02
    with pytest.raises(WorkbookInputError) as err:
        load_workbook_model(tmp_path / "blank.xlsx")
    assert any("partners" in str(p) for p in err.value.problems)


def test_text_is_written_as_text(tmp_path):
    write_template(tmp_path / "budget.xlsx", hostile(load_model(MODELS / "minimal.yaml")))
    cell = open_template(tmp_path / "budget.xlsx")["Partners"]["B5"]
    assert cell.value == HOSTILE and cell.data_type == "s"
    assert load_workbook_model(tmp_path / "budget.xlsx").partners[0].name == HOSTILE


def test_only_xlsx(tmp_path):
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_template(tmp_path / "budget.xlsm", load_model(MODELS / "minimal.yaml"))
    assert list(tmp_path.iterdir()) == []


def finmodel(*args: str) -> Any:
    """Run the command line in-process."""
    return CliRunner().invoke(app, list(args))


def test_cli_template_then_run_gives_the_same_json(tmp_path):
    out = finmodel("template", "-o", str(tmp_path / "budget.xlsx"))
    assert out.exit_code == 0, out.stderr
    from_workbook = finmodel("run", str(tmp_path / "budget.xlsx"), "--json")
    from_yaml = finmodel("run", str(MODELS / "lsc_ics.yaml"), "--json")
    assert from_workbook.exit_code == 0, from_workbook.stderr
    left, right = json.loads(from_workbook.stdout), json.loads(from_yaml.stdout)
    np.testing.assert_allclose(left["system"]["surplus"], right["system"]["surplus"], rtol=1e-12)
    assert left["partners"].keys() == right["partners"].keys()
    assert finmodel("validate", str(tmp_path / "budget.xlsx")).exit_code == 0
    bad = finmodel("template", "-o", str(tmp_path / "budget.xlsm"))
    assert bad.exit_code == 2 and bad.stderr.endswith("give a file name ending in .xlsx\n")
