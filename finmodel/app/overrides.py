"""Per-line and per-partner overrides as editable tables, and back to overlay entries.

Three tables go in the sidebar's overrides expander: cost lines (baseline, demand growth,
inflation, efficiency), funding streams (baseline, funding growth) and partners (control total,
fixed risk share). Each editable cell maps to one dotted path
(``partners.icb.costs.chc.demand_growth``); a rate cell is in percent; a blank rate cell means
"as in the model" (the line inherits the system assumption unless the model overrides it).
A line with a ``demand_driver`` edits its non-demographic growth on top of the driver.

:func:`table_entries` turns an edited table back into overlay entries with the rules of
:func:`finmodel.app.assumptions.entry_for`, so an untouched table adds nothing.

>>> from finmodel.io.yaml_io import load_model
>>> m = load_model("models/minimal.yaml")
>>> t = override_tables(m, {})
>>> list(t["costs"].frame.columns)
['Partner', 'Line', 'Baseline £k', 'Demand growth %', 'Inflation %', 'Efficiency %', 'Paid to', 'Driver']
>>> edited = t["costs"].frame.copy()
>>> edited.loc["icb.chc", "Inflation %"] = 2.5
>>> table_entries(t["costs"], edited, {})
{'partners.icb.costs.chc.inflation': 0.025}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finmodel.app.assumptions import MISSING, Kind, entry_for, to_display
from finmodel.domain.model import Model, RiskShareMethod
from finmodel.domain.overlay import OverlayPathError, apply_overlay


@dataclass(frozen=True)
class OverrideTable:
    """An editable table: its frame, and for each editable cell the path, kind and model value."""

    frame: pd.DataFrame
    """Rows by ``partner.item`` id; text columns are read-only, the others editable."""
    cells: dict[tuple[str, str], tuple[str, Kind, Any]]
    """``(row, column) -> (dotted path, kind, value in the model file)``."""
    editable: tuple[str, ...]
    """The editable columns."""

    @property
    def paths(self) -> set[str]:
        """Every dotted path the table can set."""
        return {path for path, _, _ in self.cells.values()}


_COST_COLUMNS: dict[str, tuple[str, Kind]] = {
    "Baseline £k": ("baseline", "money"),
    "Demand growth %": ("demand_growth", "rate"),
    "Inflation %": ("inflation", "rate"),
    "Efficiency %": ("efficiency", "rate"),
}
_FUND_COLUMNS: dict[str, tuple[str, Kind]] = {
    "Baseline £k": ("baseline", "money"),
    "Funding growth %": ("funding_growth", "rate"),
}


def _raw(model: Model, settings: Mapping[str, Any]) -> dict[str, Any]:
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    try:
        return apply_overlay(data, settings)
    except OverlayPathError:
        return data


def _shown(value: Any, kind: Kind) -> float:
    shown = to_display(value, kind)
    return float("nan") if shown is None else float(shown)


def _ct_value(entry: Any) -> Any:
    return entry.get("value") if isinstance(entry, Mapping) else entry


def override_tables(model: Model, base: Mapping[str, Any]) -> dict[str, OverrideTable]:
    """The cost-line, funding-stream and partner tables, showing the values with ``base`` applied.

    ``base`` is the loaded scenario's overlay (``{}`` for the model as written).
    """
    raw = _raw(model, base)
    file_data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    names = {p["id"]: p.get("name") or p["id"] for p in raw["partners"]}
    model_partners = {p["id"]: p for p in file_data["partners"]}

    cost_rows, cost_cells = [], {}
    fund_rows, fund_cells = [], {}
    for partner in raw["partners"]:
        pid = partner["id"]
        own = model_partners.get(pid, {})
        own_costs = {c["id"]: c for c in own.get("costs", [])}
        own_funds = {f["id"]: f for f in own.get("funding", [])}
        for line in partner.get("costs", []):
            row = f"{pid}.{line['id']}"
            driven = line.get("demand_driver") is not None
            record: dict[str, Any] = {"Partner": names[pid], "Line": line.get("name") or line["id"]}
            for column, (fname, kind) in _COST_COLUMNS.items():
                if fname == "demand_growth" and driven:
                    fname = "non_demographic_growth"
                record[column] = _shown(line.get(fname), kind)
                cost_cells[(row, column)] = (
                    f"partners.{pid}.costs.{line['id']}.{fname}",
                    kind,
                    own_costs.get(line["id"], {}).get(fname),
                )
            record["Paid to"] = names.get(line.get("payee"), "") if line.get("payee") else ""
            record["Driver"] = line.get("demand_driver") or ""
            cost_rows.append((row, record))
        for stream in partner.get("funding", []):
            row = f"{pid}.{stream['id']}"
            record = {"Partner": names[pid], "Stream": stream.get("name") or stream["id"]}
            for column, (fname, kind) in _FUND_COLUMNS.items():
                record[column] = _shown(stream.get(fname), kind)
                fund_cells[(row, column)] = (
                    f"partners.{pid}.funding.{stream['id']}.{fname}",
                    kind,
                    own_funds.get(stream["id"], {}).get(fname),
                )
            fund_rows.append((row, record))

    partner_rows, partner_cells = [], {}
    fixed = raw.get("risk_share", {}).get("method") == RiskShareMethod.fixed_shares.value
    shares = raw.get("risk_share", {}).get("shares") or {}
    file_shares = file_data.get("risk_share", {}).get("shares") or {}
    for partner in raw["partners"]:
        pid = partner["id"]
        record = {
            "Partner": names[pid],
            "Control total £k": _shown(_ct_value(raw.get("control_totals", {}).get(pid)), "money"),
        }
        partner_cells[(pid, "Control total £k")] = (
            f"control_totals.{pid}",
            "money",
            _ct_value(file_data.get("control_totals", {}).get(pid)),
        )
        if fixed:
            record["Fixed share %"] = _shown(shares.get(pid), "rate")
            partner_cells[(pid, "Fixed share %")] = (
                f"risk_share.shares.{pid}",
                "rate",
                file_shares.get(pid),
            )
        record["Place"] = partner.get("place", "")
        record["In control total"] = "yes" if partner.get("in_control_total", True) else "no"
        partner_rows.append((pid, record))

    def table(rows: list[tuple[str, dict[str, Any]]], cells: dict, editable: list[str]) -> Any:
        frame = pd.DataFrame([r for _, r in rows], index=pd.Index([k for k, _ in rows], name="id"))
        return OverrideTable(frame, cells, tuple(editable))

    return {
        "costs": table(cost_rows, cost_cells, list(_COST_COLUMNS)),
        "funding": table(fund_rows, fund_cells, list(_FUND_COLUMNS)),
        "partners": table(
            partner_rows,
            partner_cells,
            ["Control total £k", *(["Fixed share %"] if fixed else [])],
        ),
    }


def table_entries(
    table: OverrideTable, edited: pd.DataFrame, base: Mapping[str, Any]
) -> dict[str, Any]:
    """Overlay entries of an edited table: changed cells only (see the module docstring)."""
    entries: dict[str, Any] = {}
    for (row, column), (path, kind, model_value) in table.cells.items():
        if row not in edited.index or column not in edited.columns:
            continue
        shown = edited.at[row, column]
        if isinstance(shown, np.generic):
            shown = shown.item()
        value = entry_for(shown, base=base.get(path, MISSING), model_value=model_value, kind=kind)
        if value is not MISSING:
            entries[path] = value
    return entries
