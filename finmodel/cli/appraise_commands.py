"""``finmodel appraise``: the options appraisal of a model's investment cases, for a board.

Prints, for each investment (or the one named with ``--investment``), a table per section:
the economic case (real £k of the price-base year, discounted), the switching values of the
preferred option, unmonetised benefits, the financial case (cash £k: net cost by year, the cost
to each funder in the first full year, the effect on each funder's surplus and on the system
variance against its control total) and the service model's answers (backlog, 28 days).
Negative amounts are in brackets. ``--json`` prints the same as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from finmodel.cli.common import handles_errors, model_path, money, print_json
from finmodel.cli.tables import (
    Cell,
    FormatOpt,
    Frame,
    JsonOpt,
    emit,
    money_cell,
    number_cell,
    resolve_format,
    say,
    working,
)
from finmodel.errors import InputError, Problem
from finmodel.formatting import month_name

ModelArg = Annotated[
    Path | None,
    typer.Argument(help="Model file (YAML or budget workbook); default: the bundled L&SC model."),
]


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _year_end(label: str) -> str:
    """The last month of a financial year: ``"2020/21"`` -> ``"Mar 2021"``."""
    return f"Mar {int(label[:4]) + 1}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:+.0%}"


def _economic_table(case: Any) -> Frame:
    e, s = case.economic, case.streams
    prices = f"real £k, {e.price_base_year} prices"
    rate = "mid-year" if e.mid_year else "end of year"
    outcome = f"£k per {s.outcome_name}" if s.outcome_name else "£k per unit of outcome"
    table = Frame(
        f"Economic case: each option against {s.option_names[s.baseline]}, {prices}, "
        f"discounted at the Green Book {e.schedule} STPR ({e.discount_version}, {rate}), "
        f"{e.years[0]} to {e.years[-1]}",
        ["Option"],
        ["Rank", "PV costs", "PV benefits", "NPSV", "BCR", "Payback", outcome],
        text_columns=frozenset({"Payback"}),
    )
    for o, row in enumerate(e.appraisal.as_rows()):
        baseline = o == s.baseline
        payback = "" if baseline else (e.payback_label(o) or "not within the period")
        cost_per = row["cost_per_outcome"]
        table.add(
            s.option_names[o],
            [
                Cell(str(row["rank"]), row["rank"]),
                money_cell(row["pv_costs"]),
                money_cell(row["pv_benefits"]),
                money_cell(row["npsv"]),
                Cell("-") if baseline else Cell(_ratio(row["bcr"]) or "-", row["bcr"]),
                Cell(payback or "-"),
                money_cell(cost_per, 2),
            ],
            style="bold" if o == case.preferred and not baseline else None,
        )
    return table


def _economic_notes(case: Any) -> list[str]:
    import numpy as np

    e, s = case.economic, case.streams
    notes = []
    rates = {f"{float(v.max()):.1%}" for v in e.optimism_bias.values() if np.any(v > 0)}
    if rates:
        kinds = sorted({s.cost_kinds[k].value for k, v in e.optimism_bias.items() if np.any(v > 0)})
        ob = s.investment.optimism_bias
        basis = (
            f" ({ob.project_type or 'combined'}, {ob.mitigation_share:.0%} mitigated)" if ob else ""
        )
        notes.append(
            f"Optimism bias {', '.join(sorted(rates))} on {' and '.join(kinds)} costs{basis}."
        )
    preferred = case.preferred
    if preferred == s.baseline:
        notes.append(
            f"Preferred on monetised value: {s.option_names[preferred]}: no option's monetised "
            "benefits cover its costs; the unmonetised benefits below are what the others buy."
        )
    else:
        notes.append(f"Preferred on monetised value: {s.option_names[preferred]} (highest NPSV).")
    return notes


def _switching_table(case: Any) -> Frame | None:
    e, s = case.economic, case.streams
    if e.switching_option is None:
        return None
    o = e.switching_option
    why = "preferred option" if o == case.preferred else "best option other than do nothing"
    table = Frame(
        f"Switching values, {s.option_names[o]} ({why}; NPSV {money(float(e.appraisal.npsv[o]))}): "
        "the change in each stream that takes NPSV to zero",
        ["Stream", "Cost or benefit"],
        ["PV, £k", "Change to NPSV = 0"],
        text_columns=frozenset({"Change to NPSV = 0"}),
    )
    for value in e.switching:
        name = s.cost_names.get(value.stream) or s.benefit_names.get(value.stream) or value.stream
        change = value.switching_value
        table.add(
            [name, value.kind],
            [
                money_cell(value.present_value),
                Cell("no change does it") if change is None else Cell(_percent(change), change),
            ],
        )
    return table


def _unmonetised_table(case: Any) -> Frame | None:
    s = case.streams
    if not s.unmonetised:
        return None
    table = Frame(
        "Unmonetised benefits (described, not valued)",
        ["Benefit", "Options", "What it is"],
        [],
    )
    seen: dict[str, tuple[list[str], str]] = {}
    names = dict(zip(s.option_ids, s.option_names, strict=True))
    for option, name, description in s.unmonetised:
        options, _ = seen.setdefault(name, ([], description))
        options.append(names[option])
    for name, (options, description) in seen.items():
        table.add([name, ", ".join(options), description], [])
    return table


def _net_cost_table(case: Any) -> Frame:
    s, f = case.streams, case.financial
    table = Frame(
        "Financial case: net cost to the partners (costs less cash released, plus package "
        "spend sooner, retrospective liability and council care), cash £k, "
        f"against {s.option_names[s.baseline]}",
        ["Option"],
        list(f.years),
    )
    for o in range(len(s.option_ids)):
        if o == s.baseline:
            continue
        table.add(s.option_names[o], (money_cell(v) for v in f.net_cost[o].sum(axis=0)))
    return table


def _cash_effects_table(case: Any) -> Frame:
    s, f = case.streams, case.financial
    o = case.focus
    table = Frame(
        f"Financial case, every cash effect of {s.option_names[o]}, cash £k",
        ["Cash effect (+ spend, - saving)"],
        list(f.years),
    )
    rows = [("Option costs", f.cost[o]), ("Cash released", -f.cash_released[o])]
    rows += [(s.cash_effect_names[k], v[o]) for k, v in f.cash_effects.items()]
    rows.append(("Net cost (the projection's effect)", f.net_cost[o]))
    for name, values in rows:
        table.add(name, (money_cell(v) for v in values.sum(axis=0)))
    return table


def _funder_table(case: Any) -> Frame:
    s, f = case.streams, case.financial
    years = {case.streams.first_full_years[o] for o in range(len(s.option_ids)) if o != s.baseline}
    when = next(iter(years)) if len(years) == 1 else "each option's first full year"
    others = [o for o in range(len(s.option_ids)) if o != s.baseline]
    table = Frame(
        f"Cost to each funder in {when} (first full year), cash £k",
        ["Funder"],
        [s.option_names[o] for o in others],
    )
    columns = {o: case.first_full_year_index(o) for o in others}

    def at(o: int, values: Any) -> float:
        t = columns[o]
        return 0.0 if t is None else float(values[t])

    for p in f.involved:
        table.add(f.partner_names[p], (money_cell(at(o, f.cost[o, p])) for o in others))
    table.add(
        "Total cost", (money_cell(at(o, f.cost[o].sum(axis=0))) for o in others), style="bold"
    )
    table.add(
        "Net of cash released", (money_cell(at(o, f.net_cost[o].sum(axis=0))) for o in others)
    )
    return table


def _surplus_table(case: Any) -> Frame:
    s, f = case.streams, case.financial
    o = case.focus
    table = Frame(
        f"Effect of {s.option_names[o]} on each partner's surplus and on the system "
        "variance against its control total, cash £k (model years)",
        ["Partner"],
        list(f.model_years),
    )
    for p in f.involved:
        table.add(f.partner_names[p], (money_cell(v) for v in f.surplus_change[o, p]))
    table.add(
        "System variance, change",
        (money_cell(v) for v in f.system_variance_change[o]),
        style="bold",
    )
    table.add(
        f"System variance with {s.option_names[s.baseline].lower()}",
        (money_cell(v) for v in f.system_variance[s.baseline]),
    )
    table.add(
        f"System variance with {s.option_names[o]}",
        (money_cell(v) for v in f.system_variance[o]),
    )
    return table


def _variance_table(case: Any) -> Frame:
    s, f = case.streams, case.financial
    table = Frame(
        "Change in the system variance against its control total by option, cash £k",
        ["Option"],
        list(f.model_years),
    )
    for o in range(len(s.option_ids)):
        if o != s.baseline:
            table.add(s.option_names[o], (money_cell(v) for v in f.system_variance_change[o]))
    return table


def _service_table(case: Any, rows: list[dict[str, Any]]) -> Frame | None:
    service = case.streams.service
    if service is None:
        return None
    end = month_name(service.month_labels[-1], "")
    start = month_name(service.month_labels[0], "")
    model_end = case.model.years[-1]
    first_year = case.streams.years[1]
    first_end = _year_end(first_year)
    last_end = _year_end(model_end)
    table = Frame(
        f"Service model: IPA / CHC assessments and reviews from the position of {start} "
        f"(runs to {end})",
        ["Option"],
        [
            "£k a year",
            "Extra FTE",
            "Overdue reviews cleared (first; kept or lost; at end)",
            "80% decided in 28 days (first; kept or lost; at end)",
            f"Waiting > 28 days, {first_end}",
            f"Waiting > 28 days, {last_end}",
            f"Overdue reviews, {last_end}",
        ],
        text_columns=frozenset(
            {
                "Overdue reviews cleared (first; kept or lost; at end)",
                "80% decided in 28 days (first; kept or lost; at end)",
            }
        ),
    )
    for o, row in enumerate(rows):
        table.add(
            case.streams.option_names[o],
            [
                money_cell(row["investment_k_a_year"]),
                Cell(f"{row['extra_fte']:.1f}", row["extra_fte"]),
                Cell(row["backlog_cleared"]["text"]),
                Cell(row["standard_28_days"]["text"]),
                number_cell(row["incomplete_over_28_days_by_year"].get(first_year)),
                number_cell(row["incomplete_over_28_days_by_year"].get(model_end)),
                number_cell(row["overdue_backlog_by_year"].get(model_end)),
            ],
        )
    return table


def _least_cost_table(case: Any) -> Frame | None:
    view = case.to_json()["least_cost"]
    if not view["options"]:
        return None
    table = Frame(
        f"Least cost: the 28-day standard met by the end of {view['by_year']} and kept "
        f"(cheapest: {view['cheapest_meeting_standard'] or 'none'}); real £k",
        ["Option"],
        ["Months compliant", "PV costs", "PV cost per extra compliant month", "Met, kept"],
    )
    names = dict(zip(case.streams.option_ids, case.streams.option_names, strict=True))
    for row in view["options"]:
        table.add(
            names[row["option"]],
            [
                number_cell(row["compliant_months"]),
                money_cell(row["pv_costs"]),
                money_cell(row["cost_per_compliant_month"]),
                Cell("yes" if row["meets_by"] else "no"),
            ],
        )
    return table


def case_frames(case: Any) -> list[Frame]:
    """One investment's appraisal as board tables (the economic case carries its notes)."""
    economic = _economic_table(case)
    economic.notes.extend(_economic_notes(case))
    tables = [
        economic,
        _switching_table(case),
        _unmonetised_table(case),
        _net_cost_table(case),
        _cash_effects_table(case),
        _funder_table(case),
        _variance_table(case),
        _surplus_table(case),
        _service_table(case, case.answers()),
        _least_cost_table(case),
    ]
    return [t for t in tables if t is not None]


