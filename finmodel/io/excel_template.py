"""The budget template: a workbook a finance lead fills in, read back by :mod:`finmodel.io.workbook_in`.

``write_template(out, model)`` writes the template pre-filled from a model (``blank=True``
keeps only the model settings and system assumptions). Sheets:

================  ===========================================================================
Guide             how to fill it in, units, colours
Model             name, base year, horizon, risk-share method, sources
Assumptions       the system default rates, for all years or year by year
Drivers           demand drivers (growth series such as the population aged 65 and over)
Partners          organisations: id, name, kind, place, in the control total, fixed risk share
Funding           external funding streams: partner, id, base-year outturn (£k), growth
Costs             cost lines: partner, id, base-year outturn (£k), payee, driver, own rates
Control totals    planned surplus (+) or deficit (-) per partner in the control total (£k)
Rate overrides    a cost line's or stream's own rate year by year, with its source
Other settings    scenarios, investments and uncertainty as YAML lines (advanced)
Lists             the values the drop-down lists offer
================  ===========================================================================

Every table starts on row 5 below a header on row 4; columns are fixed (the reader checks the
headers). Drop-down lists offer kinds, places, partner ids (for payees), drivers and rate names.
Rates are fractions shown as percentages (type ``3%`` or ``0.03``); money is in £k.

Example
-------
>>> import tempfile, pathlib
>>> from finmodel import load_model
>>> out = pathlib.Path(tempfile.mkdtemp()) / "budget.xlsx"
>>> write_template(out, load_model("models/minimal.yaml"))
>>> out.exists()
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel.domain.model import ControlTotalEntry, Model, PartnerKind, RiskShareMethod
from finmodel.errors import InputError, Problem
from finmodel.io.atomic import atomic_path
from finmodel.io.excel_context import shareable_permissions
from finmodel.io.excel_styles import INPUT_FILL, INPUT_FONT, MONEY, RATE, SHARE, header_footer_text
from finmodel.io.excel_template_layout import (
    ASSUMPTION_KEYS,
    ASSUMPTION_LABELS,
    ASSUMPTIONS,
    CONTROL_TOTALS,
    COST_COLUMNS,
    DRIVERS,
    FIRST_ROW,
    FUNDING_COLUMNS,
    HEADER_ROW,
    LINE_RATES,
    MAX_ROWS,
    MODEL_ROWS,
    NO,
    OTHER_KEYS,
    OVERRIDES,
    PARTNER_COLUMNS,
    STREAM_RATES,
    YES,
    Column,
    YearTable,
)


def _year_cells(value: Any, horizon: int) -> tuple[float | None, list[float | None]]:
    """A year-varying value as (all-years value, per-year values)."""
    if value is None:
        return None, [None] * horizon
    if isinstance(value, list):
        return None, [float(v) for v in value]
    return float(value), [None] * horizon


class _Writer:
    def __init__(self, workbook: Workbook, model: Model):
        self.wb, self.model = workbook, model
        self.horizon = model.timeline.horizon
        base = {"font_name": "Arial", "font_size": 10}
        inputs = {
            **base,
            "font_color": INPUT_FONT,
            "bg_color": INPUT_FILL,
            "border": 1,
            "border_color": "#BFBFBF",
        }
        self.f = {
            "title": workbook.add_format(
                {**base, "bold": True, "font_size": 14, "font_color": "#1F3864"}
            ),
            "note": workbook.add_format(
                {
                    **base,
                    "italic": True,
                    "font_color": "#595959",
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "header": workbook.add_format(
                {
                    **base,
                    "bold": True,
                    "font_color": "#FFFFFF",
                    "bg_color": "#1F3864",
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "label": workbook.add_format(base),
            "text": workbook.add_format({**inputs, "num_format": "@"}),
            "id": workbook.add_format({**inputs, "num_format": "@"}),
            "citation": workbook.add_format({**inputs, "num_format": "@"}),
            "yesno": workbook.add_format(inputs),
            "money": workbook.add_format({**inputs, "num_format": MONEY}),
            "rate": workbook.add_format({**inputs, "num_format": RATE}),
            "share": workbook.add_format({**inputs, "num_format": SHARE}),
        }

    def text(self, ws: Worksheet, row: int, col: int, value: Any, fmt: str) -> None:
        """Write text as text (never a formula), or a blank input cell."""
        if value is None or value == "":
            ws.write_blank(row, col, None, self.f[fmt])
        else:
            ws.write_string(row, col, str(value)[:32_767], self.f[fmt])

    def cell(self, ws: Worksheet, row: int, col: int, value: Any, kind: str) -> None:
        if kind in ("money", "rate", "share") and value is not None:
            ws.write_number(row, col, float(value), self.f[kind])
        elif kind == "yesno" and isinstance(value, bool):
            self.text(ws, row, col, YES if value else NO, kind)
        else:
            self.text(ws, row, col, value, kind if kind in self.f else "text")

    def sheet(self, name: str, title: str, guidance: str) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        ws.write_string(0, 0, title, self.f["title"])
        ws.write_string(1, 0, guidance, self.f["note"])
        ws.set_row(1, 30)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_header(f"&L{header_footer_text(self.model.name)}&R&A")
        return ws

    def headers(self, ws: Worksheet, columns: tuple[Column, ...], start: int = 0) -> None:
        for offset, column in enumerate(columns):
            col = start + offset
            ws.write_string(HEADER_ROW, col, column.header, self.f["header"])
            ws.write_comment(HEADER_ROW, col, column.guidance)
            ws.set_column(col, col, column.width)
        ws.set_row(HEADER_ROW, 30)
        ws.freeze_panes(FIRST_ROW, 0)

    def validate(
        self,
        ws: Worksheet,
        col: int,
        kind: str,
        source: str | list[str] | None = None,
        strict: bool = True,
    ) -> None:
        """Drop-down lists and number checks on a column's data rows."""
        last = FIRST_ROW + MAX_ROWS - 1
        if source is not None:
            ws.data_validation(
                FIRST_ROW,
                col,
                last,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "error_type": "stop" if strict else "warning",
                    "ignore_blank": True,
                },
            )
        elif kind == "money":
            ws.data_validation(
                FIRST_ROW,
                col,
                last,
                col,
                {
                    "validate": "decimal",
                    "criteria": ">=",
                    "value": 0,
                    "input_title": "£ thousands",
                    "input_message": "Base-year outturn in £k (for £1.2m type 1200)",
                    "error_message": "A number of £k, 0 or more",
                },
            )
        elif kind == "rate":
            ws.data_validation(
                FIRST_ROW,
                col,
                last,
                col,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": -0.99,
                    "maximum": 1,
                    "input_title": "Rate a year",
                    "input_message": "Type 3% (or 0.03) for 3% a year",
                    "error_message": "A rate between -99% and 100% a year",
                },
            )
        elif kind == "share":
            ws.data_validation(
                FIRST_ROW,
                col,
                last,
                col,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 1,
                    "error_message": "A share between 0% and 100%",
                },
            )


