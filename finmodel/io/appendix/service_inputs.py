"""The service model's parameters on the Inputs sheet: one row each, live inputs.

Rows ``inputs.investments.<inv>.service.parameters.<name>`` (value in column E, the dotted path
and the parameter's ``source:``), written by :func:`service_parameter_inputs` inside an
investment's case inputs; the *Service months* sheet
(:mod:`~finmodel.io.appendix.service_months`) refers to them, so changing one on Inputs moves
the service rows, the staff charged, the benefits and the NPSV. The benefit shortfall (optimism
about benefits) is a row too, ``inputs.investments.<inv>.optimism_bias.benefit_shortfall``.

Parameters that set the sheet's layout (``first_review_months``, ``review_interval_months``:
how many months back a review falls due) are shown with a note: changing them needs a new
export, as the Cover says.
"""

from __future__ import annotations

from typing import Any, Protocol

from finmodel.domain.investments import Investment
from finmodel.domain.service_parameters import IpaServiceParameters

#: Parameters fixed in the layout of the Service months sheet (months back a review falls due).
LAYOUT_PARAMETERS = ("first_review_months", "review_interval_months")
#: Parameters the appendix's service formulas use (numbers), in the order shown on Inputs.
SERVICE_INPUTS = (
    "referrals_per_month",
    "referral_growth",
    "initial_queue",
    "initial_queue_over_28_days",
    "queue_withdrawal_rate",
    "conversion_rate",
    "next_month_within_28_days",
    "initial_caseload",
    "monthly_exit_rate",
    "first_review_months",
    "review_interval_months",
    "initial_outstanding_reviews",
    "initial_overdue_reviews",
    "base_fte",
    "assessments_per_fte_month",
    "reviews_per_fte_month",
    "priority_max_share",
    "cost_per_fte_k",
    "recruitment_lag_months",
    "ramp_months",
    "interim_lag_months",
    "interim_premium",
    "vacancy_factor",
    "pay_growth",
    "package_cost_k_per_year",
    "package_cost_growth",
    "review_finding_rate",
    "review_saving_k_per_year",
    "saving_erosion_rate",
    "retrospective_cost_k",
    "acute_share_waiting",
    "bed_day_value_k",
    "qaly_loss_per_year_waiting",
    "qaly_value_k",
    "council_funded_share_waiting",
    "council_cost_k_per_year",
    "standard_share",
    "backlog_clear_threshold",
)
_SHARES = frozenset(
    {
        "referral_growth",
        "queue_withdrawal_rate",
        "conversion_rate",
        "next_month_within_28_days",
        "monthly_exit_rate",
        "priority_max_share",
        "interim_premium",
        "vacancy_factor",
        "pay_growth",
        "package_cost_growth",
        "review_finding_rate",
        "saving_erosion_rate",
        "acute_share_waiting",
        "council_funded_share_waiting",
        "standard_share",
    }
)


class InputsLines(Protocol):
    """What the Inputs writer offers (``finmodel.io.appendix.sheets._InputsWriter``)."""

    ctx: Any

    def section(self, title: str) -> None: ...

    def line(self, key: str, label: str, unit: str, source: str | None) -> int: ...

    def number(self, row: int, col: int, value: float, fmt: object) -> None: ...


def parameter_key(investment_id: str, name: str) -> str:
    """Row name of a service parameter on Inputs.

    >>> parameter_key("ipa", "base_fte")
    'inputs.investments.ipa.service.parameters.base_fte'
    """
    return f"inputs.investments.{investment_id}.service.parameters.{name}"


def _label(name: str) -> tuple[str, str]:
    """(label, unit) of a parameter: the first sentence of its field docstring."""
    info = IpaServiceParameters.model_fields[name]
    text = " ".join((info.description or name.replace("_", " ")).split())
    first = text.split(". ")[0].rstrip(".")
    unit = "share" if name in _SHARES else ""
    if "(" in first and first.endswith(")") and not unit:
        unit = first[first.rindex("(") + 1 : -1][:24]
    return first[:1].upper() + first[1:], unit


def service_parameter_inputs(w: InputsLines, investment_id: str, investment: Investment) -> None:
    """The investment's service parameters (and its benefit shortfall) as rows on Inputs."""
    link = investment.service
    if link is None:
        return
    ctx, s = w.ctx, w.ctx.styles
    p = link.parameters
    w.section(
        f"Investment {investment.name or investment_id}: service model parameters "
        "(the Service months sheet's formulas use them)"
    )
    for name in SERVICE_INPUTS:
        label, unit = _label(name)
        if name in LAYOUT_PARAMETERS:
            label += " (sets the layout of Service months: change it in the model file)"
        row = w.line(
            f"investments.{investment_id}.service.parameters.{name}",
            label,
            unit,
            link.sources.get(name) or link.source,
        )
        value = float(getattr(p, name))
        fmt = (
            s.share_input
            if name in _SHARES
            else (s.money_input if value.is_integer() else s.tolerance_input)
        )
        w.number(row, 4, value, fmt)
    biases = [(f"investments.{investment_id}", "", investment.optimism_bias)] + [
        (f"investments.{investment_id}.options.{o.id}", f"{o.name or o.id}: ", o.optimism_bias)
        for o in investment.options
    ]
    for path, who, bias in biases:
        key = f"{path}.optimism_bias.benefit_shortfall"
        if bias is None or f"inputs.{key}" in ctx.rows:
            continue
        row = w.line(
            key,
            f"{who}Optimism bias on benefits: share of every monetised benefit not realised",
            "share",
            bias.source,
        )
        w.number(row, 4, float(bias.benefit_shortfall), s.share_input)
