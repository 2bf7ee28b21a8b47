"""The sheets of the budget template (:mod:`finmodel.io.template.writer`), one writer each.

* :func:`write_model_sheet`: the model settings, one per row (label, value, guidance).
* :func:`write_table`: a table sheet (Partners, Funding, Costs), one row per item, with the
  drop-down lists of its columns.
* :func:`write_year_sheet`: a year sheet (Assumptions, Drivers, Control totals, Rate overrides):
  key columns, a source, an *All years* value and one value per projected year.
* :func:`write_other_settings`, :func:`write_lists`, :func:`write_guide`: the YAML of the
  sections the tables do not hold, the drop-down lists, and how to fill the template in.

Rows of a year sheet are ``(key, key cells, source, value)``; the value is one number for all
years, a list with one per projected year, or None. Money in £k, rates as fractions.
"""

from __future__ import annotations

from typing import Any

import yaml

from finmodel.domain.model import PartnerKind, RiskShareMethod
from finmodel.io.template.formats import (
    DRIVER_IDS,
    PARTNER_IDS,
    RATE_CHECK,
    TemplateWriter,
    year_cells,
)
from finmodel.io.template.layout import (
    ASSUMPTION_KEYS,
    ASSUMPTIONS,
    CONTROL_TOTALS,
    FIRST_ROW,
    HEADER_ROW,
    LINE_RATES,
    MODEL_ROWS,
    NO,
    NON_RECURRENT,
    NON_RECURRENT_KINDS,
    OTHER_KEYS,
    OVERRIDES,
    PARTNER_RATES,
    STREAM_RATES,
    YES,
    Column,
    YearTable,
)

#: A row of a year sheet: (key, key cells, source, value).
YearRow = tuple[str, list[Any], str | None, Any]


def write_model_sheet(w: TemplateWriter) -> None:
    """The Model sheet: name, base year, horizon, risk-share method and sources."""
    model = w.model
    ws = w.sheet(
        "Model",
        "Model settings",
        "One value per row in column B. Do not change the labels in column A.",
    )
    for col, (text, width) in enumerate((("Setting", 24), ("Value", 40), ("Guidance", 70))):
        ws.write_string(HEADER_ROW, col, text, w.f["header"])
        ws.set_column(col, col, width)
    values = {
        "name": model.name,
        "description": model.description,
        "timeline.base_year": model.timeline.base_year,
        "timeline.horizon": model.timeline.horizon,
        "units": model.units,
        "risk_share.method": model.risk_share.method.value,
        "risk_share.source": model.risk_share.source,
        "assumptions.source": model.assumptions.source,
    }
    for offset, (label, key, guidance) in enumerate(MODEL_ROWS):
        row = FIRST_ROW + offset
        ws.write_string(row, 0, label, w.f["label"])
        if key == "timeline.horizon":
            ws.write_number(row, 1, model.timeline.horizon, w.f["yesno"])
            ws.data_validation(
                row,
                1,
                row,
                1,
                {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 50},
            )
        else:
            w.text(ws, row, 1, values[key], "text")
        if key == "risk_share.method":
            ws.data_validation(
                row, 1, row, 1, {"validate": "list", "source": [m.value for m in RiskShareMethod]}
            )
        ws.write_string(row, 2, guidance, w.f["note"])
    ws.freeze_panes(FIRST_ROW, 0)


def write_table(
    w: TemplateWriter,
    name: str,
    title: str,
    guidance: str,
    columns: tuple[Column, ...],
    rows: list[dict[str, Any]],
) -> None:
    """A table sheet: one row per item (values by column field), drop-downs on its columns."""
    ws = w.sheet(name, title, guidance)
    w.headers(ws, columns)
    for offset, values in enumerate(rows):
        for col, column in enumerate(columns):
            w.cell(ws, FIRST_ROW + offset, col, values.get(column.field), column.kind)
    for col, column in enumerate(columns):
        source: str | list[str] | None = None
        strict = True
        if column.field == "kind":
            source = [k.value for k in PartnerKind]
        elif column.field == "place":
            source, strict = f"=Lists!$C${FIRST_ROW + 1}:$C${FIRST_ROW + 50}", False
        elif column.field == "in_control_total":
            source = [YES, NO]
        elif column.field in ("partner", "payee"):
            source = PARTNER_IDS
        elif column.field == "demand_driver":
            source = DRIVER_IDS
        w.validate(ws, col, column.kind, source, strict)


