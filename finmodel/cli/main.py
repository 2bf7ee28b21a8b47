"""``finmodel`` commands: run, validate, schema, and those the other modules register."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finmodel import __version__
from finmodel.cli.common import console, handles_errors, model_path, money, print_json
from finmodel.domain.model import Model
from finmodel.engine.result import ProjectionResult, project
from finmodel.io.yaml_io import load_model

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
    table = Table(
        title=f"{result.model.name}: system position, £k"
        + (f" (scenario {result.scenario})" if result.scenario else "")
    )
    table.add_column("£k", style="bold")
    for year in result.years:
        table.add_column(year, justify="right")
    for label, row in result.system_table().iterrows():
        table.add_row(str(label), *(money(v) for v in row.tolist()))
    return table


def _partner_table(result: ProjectionResult) -> Table:
    final = result.years[-1]
    table = Table(title=f"Partners in {final}, £k")
    for column in (
        "Partner",
        "Place",
        "Income",
        "Expenditure",
        "Surplus",
        "Underlying",
        "In CT",
        "Control total",
        "Variance",
        "After risk share",
    ):
        table.add_column(column, justify="left" if column in ("Partner", "Place") else "right")
    for _, row in result.partner_table().iterrows():
        table.add_row(
            row["partner"] + (" (illustrative figures)" if row["illustrative"] else ""),
            row["place"],
            money(row["income"]),
            money(row["expenditure"]),
            money(row["surplus"]),
            money(row["underlying_surplus"]),
            "yes" if row["in_control_total"] else "no",
            money(row["control_total"]),
            money(row["variance"]),
            money(row["surplus_after_risk_share"]),
        )
    return table


def _bridge_table(result: ProjectionResult) -> Table:
    table = Table(
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
    path = model_path(model)
    loaded = load_model(path)
    result = project(loaded, scenario)
    if out is not None:
        from finmodel.io.excel_appendix import write_appendix

        write_appendix(result, out, model_file=path, values_only=values)
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
    loaded = load_model(path)
    console.print(
        f"{path}: valid ({len(loaded.partners)} partners, {len(loaded.scenarios)} scenarios, "
        f"{len(loaded.investments)} investments, horizon {loaded.timeline.horizon} years from {loaded.timeline.base_year})",
        markup=False,
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of model files."""
    print(json.dumps(Model.model_json_schema(), indent=2))


@app.command()
def version() -> None:
    """Print the engine version."""
    print(__version__)


def _register_optional_commands() -> None:
    """Commands owned by other modules (Excel template, appraisal, risk, app)."""
    from finmodel.cli import extra_commands

    extra_commands.register(app)


_register_optional_commands()


def main() -> None:
    """Entry point of the ``finmodel`` console script."""
    app()
