"""``finmodel simulate``, ``finmodel sensitivity`` and ``finmodel goal-seek`` (SPEC section 7).

Money in £k; surplus +, deficit in brackets; probabilities as percentages.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from finmodel.cli.common import (
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
from finmodel.errors import InputError, Problem
from finmodel.formatting import month_name
from finmodel.risk.defaults import DEFAULT_CHUNK_SIZE, DEFAULT_DRAWS, DEFAULT_SEED

if TYPE_CHECKING:
    from finmodel.domain.model import Model
    from finmodel.risk.analysis import Tornado
    from finmodel.risk.goal_targets import GoalSeekOutcome
    from finmodel.risk.model_sensitivity import SensitivityResult
    from finmodel.risk.montecarlo import InvestmentSummary, SimulationResult

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
    return percent_cell(None if math.isnan(p) else p)


#: Names of the distributions, as a finance reader says them.
DISTRIBUTION_NAMES = {
    "uniform": "Uniform",
    "interval80": "80% interval",
    "triangular": "Triangular",
    "pert": "PERT",
    "normal": "Normal",
}


def _spec_text(spec: object, model: Model, path: str) -> str:
    """A distribution in the input's units: ``PERT low -1.00 pp, mode +0.00 pp, high +1.50 pp,
    added to the modelled value``; ``80% of modelled`` for a multiple."""
    from finmodel.domain.uncertainty import PARAMETERS, UncertainInput

    assert isinstance(spec, UncertainInput)
    parts = []
    for name in PARAMETERS[spec.dist]:
        value = float(getattr(spec, name))
        mode = spec.apply if name != "sd" or spec.apply == "scale" else "add"
        text = format_value(model, path, value, mode).replace(" points", " pp")
        parts.append(f"{name} {text.replace(' of modelled', '')}")
    how = {"add": ", added to the modelled value", "scale": ", times the modelled value"}
    return f"{DISTRIBUTION_NAMES.get(spec.dist, spec.dist)}: {', '.join(parts)}" + how.get(
        spec.apply, ""
    )


def _labels() -> Any:
    """The app's readable names of inputs (imported when needed: the app's formatting imports
    the command line's, so a top-level import would be circular)."""
    from finmodel.app import risk_labels

    return risk_labels


def format_value(model: Model, path: str, value: float | None, apply: str = "set") -> str:
    """An input's value as a finance reader reads it (see the app's ``risk_labels``)."""
    return str(_labels().format_value(model, path, value, apply))


def input_label(model: Model, path: str, also: Any = ()) -> str:
    """A readable name of an input given by dotted path."""
    return str(_labels().input_label(model, path, also))


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
        "Chance of meeting the control total (partners in it)",
        (_percent(float(p)) for p in result.p_meet_control_total[i]),
    )
    table.add(
        "Chance of breaking even (whole system)",
        (_percent(float(p)) for p in result.p_break_even[i]),
    )
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
        return _labels().option_name(model, summary.investment, option) if model else option

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
        "Uncertain inputs (the model file's `uncertainty:` section); pp: percentage points",
        ["Input", "Distribution"],
        [],
    )
    for value in result.inputs:
        table.add(
            [
                input_label(model, value.key, value.spec.also),
                _spec_text(value.spec, model, value.key),
            ],
            [],
        )
    return table


def _input_value(model: Model, path: str, value: object, apply: str) -> Cell:
    import numpy as np

    values = np.asarray(value, dtype=float)
    number = float(values.ravel()[0]) if values.size == 1 else None
    return Cell(format_value(model, path, number, apply).replace(" points", " pp"), number)


def _tornado_table(tornado: Tornado, result: SensitivityResult, model: Model) -> Frame:
    by_key = {v.key: v for v in result.inputs}
    title = _labels().npsv_title(model, tornado.label)
    table = Frame(
        f"Tornado: {title} (modelled {money(tornado.base)}); each input from its P10 to its "
        "P90, the others as modelled; pp: percentage points (a change to a rate)",
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
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from finmodel.io.yaml_io import load_model
    from finmodel.risk.montecarlo import plan_simulation, run_plan

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
        from finmodel.io.appendix.writer import write_risk_appendix

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
    from finmodel.io.yaml_io import load_model
    from finmodel.risk.analysis import sensitivity

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
            "--apply",
            help="auto (default): the value itself for a single value, a shift added to every "
            "year for a year-by-year profile; set: one value in every year (replaces a "
            "profile); add: a shift added to every year; scale: a multiple of every year.",
        ),
    ] = "auto",
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

    if apply not in ("auto", "set", "add", "scale"):
        raise InputError([Problem("command line", "--apply", "must be auto, set, add or scale")])
    loaded = load_model(model_path(model))
    profile = modelled_profile(loaded, assumption, scenario)
    mode = apply if apply != "auto" else ("add" if profile.varies else "set")
    with working("Seeking"):
        outcome = goal_seek_model(
            loaded,
            assumption,
            target,
            year=year,
            scenario=scenario,
            partner=partner,
            low=low,
            high=high,
            apply=mode,  # type: ignore[arg-type]
        )
    if as_json:
        print_json({**outcome.to_json(), "profile": profile.values})
        return
    for line in goal_seek_lines(loaded, outcome, profile):
        say(line)


