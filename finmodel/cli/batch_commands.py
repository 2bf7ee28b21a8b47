"""``finmodel batch MANIFEST``: many models and scenarios on a process pool or a Dask cluster.

Exit statuses: 0 every run succeeded; 2 the manifest or an option is bad (nothing run, one line
per problem naming the file, path and line); 3 the batch ran but some models or scenarios
failed (each reported with its file and place; the others' results are written).
Dask and pyarrow are imported only when this command runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from finmodel.cli.common import console, error_console, handles_errors, money, new_table
from finmodel.errors import InputError, Problem

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from finmodel.batch.runner import BatchResult

#: Exit status when the batch ran but some models or scenarios failed.
EXIT_SOME_FAILED = 3

ExecutorChoice = Literal["serial", "processes", "dask"]


def _options_problems(
    executor: str | None, workers: int | None, scheduler: str | None, dask_local: int | None
) -> list[Problem]:
    problems = []
    if scheduler is not None and dask_local is not None:
        problems.append(Problem("command line", "--scheduler", "give --scheduler or --dask-local"))
    if executor in ("serial", "processes") and (scheduler is not None or dask_local is not None):
        problems.append(
            Problem("command line", "--executor", f"{executor} takes no --scheduler/--dask-local")
        )
    if workers is not None and workers < 1:
        problems.append(Problem("command line", "--workers", f"must be at least 1, got {workers}"))
    if dask_local is not None and dask_local < 1:
        problems.append(
            Problem("command line", "--dask-local", f"must be at least 1, got {dask_local}")
        )
    if scheduler is not None and "://" not in scheduler:
        problems.append(
            Problem("command line", "--scheduler", f"expected tcp://HOST:PORT, got {scheduler!r}")
        )
    return problems


def _percent(p: float) -> str:
    return "" if math.isnan(p) else f"{100 * p:.0f}%"


def _summary_table(summary: pd.DataFrame, title: str) -> Table:
    table = new_table(title=title)
    for column in ("System", "Scenario", "Year"):
        table.add_column(column)
    for column in ("Surplus", "Control total", "P(meet CT)", "P5", "P50", "P95"):
        table.add_column(column, justify="right")
    table.add_column("NPSV, best option: P50 (P5 to P95)")
    for row in summary.to_dict("records"):
        table.add_row(
            str(row["system"]),
            str(row["scenario"]),
            str(row["year"]),
            money(row["surplus"]),
            money(row["control_total"]),
            _percent(row["p_meet_control_total"]),
            money(row["surplus_P5"]),
            money(row["surplus_P50"]),
            money(row["surplus_P95"]),
            str(row["npsv"]),
        )
    return table


def _report_failures(result: BatchResult) -> None:
    for failure in result.failures:
        suffix = f" [scenario {failure.scenario}]" if failure.scenario else ""
        for problem in failure.problems:
            error_console.print(f"{problem}{suffix}", markup=False)


def batch(
    manifest: Annotated[Path, typer.Argument(help="Batch manifest (YAML); see docs/batch.md.")],
    executor: Annotated[
        ExecutorChoice | None,
        typer.Option(
            "--executor",
            help="serial, processes (default: one per core) or dask "
            "(implied by --scheduler/--dask-local).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Local worker processes (default: one per core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, tcp://HOST:8786."),
    ] = None,
    dask_local: Annotated[
        int | None,
        typer.Option("--dask-local", help="Start a Dask LocalCluster of N worker processes."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Parquet file (default: MANIFEST-STEM-results.parquet)."),
    ] = None,
) -> None:
    """Run every model and scenario of a manifest; write one tidy Parquet file and a summary."""
    from finmodel.batch.executors import default_workers, make_executor
    from finmodel.batch.manifest import load_manifest
    from finmodel.batch.results import summary_frame, write_parquet
    from finmodel.batch.runner import run_batch

    problems = _options_problems(executor, workers, scheduler, dask_local)
    if problems:
        raise InputError(problems)
    loaded = load_manifest(manifest)
    name = executor or ("dask" if scheduler or dask_local else "processes")
    if name == "dask" and scheduler is None and dask_local is None:
        dask_local = workers or default_workers()
    chosen = make_executor(name, workers=workers, scheduler=scheduler, local_workers=dask_local)
    target = out if out is not None else Path(f"{manifest.stem}-results.parquet")
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(f"batch on {name}:"),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
    ) as bar:
        task = bar.add_task("loading models", total=len(loaded.models))

        def progress(stage: str, done: int, total: int) -> None:
            text = "loading models" if stage == "models" else "Monte Carlo tasks"
            bar.update(task, description=text, completed=done, total=total)

        result = run_batch(loaded, chosen, progress)
    metadata = {
        "manifest": str(manifest),
        "batch": loaded.manifest.name,
        "settings": loaded.manifest.run.model_dump_json(),
        "failures": json.dumps(
            [
                {"file": f.file, "scenario": f.scenario, "problems": [str(p) for p in f.problems]}
                for f in result.failures
            ]
        ),
    }
    write_parquet(result.frame, target, metadata)
    console.print(_summary_table(summary_frame(result.frame), f"{loaded.manifest.name}, £k"))
    console.print(
        f"{result.n_runs} runs ({result.n_tasks} tasks) on {result.executor} with "
        f"{result.workers} worker(s) in {result.seconds:.1f} s; results in {target}",
        markup=False,
    )
    _report_failures(result)
    if result.failures:
        error_console.print(
            f"{len(result.failures)} model(s)/scenario(s) failed; the others completed",
            markup=False,
        )
        raise typer.Exit(EXIT_SOME_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the ``finmodel`` command."""
    app.command("batch")(handles_errors(batch))
