"""Reading a budget workbook (the template of :mod:`finmodel.io.template.writer`) into a model.

The workbook is read as data only: formulas give their stored results, macros and links to
other files are ignored, and ``.xlsm`` (macro-enabled) and ``.xls`` files are refused. Every
problem is collected and reported together, each naming the sheet and the cell, for example
``Costs!D7: baseline must be a number, got 'tbc'``; checks of the whole model (payees that
exist, control totals for every partner in the control total, ...) are the same as for YAML
files and name the cell they come from.

Example
-------
>>> import tempfile, pathlib
>>> from finmodel import load_model
>>> from finmodel.io.template.writer import write_template
>>> out = pathlib.Path(tempfile.mkdtemp()) / "budget.xlsx"
>>> write_template(out, load_model("models/minimal.yaml"))
>>> [p.id for p in load_workbook_model(out).partners]
['icb', 'trust']
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from finmodel.domain.checks import Location
from finmodel.domain.model import Model, RiskShareMethod
from finmodel.domain.validation import display_path, validate_data
from finmodel.errors import Problem, WorkbookInputError
from finmodel.io.template.cells import MAX_SHEET_ROWS, CellReader
from finmodel.io.template.layout import (
    ASSUMPTION_KEYS,
    ASSUMPTIONS,
    CONTROL_TOTALS,
    COST_COLUMNS,
    DRIVERS,
    FIRST_ROW,
    FUNDING_COLUMNS,
    HEADER_ROW,
    LINE_RATES,
    MODEL_ROWS,
    NON_RECURRENT,
    OPTIONAL_FIELDS,
    OTHER_KEYS,
    OVERRIDES,
    PARTNER_COLUMNS,
    PARTNER_RATES,
    PARTNER_SHARES,
    SHARE_ASSUMPTIONS,
    STREAM_RATES,
    Column,
    YearTable,
)
from finmodel.risk.model_checks import MODEL_CHECKS

#: Largest workbook accepted (bytes on disk, and uncompressed inside the zip).
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
#: Largest total size of the package's parts once unzipped. A budget workbook of 20,000 rows a
#: sheet is a few MB; openpyxl needs tens of bytes of memory per byte of sheet XML, so this
#: keeps reading within about 10 s and a few hundred MB.
MAX_UNCOMPRESSED_BYTES = 24 * 1024 * 1024
#: Most parts (zip members) a workbook package may have (sheets, styles, relations...).
MAX_ZIP_MEMBERS = 500
#: Largest ratio of unzipped to zipped size of one part of more than 1 MB unzipped.
MAX_COMPRESSION_RATIO = 100
REQUIRED_SHEETS = ("Model", "Assumptions", "Partners", "Funding", "Costs", "Control totals")


def load_workbook_model(path: str | Path) -> Model:
    """Read a budget workbook (``.xlsx``) into a validated model.

    Raises :class:`~finmodel.errors.WorkbookInputError` listing every problem, each naming the
    sheet and cell (``Costs!D7``), or the file when the whole workbook is unusable.
    """
    source = Path(path)
    file = str(path)
    _check_file(source, file)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = openpyxl.load_workbook(
                source, data_only=True, keep_vba=False, keep_links=False
            )
            formulas = openpyxl.load_workbook(
                source, data_only=False, keep_vba=False, keep_links=False
            )
    except Exception as err:  # openpyxl raises many kinds for a damaged file
        raise WorkbookInputError(
            [
                Problem(
                    file, "", f"cannot be read as an Excel workbook ({type(err).__name__}: {err})"
                )
            ]
        ) from None
    missing = [name for name in REQUIRED_SHEETS if name not in values.sheetnames]
    if missing:
        raise WorkbookInputError(
            [
                Problem(
                    file,
                    "",
                    f"sheet {name!r} is missing; start from `finmodel template -o FILE.xlsx`",
                )
                for name in missing
            ]
        )
    reader = CellReader(source, values, formulas)
    data = _read_data(reader)
    # Validate what could be read even when some cells could not: every problem at once.
    model, findings = validate_data(data, checks=MODEL_CHECKS)
    problems = list(reader.problems)
    # A scenario is validated as a whole overlaid model: drop what the model itself already has.
    own = {message for keys, message in findings if keys[:1] != ("scenarios",)}
    findings = [(k, m) for k, m in findings if k[:1] != ("scenarios",) or m not in own]
    for keys, message in findings:
        where = _cell_for(reader.cells, keys)
        label = display_path(data, keys)
        if where is None:
            sheet = _SHEET_OF.get(str(keys[0]) if keys else "", "Model")
            problems.append(Problem(file, f"{sheet}!A1", f"{label}: {message}"))
        elif where not in reader.bad_cells:
            field = next((str(k) for k in reversed(keys) if isinstance(k, str)), "")
            problems.append(
                Problem(
                    file,
                    where,
                    f"{field}: {message}" if field and not message.startswith(field) else message,
                )
            )
    if problems or model is None or findings:
        raise WorkbookInputError(
            problems or [Problem(file, "", "the workbook does not describe a valid model")]
        )
    return model.with_origin(file)


#: The sheet holding each top-level key, for a problem no single cell holds.
_SHEET_OF = {
    "assumptions": "Assumptions",
    "drivers": "Drivers",
    "partners": "Partners",
    "control_totals": "Control totals",
    "tariff": "Other settings",
    "price_series": "Other settings",
    "scenarios": "Other settings",
    "investments": "Other settings",
    "uncertainty": "Other settings",
}


def _check_file(source: Path, file: str) -> None:
    suffix = source.suffix.lower()
    if suffix == ".xlsm":
        raise WorkbookInputError(
            [
                Problem(
                    file,
                    "",
                    "macro-enabled workbooks (.xlsm) are refused: save it as an Excel Workbook (.xlsx) without macros",
                )
            ]
        )
    if suffix == ".xls":
        raise WorkbookInputError(
            [
                Problem(
                    file,
                    "",
                    "the old Excel 97-2003 format (.xls) is not read: save it as an Excel Workbook (.xlsx)",
                )
            ]
        )
    if not source.is_file():
        raise WorkbookInputError([Problem(file, "", "no such file")])
    if source.stat().st_size > MAX_WORKBOOK_BYTES:
        raise WorkbookInputError(
            [
                Problem(
                    file, "", f"larger than {MAX_WORKBOOK_BYTES // 2**20} MB; not a budget workbook"
                )
            ]
        )
    if not zipfile.is_zipfile(source):
        raise WorkbookInputError(
            [Problem(file, "", "not an Excel .xlsx workbook (the file is not a zip package)")]
        )
    try:
        package = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as err:
        raise WorkbookInputError(
            [Problem(file, "", f"not an Excel .xlsx workbook ({err})")]
        ) from None
    with package:
        _check_package(package, file)
        if "xl/workbook.xml" not in package.namelist():
            raise WorkbookInputError(
                [Problem(file, "", "not an Excel .xlsx workbook (no xl/workbook.xml)")]
            )


def _check_package(package: zipfile.ZipFile, file: str) -> None:
    """Refuse a package too big to open before openpyxl decompresses anything.

    zipfile (and so openpyxl) never gives more than a part's declared size, so the declared
    sizes bound the work; a part declaring far more than it holds compressed is a zip bomb.
    """
    members = package.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise WorkbookInputError(
            [
                Problem(
                    file,
                    "",
                    f"has {len(members):,} parts; a budget workbook has at most "
                    f"{MAX_ZIP_MEMBERS} (not a budget workbook)",
                )
            ]
        )
    total = sum(info.file_size for info in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookInputError(
            [
                Problem(
                    file,
                    "",
                    f"unzips to {total / 2**20:,.0f} MB, more than the "
                    f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB a budget workbook may hold",
                )
            ]
        )
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO:
            raise WorkbookInputError(
                [
                    Problem(
                        file,
                        "",
                        f"part {info.filename!r} unzips {ratio:,.0f} times larger than it is "
                        "stored (a zip bomb?); not a budget workbook",
                    )
                ]
            )


def _cell_for(cells: dict[Location, str], keys: Location) -> str | None:
    for end in range(len(keys), 0, -1):
        found = cells.get(tuple(keys[:end]))
        if found:
            return found
    return None


def _read_data(r: CellReader) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _read_model_sheet(r, data)
    horizon = data.get("timeline", {}).get("horizon")
    horizon = horizon if isinstance(horizon, int) and 1 <= horizon <= 50 else None
    assumptions: dict[str, Any] = data.setdefault("assumptions", {})

    def assumption(
        row: int, key: str | None, source: str | None, value: Any, cells: dict[int, str]
    ) -> None:
        if key not in ASSUMPTION_KEYS:
            r.problem(
                "Assumptions",
                row,
                0,
                f"unknown assumption {key!r}; use one of {', '.join(ASSUMPTION_KEYS)}",
            )
            return
        if key in assumptions:
            r.problem("Assumptions", row, 0, f"assumption {key!r} is given twice")
            return
        if value is not None:
            assumptions[key] = value
            _register(r, ("assumptions", key), cells)
        if source:
            assumptions.setdefault("sources", {})[key] = source

    _read_years(r, ASSUMPTIONS, horizon, assumption, rate=True)
    drivers: dict[str, Any] = {}

    def driver(
        row: int, key: str | None, source: str | None, value: Any, cells: dict[int, str]
    ) -> None:
        if key is None:
            r.problem("Drivers", row, 0, "driver id is missing")
            return
        if key in drivers:
            r.problem("Drivers", row, 0, f"driver {key!r} is given twice")
            return
        name = r.text("Drivers", row, 1, "name")
        drivers[key] = {
            k: v
            for k, v in (("name", name), ("growth", value), ("source", source))
            if v is not None
        }
        _missing(r, "Drivers", row, DRIVERS.all_years_col, "growth", value)
        r.cells[("drivers", key)] = r.place("Drivers", row, 0)
        _register(r, ("drivers", key, "growth"), cells)

    if "Drivers" in r.values.sheetnames:
        _read_years(r, DRIVERS, horizon, driver, rate=True)
    if drivers:
        data["drivers"] = drivers
    partners = _read_partners(r, data)
    _read_lines(r, partners, "Funding", FUNDING_COLUMNS, "funding")
    _read_lines(r, partners, "Costs", COST_COLUMNS, "costs")
    if NON_RECURRENT.sheet in r.values.sheetnames:
        _read_non_recurrent(r, partners, horizon)
    totals: dict[str, Any] = {}

    def control_total(
        row: int, key: str | None, source: str | None, value: Any, cells: dict[int, str]
    ) -> None:
        if key is None:
            r.problem("Control totals", row, 0, "partner id is missing")
            return
        if key in totals:
            r.problem("Control totals", row, 0, f"partner {key!r} has two control total rows")
            return
        if _missing(r, "Control totals", row, CONTROL_TOTALS.all_years_col, "control total", value):
            return
        totals[key] = {"value": value, "source": source} if source else value
        r.cells[("control_totals", key)] = r.place("Control totals", row, 0)
        _register(r, ("control_totals", key, "value") if source else ("control_totals", key), cells)

    _read_years(r, CONTROL_TOTALS, horizon, control_total, rate=False)
    data["control_totals"] = totals
    if "Rate overrides" in r.values.sheetnames:
        _read_overrides(r, partners, horizon)
    if "Other settings" in r.values.sheetnames:
        _read_other(r, data)
    return data


def _register(r: CellReader, keys: Location, cells: dict[int, str]) -> None:
    """Map a year-varying value (and each of its years) to the cells it came from."""
    if -1 in cells:
        r.cells[keys] = cells[-1]
    for t, where in cells.items():
        if t >= 0:
            r.cells[(*keys, t)] = where
            r.cells.setdefault(keys, where)


def _read_model_sheet(r: CellReader, data: dict[str, Any]) -> None:
    ws = r.values["Model"]
    labels = {}
    for row in range(FIRST_ROW, min(ws.max_row, FIRST_ROW + 100)):
        label = r.text("Model", row, 0, "setting")
        if label:
            labels[label.lower()] = row
    for label, key, _ in MODEL_ROWS:
        found = labels.get(label.lower())
        if found is None:
            if key in ("name", "timeline.base_year", "timeline.horizon"):
                r.problems.append(Problem(r.file, "Model!A", f"the row {label!r} is missing"))
            continue
        row = found
        where = r.place("Model", row, 1)
        if key == "timeline.horizon":
            number = r.number("Model", row, 1, "horizon")
            value: Any = None
            if number is not None:
                if not number.is_integer():
                    r.problem(
                        "Model", row, 1, f"horizon must be a whole number of years, got {number:g}"
                    )
                else:
                    value = int(number)
        else:
            value = r.text("Model", row, 1, key.split(".")[-1])
            methods = [m.value for m in RiskShareMethod]
            if key == "risk_share.method" and value is not None and value not in methods:
                r.problem(
                    "Model",
                    row,
                    1,
                    f"risk-share method must be one of {', '.join(methods)}, got {value!r}",
                )
                value = None
        r.cells[tuple(key.split("."))] = where  # problems found later name this cell
        if value is None:
            if (
                key in ("name", "timeline.base_year", "timeline.horizon")
                and where not in r.bad_cells
            ):
                r.problem("Model", row, 1, f"{label.lower()} is required")
            continue
        parts = key.split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value


def _read_years(
    r: CellReader,
    table: YearTable,
    horizon: int | None,
    take: Callable[..., None],
    *,
    rate: bool,
    share: Callable[[int, str | None], bool] | None = None,
) -> None:
    """Each row of a year sheet, its value checked as a rate a year when ``rate`` (unless
    ``share(row, key)`` says it is a share, which may be 100%), handed to ``take``."""
    rate_rows = rate
    is_share = share or (lambda _, key: key in SHARE_ASSUMPTIONS)
    sheet = table.sheet
    headers = [c.header for c in table.keys] + ["Source", "All years"]
    if not r.check_headers(sheet, headers):
        return
    for row in r.rows(sheet, table.first_year_col + (horizon or 0) + 20):
        key = r.text(sheet, row, 0, table.keys[0].field)
        source = r.text(sheet, row, table.source_col, "source")
        cells: dict[int, str] = {}
        rate = rate_rows and not is_share(row, key)  # a share of 100% is fine
        everything = r.number(sheet, row, table.all_years_col, "value", rate=rate)
        if everything is not None:
            cells[-1] = r.place(sheet, row, table.all_years_col)
        value: Any = everything
        if horizon is not None:
            per_year = [
                r.number(sheet, row, table.first_year_col + t, "value", rate=rate)
                for t in range(horizon)
            ]
            for extra in range(table.first_year_col + horizon, table.first_year_col + horizon + 20):
                if r.raw(sheet, row, extra) is not None:
                    r.problem(
                        sheet,
                        row,
                        extra,
                        f"the horizon is {horizon} years: no value is expected beyond the last year",
                    )
                    break
            given = [t for t, v in enumerate(per_year) if v is not None]
            if given and everything is not None:
                r.problem(
                    sheet,
                    row,
                    table.all_years_col,
                    "give one value for all years or values year by year, not both",
                )
            elif given and len(given) < horizon:
                t = next(t for t, v in enumerate(per_year) if v is None)
                r.problem(
                    sheet,
                    row,
                    table.first_year_col + t,
                    "a value is missing: give every year, or one value for all years",
                )
            elif given:
                value = per_year
                cells = {t: r.place(sheet, row, table.first_year_col + t) for t in range(horizon)}
        take(row, key, source, value, cells)


def _read_partners(r: CellReader, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sheet = "Partners"
    partners: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    shares: dict[str, float] = {}
    columns = _present_columns(r, sheet, PARTNER_COLUMNS)
    if r.check_headers(sheet, [c.header for c in columns]):
        for row in r.rows(sheet, len(columns)):
            index = len(partners)
            partner: dict[str, Any] = {"funding": [], "costs": []}
            for col, column in enumerate(columns):
                value = r.read(sheet, row, col, column)
                if "." in column.field:  # a field of a nested object, e.g. cip.planned
                    _set_nested(partner, column.field, value)
                    r.cells[("partners", index, *column.field.split(".", 1))] = r.place(
                        sheet, row, col
                    )
                    continue
                r.cells[("partners", index, column.field)] = r.place(sheet, row, col)
                if value is None:
                    continue
                if column.field == "risk_share":
                    shares[str(partner.get("id"))] = value
                    r.cells[("risk_share", "shares", str(partner.get("id")))] = r.place(
                        sheet, row, col
                    )
                else:
                    partner[column.field] = value
            r.cells[("partners", index)] = r.place(sheet, row, 0)
            partners.append(partner)
            if "id" in partner:
                by_id.setdefault(partner["id"], partner)
    data["partners"] = partners
    if shares:
        data.setdefault("risk_share", {})["shares"] = shares
        # a problem with the shares as a whole (say, not summing to 1) names their column
        cells = [r.cells[("risk_share", "shares", pid)] for pid in shares]
        first, last = cells[0], cells[-1]
        r.cells[("risk_share", "shares")] = (
            first if first == last else f"{first}:{last.split('!')[1]}"
        )
    return by_id


def _present_columns(r: CellReader, sheet: str, columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The columns of a sheet less the optional ones at its end that a template written before
    them lacks (their header cell is empty)."""
    while (
        columns[-1].field in OPTIONAL_FIELDS and r.raw(sheet, HEADER_ROW, len(columns) - 1) is None
    ):
        columns = columns[:-1]
    return columns


