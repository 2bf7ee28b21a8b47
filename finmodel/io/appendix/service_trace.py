"""The Service months sheet's formulas evaluated in numpy: the figures stored with them.

:func:`trace` evaluates every row of :mod:`~finmodel.io.appendix.service_months` as its formula
is written (the same terms in the same order), for every option; :func:`trace_mismatch` holds
it to the engine's series (:func:`finmodel.service.ipa.simulate_ipa_service`), so a layout that
would not reproduce the engine is never written. :func:`staff_blocks` gives each option's
blocks of money buying staff, as the service run was funded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from finmodel.investment.case import InvestmentCase
from finmodel.investment.streams import capacity_costs
from finmodel.service.ipa_results import IpaServiceResult


@dataclass(frozen=True)
class Block:
    """A block of money buying staff for one option: the cost id and its month structure."""

    cost_id: str
    amount: float
    start: int
    end: int
    interim: bool
    amount_ref: str | None
    """Formula of the money (£k a year) from Inputs, or None (a constant)."""


def staff_blocks(case: InvestmentCase, rows: Mapping[str, tuple[str, int]], o: int) -> list[Block]:
    """Option ``o``'s blocks of money buying staff (block 1 + k of the run is cost k);
    ``rows``: the appendix's named rows (where the amounts are on Inputs)."""
    s = case.streams
    service = s.service
    assert service is not None
    option = s.investment.options[o]
    out = []
    for k, cost_id in enumerate(capacity_costs(s.investment)):
        block = service.funding[1 + k]
        amount = float(np.asarray(block.amount_k)[o])
        if amount == 0.0:
            continue
        item = next(c for c in option.costs if c.id == cost_id)
        ref = rows.get(
            f"inputs.investments.{s.investment_id}.options.{option.id}.costs.{cost_id}.amount"
        )
        formula = None
        if ref is not None and isinstance(item.amount, int | float):
            cell = f"Inputs!$E${ref[1] + 1}"
            formula = cell if item.recurrent else f"{cell}*12/{float(item.team_months or 12)!r}"
        out.append(
            Block(
                cost_id,
                amount,
                int(np.asarray(block.start)[o]),
                int(np.asarray(block.end)[o]),
                bool(block.interim),
                formula,
            )
        )
    return out