def write_template(out: str | Path, model: Model, *, blank: bool = False) -> None:
    """Write the budget template for ``model`` to ``out`` (``.xlsx``), atomically.

    With ``blank`` only the Model sheet and the system assumptions are filled in. Money in £k,
    rates as fractions (formatted as percentages).
    """
    target = Path(out)
    if target.suffix.lower() != ".xlsx":
        raise InputError(
            [
                Problem(
                    str(target),
                    "",
                    "the template is an Excel workbook: give a file name ending in .xlsx",
                )
            ]
        )
    with atomic_path(target) as tmp:
        workbook = Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        _fill(_Writer(workbook, model), blank)
        workbook.close()
        shareable_permissions(tmp, target)


def _fill(w: _Writer, blank: bool) -> None:
    model = w.model
    _guide(w)
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

    a = model.assumptions
    rows = [
        (key, [key, ASSUMPTION_LABELS[key]], a.sources.get(key), getattr(a, key))
        for key in ASSUMPTION_KEYS
    ]
    _year_sheet(
        w,
        ASSUMPTIONS,
        "System assumptions: the default of every line",
        rows,
        "rate",
        "One row per assumption: give one rate for all years (column D) or one per year (from column E).",
    )
    drivers = (
        []
        if blank
        else [(d, [d, drv.name], drv.source, drv.growth) for d, drv in model.drivers.items()]
    )
    _year_sheet(
        w,
        DRIVERS,
        "Demand drivers",
        drivers,
        "rate",
        "Growth a year of each series that drives demand; cost lines name a driver in the Costs sheet.",
    )
    partners = [] if blank else model.partners
    _table(
        w,
        "Partners",
        "Partners: the organisations in the system",
        "One row per partner.",
        PARTNER_COLUMNS,
        [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind.value,
                "place": p.place,
                "in_control_total": p.in_control_total,
                "risk_share": (model.risk_share.shares or {}).get(p.id),
                "source": p.source,
            }
            for p in partners
        ],
    )
    overrides: list[tuple[str, list[Any], str | None, Any]] = []

    def own_rates(partner_id: str, line: Any, rates: tuple[str, ...]) -> dict[str, Any]:
        """Scalar rates stay on the line's row; year-by-year rates or rates with a source move to Rate overrides."""
        shown: dict[str, Any] = {}
        for rate in rates:
            value = getattr(line, rate)
            if value is None:
                continue
            if isinstance(value, list) or rate in line.sources:
                overrides.append(
                    (
                        f"{partner_id}.{line.id}.{rate}",
                        [partner_id, line.id, rate],
                        line.sources.get(rate),
                        value,
                    )
                )
            else:
                shown[rate] = value
        return shown

    funding = [
        {
            "partner": p.id,
            "id": f.id,
            "name": f.name,
            "baseline": f.baseline,
            "source": f.source,
            **own_rates(p.id, f, STREAM_RATES),
        }
        for p in partners
        for f in p.funding
    ]
    costs = [
        {
            "partner": p.id,
            "id": c.id,
            "name": c.name,
            "baseline": c.baseline,
            "payee": c.payee,
            "demand_driver": c.demand_driver,
            "source": c.source,
            **own_rates(p.id, c, LINE_RATES),
        }
        for p in partners
        for c in p.costs
    ]
    _table(
        w,
        "Funding",
        "Funding streams: external income of each partner",
        "One row per stream. Growth: one rate for all years here, or year by year on Rate overrides.",
        FUNDING_COLUMNS,
        funding,
    )
    _table(
        w,
        "Costs",
        "Cost lines: each partner's expenditure",
        "One row per line. A payee makes the line a contract inside the system (the payee books it as income).",
        COST_COLUMNS,
        costs,
    )
    totals = []
    for partner_id, entry in ({} if blank else model.control_totals).items():
        value = entry.value if isinstance(entry, ControlTotalEntry) else entry
        source = entry.source if isinstance(entry, ControlTotalEntry) else None
        totals.append((partner_id, [partner_id, model.partner(partner_id).name], source, value))
    _year_sheet(
        w,
        CONTROL_TOTALS,
        "Control totals: planned surplus (+) or deficit (-), £k",
        totals,
        "money",
        "Every partner in the control total needs a row; partners outside it (usually councils) have none.",
    )
    _year_sheet(
        w,
        OVERRIDES,
        "Rate overrides: a line's own rate year by year",
        overrides,
        "rate",
        "A cost line's or funding stream's own rate year by year (or with its source). Leave empty if none.",
    )
    _other_settings(w, model, blank)
    _lists(w, model)


