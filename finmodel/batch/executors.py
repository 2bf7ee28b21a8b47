"""Where a batch's chunk tasks are computed: in this process, a local process pool, or Dask.

Every executor computes the same pure function, ``simulate_chunk(plan, draws)``, for each
:class:`~finmodel.batch.tasks.ChunkTask` and hands each result to ``sink`` in the calling
process as it arrives (in any order); :mod:`finmodel.batch.runner` combines them in chunk order,
so the numbers are identical whatever the executor and worker count.

* :class:`SerialExecutor`: one chunk after another in this process.
* :class:`ProcessExecutor`: a :class:`concurrent.futures.ProcessPoolExecutor`; the plans go to
  each worker once (inherited when the pool forks, else pickled once per worker), tasks carry
  only a run key and a draw slice; at most two tasks per worker are in flight.
* :class:`DaskExecutor`: a Dask distributed cluster, given by its scheduler address or started
  here as a :class:`distributed.LocalCluster` of worker processes. The plans are scattered to
  every worker once (``broadcast=True``, so a lost worker loses no shared input); tasks have
  stable keys; a task lost with its worker is rerun by the scheduler, and as it is a pure
  function the result is unchanged.

An executor is used as a context manager (``with executor:`` starts and stops its pool or
cluster); :meth:`Executor.map` runs per-model preparation on the workers, :meth:`Executor.run`
the chunk tasks. Each records the peak resident memory of its workers (bytes) in
``peak_memory`` when it closes.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Literal, Protocol, TypeVar

from finmodel.batch.tasks import ChunkTask
from finmodel.risk.montecarlo import ChunkResult, SimulationPlan, simulate_chunk

#: Called in the calling process with each task and its result.
Sink = Callable[[ChunkTask, ChunkResult], None]
#: Called in the calling process with each task that raised, and the exception.
OnError = Callable[[ChunkTask, BaseException], None]

ExecutorName = Literal["serial", "processes", "dask"]
#: The Dask setting that makes the nanny set ``MALLOC_TRIM_THRESHOLD_`` in its workers.
NANNY_MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
#: Called with (items done, items in all).
Tick = Callable[[int, int], None]

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Computes chunk tasks somewhere and hands each result back."""

    name: str
    workers: int
    peak_memory: dict[str, int]

    def __enter__(self) -> Executor:
        """Start the pool or cluster (if any) for the batch."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Record the workers' peak memory; stop what ``__enter__`` started."""
        ...

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Tick | None = None
    ) -> list[R]:
        """``[fn(item) for item in items]`` on the workers, in order (``fn`` must not raise)."""
        ...

    def run(
        self,
        plans: Mapping[str, SimulationPlan],
        tasks: Sequence[ChunkTask],
        sink: Sink,
        on_error: OnError,
    ) -> None:
        """Compute every task; call ``sink`` or ``on_error`` once for each."""
        ...


def peak_rss_bytes(who: int = resource.RUSAGE_SELF) -> int:
    """Peak resident memory of this process (or its waited-for children), in bytes."""
    peak = resource.getrusage(who).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    """Every task in this process, in task order."""

    name = "serial"
    workers = 1

    def __init__(self) -> None:
        self.peak_memory: dict[str, int] = {}

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak_memory = {"main": peak_rss_bytes()}

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Tick | None = None
    ) -> list[R]:
        """Apply ``fn`` to each item in this process."""
        return _collect(map(fn, items), len(items), progress)

    def run(
        self,
        plans: Mapping[str, SimulationPlan],
        tasks: Sequence[ChunkTask],
        sink: Sink,
        on_error: OnError,
    ) -> None:
        """Compute the tasks one after another."""
        for task in tasks:
            try:
                result = simulate_chunk(plans[task.run], task.draws)
            except Exception as err:
                on_error(task, err)
            else:
                sink(task, result)


_WORKER_PLANS: Mapping[str, SimulationPlan] = {}


def _install_plans(plans: Mapping[str, SimulationPlan]) -> None:
    global _WORKER_PLANS
    _WORKER_PLANS = plans


def _pool_chunk(run: str, draws: slice) -> ChunkResult:
    return simulate_chunk(_WORKER_PLANS[run], draws)


def _pool_peak() -> int:
    return peak_rss_bytes()