def _set_nested(item: dict[str, Any], field: str, value: Any) -> None:
    """Set ``outer.inner`` of an item's row (``cip.planned``) unless the value is blank."""
    if value is not None:
        outer, inner = field.split(".", 1)
        item.setdefault(outer, {})[inner] = value


def _read_lines(
    r: CellReader,
    partners: dict[str, dict[str, Any]],
    sheet: str,
    columns: tuple[Column, ...],
    group: str,
) -> None:
    columns = _present_columns(r, sheet, columns)
    if not r.check_headers(sheet, [c.header for c in columns]):
        return
    order = list(partners)
    for row in r.rows(sheet, len(columns)):
        partner_id = r.text(sheet, row, 0, "partner id")
        if partner_id is None:
            r.problem(sheet, row, 0, "partner id is missing")
            continue
        if partner_id not in partners:
            r.problem(sheet, row, 0, f"partner {partner_id!r} is not on the Partners sheet")
            continue
        lines = partners[partner_id][group]
        base: Location = ("partners", order.index(partner_id), group, len(lines))
        line: dict[str, Any] = {}
        for col, column in enumerate(columns[1:], start=1):
            value = r.read(sheet, row, col, column)
            if "." in column.field:  # a field of a nested object, e.g. convergence.pace
                _set_nested(line, column.field, value)
                r.cells[(*base, *column.field.split(".", 1))] = r.place(sheet, row, col)
                continue
            r.cells[(*base, column.field)] = r.place(sheet, row, col)
            if value is not None:
                line[column.field] = value
        r.cells[base] = r.place(sheet, row, 1)
        lines.append(line)


