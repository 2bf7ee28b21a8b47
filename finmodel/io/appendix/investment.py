"""The investment sheets of the Excel appendix: *Appraisal*, *Financial case*, *Service model*.

For each investment of the model (none: no sheets), written by the sheet writer
:func:`investment_sheets`, listed in :data:`finmodel.io.appendix.writer.APPENDIX_SHEETS`:

=============  ===============================================================================
Appraisal      Its own timeline, the appraisal years (year 0 first, possibly past the model's
               horizon). Inputs: GDP deflators, discount rates, flow timing, each option's
               nominal cost and benefit streams and optimism-bias rates. Live formulas: real
               price factor, discount factors ``DF_0 = 1, DF_t = DF_{t-1} / (1 + r_t)``
               (mid-year: times ``(1 + r_t) ^ 0.5``), real costs after optimism bias, real
               benefits by type, PV rows (``(option - do nothing) x DF``), PVC, PVB, NPSV, the
               cumulative discounted net benefit, BCR, rank and cost per unit of outcome;
               payback year and switching values as values with notes; checks against
               ``finmodel appraise``.
Financial      The case years (model base year first, on the same columns as the System sheet).
case           Nominal, undiscounted. Inputs: each option's cost and cash released; funders'
               and beneficiaries' shares. Formulas: cost to each funder, cash to each
               beneficiary, effect on each partner's surplus and on the system's variance
               against its control total, per option against do nothing; the selected option
               highlighted; checks that funders' costs add up and that the effects equal the
               engine's projections with each option selected.
Service model  The service model's annual summary per option: sums of the Service months rows
               (flows) or their year-end months (stocks), formulas; the answers and headlines
               (engine values and words), line charts of the overdue backlog and of the share
               of decisions within 28 days. The Appraisal and Financial case sheets link to it.
Service months The service model month by month, every row a formula of Inputs
               (:mod:`~finmodel.io.appendix.service_months`); Appraisal's staff costs and
               service benefits and the Financial case's costs, cash released and cash effects
               are sums of its rows (:mod:`~finmodel.io.appendix.service_streams`).
=============  ===============================================================================

Every formula stores the engine's figure as its result (``ctx.write``), so readers that do not
recalculate show the right numbers; formulas hold no constants but 0 and 1 (and the flow-timing
exponent is an input). Named rows (``ctx.rows``), for tests and tools:
``appraisal.<inv>.discount_factor``, ``appraisal.<inv>.{pv_costs,pv_benefits,npsv}.<option>``
(total in the *Total* column), ``appraisal.<inv>.summary.<option>`` (G: PVC, H: PVB, I: NPSV,
J: BCR, K: rank), ``financial.<inv>.{cost,surplus}.<option>.<partner>``,
``financial.<inv>.variance_change.<option>``, ``service.<inv>.<series>.<option>``.

Modules: this one (the sheet writer), :mod:`~finmodel.io.appendix.investment_layout` (the sheet
timeline and cell writers they share), :mod:`~finmodel.io.appendix.appraisal_sheet` and
:mod:`~finmodel.io.appendix.investment_results` (Appraisal),
:mod:`~finmodel.io.appendix.financial_case_sheet` and :mod:`~finmodel.io.appendix.service_sheet`.

Example
-------
>>> import tempfile, pathlib
>>> from finmodel import load_model, project
>>> from finmodel.io.appendix.writer import write_appendix
>>> out = pathlib.Path(tempfile.mkdtemp()) / "appendix.xlsx"
>>> layout = write_appendix(project(load_model("models/lsc_ics.yaml")), out,
...                         appendix_sheets=False, extra_sheets=[investment_sheets])
>>> layout.sheets[-5:]
['Financial case', 'Service model', 'Service months', 'Checks', 'Inputs as exported']
"""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from finmodel.engine.result import ProjectionResult
from finmodel.investment.case import InvestmentCase, appraise_model
from finmodel.io.appendix.appraisal_sheet import APPRAISAL, add_appraisal_sheet, write_appraisal
from finmodel.io.appendix.context import AppendixContext, RowFormula
from finmodel.io.appendix.financial_case_sheet import (
    FINANCIAL,
    add_financial_sheet,
    write_financial,
)
from finmodel.io.appendix.investment_layout import InvestmentFormats, InvestmentSheet, Links
from finmodel.io.appendix.service_months import write_service_months
from finmodel.io.appendix.service_sheet import (
    SERVICE,
    SERVICE_SERIES,
    add_service_sheet,
    write_service,
)

__all__ = [
    "APPRAISAL",
    "FINANCIAL",
    "SERVICE",
    "SERVICE_SERIES",
    "InvestmentFormats",
    "InvestmentSheet",
    "Links",
    "RowFormula",
    "appraise_investments",
    "investment_sheets",
    "write_investment_sheets",
]


def investment_sheets(workbook: Workbook, ctx: AppendixContext) -> None:
    """Sheet writer: Appraisal, Financial case and Service model of each investment (if any).

    The sheets lay out the appraised cases the caller passed (``ctx.cases``: see
    :func:`appraise_investments`); nothing is appraised here. Sheet names are suffixed
    `` 1``, `` 2``, ... when there are several investments.
    """
    if not ctx.cases:
        return
    fmt = InvestmentFormats.create(ctx)
    many = len(ctx.cases) > 1
    for i, case in enumerate(ctx.cases.values()):
        suffix = f" {i + 1}" if many else ""
        write_investment_sheets(ctx, case, fmt, suffix)


def appraise_investments(result: ProjectionResult) -> dict[str, InvestmentCase]:
    """Every investment of the projection's model appraised
    (:func:`~finmodel.investment.case.appraise_model`) on that model, so the scenario's
    selected option is the one highlighted: the cases the appendix lays out, in model order."""
    model = result.model
    return {i: appraise_model(model, i) for i in model.investments}


def write_investment_sheets(
    ctx: AppendixContext,
    case: InvestmentCase,
    fmt: InvestmentFormats | None = None,
    suffix: str = "",
) -> None:
    """Write the sheets of one appraised investment into the appendix of ``ctx``.

    The sheets are added in the order Appraisal, Financial case, Service model (if the
    investment has a service model); the Service model is written first, since the other two
    link to its rows.
    """
    fmt = fmt or InvestmentFormats.create(ctx)
    appraisal = add_appraisal_sheet(ctx, case, fmt, suffix)
    financial = add_financial_sheet(ctx, case, fmt, suffix)
    links: Links = {}
    months = None
    if case.streams.service is not None:
        service = add_service_sheet(ctx, case, fmt, suffix)
        months = write_service_months(ctx, case, fmt, suffix)
        links = write_service(service, months)
    write_appraisal(appraisal, links, months)
    write_financial(financial, links, months)