# ----- the same formulas in numpy (the stored results) -----------------------------------------
def trace(service: IpaServiceResult, blocks: list[list[Block]]) -> dict[str, np.ndarray]:
    """Every row of the sheet evaluated in numpy as its formulas are written, ``(options,
    months)`` each (staff costs keyed ``staff_cost.<cost id>``)."""
    r = {k: float(np.asarray(v).flat[0]) for k, v in service.resolved.items()}
    p = service.parameters
    n, n_o = service.months, len(blocks)
    first, interval = p.first_review_months, p.review_interval_months
    ring = max(first, interval)
    m = np.arange(n, dtype=float)
    stay = 1 - r["monthly_exit_rate"]
    keep_queue = 1 - r["queue_withdrawal_rate"]
    si, sf = stay**interval, stay**first
    keep_saving = stay * (1 - r["saving_erosion_rate"])
    saving = r["review_finding_rate"] * r["review_saving_k_per_year"]
    ramp = float(max(p.ramp_months, 1))
    soon = r["initial_outstanding_reviews"] - r["initial_overdue_reviews"]
    later = r["initial_caseload"] - r["initial_outstanding_reviews"]
    init = np.empty(ring)
    for k in range(ring):
        if ring > first:
            base = soon / first if k < first else later / (interval - first)
        else:
            base = soon / first + later / first
        init[k] = base * stay ** (k + 1.0)
    out: dict[str, np.ndarray] = {}

    def row(key: str) -> np.ndarray:
        return out.setdefault(key, np.zeros((n_o, n)))

    for o, option_blocks in enumerate(blocks):
        fte = np.full(n, r["base_fte"])
        for b in option_blocks:
            prem = r["interim_premium"] if b.interim else 0.0
            lag = r["interim_lag_months"] if b.interim else r["recruitment_lag_months"]
            cost = r["cost_per_fte_k"] * (1 + prem)
            posts = b.amount / cost * (1 - r["vacancy_factor"])
            arrive = b.start + lag - 1
            share = np.where(m < b.end, np.minimum(np.maximum((m - arrive) / ramp, 0), 1), 0)
            fte = fte + posts * share
            if p.budget_held:
                charged = np.where((m >= b.start) & (m < b.end), 1.0, 0.0)
            else:
                ramp2 = np.minimum(np.maximum((m - (b.start + lag) + 1) / ramp, 0), 1)
                charged = np.where(m < b.end, ramp2, 0.0) * (1 - r["vacancy_factor"])
            scale = b.amount / cost * cost
            growth = (1 + r["pay_growth"]) ** (m / 12)
            row(f"staff_cost.{b.cost_id}")[o] = charged * scale * growth / 12
        row("fte")[o] = np.maximum(fte, 0)
        referrals = r["referrals_per_month"] * (1 + r["referral_growth"]) ** (m / 12)
        row("referrals")[o] = referrals
        q0e = q1e = q2e = 0.0
        case_prev, backlog_prev, rr_prev = r["initial_caseload"], r["initial_overdue_reviews"], 0.0
        for t in range(n):
            vals: dict[str, float] = {}
            a1 = r["initial_queue"] - r["initial_queue_over_28_days"] if t == 0 else q0e
            a2 = r["initial_queue_over_28_days"] if t == 0 else q2e + q1e
            vals["age1_start"], vals["age2_start"] = a1, a2
            rt = referrals[t]
            vals["withdrawals"] = ((rt + a1) + a2) * r["queue_withdrawal_rate"]
            k0, k1, k2 = rt * keep_queue, a1 * keep_queue, a2 * keep_queue
            vals["k0"], vals["k1"], vals["k2"] = k0, k1, k2
            waiting = (k0 + k1) + k2
            vals["waiting"] = waiting
            f = row("fte")[o, t]
            cap_a = f * r["assessments_per_fte_month"]
            vals["capacity_a"] = cap_a
            wanted = min(waiting, cap_a * r["priority_max_share"])
            vals["wanted"] = wanted
            take2 = min(wanted, k2)
            take1 = min(wanted - take2, k1)
            take0 = min(wanted - take2 - take1, k0)
            vals["take2"], vals["take1"], vals["take0"] = take2, take1, take0
            assessed = (take0 + take1) + take2
            vals["assessments"] = assessed
            q0e, q1e, q2e = k0 - take0, k1 - take1, k2 - take2
            vals["q0_end"], vals["q1_end"], vals["q2_end"] = q0e, q1e, q2e
            vals["queue"] = waiting - assessed
            vals["incomplete_over_28_days"] = q1e + q2e
            vals["decisions_within_28_days"] = take0 + r["next_month_within_28_days"] * take1
            left = max(1 - (wanted / cap_a if wanted > 0 else 0), 0)
            vals["share_left"] = left
            rc = f * r["reviews_per_fte_month"] * left
            vals["capacity_r"] = rc
            eligible = r["conversion_rate"] * assessed
            vals["eligible"] = eligible
            caseload = case_prev * stay + eligible
            vals["caseload"] = caseload
            due = _due_value(t, ring, first, interval, init, row, o, si, sf)
            vals["reviews_due"] = due
            lapsed = backlog_prev * r["monthly_exit_rate"] if p.overdue_reviews_lapse else 0.0
            vals["lapsed_reviews"] = lapsed
            wanted_r = (
                backlog_prev - lapsed + due if p.overdue_reviews_lapse else backlog_prev + due
            )
            vals["reviews_wanted"] = wanted_r
            done = min(wanted_r, rc)
            vals["reviews_done"] = done
            backlog = wanted_r - done
            vals["overdue_backlog"] = backlog
            rr = done * saving if t == 0 else rr_prev * keep_saving + done * saving
            vals["run_rate"] = rr
            growth_p = (1 + r["package_cost_growth"]) ** (m[t] / 12)
            vals["cash_released"] = max(rr, 0) * (growth_p / 12)
            vals["package_spend"] = caseload * (r["package_cost_k_per_year"] * growth_p / 12)
            for key, value in vals.items():
                row(key)[o, t] = value
            case_prev, backlog_prev, rr_prev = caseload, backlog, rr
    return out


def _due_value(
    t: int,
    ring: int,
    first: int,
    interval: int,
    init: np.ndarray,
    row: Callable[[str], np.ndarray],
    o: int,
    si: float,
    sf: float,
) -> float:
    """Reviews falling due in month ``t`` (see :func:`_due_formula`), in numpy."""
    overwrite, added = due_terms(ring, first, interval)
    (a_key, a_back, a_factor), (b_key, b_back, b_factor) = overwrite, added
    factor = {"si": si, "sf": sf}
    value = init[t] if t < ring else row(a_key)[o, t - a_back] * factor[a_factor]
    if t >= b_back:
        value = value + row(b_key)[o, t - b_back] * factor[b_factor]
    return float(value)


def due_terms(
    ring: int, first: int, interval: int
) -> tuple[tuple[str, int, str], tuple[str, int, str]]:
    """The two terms of the reviews due in a month, as the engine's pipeline ring fills them:
    the one that sets a slot (``ring`` months back) and the one added to it later, each as
    (row, months back, survival factor)."""
    if interval == ring:
        return ("reviews_done", ring, "si"), ("eligible", first, "sf")
    return ("eligible", ring, "sf"), ("reviews_done", interval, "si")


def trace_mismatch(
    service: IpaServiceResult, traced: dict[str, np.ndarray], cost_ids: list[str]
) -> float:
    """Largest relative difference between the traced rows and the engine's series (recorded,
    staff in post and the staff cost charged by each block)."""
    worst = 0.0
    engine = {key: service.get(key) for key in traced if key in service.series}
    engine["fte"] = service.get("fte")
    for k, cost_id in enumerate(cost_ids):
        if f"staff_cost.{cost_id}" in traced:
            engine[f"staff_cost.{cost_id}"] = service.extra_staff_cost_profile(1 + k)
    for key, want in engine.items():
        scale = np.maximum(np.abs(want), 1.0)
        worst = max(worst, float(np.max(np.abs(traced[key] - want) / scale)))
    return worst