@dataclass(frozen=True)
class Profile:
    """The modelled values an input path sets: whether they vary (a year-by-year profile or
    different values by line) and, for a single list in the model file, that list."""

    varies: bool
    values: list[float] | None


def modelled_profile(model: Model, path: str, scenario: str | None = None) -> Profile:
    """The modelled values behind ``path`` (after ``scenario``).

    >>> from finmodel.io.yaml_io import load_model
    >>> modelled_profile(load_model("models/lsc_ics.yaml"), "assumptions.funding_growth").values
    [0.052, 0.05, 0.05, 0.057, 0.052]
    """
    import numpy as np

    from finmodel.domain.validation import apply_scenario
    from finmodel.investment.projection import compile_inputs
    from finmodel.risk.inputs import base_values, input_target

    projected = apply_scenario(model, scenario)
    inputs = compile_inputs(projected)
    where = input_target(projected, path, inputs=inputs)
    found = [np.ravel(base_values(inputs, slot)) for slot in where.slots if slot.index.size]
    values = np.concatenate(found) if found else np.array([])
    values = values[np.isfinite(values)]
    varies = bool(values.size) and float(np.ptp(values)) > 1e-12
    node: object = projected.model_dump()
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    listed = [float(v) for v in node] if isinstance(node, list) else None
    return Profile(varies or (listed is not None and len(set(listed)) > 1), listed)


def goal_seek_lines(model: Model, outcome: GoalSeekOutcome, profile: Profile) -> list[str]:
    """The goal seek's answer in a finance lead's words: the input's name, the value as a
    percentage (or £k), whether it is one value, a shift or a scale factor, and the result."""
    from finmodel.risk.goal_targets import SERVICE_MEASURES

    path = outcome.assumption
    name = input_label(model, path)
    when = "by the end of" if outcome.target.measure in SERVICE_MEASURES else "in"
    goal = f"{outcome.target.describe(outcome.who)} {when} {outcome.year}"
    goal = goal[0].upper() + goal[1:]
    shown = format_value(model, path, outcome.value, outcome.apply)
    lines = []
    if outcome.apply == "add":
        lines.append(
            f"{goal} with {name} shifted by {shown} in every year (a shift added to each "
            "year's modelled value; the year-by-year profile keeps its shape)."
        )
    elif outcome.apply == "scale":
        lines.append(
            f"{goal} with {name} at {shown} in every year (a scale factor on each year's "
            "modelled value; the profile keeps its shape)."
        )
    else:
        now = format_value(model, path, outcome.current, "set")
        if profile.values is not None and profile.varies:
            now = f"{_listed(model, path, profile.values)} by year"
        lines.append(f"{goal} with {name} at {shown} (modelled: {now}).")
        if profile.varies:
            lines.append(
                f"Note: --apply set puts {shown} in every year, replacing the year-by-year "
                "profile; --apply add (a shift) or scale keeps its shape."
            )
    if profile.values is not None and outcome.apply in ("add", "scale"):
        new = [
            v + outcome.value if outcome.apply == "add" else v * outcome.value
            for v in profile.values
        ]
        lines.append(
            f"{name} by year: modelled {_listed(model, path, profile.values)}; "
            f"sought {_listed(model, path, new)}."
        )
    low = format_value(model, path, outcome.low, outcome.apply)
    high = format_value(model, path, outcome.high, outcome.apply)
    if outcome.target.measure in SERVICE_MEASURES:
        lines.append(f"Searched {low} to {high}; input {path}.")
    else:
        measure = "surplus" if outcome.target.measure == "surplus" else "variance"
        lines.append(
            f"The {measure} in {outcome.year} is {money(outcome.metric_now)} £k as modelled and "
            f"{money(outcome.metric)} £k with that change (searched {low} to {high}; "
            f"input {path})."
        )
    return [line.replace(" points", " percentage points") for line in lines]


def _listed(model: Model, path: str, values: list[float]) -> str:
    return ", ".join(format_value(model, path, v, "set") for v in values)


def register(app: typer.Typer) -> None:
    """Add ``simulate``, ``sensitivity`` and ``goal-seek`` to the ``finmodel`` command."""
    app.command("simulate")(handles_errors(simulate))
    app.command("sensitivity")(handles_errors(sensitivity_command))
    app.command("goal-seek")(handles_errors(goal_seek_command))
