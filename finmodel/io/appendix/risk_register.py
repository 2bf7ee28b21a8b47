"""The risk register's expected cost as live formulas: its inputs on Inputs, its row on Appraisal.

Each risk's probability, impact (£k) and impact as a share of the option's costs are rows
``inputs.investments.<inv>.risks.<risk id>.{probability,impact,impact_share_of_costs}`` on
Inputs (:func:`risk_inputs`). The Appraisal's *risk register (expected cost)* row of an option
is ``SUM over the risks active that year for the option of probability x (impact + share x the
option's nominal costs)`` (:func:`risk_formula`), as
:func:`finmodel.investment.streams.risk_register` computes it, so it follows a change of the
staff charged or of a risk on Inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from finmodel.domain.investments import Investment
from finmodel.io.appendix.context import AppendixContext, RowFormula
from finmodel.io.appendix.service_inputs import InputsLines
from finmodel.io.excel_styles import FIRST_YEAR_COL, col_letter

_FIELDS = (
    ("probability", "probability", "share"),
    ("impact", "impact", "£k"),
    ("impact_share_of_costs", "impact as a share of the option's costs", "share"),
)


def risk_key(investment_id: str, risk_id: str, name: str) -> str:
    """Row name of a risk's input on Inputs.

    >>> risk_key("ipa", "systems", "impact")
    'inputs.investments.ipa.risks.systems.impact'
    """
    return f"inputs.investments.{investment_id}.risks.{risk_id}.{name}"


def risk_inputs(w: InputsLines, investment_id: str, investment: Investment) -> None:
    """Each risk of the investment's register as three rows on Inputs."""
    if not investment.risks:
        return
    s = w.ctx.styles
    w.section(f"Investment {investment.name or investment_id}: risk register (expected cost)")
    for risk in investment.risks:
        for name, text, unit in _FIELDS:
            row = w.line(
                f"investments.{investment_id}.risks.{risk.id}.{name}",
                f"Risk {risk.name or risk.id}: {text}",
                unit,
                risk.sources.get(name) or risk.source,
            )
            fmt = s.money_input if unit == "£k" else s.share_input
            w.number(row, 4, float(getattr(risk, name)), fmt)


def risk_formula(
    ctx: AppendixContext,
    investment_id: str,
    investment: Investment,
    o: int,
    years: Sequence[str],
    cost_rows: Sequence[int],
) -> RowFormula | None:
    """Option ``o``'s expected cost of the risks in each year (``cost_rows``: the option's
    nominal cost rows on Appraisal); None when a risk's inputs are not on Inputs."""
    ids = investment.option_ids()
    b = investment.baseline_index()
    column = {col_letter(FIRST_YEAR_COL + t): int(y[:4]) for t, y in enumerate(years)}
    refs = {}
    for risk in investment.risks:
        for name, _, _ in _FIELDS:
            found = ctx.rows.get(risk_key(investment_id, risk.id, name))
            if found is None:
                return None
            refs[(risk.id, name)] = f"Inputs!$E${found[1] + 1}"

    def formula(c: str, _p: str) -> str:
        start = column[c]
        costs = "+".join(f"{c}{r + 1}" for r in cost_rows) or "0"
        terms = []
        for risk in investment.risks:
            chosen = (
                [ids.index(i) for i in risk.options]
                if risk.options
                else [x for x in range(len(ids)) if x != b]
            )
            first = int(risk.year[:4])
            if o not in chosen or not first <= start < first + risk.years:
                continue
            p, i, sh = (refs[(risk.id, name)] for name, _, _ in _FIELDS)
            terms.append(f"{p}*({i}+{sh}*({costs}))")
        return "=" + ("+".join(terms) or "0")

    return formula