def _read_non_recurrent(
    r: CellReader, partners: dict[str, dict[str, Any]], horizon: int | None
) -> None:
    """The Non-recurrent sheet: each row one item of a partner on the Partners sheet."""
    sheet = NON_RECURRENT.sheet
    order = list(partners)

    def take(
        row: int, key: str | None, source: str | None, value: Any, cells: dict[int, str]
    ) -> None:
        if key is None:
            r.problem(sheet, row, 0, "partner id is missing")
            return
        if key not in partners:
            r.problem(sheet, row, 0, f"partner {key!r} is not on the Partners sheet")
            return
        items = partners[key].setdefault("non_recurrent", [])
        base: Location = ("partners", order.index(key), "non_recurrent", len(items))
        item: dict[str, Any] = {}
        for col, column in enumerate(NON_RECURRENT.keys[1:], start=1):
            # the item's kind is checked by the model (the reader's `kind` is a partner kind)
            if column.field == "kind":
                found: Any = r.text(sheet, row, col, "kind")
            else:
                found = r.read(sheet, row, col, column)
            r.cells[(*base, column.field)] = r.place(sheet, row, col)
            if found is not None:
                item[column.field] = found
        if value is not None:
            item["projected"] = value
            _register(r, (*base, "projected"), cells)
        if source:
            item["source"] = source
        r.cells[base] = r.place(sheet, row, 1)
        items.append(item)

    _read_years(r, NON_RECURRENT, horizon, take, rate=False)


