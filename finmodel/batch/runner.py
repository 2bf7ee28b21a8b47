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

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from finmodel.batch.executors import Executor, SerialExecutor
from finmodel.batch.manifest import BASE, LoadedManifest, Manifest, scenarios_for
from finmodel.batch.results import (
    Row,
    RunLabel,
    projection_rows,
    simulation_rows,
    tidy_frame,
)
from finmodel.batch.tasks import ChunkTask, chunk_tasks, run_key, run_seed
from finmodel.domain.model import Model
from finmodel.errors import InputError, Problem
from finmodel.investment.projection import project
from finmodel.io.yaml_io import file_hash, load_model
from finmodel.risk.montecarlo import (
    Accumulator,
    ChunkResult,
    SimulationPlan,
    plan_simulation,
    summarise,
)

#: Called with ("models", files done, files) while preparing, then ("tasks", done, tasks).
Progress = Callable[[str, int, int], None]


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
    projection: list[Row]
    """Rows of the deterministic projection (empty if not asked for)."""
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
    combine_cpu_seconds: float
    """CPU seconds the calling process spent combining chunks (not spread over workers)."""


@dataclass(frozen=True)
class PreparedModel:
    """One model file loaded, projected and planned under each scenario (or its failures)."""

    runs: list[Run]
    failures: list[Failure]


def prepare_model(path: Path, manifest: Manifest, scenario_places: dict[str, str]) -> PreparedModel:
    """Load one model file, project it and plan its Monte Carlo under each scenario.

    Runs on a worker (one task per model file: loading and planning are most of the work that
    is not Monte Carlo); problems come back as data, naming the file and place.
    """
    file = str(path)
    try:
        model = load_model(path)
        sha = file_hash(path)
    except InputError as err:
        return PreparedModel([], [Failure(file, None, err.problems)])
    except Exception as err:  # a fault while reading: report it with the file, go on
        message = f"internal error: {type(err).__name__}: {err}"
        return PreparedModel([], [Failure(file, None, [Problem(file, "", message)])])
    runs: list[Run] = []
    failures: list[Failure] = []
    for scenario in scenarios_for(manifest, [s.id for s in model.scenarios]):
        key = run_key(sha, scenario)
        label = RunLabel(model.name, file, sha, scenario)
        try:
            runs.append(_prepare(manifest, scenario_places, model, label, key))
        except InputError as err:
            failures.append(Failure(file, scenario, err.problems))
        except Exception as err:  # a fault in the engine: report it with the file, go on
            message = f"internal error: {type(err).__name__}: {err}"
            failures.append(Failure(file, scenario, [Problem(file, "", message)]))
    return PreparedModel(runs, failures)


def prepare_runs(
    loaded: LoadedManifest, executor: Executor | None = None, progress: Progress | None = None
) -> tuple[list[Run], list[Failure]]:
    """Prepare every model file (on the executor's workers); failures are collected, not
    raised. A file named twice is run once."""
    executor = executor or SerialExecutor()
    prepared = executor.map(
        functools.partial(
            prepare_model, manifest=loaded.manifest, scenario_places=loaded.scenario_places
        ),
        [entry.path for entry in loaded.models],
        None if progress is None else functools.partial(progress, "models"),
    )
    runs: list[Run] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for model in prepared:
        failures += model.failures
        for run in model.runs:
            if run.key not in seen:
                seen.add(run.key)
                runs.append(run)
    return runs, failures


def _prepare(
    manifest: Manifest, places: dict[str, str], model: Model, label: RunLabel, key: str
) -> Run:
    settings = manifest.run
    overlay = None if label.scenario == BASE else label.scenario
    if overlay is not None and overlay not in {s.id for s in model.scenarios}:
        where = places.get(overlay, "scenarios")
        raise InputError(
            [Problem(label.file, "scenarios", f"no scenario {overlay!r} (asked for at {where})")]
        )
    rows = list(projection_rows(label, project(model, overlay))) if settings.project else []
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
    return Run(label, key, rows, plan, tasks)


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
        #: CPU seconds this process spent combining (the part no executor spreads).
        self.cpu_seconds = 0.0

    def take(self, task: ChunkTask, result: ChunkResult) -> None:
        started = time.process_time()
        try:
            self._take(task, result)
        finally:
            self.cpu_seconds += time.process_time() - started

    def _take(self, task: ChunkTask, result: ChunkResult) -> None:
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
            self.progress("tasks", self.done, self.total)


def run_batch(
    loaded: LoadedManifest,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Run every model and scenario of the manifest on ``executor`` (default: this process).

    ``progress(stage, done, total)`` is called after each model file is prepared (stage
    ``"models"``) and each chunk task (``"tasks"``). Money in £k, surplus +.
    """
    started = time.perf_counter()
    executor = executor or SerialExecutor()
    with executor:
        runs, failures = prepare_runs(loaded, executor, progress)
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
        rows += run.projection
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
        combine_cpu_seconds=combiner.cpu_seconds,
    )
