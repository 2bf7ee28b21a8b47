"""The risk register's expected cost as live formulas: its inputs on Inputs, its row on Appraisal.

Each risk's probability, impact (£k) and impact as a share of the option's costs are rows
``inputs.investments.<inv>.risks.<risk id>.{probability,impact,impact_share_of_costs}`` on
Inputs (:func:`risk_inputs`). The Appraisal's *risk register (expected cost)* row of an option
is ``SUM over the option's risks of probability x (impact + share x the option's nominal
costs) x active`` (:func:`risk_formula`; ``active`` a 1/0 row of the years each risk runs,
:func:`option_risks`), as
:func:`finmodel.investment.streams.risk_register` computes it, so it follows a change of the
staff charged or of a risk on Inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from finmodel.domain.investments import Investment
from finmodel.io.appendix.context import AppendixContext, RowFormula
from finmodel.io.appendix.service_inputs import InputsLines

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


def option_risks(
    investment: Investment, o: int, years: Sequence[str]
) -> list[tuple[str, str, np.ndarray]]:
    """The risks that apply to option ``o``: (id, name, 1 in the years it is active, else 0)."""
    ids = investment.option_ids()
    b = investment.baseline_index()
    start = np.asarray([int(y[:4]) for y in years])
    out = []
    for risk in investment.risks:
        chosen = (
            [ids.index(i) for i in risk.options]
            if risk.options
            else [x for x in range(len(ids)) if x != b]
        )
        if o in chosen:
            first = int(risk.year[:4])
            on = ((start >= first) & (start < first + risk.years)).astype(float)
            out.append((risk.id, risk.name or risk.id, on))
    return out


def risk_formula(
    ctx: AppendixContext,
    investment_id: str,
    active_rows: Mapping[str, int],
    cost_rows: Sequence[int],
) -> RowFormula | None:
    """An option's expected cost of its risks in each year: ``SUM of probability x (impact +
    share x costs) x active`` (``active_rows``: each risk's 1/0 row by id; ``cost_rows``: the
    option's nominal cost rows); None when a risk's inputs are not on Inputs."""
    refs: dict[str, list[str]] = {}
    for risk_id in active_rows:
        refs[risk_id] = []
        for name, _, _ in _FIELDS:
            found = ctx.rows.get(risk_key(investment_id, risk_id, name))
            if found is None:
                return None
            refs[risk_id].append(f"Inputs!$E${found[1] + 1}")

    def formula(c: str, _p: str) -> str:
        costs = "+".join(f"{c}{r + 1}" for r in cost_rows) or "0"
        terms = [
            f"{p}*({i}+{sh}*({costs}))*{c}${active_rows[risk_id] + 1}"
            for risk_id, (p, i, sh) in refs.items()
        ]
        return "=" + ("+".join(terms) or "0")

    return formula