def _read_overrides(
    r: CellReader, partners: dict[str, dict[str, Any]], horizon: int | None
) -> None:
    order = list(partners)

    def take(
        row: int, partner_id: str | None, source: str | None, value: Any, cells: dict[int, str]
    ) -> None:
        sheet = OVERRIDES.sheet
        line_id = r.text(sheet, row, 1, "line id")
        rate = r.text(sheet, row, 2, "rate")
        if partner_id not in partners:
            r.problem(sheet, row, 0, f"partner {partner_id!r} is not on the Partners sheet")
            return
        if rate in PARTNER_RATES:
            _partner_rate(r, partners, row, partner_id, line_id, rate, source, value, cells)
            return
        group = "funding" if rate in STREAM_RATES else "costs"
        if rate not in (*LINE_RATES, *STREAM_RATES):
            known = ", ".join((*LINE_RATES, *STREAM_RATES, *PARTNER_RATES))
            r.problem(sheet, row, 2, f"unknown rate {rate!r}; use one of {known}")
            return
        lines = partners[partner_id][group]
        found = next((i for i, ln in enumerate(lines) if ln.get("id") == line_id), None)
        if found is None:
            where = "Funding" if group == "funding" else "Costs"
            r.problem(sheet, row, 1, f"{partner_id!r} has no line {line_id!r} on the {where} sheet")
            return
        line = lines[found]
        if rate in line:
            r.problem(
                sheet,
                row,
                2,
                f"{rate} of {partner_id}.{line_id} is also given on the {'Funding' if group == 'funding' else 'Costs'} sheet; give it in one place",
            )
            return
        if _missing(r, sheet, row, OVERRIDES.all_years_col, rate, value):
            return
        line[rate] = value
        if source:
            line.setdefault("sources", {})[rate] = source
        _register(r, ("partners", order.index(partner_id), group, found, rate), cells)

    def share(row: int, _: str | None) -> bool:
        return r.raw(OVERRIDES.sheet, row, 2) in PARTNER_SHARES  # a share of 100% is fine

    _read_years(r, OVERRIDES, horizon, take, rate=True, share=share)