def write_year_sheet(
    w: TemplateWriter,
    table: YearTable,
    title: str,
    rows: list[YearRow],
    kind: str,
    guidance: str,
) -> None:
    """A year sheet: key cells, source, all-years value and one value per projected year, of
    ``kind`` ``rate`` (fractions a year) or ``money`` (£k)."""
    ws = w.sheet(table.sheet, title, guidance)
    w.headers(ws, table.keys)
    ws.write_string(HEADER_ROW, table.source_col, "Source", w.f["header"])
    ws.set_column(table.source_col, table.source_col, 36)
    ws.write_string(HEADER_ROW, table.all_years_col, "All years", w.f["header"])
    ws.write_comment(
        HEADER_ROW,
        table.all_years_col,
        "One value for every projected year; or leave blank and give one value per year",
    )
    years = w.model.years[1:]
    for t, year in enumerate(years):
        ws.write_string(HEADER_ROW, table.first_year_col + t, year, w.f["header"])
    ws.set_column(table.all_years_col, table.first_year_col + len(years) - 1, 11)
    for offset, (_, keys, source, value) in enumerate(rows):
        row = FIRST_ROW + offset
        for col, text in enumerate(keys):
            if table.keys[col].kind == "money":
                w.cell(ws, row, col, text, "money")
            else:
                w.text(ws, row, col, text, "id" if col == 0 else "text")
        w.text(ws, row, table.source_col, source, "citation")
        everything, per_year = year_cells(value, w.horizon)
        w.cell(ws, row, table.all_years_col, everything, kind)
        for t, v in enumerate(per_year):
            w.cell(ws, row, table.first_year_col + t, v, kind)
    last_col = table.first_year_col + len(years) - 1
    if kind == "rate":
        w.check_rows(ws, table.all_years_col, last_col, RATE_CHECK)
    elif table is NON_RECURRENT:
        w.check_rows(ws, 0, 0, {"validate": "list", "source": PARTNER_IDS})
        w.check_rows(ws, 3, 3, {"validate": "list", "source": list(NON_RECURRENT_KINDS)})
        amount = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1e12,
            "input_message": "£ thousands, 0 or more (the kind gives the sign)",
            "error_message": "A number of £k, 0 or more",
        }
        w.check_rows(ws, 4, 4, amount)  # the base-year amount
        w.check_rows(ws, table.all_years_col, last_col, amount)
    else:
        w.check_rows(
            ws,
            table.all_years_col,
            last_col,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -1e12,
                "maximum": 1e12,
                "input_message": "£ thousands; deficits negative",
                "error_message": "A number of £k",
            },
        )
    if table is CONTROL_TOTALS or table is OVERRIDES:
        w.check_rows(ws, 0, 0, {"validate": "list", "source": PARTNER_IDS})
    if table is OVERRIDES:
        rates = [*LINE_RATES, *STREAM_RATES, *PARTNER_RATES]
        w.check_rows(ws, 2, 2, {"validate": "list", "source": rates})
    if table is ASSUMPTIONS:
        w.check_rows(ws, 0, 0, {"validate": "list", "source": list(ASSUMPTION_KEYS)})


def write_other_settings(w: TemplateWriter, blank: bool) -> None:
    """Other settings: tariff, price series, scenarios, investments and uncertainty as YAML,
    one line per row."""
    ws = w.sheet(
        "Other settings",
        "Other settings: tariff, price series, scenarios, investments, uncertainty (YAML, advanced)",
        "One line of YAML per row in column A, as in a model file. Leave it as it is unless you know the model file format.",
    )
    ws.write_string(HEADER_ROW, 0, "YAML (one line per row)", w.f["header"])
    ws.set_column(0, 0, 120)
    data = (
        {}
        if blank
        else w.model.model_dump(mode="json", exclude_unset=True, include=set(OTHER_KEYS))
    )
    data = {k: v for k, v in data.items() if v}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100) if data else ""
    for offset, line in enumerate(text.splitlines()):
        ws.write_string(FIRST_ROW + offset, 0, line, w.f["text"])


def write_lists(w: TemplateWriter) -> None:
    """Lists: the values the drop-down lists offer (kinds, yes/no, places, methods, rates)."""
    ws = w.sheet(
        "Lists", "Lists offered by the drop-downs", "Add places in column C if you need new ones."
    )
    lists = (
        ("Kinds", [k.value for k in PartnerKind]),
        ("Yes / No", [YES, NO]),
        ("Places", list(dict.fromkeys(p.place for p in w.model.partners))),
        ("Risk-share methods", [m.value for m in RiskShareMethod]),
        ("Rates a line can set", [*LINE_RATES, *STREAM_RATES]),
        ("A partner's own rates (line blank)", list(PARTNER_RATES)),
    )
    for col, (header, values) in enumerate(lists):
        ws.write_string(HEADER_ROW, col, header, w.f["header"])
        ws.set_column(col, col, 28)
        for offset, value in enumerate(values):
            w.text(ws, FIRST_ROW + offset, col, value, "text")


def write_guide(w: TemplateWriter) -> None:
    """Guide: how to fill the template in, units and conventions."""
    ws = w.sheet(
        "Guide",
        "finmodel budget template",
        "Fill in the yellow cells; finmodel reads this workbook with `finmodel run FILE.xlsx` or `finmodel validate FILE.xlsx`.",
    )
    lines = (
        "Money is in £ thousands (£k): type 1200 for £1.2m. Rates are a year, as percentages: type 3% (or 0.03).",
        "Surplus is positive and deficit negative. Years are financial years, April to March; the base year is the outturn.",
        "Sheets: Model (settings), Assumptions (system defaults), Drivers, Partners, Funding, Costs, Non-recurrent, Control totals, Rate overrides.",
        "Non-recurrent items (deficit support, winter funding, one-off grants and costs) are in the reported position only, not the underlying one.",
        "A cost line with a Payee is a contract inside the system: the payee books the same amount as income.",
        "A blank rate on a line uses the system assumption. Give one rate for all years, or year by year on Rate overrides.",
        "Do not insert, move or rename columns or sheets; add rows below the last one. Empty rows are ignored.",
        "Errors are reported all at once, each naming the sheet and cell, for example Costs!D7.",
        "The workbook is read as data only: macros and links to other files are ignored; .xlsm files are refused.",
    )
    ws.set_column(0, 0, 120)
    for offset, line in enumerate(lines):
        ws.write_string(FIRST_ROW + offset, 0, line, w.f["label"])