def _table(
    w: _Writer,
    name: str,
    title: str,
    guidance: str,
    columns: tuple[Column, ...],
    rows: list[dict[str, Any]],
) -> None:
    ws = w.sheet(name, title, guidance)
    w.headers(ws, columns)
    for offset, values in enumerate(rows):
        for col, column in enumerate(columns):
            w.cell(ws, FIRST_ROW + offset, col, values.get(column.field), column.kind)
    partner_ids = f"=Partners!$A${FIRST_ROW + 1}:$A${FIRST_ROW + MAX_ROWS}"
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
            source = partner_ids
        elif column.field == "demand_driver":
            source = f"=Drivers!$A${FIRST_ROW + 1}:$A${FIRST_ROW + MAX_ROWS}"
        w.validate(ws, col, column.kind, source, strict)


def _year_sheet(
    w: _Writer,
    table: YearTable,
    title: str,
    rows: list[tuple[str, list[Any], str | None, Any]],
    kind: str,
    guidance: str,
) -> None:
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
            w.text(ws, row, col, text, "id" if col == 0 else "text")
        w.text(ws, row, table.source_col, source, "citation")
        everything, per_year = _year_cells(value, w.horizon)
        w.cell(ws, row, table.all_years_col, everything, kind)
        for t, v in enumerate(per_year):
            w.cell(ws, row, table.first_year_col + t, v, kind)
    last_col = table.first_year_col + len(years) - 1
    if kind == "rate":
        ws.data_validation(
            FIRST_ROW,
            table.all_years_col,
            FIRST_ROW + MAX_ROWS - 1,
            last_col,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -0.99,
                "maximum": 1,
                "input_message": "Type 3% (or 0.03) for 3% a year",
                "error_message": "A rate between -99% and 100% a year",
            },
        )
    else:
        ws.data_validation(
            FIRST_ROW,
            table.all_years_col,
            FIRST_ROW + MAX_ROWS - 1,
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
        ws.data_validation(
            FIRST_ROW,
            0,
            FIRST_ROW + MAX_ROWS - 1,
            0,
            {
                "validate": "list",
                "source": f"=Partners!$A${FIRST_ROW + 1}:$A${FIRST_ROW + MAX_ROWS}",
            },
        )
    if table is OVERRIDES:
        ws.data_validation(
            FIRST_ROW,
            2,
            FIRST_ROW + MAX_ROWS - 1,
            2,
            {"validate": "list", "source": [*LINE_RATES, *STREAM_RATES]},
        )
    if table is ASSUMPTIONS:
        ws.data_validation(
            FIRST_ROW,
            0,
            FIRST_ROW + MAX_ROWS - 1,
            0,
            {"validate": "list", "source": list(ASSUMPTION_KEYS)},
        )


def _other_settings(w: _Writer, model: Model, blank: bool) -> None:
    ws = w.sheet(
        "Other settings",
        "Other settings: scenarios, investments, uncertainty (YAML, advanced)",
        "One line of YAML per row in column A, as in a model file. Leave it as it is unless you know the model file format.",
    )
    ws.write_string(HEADER_ROW, 0, "YAML (one line per row)", w.f["header"])
    ws.set_column(0, 0, 120)
    data = (
        {} if blank else model.model_dump(mode="json", exclude_unset=True, include=set(OTHER_KEYS))
    )
    data = {k: v for k, v in data.items() if v}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100) if data else ""
    for offset, line in enumerate(text.splitlines()):
        ws.write_string(FIRST_ROW + offset, 0, line, w.f["text"])


