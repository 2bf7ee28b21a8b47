"""``finmodel simulate``, ``finmodel sensitivity`` and ``finmodel goal-seek`` (SPEC section 7).

Money in £k; surplus +, deficit in brackets; probabilities as percentages.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from finmodel.cli.common import (
    console,
    error_console,
    handles_errors,
    model_path,
    money,
    new_table,
    print_json,
)
from finmodel.errors import InputError, Problem
from finmodel.risk.defaults import DEFAULT_CHUNK_SIZE, DEFAULT_DRAWS, DEFAULT_SEED

if TYPE_CHECKING:
    from rich.table import Table

    from finmodel.risk.analysis import Tornado
    from finmodel.risk.montecarlo import InvestmentSummary, SimulationResult

ModelArg = Annotated[
    Path | None,
    typer.Argument(help="Model file (YAML or budget workbook); default: the bundled L&SC model."),
]
ScenarioOpt = Annotated[str | None, typer.Option("--scenario", "-s", help="Scenario id to apply.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]

#: Runs with more draws than this show a progress bar (on a terminal).
PROGRESS_FROM_DRAWS = 2 * DEFAULT_CHUNK_SIZE
#: With ``--workers 0`` (the default), runs drawing service-model inputs with at least this
#: many draws use every CPU.
AUTO_WORKERS_FROM_DRAWS = 8192


def _percent(p: float) -> str:
    return "" if math.isnan(p) else f"{100 * p:.0f}%"


def _spec_text(spec: object) -> str:
    from finmodel.domain.uncertainty import PARAMETERS, UncertainInput

    assert isinstance(spec, UncertainInput)
    params = ", ".join(f"{getattr(spec, n):g}" for n in PARAMETERS[spec.dist])
    text = f"{spec.dist}({params})"
    if spec.apply != "set":
        text += f", {spec.apply}"
    if spec.also:
        text += f"; also {', '.join(spec.also)}"
    return text


def _system_table(result: SimulationResult) -> Table:
    i = result.row("system")
    table = new_table(
        title=f"{result.model_name}: system surplus, £k ({result.describe_sampling()})"
        + (f", scenario {result.scenario}" if result.scenario else "")
    )
    table.add_column("", style="bold")
    for year in result.years:
        table.add_column(year, justify="right")
    fan = result.surplus.as_dict()
    for name, values in fan.items():
        label = "Mean" if name == "mean" else name
        table.add_row(label, *(money(float(v)) for v in values[i]))
    table.add_row("Deterministic", *(money(float(v)) for v in result.deterministic[i]), style="dim")
    table.add_row("Control total", *(money(float(v)) for v in result.control_total[i]))
    table.add_row(
        "P(meet control total), partners in it",
        *(_percent(float(p)) for p in result.p_meet_control_total[i]),
    )
    table.add_row(
        "P(break even), whole system", *(_percent(float(p)) for p in result.p_break_even[i])
    )
    return table


def _partner_table(result: SimulationResult) -> Table:
    t = len(result.years) - 1
    table = new_table(title=f"Partners in {result.years[t]}: surplus, £k, and probabilities")
    for column in ("Partner", "P10", "P50", "P90", "Deterministic", "P(meet CT)", "P(break even)"):
        table.add_column(column, justify="left" if column == "Partner" else "right")
    for i, name in enumerate(result.partner_names):
        table.add_row(
            name,
            money(float(result.surplus.at(10)[i, t])),
            money(float(result.surplus.at(50)[i, t])),
            money(float(result.surplus.at(90)[i, t])),
            money(float(result.deterministic[i, t])),
            _percent(float(result.p_meet_control_total[i, t])),
            _percent(float(result.p_break_even[i, t])),
        )
    return table


def _month(summary: InvestmentSummary, months: float) -> str:
    label = summary.month_label(months)
    return "never" if label is None else label


def _investment_table(summary: InvestmentSummary) -> Table:
    table = new_table(
        title=f"Investment {summary.investment}: NPSV against do nothing (£k real) and service "
        f"answers by option (selected: {summary.selected}; preferred: {summary.preferred})"
    )
    for column in (
        "Option",
        "NPSV P10",
        "NPSV P50",
        "NPSV P90",
        "Deterministic",
        "P(NPSV > 0)",
        "Backlog cleared P10 / P50 / P90",
        "P(cleared)",
        "28-day standard met P50",
        "P(met)",
    ):
        table.add_column(column, justify="left" if column == "Option" else "right")
    npsv = summary.npsv
    clear = summary.months_to_clear_backlog
    standard = summary.months_to_standard
    for o, option in enumerate(summary.option_ids):
        table.add_row(
            option,
            money(float(npsv.at(10)[o])),
            money(float(npsv.at(50)[o])),
            money(float(npsv.at(90)[o])),
            money(float(summary.deterministic_npsv[o])),
            _percent(float(summary.p_npsv_positive[o])),
            " / ".join(_month(summary, float(clear.at(level)[o])) for level in (10, 50, 90)),
            _percent(float(summary.p_backlog_cleared[o])),
            _month(summary, float(standard.at(50)[o])),
            _percent(float(summary.p_standard_met[o])),
        )
    return table


def _inputs_table(result: SimulationResult) -> Table:
    table = new_table(title="Uncertain inputs (model file `uncertainty:`)")
    table.add_column("Input (dotted path)")
    table.add_column("Distribution")
    for value in result.inputs:
        table.add_row(value.key, _spec_text(value.spec))
    return table


def _tornado_table(tornado: Tornado) -> Table:
    import numpy as np

    widest = max((abs(row.swing) for row in tornado.rows), default=0.0) or 1.0
    table = new_table(
        title=f"Tornado: {tornado.label} (modelled {money(tornado.base)}); each input from its "
        "P10 to its P90, the others as modelled"
    )
    for column in ("Input", "P10", "P90", "At P10", "At P90", "Swing", ""):
        table.add_column(column, justify="left" if column in ("Input", "") else "right")
    for row in tornado.rows:
        bar = "█" * max(1, round(20 * abs(row.swing) / widest))
        table.add_row(
            row.input,
            f"{float(np.asarray(row.low_value)):.4g}",
            f"{float(np.asarray(row.high_value)):.4g}",
            money(row.output_at_low),
            money(row.output_at_high),
            money(row.swing),
            f"[red]{bar}[/red]" if row.swing < 0 else f"[green]{bar}[/green]",
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
    as_json: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the Excel appendix with this run's Risk sheet."),
    ] = None,
) -> None:
    """Monte Carlo of the model's uncertain inputs: the fan of surpluses and the probabilities
    of meeting the control total and of breaking even, by year."""
    from finmodel.io.yaml_io import load_model
    from finmodel.risk.montecarlo import plan_simulation, run_plan

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
    if draws > PROGRESS_FROM_DRAWS and error_console.is_terminal and not as_json:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
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
        from finmodel.io.excel_appendix import write_risk_appendix

        write_risk_appendix(loaded, result, out, model_file=path)
    if as_json:
        print_json(result.to_json())
        return
    console.print(_system_table(result))
    console.print(_partner_table(result))
    for summary in result.investments.values():
        console.print(_investment_table(summary))
    console.print(_inputs_table(result))
    console.print(
        f"{result.describe_sampling()} in {result.seconds:.2f} s. Percentiles of the surplus in "
        "each year separately (P10: 10% of draws are at or below it). P(meet control total): share "
        "of draws with surplus at or above the control total (the system: the partners in it)."
    )
    if out is not None:
        console.print(f"Excel appendix with the Risk sheet written to {out}")


def sensitivity_command(
    model: ModelArg = None, scenario: ScenarioOpt = None, as_json: JsonOpt = False
) -> None:
    """Tornado: the swing of the final-year system surplus as each uncertain input moves from
    its P10 to its P90 with the others as modelled, largest first."""
    from finmodel.io.yaml_io import load_model
    from finmodel.risk.analysis import sensitivity

    loaded = load_model(model_path(model))
    result = sensitivity(loaded, scenario)
    if as_json:
        print_json(result.to_json())
        return
    for tornado in result.tornados.values():
        console.print(_tornado_table(tornado))


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
    from finmodel.io.yaml_io import load_model
    from finmodel.risk.analysis import goal_seek_model

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