class ProcessExecutor:
    """A local pool of worker processes (default: one per core)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self.peak_memory: dict[str, int] = {}

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak_memory = {"largest worker": peak_rss_bytes(resource.RUSAGE_CHILDREN)}

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Tick | None = None
    ) -> list[R]:
        """Apply ``fn`` to each item in a pool of worker processes, results in order."""
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=_context()) as pool:
            return _collect(pool.map(fn, items), len(items), progress)

    def run(
        self,
        plans: Mapping[str, SimulationPlan],
        tasks: Sequence[ChunkTask],
        sink: Sink,
        on_error: OnError,
    ) -> None:
        """Compute the tasks in the pool, at most two per worker in flight."""
        waiting = list(reversed(tasks))
        running: dict[Future[ChunkResult], ChunkTask] = {}
        with ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_context(),
            initializer=_install_plans,
            initargs=(dict(plans),),
        ) as pool:
            while waiting or running:
                while waiting and len(running) < 2 * self.workers:
                    task = waiting.pop()
                    running[pool.submit(_pool_chunk, task.run, task.draws)] = task
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    error = future.exception()
                    if error is not None:
                        on_error(task, error)
                    else:
                        sink(task, future.result())


def _collect(results: Iterable[R], total: int, progress: Tick | None) -> list[R]:
    """The results in order, ticking ``progress(done, total)`` as each arrives."""
    out = []
    for result in results:
        out.append(result)
        if progress is not None:
            progress(len(out), total)
    return out


def _context() -> Any:
    """Fork where available: the workers inherit the plans instead of unpickling them."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class DaskExecutor:
    """A Dask distributed cluster: at ``scheduler`` (``tcp://host:8786``), or a LocalCluster of
    ``local_workers`` processes started (and stopped) here."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give exactly one of scheduler and local_workers")
        self.scheduler = scheduler
        self.local_workers = local_workers
        self.workers = local_workers or 0
        self.peak_memory: dict[str, int] = {}
        #: Called with the client once the tasks are submitted (tests use it to kill a worker).
        self.on_submitted: Callable[[Any], None] | None = None
        self._cluster: Any = None
        self._client: Any = None
        #: Seconds to start the LocalCluster (or connect to the scheduler).
        self.startup_seconds = 0.0

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        started = time.perf_counter()
        if self.local_workers is not None:
            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which also fixes
            # glibc's mmap threshold: every large numpy temporary is then mapped and unmapped
            # afresh, and the Monte Carlo ran 2-5x slower than in a plain process.
            with dask.config.set({NANNY_MALLOC_TRIM: None}):
                self._cluster = LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,
                )
        self._client = Client(self._cluster if self._cluster is not None else self.scheduler)
        self.workers = len(self._client.scheduler_info()["workers"])
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._client is not None:
                self.peak_memory = self._client.run(peak_rss_bytes)
                self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None

    @property
    def client(self) -> Any:
        """The connected :class:`distributed.Client` (inside ``with``)."""
        if self._client is None:
            raise RuntimeError("use the Dask executor inside a with block")
        return self._client

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Tick | None = None
    ) -> list[R]:
        """Apply ``fn`` to each item on the cluster, results in order."""
        futures = self.client.map(fn, list(items), pure=False)
        out = []
        for future in futures:
            out.append(future.result())
            future.release()
            if progress is not None:
                progress(len(out), len(items))
        return out

    def run(
        self,
        plans: Mapping[str, SimulationPlan],
        tasks: Sequence[ChunkTask],
        sink: Sink,
        on_error: OnError,
    ) -> None:
        """Scatter the plans to every worker once, submit every task, gather as they finish."""
        from distributed import as_completed

        client = self.client
        shared = client.scatter(
            {f"finmodel-plan-{run}": plan for run, plan in plans.items()},
            broadcast=True,
            hash=False,
        )
        by_key: dict[str, ChunkTask] = {}
        futures = []
        for task in tasks:
            plan = shared[f"finmodel-plan-{task.run}"]
            futures.append(client.submit(simulate_chunk, plan, task.draws, key=task.key))
            by_key[task.key] = task
        if self.on_submitted is not None:
            self.on_submitted(client)
        for future in as_completed(futures):
            task = by_key[future.key]
            try:
                result = future.result()
            except Exception as err:
                on_error(task, err)
            else:
                sink(task, result)
            future.release()
        for plan_future in shared.values():
            plan_future.release()


def make_executor(
    name: ExecutorName,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    local_workers: int | None = None,
) -> Executor:
    """The executor for a command line's options (``dask`` needs a scheduler or local_workers).

    >>> make_executor("processes", workers=3).workers
    3
    """
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler, local_workers)