def _lists(w: _Writer, model: Model) -> None:
    ws = w.sheet(
        "Lists", "Lists offered by the drop-downs", "Add places in column C if you need new ones."
    )
    lists = (
        ("Kinds", [k.value for k in PartnerKind]),
        ("Yes / No", [YES, NO]),
        ("Places", list(dict.fromkeys(p.place for p in model.partners))),
        ("Risk-share methods", [m.value for m in RiskShareMethod]),
        ("Rates a line can set", [*LINE_RATES, *STREAM_RATES]),
    )
    for col, (header, values) in enumerate(lists):
        ws.write_string(HEADER_ROW, col, header, w.f["header"])
        ws.set_column(col, col, 28)
        for offset, value in enumerate(values):
            w.text(ws, FIRST_ROW + offset, col, value, "text")


def _guide(w: _Writer) -> None:
    ws = w.sheet(
        "Guide",
        "finmodel budget template",
        "Fill in the yellow cells; finmodel reads this workbook with `finmodel run FILE.xlsx` or `finmodel validate FILE.xlsx`.",
    )
    lines = (
        "Money is in £ thousands (£k): type 1200 for £1.2m. Rates are a year, as percentages: type 3% (or 0.03).",
        "Surplus is positive and deficit negative. Years are financial years, April to March; the base year is the outturn.",
        "Sheets: Model (settings), Assumptions (system defaults), Drivers, Partners, Funding, Costs, Control totals, Rate overrides.",
        "A cost line with a Payee is a contract inside the system: the payee books the same amount as income.",
        "A blank rate on a line uses the system assumption. Give one rate for all years, or year by year on Rate overrides.",
        "Do not insert, move or rename columns or sheets; add rows below the last one. Empty rows are ignored.",
        "Errors are reported all at once, each naming the sheet and cell, for example Costs!D7.",
        "The workbook is read as data only: macros and links to other files are ignored; .xlsm files are refused.",
    )
    ws.set_column(0, 0, 120)
    for offset, line in enumerate(lines):
        ws.write_string(FIRST_ROW + offset, 0, line, w.f["label"])