def _missing(r: CellReader, sheet: str, row: int, col: int, what: str, value: Any) -> bool:
    """Report ``what`` as missing at its all-years cell when a row gives no value (True)."""
    if value is None:
        r.problem(sheet, row, col, f"{what} is missing: give it for all years or year by year")
        return True
    return False


def _partner_rate(
    r: CellReader,
    partners: dict[str, dict[str, Any]],
    row: int,
    partner_id: str,
    line_id: str | None,
    rate: str,
    source: str | None,
    value: Any,
    cells: dict[int, str],
) -> None:
    """A Rate overrides row setting a partner's own CIP figure or QIPP (``cip.planned``...)."""
    sheet = OVERRIDES.sheet
    if line_id is not None:
        r.problem(
            sheet,
            row,
            1,
            f"{rate} is the partner's own rate: leave the line blank, got {line_id!r}",
        )
        return
    partner = partners[partner_id]
    outer, _, inner = rate.partition(".")
    node = partner.setdefault(outer, {}) if inner else partner
    field = inner or outer
    if field in node:
        r.problem(
            sheet,
            row,
            2,
            f"{rate} of {partner_id} is given twice (on Partners or another row here); "
            "give it in one place",
        )
        return
    if _missing(r, sheet, row, OVERRIDES.all_years_col, rate, value):
        return
    if source and not inner:
        r.problem(
            sheet,
            row,
            OVERRIDES.source_col,
            f"{rate} takes no source of its own: cite it in the partner's Source on Partners",
        )
        return
    node[field] = value
    if source:
        node.setdefault("sources", {})[field] = source
    _register(r, ("partners", list(partners).index(partner_id), *rate.split(".")), cells)