def print_case(case: Any, fmt: str = "table") -> None:
    """Print one investment's appraisal as board tables (``fmt``: table or csv)."""
    s = case.streams
    title = s.investment.name or s.investment_id
    if fmt == "table":
        say(
            f"{title} ({s.investment_id}): {len(s.option_ids)} options, "
            f"selected in the projection: {s.option_names[s.selected]}"
            + (f" (scenario {case.scenario})" if case.scenario else "")
        )
    emit(case_frames(case), fmt)


@handles_errors
def appraise(
    model: ModelArg = None,
    investment: Annotated[
        str | None,
        typer.Option("--investment", "-i", help="Investment id (default: every investment)."),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Scenario id to apply first.")
    ] = None,
    fmt: FormatOpt = "table",
    as_json: JsonOpt = False,
) -> None:
    """Appraise a model's investment options (Green Book economic case, financial case and
    service-model answers; money in £k, negatives in brackets)."""
    from finmodel.investment.case import appraise_model
    from finmodel.io.yaml_io import load_model

    output = resolve_format(fmt, as_json)
    loaded = load_model(model_path(model))
    if not loaded.investments:
        raise InputError(
            [Problem(loaded.origin, "investments", "the model has no investment cases")]
        )
    if investment is not None and investment not in loaded.investments:
        known = ", ".join(loaded.investments)
        raise InputError(
            [Problem(loaded.origin, "--investment", f"no investment {investment!r} ({known})")]
        )
    ids = [investment] if investment is not None else list(loaded.investments)
    with working("Appraising the options"):
        cases = [appraise_model(loaded, inv_id, scenario) for inv_id in ids]
    if output == "json":
        print_json(
            {
                "model": loaded.name,
                "scenario": scenario,
                "units": "gbp_thousands",
                "investments": {case.streams.investment_id: case.to_json() for case in cases},
            }
        )
        return
    if output == "csv":
        emit([f for case in cases for f in case_frames(case)], "csv")
        return
    for case in cases:
        print_case(case)


def register(app: typer.Typer) -> None:
    """Add ``appraise`` to the ``finmodel`` application."""
    app.command("appraise")(appraise)
