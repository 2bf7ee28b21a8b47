"""``finmodel`` commands: run, validate, schema, and those the other modules register.

Each command imports what it needs inside its body (the model schema, the engine, pandas,
the Excel writers), so ``finmodel --help`` and the light commands do not pay for the heavy
libraries; see ``bench/cli_startup.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import finmodel
from finmodel.cli import extra_commands
from finmodel.cli.common import (
    console,
    handles_errors,
    model_path,
    money,
    new_table,
    print_json,
)

if TYPE_CHECKING:
    from rich.table import Table

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


def _system_table(result: ProjectionResult) -> Table:
    table = new_table(
        title=f"{result.model.name}: system position, £k"
        + (f" (scenario {result.scenario})" if result.scenario else "")
    )
    table.add_column("£k", style="bold")
    for year in result.years:
        table.add_column(year, justify="right")
    for label, row in result.system_rows().items():
        table.add_row(label, *(money(v) for v in row.tolist()))
    return table


def _partner_table(result: ProjectionResult) -> Table:
    t = len(result.years) - 1
    table = new_table(title=f"Partners in {result.years[t]}, £k")
    a = result.arrays
    columns = {
        "Income": a.income,
        "Expenditure": a.expenditure,
        "Surplus": a.surplus,
        "Control total": a.control_total,
        "Variance": a.variance,
        "After risk share": a.surplus_after_risk_share,
    }
    table.add_column("Partner", justify="left")
    table.add_column("Place", justify="left")
    for column in columns:
        table.add_column(column, justify="right")
    names, places = result.inputs.partner_names, result.inputs.partner_places
    for p, (name, place) in enumerate(zip(names, places, strict=True)):
        table.add_row(name, place, *(money(float(v[p, t])) for v in columns.values()))
    return table


def _bridge_table(result: ProjectionResult) -> Table:
    table = new_table(
        title=f"Gap bridge of the system surplus, {result.years[0]} to {result.years[-1]}, £k"
    )
    table.add_column("Step")
    table.add_column("Effect on surplus", justify="right")
    a = result.arrays
    table.add_row(f"System surplus {result.years[0]}", money(float(a.system_surplus[0])))
    for name, value in result.bridge_steps():
        table.add_row(f"  {name}", money(value))
    table.add_row(
        f"System surplus {result.years[-1]}", money(float(a.system_surplus[-1])), style="bold"
    )
    return table


@app.command()
@handles_errors
def run(
    model: ModelArg = None,
    scenario: ScenarioOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON on stdout.")
    ] = False,
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

    path = model_path(model)
    loaded = load_model(path)
    result = project(loaded, scenario)
    check_finite_projection(result)
    if out is not None:
        from finmodel.io.excel_appendix import write_appendix
        from finmodel.io.excel_risk import default_risk_run

        write_appendix(
            result,
            out,
            model_file=path,
            values_only=values,
            model_as_loaded=loaded,
            risk=default_risk_run(result.model),
        )
    if as_json:
        print_json(result.to_json())
        return
    console.print(_system_table(result))
    console.print(_partner_table(result))
    console.print(_bridge_table(result))
    if out is not None:
        console.print(f"Excel appendix written to {out}")


@app.command()
@handles_errors
def validate(
    path: Annotated[Path, typer.Argument(help="Model file (YAML or budget workbook).")],
) -> None:
    """Check a model file; print every problem (file, place, message) or 'valid'."""
    from finmodel.io.yaml_io import load_model

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