#: Deepest nesting of the YAML on the Other settings sheet.
_MAX_OTHER_DEPTH = 20


def _unsafe_yaml(text: str) -> tuple[int, str] | None:
    """The line and reason if the YAML text uses aliases or nests too deep, else None.

    Read as a stream of parse events, which never expands an alias (an alias bomb costs
    nothing here).
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return line, "YAML anchors and aliases (&name, *name) are not allowed here"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _MAX_OTHER_DEPTH:
                    return line, f"nested more than {_MAX_OTHER_DEPTH} levels deep"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # reported with its line when loaded
    return None


def _read_other(r: CellReader, data: dict[str, Any]) -> None:
    sheet = "Other settings"
    ws = r.values[sheet]
    lines: list[str] = []
    starts: dict[str, int] = {}
    r.check_row_limit(sheet)
    for row in range(FIRST_ROW, min(ws.max_row, FIRST_ROW + MAX_SHEET_ROWS)):
        value = ws.cell(row=row + 1, column=1).value
        text = "" if value is None else str(value)
        top = re.match(r"^([A-Za-z_]+):", text)
        if top:
            starts[top.group(1)] = row
        lines.append(text)
    if not any(line.strip() for line in lines):
        return
    text = "\n".join(lines)
    unsafe = _unsafe_yaml(text)
    if unsafe is not None:
        r.problem(sheet, FIRST_ROW + unsafe[0], 0, unsafe[1])
        return
    try:
        extra = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        row = FIRST_ROW + (mark.line if mark else 0)
        r.problem(sheet, row, 0, f"not valid YAML: {getattr(err, 'problem', None) or err}")
        return
    if extra is None:
        return
    if not isinstance(extra, dict):
        r.problem(sheet, FIRST_ROW, 0, f"expected keys such as {', '.join(OTHER_KEYS)}")
        return
    for key, value in extra.items():
        row = starts.get(str(key), FIRST_ROW)
        if key not in OTHER_KEYS:
            r.problem(
                sheet,
                row,
                0,
                f"{key!r} cannot be set here; use one of {', '.join(OTHER_KEYS)} (the other sheets hold the rest)",
            )
            continue
        data[key] = value
        r.cells[(key,)] = r.place(sheet, row, 0)
