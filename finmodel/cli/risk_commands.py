"""``finmodel simulate``, ``finmodel sensitivity`` and ``finmodel goal-seek`` (SPEC section 7).

Money in £k; surplus +, deficit in brackets; probabilities as percentages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from finmodel.app.risk_labels import format_value, input_label, npsv_title, option_name
from finmodel.cli.common import (
    console,
    error_console,
    handles_errors,
    model_path,
    money,
    print_json,
)
from finmodel.cli.tables import (
    Cell,
    FormatOpt,
    Frame,
    JsonOpt,
    emit,
    money_cell,
    percent_cell,
    resolve_format,
    say,
    working,
)
from finmodel.domain.model import Model
from finmodel.io.yaml_io import load_model
from finmodel.risk.analysis import Tornado, goal_seek_model, sensitivity
from finmodel.risk.model_sensitivity import SensitivityResult
from finmodel.risk.montecarlo import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    InvestmentSummary,
    SimulationResult,
    plan_simulation,
    run_plan,
)
from finmodel.risk.sampling import DEFAULT_CHUNK_SIZE

ModelArg = Annotated[
    Path | None,
    typer.Argument(help="Model file (YAML or budget workbook); default: the bundled L&SC model."),
]
ScenarioOpt = Annotated[str | None, typer.Option("--scenario", "-s", help="Scenario id to apply.")]

#: Runs with more draws than this show a progress bar (on a terminal); fewer take well under
#: a second.
PROGRESS_FROM_DRAWS = 2_000
#: With ``--workers 0`` (the default), runs drawing service-model inputs with at least this
#: many draws use every CPU.
AUTO_WORKERS_FROM_DRAWS = 8192


def _percent(p: float) -> Cell:
    return percent_cell(None if np.isnan(p) else p)


def _spec_text(spec: object) -> str:
    from finmodel.domain.uncertainty import PARAMETERS, UncertainInput

    assert isinstance(spec, UncertainInput)
    params = ", ".join(f"{getattr(spec, n):g}" for n in PARAMETERS[spec.dist])
    text = f"{spec.dist}({params})"
    if spec.apply != "set":
        text += {"add": ", added to the modelled value", "scale": ", times the modelled value"}.get(
            spec.apply, f", {spec.apply}"
        )
    return text


def month_name(label: str | None, never: str = "never") -> str:
    """``"2021-06"`` -> ``"Jun 2021"`` (the month format of every table); ``never`` for None.

    >>> month_name("2021-06"), month_name(None)
    ('Jun 2021', 'never')
    """
    if label is None:
        return never
    year, month = label.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _system_table(result: SimulationResult) -> Frame:
    i = result.row("system")
    table = Frame(
        f"{result.model_name}: system surplus, £k ({result.describe_sampling()})"
        + (f", scenario {result.scenario}" if result.scenario else ""),
        [""],
        list(result.years),
    )
    fan = result.surplus.as_dict()
    for name, values in fan.items():
        label = "Mean" if name == "mean" else name
        table.add(label, (money_cell(float(v)) for v in values[i]))
    table.add("Deterministic", (money_cell(float(v)) for v in result.deterministic[i]), "dim")
    table.add("Control total", (money_cell(float(v)) for v in result.control_total[i]))
    table.add(
        "Chance of meeting the control total",
        (_percent(float(p)) for p in result.p_meet_control_total[i]),
    )
    table.add("Chance of breaking even", (_percent(float(p)) for p in result.p_break_even[i]))
    return table


def _partner_table(result: SimulationResult) -> Frame:
    t = len(result.years) - 1
    table = Frame(
        f"Partners in {result.years[t]}: surplus, £k, and the chance of meeting the control "
        "total (CT) and of breaking even",
        ["Partner"],
        ["P10", "P50", "P90", "Deterministic", "Chance of meeting CT", "Chance of break-even"],
    )
    for i, name in enumerate(result.partner_names):
        table.add(
            name,
            [
                money_cell(float(result.surplus.at(10)[i, t])),
                money_cell(float(result.surplus.at(50)[i, t])),
                money_cell(float(result.surplus.at(90)[i, t])),
                money_cell(float(result.deterministic[i, t])),
                _percent(float(result.p_meet_control_total[i, t])),
                _percent(float(result.p_break_even[i, t])),
            ],
        )
    return table


def _month(summary: InvestmentSummary, months: float) -> str:
    return month_name(summary.month_label(months), "never")


def _investment_table(summary: InvestmentSummary, model: Model | None = None) -> Frame:
    def name(option: str) -> str:
        return option_name(model, summary.investment, option) if model is not None else option

    investment = summary.investment
    if model is not None and investment in model.investments:
        investment = getattr(model.investments[investment], "name", None) or investment
    table = Frame(
        f"{investment}: NPSV against do nothing (real £k) and service answers by option "
        f"(selected: {name(summary.selected)}; preferred: {name(summary.preferred)})",
        ["Option"],
        [
            "NPSV P10",
            "NPSV P50",
            "NPSV P90",
            "Deterministic",
            "Chance NPSV > 0",
            "Backlog cleared P10 / P50 / P90",
            "Chance cleared",
            "28-day standard met (P50)",
            "Chance met",
        ],
        text_columns=frozenset({"Backlog cleared P10 / P50 / P90", "28-day standard met (P50)"}),
    )
    npsv = summary.npsv
    clear = summary.months_to_clear_backlog
    standard = summary.months_to_standard
    for o, option in enumerate(summary.option_ids):
        table.add(
            name(option),
            [
                money_cell(float(npsv.at(10)[o])),
                money_cell(float(npsv.at(50)[o])),
                money_cell(float(npsv.at(90)[o])),
                money_cell(float(summary.deterministic_npsv[o])),
                _percent(float(summary.p_npsv_positive[o])),
                Cell(" / ".join(_month(summary, float(clear.at(q)[o])) for q in (10, 50, 90))),
                _percent(float(summary.p_backlog_cleared[o])),
                Cell(_month(summary, float(standard.at(50)[o]))),
                _percent(float(summary.p_standard_met[o])),
            ],
        )
    return table


def _inputs_table(result: SimulationResult, model: Model) -> Frame:
    table = Frame(
        "Uncertain inputs (the model file's `uncertainty:` section)",
        ["Input", "Distribution"],
        [],
    )
    for value in result.inputs:
        table.add([input_label(model, value.key, value.spec.also), _spec_text(value.spec)], [])
    return table


def _input_value(model: Model, path: str, value: object, apply: str) -> Cell:
    values = np.asarray(value, dtype=float)
    number = float(values.ravel()[0]) if values.size == 1 else None
    return Cell(format_value(model, path, number, apply), number)  # type: ignore[arg-type]


def _tornado_table(tornado: Tornado, result: SensitivityResult, model: Model) -> Frame:
    by_key = {v.key: v for v in result.inputs}
    title = npsv_title(model, tornado.label)
    table = Frame(
        f"Tornado: {title} (modelled {money(tornado.base)}); each input from its P10 to its "
        "P90, the others as modelled; rates in percentage points where the input is a change",
        ["Input"],
        ["Input at P10", "Input at P90", "Result at P10", "Result at P90", "Swing", ""],
        text_columns=frozenset({"Input at P10", "Input at P90", ""}),
    )
    shown = [row for row in tornado.rows if round(abs(row.swing)) >= 1]
    widest = max((abs(row.swing) for row in shown), default=0.0) or 1.0
    for row in shown:
        spec = by_key[row.input].spec if row.input in by_key else None
        apply = spec.apply if spec is not None else "set"
        bar = "█" * max(1, round(12 * abs(row.swing) / widest))
        table.add(
            input_label(model, row.input, spec.also if spec is not None else ()),
            [
                _input_value(model, row.input, row.low_value, apply),
                _input_value(model, row.input, row.high_value, apply),
                money_cell(row.output_at_low),
                money_cell(row.output_at_high),
                money_cell(row.swing),
                Cell(bar, "", "red" if row.swing < 0 else "green"),
            ],
        )
    dropped = len(tornado.rows) - len(shown)
    if dropped:
        table.notes.append(
            f"{dropped} input{'s' if dropped > 1 else ''} with no effect on this result left out."
        )
    return table


def simulate(
    model: ModelArg = None,
    scenario: ScenarioOpt = None,
    draws: Annotated[int, typer.Option("--draws", "-n", help="Number of draws.")] = DEFAULT_DRAWS,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same results.")
    ] = DEFAULT_SEED,
    lhs: Annotated[
        bool, typer.Option("--lhs", help="Latin hypercube sampling (within blocks of 4,096).")
    ] = False,
    chunk_size: Annotated[
        int,
        typer.Option("--chunk-size", help="Draws per chunk (memory); results do not depend on it."),
    ] = DEFAULT_CHUNK_SIZE,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Processes computing chunks (0: one per CPU when service-model inputs are "
            "drawn and there are 8,192 draws or more); results do not depend on it.",
        ),
    ] = 0,
    fmt: FormatOpt = "table",
    as_json: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the Excel appendix with this run's Risk sheet."),
    ] = None,
) -> None:
    """Monte Carlo of the model's uncertain inputs: the fan of surpluses and the probabilities
    of meeting the control total and of breaking even, by year."""
    output = resolve_format(fmt, as_json)
    path = model_path(model)
    loaded = load_model(path)
    plan = plan_simulation(
        loaded,
        scenario,
        draws=draws,
        seed=seed,
        method="lhs" if lhs else "random",
        chunk_size=chunk_size,
    )
    if workers <= 0:
        # processes pay off when the service model runs for every draw; the projection alone
        # is faster in one process than the cost of moving its results between processes
        service = plan.investments is not None and plan.investments.active
        workers = (os.cpu_count() or 1) if service and draws >= AUTO_WORKERS_FROM_DRAWS else 1
    if draws > PROGRESS_FROM_DRAWS and error_console.is_terminal:
        with Progress(
            SpinnerColumn("line"),
            TextColumn("simulating"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} draws"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=error_console,
            transient=True,
        ) as bar:
            task = bar.add_task("draws", total=draws)
            result = run_plan(
                plan, lambda done, _total: bar.update(task, completed=done), workers=workers
            )
    else:
        result = run_plan(plan, workers=workers)
    if out is not None:
        from finmodel.io.excel_risk import write_risk_appendix

        write_risk_appendix(loaded, result, out, model_file=path)
    if output == "json":
        print_json(result.to_json())
        return
    frames = [_system_table(result), _partner_table(result)]
    frames += [_investment_table(summary, loaded) for summary in result.investments.values()]
    frames.append(_inputs_table(result, loaded))
    emit(frames, output)
    if output == "table":
        say(
            f"{result.describe_sampling()} in {result.seconds:.2f} s. Percentiles of the surplus "
            "in each year separately (P10: 10% of draws are at or below it). Chance of meeting "
            "the control total: the share of draws with a surplus at or above it (the system: "
            "the partners in it)."
        )
        if out is not None:
            say(f"Excel appendix with the Risk sheet written to {out}")


def sensitivity_command(
    model: ModelArg = None,
    scenario: ScenarioOpt = None,
    fmt: FormatOpt = "table",
    as_json: JsonOpt = False,
) -> None:
    """Tornado: the swing of the final-year system surplus as each uncertain input moves from
    its P10 to its P90 with the others as modelled, largest first."""
    output = resolve_format(fmt, as_json)
    with working("Computing the tornados"):
        loaded = load_model(model_path(model))
        result = sensitivity(loaded, scenario)
    if output == "json":
        print_json(result.to_json())
        return
    emit([_tornado_table(t, result, loaded) for t in result.tornados.values()], output)


def goal_seek_command(
    assumption: Annotated[
        str,
        typer.Option(
            "--assumption",
            "-a",
            help="Dotted path of the input to vary, e.g. assumptions.efficiency "
            "(`*` matches every id: partners.*.costs.pay.efficiency).",
        ),
    ],
    target: Annotated[
        str,
        typer.Option(
            "--target",
            "-t",
            help="control_total | break_even | surplus=VALUE | variance=VALUE (£k).",
        ),
    ],
    model: ModelArg = None,
    year: Annotated[
        str | None, typer.Option("--year", "-y", help="Year, e.g. 2024/25 (default: the last).")
    ] = None,
    partner: Annotated[
        str | None, typer.Option("--partner", "-p", help="A partner id (default: the system).")
    ] = None,
    apply: Annotated[
        str,
        typer.Option(
            "--apply", help="set: the value itself; add: a change to it; scale: a multiple of it."
        ),
    ] = "set",
    low: Annotated[
        float | None, typer.Option("--low", help="Lowest value to search (default: valid range).")
    ] = None,
    high: Annotated[
        float | None,
        typer.Option("--high", help="Highest value to search (default: valid range)."),
    ] = None,
    scenario: ScenarioOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The value of one assumption at which a target is met in a year (bracketed root finding)."""
    from finmodel.errors import InputError, Problem

    if apply not in ("set", "add", "scale"):
        raise InputError([Problem("command line", "--apply", "must be set, add or scale")])
    loaded = load_model(model_path(model))
    outcome = goal_seek_model(
        loaded,
        assumption,
        target,
        year=year,
        scenario=scenario,
        partner=partner,
        low=low,
        high=high,
        apply=apply,  # type: ignore[arg-type]
    )
    if as_json:
        print_json(outcome.to_json())
        return
    console.print(outcome.sentence(), markup=False)
    console.print(
        f"With the modelled value the {outcome.target.measure} in {outcome.year} is "
        f"{money(outcome.metric_now)} £k; at {outcome.value:.6g} it is {money(outcome.metric, 3)} £k "
        f"(searched {outcome.low:g} to {outcome.high:g}).",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``simulate``, ``sensitivity`` and ``goal-seek`` to the ``finmodel`` command."""
    app.command("simulate")(handles_errors(simulate))
    app.command("sensitivity")(handles_errors(sensitivity_command))
    app.command("goal-seek")(handles_errors(goal_seek_command))
