"""``finmodel`` commands: run, validate, schema, and those the other modules register.

Commands import what they need inside their bodies (numpy, pydantic models, the engine, the
Excel writer), so ``finmodel --help`` and each command start without importing the others'.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import finmodel
from finmodel.cli import extra_commands
from finmodel.cli.common import console, handles_errors, model_path, print_json
from finmodel.cli.tables import (
    FormatOpt,
    Frame,
    JsonOpt,
    emit,
    money_cell,
    resolve_format,
    say,
    working,
)
from finmodel.errors import InputError, Problem

if TYPE_CHECKING:
    from finmodel.engine.result import ProjectionResult

app = typer.Typer(
    name="finmodel",
    help="System-balance and investment modelling for health and care partnerships (money in £k).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModelArg = Annotated[
    Path | None,
    typer.Argument(help="Model file (YAML or budget workbook); default: the bundled L&SC model."),
]
ScenarioOpt = Annotated[str | None, typer.Option("--scenario", "-s", help="Scenario id to apply.")]


def _system_frame(result: ProjectionResult) -> Frame:
    scenario = f" (scenario {result.scenario})" if result.scenario else ""
    frame = Frame(f"{result.model.name}: system position, £k{scenario}", ["£k"], result.years)
    for label, row in result.system_rows().items():
        frame.add(label, (money_cell(v) for v in row.tolist()))
    return frame


def _year_index(result: ProjectionResult, year: str | None) -> int:
    if year is None:
        return len(result.years) - 1
    if year in result.years:
        return result.years.index(year)
    from finmodel.domain.validation import did_you_mean

    raise InputError(
        [
            Problem(
                "command line",
                "--year",
                f"no year {year!r} in the projection ({result.years[0]} to {result.years[-1]})"
                + did_you_mean(year, result.years),
            )
        ]
    )


def _partner_frame(result: ProjectionResult, t: int) -> Frame:
    """Each partner in year ``t``, grouped by place: reported and underlying surplus, and the
    control total where the partner is inside the NHS control-total boundary."""
    a, inputs = result.arrays, result.inputs
    columns = {
        "Income": a.income,
        "Expenditure": a.expenditure,
        "Surplus": a.surplus,
        "Underlying": a.underlying_surplus,
        "Control total": a.control_total,
        "Variance": a.variance,
        "After risk share": a.surplus_after_risk_share,
    }
    frame = Frame(f"Partners in {result.years[t]}, £k (by place)", ["Partner"], list(columns))
    for place in dict.fromkeys(inputs.partner_places):
        frame.add(place, [], style="bold")
        for p, name in enumerate(inputs.partner_names):
            if inputs.partner_places[p] != place:
                continue
            inside = bool(inputs.in_control_total[p])
            flags = ("" if inside else " (outside CT)") + (
                " (illustrative)" if result.model.partners[p].illustrative else ""
            )
            cells = [
                money_cell(float(v[p, t]))
                if inside or label not in ("Control total", "Variance")
                else money_cell(None)
                for label, v in columns.items()
            ]
            frame.add(f"  {name}{flags}", cells)
    frame.notes.append(
        "Surplus is reported (every item); Underlying leaves out non-recurrent items (the run "
        "rate). - : not applicable (the partner is outside the NHS control total, CT)."
    )
    return frame


def _bridge_frame(result: ProjectionResult) -> Frame:
    first, last = result.years[0], result.years[-1]
    frame = Frame(
        f"Gap bridge of the system surplus, {first} to {last}, £k", ["Step"], ["Effect, £k"]
    )
    a = result.arrays
    frame.add(f"System surplus {first}", [money_cell(float(a.system_surplus[0]))])
    for name, value in result.bridge_steps():
        frame.add(f"  {name}", [money_cell(value)])
    frame.add(f"System surplus {last}", [money_cell(float(a.system_surplus[-1]))], style="bold")
    return frame


@app.command()
@handles_errors
def run(
    model: ModelArg = None,
    scenario: ScenarioOpt = None,
    fmt: FormatOpt = "table",
    as_json: JsonOpt = False,
    year: Annotated[
        str | None,
        typer.Option(
            "--year", "-y", help="Year of the partner table, e.g. 2022/23 (default: last)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the Excel appendix to this .xlsx file."),
    ] = None,
    values: Annotated[
        bool, typer.Option("--values", help="With --out: plain values instead of live formulas.")
    ] = False,
) -> None:
    """Project a model and print the system position by year (and write the Excel appendix)."""
    from finmodel.investment.projection import project
    from finmodel.io.finite import check_finite_projection
    from finmodel.io.yaml_io import load_model

    output = resolve_format(fmt, as_json)
    path = model_path(model)
    with working("Projecting the model"):
        loaded = load_model(path)
        result = project(loaded, scenario)
        check_finite_projection(result)
        t = _year_index(result, year)
        if out is not None:
            from finmodel.io.appendix.risk_sheet import default_risk_run
            from finmodel.io.appendix.writer import write_appendix

            write_appendix(
                result,
                out,
                model_file=path,
                values_only=values,
                model_as_loaded=loaded,
                risk=default_risk_run(result.model),
            )
    if output == "json":
        print_json(result.to_json())
        return
    emit([_system_frame(result), _partner_frame(result, t), _bridge_frame(result)], output)
    if out is not None and output == "table":
        say(f"Excel appendix written to {out}")


@app.command()
@handles_errors
def validate(path: ModelArg = None) -> None:
    """Check a model file (default: the bundled model); print every problem (file, place,
    message, with "did you mean" for a misspelt key, id or path) or 'valid'."""
    from finmodel.io.yaml_io import load_model

    path = model_path(path)
    loaded = load_model(path)
    console.print(
        f"{path}: valid ({len(loaded.partners)} partners, {len(loaded.scenarios)} scenarios, "
        f"{len(loaded.investments)} investments, horizon {loaded.timeline.horizon} years from {loaded.timeline.base_year})",
        markup=False,
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of model files."""
    from finmodel.domain.model import Model

    print(json.dumps(Model.model_json_schema(), indent=2))


@app.command()
def version() -> None:
    """Print the engine version."""
    print(finmodel.__version__)


extra_commands.register(app)


def main() -> None:
    """Entry point of the ``finmodel`` console script."""
    app()
