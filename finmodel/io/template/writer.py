"""The budget template: a workbook a finance lead fills in, read back by :mod:`finmodel.io.template.reader`.

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
Non-recurrent     a partner's non-recurrent items: kind, base-year and projected amounts (£k)
Control totals    planned surplus (+) or deficit (-) per partner in the control total (£k)
Rate overrides    a cost line's or stream's own rate year by year, with its source
Other settings    scenarios, investments and uncertainty as YAML lines (advanced)
Lists             the values the drop-down lists offer
================  ===========================================================================

The writer's cell formats and helpers are in :mod:`finmodel.io.template.formats`, the
sheets in :mod:`finmodel.io.template.sheets` and the layout the reader shares in
:mod:`finmodel.io.template.layout`; this module gathers the model's rows for them.

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

from xlsxwriter.workbook import Workbook

from finmodel.domain.model import ControlTotalEntry, Model, Partner
from finmodel.errors import InputError, Problem
from finmodel.io.appendix.context import shareable_permissions
from finmodel.io.atomic import atomic_path
from finmodel.io.template.formats import TemplateWriter
from finmodel.io.template.layout import (
    ASSUMPTION_KEYS,
    ASSUMPTION_LABELS,
    ASSUMPTIONS,
    CONTROL_TOTALS,
    COST_COLUMNS,
    DRIVERS,
    FUNDING_COLUMNS,
    LINE_RATES,
    NON_RECURRENT,
    OVERRIDES,
    PARTNER_COLUMNS,
    STREAM_RATES,
)
from finmodel.io.template.sheets import (
    YearRow,
    write_guide,
    write_lists,
    write_model_sheet,
    write_other_settings,
    write_table,
    write_year_sheet,
)


def own_rates(partner: Partner, overrides: list[YearRow]) -> dict[str, Any]:
    """A partner's own CIP plan and QIPP as its Partners columns (by field, e.g. ``cip.planned``);
    a year-by-year rate, or one with a source of its own, goes to ``overrides`` (Rate overrides,
    the line left blank) instead.

    >>> from finmodel.domain.model import CipPlan
    >>> p = Partner(id="t", name="T", kind="provider", place="X", qipp=[0.01, 0.02],
    ...             cip=CipPlan(planned=0.05, delivered=0.8, sources={"delivered": "plan"}))
    >>> rows: list[YearRow] = []
    >>> own_rates(p, rows)
    {'cip.planned': 0.05}
    >>> [r[1:] for r in rows]
    [(['t', None, 'cip.delivered'], 'plan', 0.8), (['t', None, 'qipp'], None, [0.01, 0.02])]
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if partner.cip is not None:
        values = {
            f"cip.{k}": getattr(partner.cip, k) for k in ("planned", "delivered", "recurrent")
        }
        sources = {f"cip.{k}": str(v) for k, v in partner.cip.sources.items()}
    values["qipp"] = partner.qipp
    row: dict[str, Any] = {}
    for field, value in values.items():
        if value is None:
            continue
        if isinstance(value, list) or field in sources:
            keys = [partner.id, None, field]
            overrides.append((f"{partner.id}.{field}", keys, sources.get(field), value))
        else:
            row[field] = value
    if partner.cip is not None and partner.cip.source is not None:
        row["cip.source"] = partner.cip.source
    return row


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
        _fill(TemplateWriter(workbook, model), blank)
        workbook.close()
        shareable_permissions(tmp, target)


def _fill(w: TemplateWriter, blank: bool) -> None:
    """Every sheet, in order, from the model's rows (only settings and assumptions if blank)."""
    model = w.model
    write_guide(w)
    write_model_sheet(w)

    a = model.assumptions
    rows = [
        (key, [key, ASSUMPTION_LABELS[key]], a.sources.get(key), getattr(a, key))
        for key in ASSUMPTION_KEYS
    ]
    write_year_sheet(
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
    write_year_sheet(
        w,
        DRIVERS,
        "Demand drivers",
        drivers,
        "rate",
        "Growth a year of each series that drives demand; cost lines name a driver in the Costs sheet.",
    )
    partners = [] if blank else model.partners
    overrides: list[YearRow] = []
    write_table(
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
                "illustrative": p.illustrative or None,
                **own_rates(p, overrides),
            }
            for p in partners
        ],
    )

    def line_row(
        partner_id: str, line: Any, fields: tuple[str, ...], rates: tuple[str, ...]
    ) -> dict[str, Any]:
        """A funding stream's or cost line's row. Scalar rates stay on the row; year-by-year
        rates or rates with a source move to Rate overrides."""
        row: dict[str, Any] = {"partner": partner_id, **{k: getattr(line, k) for k in fields}}
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
                row[rate] = value
        return row

    def convergence(stream: Any) -> dict[str, Any]:
        """A funding stream's convergence as its three columns (none without one): the
        target's source, then the source of each other figure by name."""
        conv = stream.convergence
        if conv is None:
            return {}
        cited = [str(conv.source)] if conv.source else []
        cited += [f"{name}: {text}" for name, text in conv.sources.items()]
        return {
            "convergence.fair_share": conv.fair_share,
            "convergence.pace": conv.pace,
            "convergence.source": "; ".join(cited) or None,
        }

    funding = [
        {
            **line_row(p.id, f, ("id", "name", "baseline", "source"), STREAM_RATES),
            **convergence(f),
        }
        for p in partners
        for f in p.funding
    ]
    cost_fields = (
        "id",
        "name",
        "baseline",
        "payee",
        "demand_driver",
        "source",
        "price_series",
        "ring_fence",
    )
    costs = [
        {
            **line_row(p.id, c, cost_fields, LINE_RATES),
            "basis": None if c.basis is None else c.basis.value,
        }
        for p in partners
        for c in p.costs
    ]
    write_table(
        w,
        "Funding",
        "Funding streams: external income of each partner",
        "One row per stream. Growth: one rate for all years here, or year by year on Rate overrides.",
        FUNDING_COLUMNS,
        funding,
    )
    write_table(
        w,
        "Costs",
        "Cost lines: each partner's expenditure",
        "One row per line. A payee makes the line a contract inside the system (the payee books it as income).",
        COST_COLUMNS,
        costs,
    )
    write_year_sheet(
        w,
        NON_RECURRENT,
        "Non-recurrent items: in the reported position only, £k",
        [
            (
                f"{p.id}.{item.id}",
                [p.id, item.id, item.name, item.kind.value, item.base_year, item.taper_to_zero_by],
                item.source,
                item.projected,
            )
            for p in partners
            for item in p.non_recurrent
        ],
        "money",
        "Deficit support, winter funding, one-off grants, non-recurrent CIP, one-off costs: amounts 0 or more (the kind gives the sign). Leave empty if none.",
    )
    totals = []
    for partner_id, entry in ({} if blank else model.control_totals).items():
        value = entry.value if isinstance(entry, ControlTotalEntry) else entry
        source = entry.source if isinstance(entry, ControlTotalEntry) else None
        totals.append((partner_id, [partner_id, model.partner(partner_id).name], source, value))
    write_year_sheet(
        w,
        CONTROL_TOTALS,
        "Control totals: planned surplus (+) or deficit (-), £k",
        totals,
        "money",
        "Every partner in the control total needs a row; partners outside it (usually councils) have none.",
    )
    write_year_sheet(
        w,
        OVERRIDES,
        "Rate overrides: a line's own rate year by year",
        overrides,
        "rate",
        "A cost line's or funding stream's own rate year by year (or with its source). Leave empty if none.",
    )
    write_other_settings(w, blank)
    write_lists(w)
