"""Run a batch: load every model, plan every run, compute the chunks, combine, tidy.

:func:`run_batch` loads each model file of a :class:`~finmodel.batch.manifest.LoadedManifest`
in this process, projects it and plans its Monte Carlo under each scenario (a model or scenario
that fails is recorded as a :class:`Failure` naming its file and place, and the rest go on),
hands every chunk task to the executor, and combines each run's chunks **in chunk order** as
soon as the run is complete (so memory holds only the runs in flight). Rows come out in
manifest order. The result depends only on the manifest and the model files:

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "batch.yaml").write_text(
...     "name: demo\\nmodels: [%s]\\nrun: {simulate: null}\\n"
...     % pathlib.Path("models/minimal.yaml").resolve())
>>> from finmodel.batch.manifest import load_manifest
>>> result = run_batch(load_manifest(folder / "batch.yaml"))
>>> result.failures, result.n_runs
([], 1)
>>> float(result.frame.query("entity == 'system' and year == '2019/20'")["value"].iloc[0])
-20.0
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from finmodel.batch.executors import Executor, SerialExecutor
from finmodel.batch.manifest import BASE, LoadedManifest, scenarios_for
from finmodel.batch.results import (
    Row,
    RunLabel,
    projection_rows,
    simulation_rows,
    tidy_frame,
)
from finmodel.batch.tasks import ChunkTask, chunk_tasks, run_key, run_seed
from finmodel.domain.model import Model
from finmodel.engine.result import ProjectionResult, project
from finmodel.errors import InputError, Problem
from finmodel.io.yaml_io import file_hash, load_model
from finmodel.risk.montecarlo import (
    Accumulator,
    ChunkResult,
    SimulationPlan,
    plan_simulation,
    summarise,
)

#: Called after each finished task with (tasks done, tasks in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Failure:
    """A model file, or one scenario of it, that could not be run: every problem found."""

    file: str
    scenario: str | None
    """None when the whole model failed (it did not load)."""
    problems: list[Problem]


@dataclass
class Run:
    """One model file under one scenario, ready to compute."""

    label: RunLabel
    key: str
    projection: ProjectionResult | None
    plan: SimulationPlan | None
    tasks: list[ChunkTask] = field(default_factory=list)


@dataclass(frozen=True)
class BatchResult:
    """A finished batch: the tidy frame (rows of the runs that succeeded) and the failures."""

    frame: pd.DataFrame
    failures: list[Failure]
    n_runs: int
    """Runs that succeeded."""
    n_tasks: int
    """Chunk tasks computed."""
    executor: str
    workers: int
    seconds: float
    """Wall time of the whole batch, loading included."""
    compute_seconds: float
    """Wall time of the chunk tasks and their combination."""
    peak_memory: dict[str, int]
    """Peak resident memory of the workers, bytes."""


def prepare_runs(loaded: LoadedManifest) -> tuple[list[Run], list[Failure]]:
    """Load, project and plan every model and scenario; failures are collected, not raised."""
    runs: list[Run] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for entry in loaded.models:
        file = str(entry.path)
        try:
            model = load_model(entry.path)
            sha = file_hash(entry.path)
        except InputError as err:
            failures.append(Failure(file, None, err.problems))
            continue
        for scenario in scenarios_for(loaded.manifest, [s.id for s in model.scenarios]):
            key = run_key(sha, scenario)
            if key in seen:  # the same file named twice
                continue
            seen.add(key)
            label = RunLabel(model.name, file, sha, scenario)
            try:
                runs.append(_prepare(loaded, model, label, key))
            except InputError as err:
                failures.append(Failure(file, scenario, err.problems))
            except Exception as err:  # a fault in the engine: report it with the file, go on
                message = f"internal error: {type(err).__name__}: {err}"
                failures.append(Failure(file, scenario, [Problem(file, "", message)]))
    return runs, failures


def _prepare(loaded: LoadedManifest, model: Model, label: RunLabel, key: str) -> Run:
    settings = loaded.manifest.run
    overlay = None if label.scenario == BASE else label.scenario
    if overlay is not None and overlay not in {s.id for s in model.scenarios}:
        where = loaded.scenario_places.get(overlay, "scenarios")
        raise InputError(
            [Problem(label.file, "scenarios", f"no scenario {overlay!r} (asked for at {where})")]
        )
    projection = project(model, overlay) if settings.project else None
    plan = None
    tasks: list[ChunkTask] = []
    sim = settings.simulate
    if sim is not None:
        plan = plan_simulation(
            model,
            overlay,
            draws=sim.draws,
            seed=run_seed(sim.seed, key),
            method=sim.method,
            chunk_size=sim.chunk_size,
        )
        tasks = chunk_tasks(key, n_draws=sim.draws, chunk_size=sim.chunk_size)
    return Run(label, key, projection, plan, tasks)


class _Combiner:
    """Collects chunk results and combines each run, in chunk order, once complete."""

    def __init__(self, runs: list[Run], progress: Progress | None, total: int) -> None:
        self.runs = {run.key: run for run in runs}
        self.chunks: dict[str, dict[int, ChunkResult]] = {run.key: {} for run in runs}
        self.rows: dict[str, list[Row]] = {}
        self.failed: dict[str, Failure] = {}
        self.progress = progress
        self.total = total
        self.done = 0

    def take(self, task: ChunkTask, result: ChunkResult) -> None:
        self._tick()
        if task.run in self.failed:
            return
        chunks = self.chunks[task.run]
        chunks[task.index] = result
        run = self.runs[task.run]
        if len(chunks) == len(run.tasks):
            assert run.plan is not None
            acc = Accumulator(run.plan)
            for index in range(len(run.tasks)):
                acc.add(chunks[index])
            del self.chunks[task.run]
            self.rows[task.run] = list(simulation_rows(run.label, summarise(acc, 0.0)))

    def fail(self, task: ChunkTask, error: BaseException) -> None:
        self._tick()
        run = self.runs[task.run]
        if task.run not in self.failed:
            message = f"chunk {task.index} failed: {type(error).__name__}: {error}"
            problem = Problem(run.label.file, "", message)
            self.failed[task.run] = Failure(run.label.file, run.label.scenario, [problem])
        self.chunks.pop(task.run, None)

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def run_batch(
    loaded: LoadedManifest,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Run every model and scenario of the manifest on ``executor`` (default: this process).

    ``progress(done, total)`` is called after each chunk task. Money in £k, surplus +.
    """
    started = time.perf_counter()
    executor = executor or SerialExecutor()
    runs, failures = prepare_runs(loaded)
    simulated = [run for run in runs if run.plan is not None]
    tasks = [task for run in simulated for task in run.tasks]
    combiner = _Combiner(simulated, progress, len(tasks))
    compute_started = time.perf_counter()
    if tasks:
        plans = {run.key: run.plan for run in simulated if run.plan is not None}
        executor.run(plans, tasks, combiner.take, combiner.fail)
    compute_seconds = time.perf_counter() - compute_started
    rows: list[Row] = []
    succeeded = 0
    for run in runs:
        if run.key in combiner.failed:
            failures.append(combiner.failed[run.key])
            continue
        if run.projection is not None:
            rows += projection_rows(run.label, run.projection)
        rows += combiner.rows.get(run.key, [])
        succeeded += 1
    failures.sort(key=lambda f: (f.file, f.scenario or ""))
    return BatchResult(
        frame=tidy_frame(rows),
        failures=failures,
        n_runs=succeeded,
        n_tasks=len(tasks),
        executor=executor.name,
        workers=executor.workers,
        seconds=time.perf_counter() - started,
        compute_seconds=compute_seconds,
        peak_memory=dict(executor.peak_memory),
    )
