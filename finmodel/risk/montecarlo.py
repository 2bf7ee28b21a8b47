"""Monte Carlo simulation of a model's uncertain inputs: fans of surpluses and probabilities.

:func:`simulate` draws every input of the model's ``uncertainty:`` section (columns in sorted
key order), projects all draws with the vectorised :class:`~finmodel.risk.kernel.Kernel` and
summarises them:

* P5, P10, P50, P90, P95 and the mean of each partner's and the system's surplus by year (£k);
* the probability of meeting the control total (partner: surplus >= its control total; system:
  the sum over partners in the control total, as ``finmodel run`` reports it) and of breaking
  even (surplus >= 0), by year, each within £1k;
* for each investment with a service model, per option: the NPSV distribution and P(NPSV > 0),
  the months to clear the overdue review backlog and to meet the 28-day standard (percentiles
  of observed values; ``inf`` = not within the service model's horizon) and the probability of
  each within the horizon. Drawn service-model parameters also change the selected option's
  expenditure in the projection (:mod:`finmodel.risk.service_draws`).

**Chunks.** Draws are processed in chunks of ``chunk_size``; :func:`simulate_chunk` is a pure
function of the :class:`SimulationPlan` and its draw slice, so chunks could be computed by
separate workers and merged (:meth:`Accumulator.merge`) in any order. Within a chunk the kernel
works on blocks of :data:`~finmodel.risk.kernel.TALLY_BLOCK` draws (working arrays of about
``block x (partners + 2) x years x 8`` bytes, in the processor's cache) and writes float32
deviations straight into the run's stores (:meth:`Accumulator.compute`). Memory is bounded by
the chunk's input values plus the stored draws of the outputs (``draws x (partners + 2) x years
x 4`` bytes: 50 MB for 100,000 draws of the default model). The same seed gives bit-identical
draws, and so identical results, whatever the chunk size (:mod:`finmodel.risk.sampling`).
``method="lhs"`` uses Latin hypercube sampling (stratified within blocks of 4,096 draws).

>>> from finmodel.io.yaml_io import load_model
>>> result = simulate(load_model("models/lsc_ics.yaml"), draws=2000, seed=1)
>>> result.surplus.percentiles.shape  # (P5..P95, partners + system, years)
(5, 20, 6)
>>> bool((result.surplus.percentiles[0] <= result.surplus.percentiles[-1]).all())
True
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from finmodel.domain.distributions import Distribution, ValidRange
from finmodel.domain.model import Model
from finmodel.domain.validation import apply_scenario
from finmodel.engine.inputs import FloatArray
from finmodel.engine.projection import project_arrays
from finmodel.errors import InputError, Problem
from finmodel.investment.projection import compile_inputs
from finmodel.risk.allocator import keep_freed_memory
from finmodel.risk.correlation import CorrelationError, correlated_uniforms, correlation_matrix
from finmodel.risk.defaults import BLOCK_SIZE, DEFAULT_CHUNK_SIZE, DEFAULT_DRAWS, DEFAULT_SEED
from finmodel.risk.inputs import UncertainValue, uncertain_inputs
from finmodel.risk.kernel import Kernel
from finmodel.risk.sampling import SamplingMethod, chunk_slices
from finmodel.risk.service_draws import InvestmentAnswers, InvestmentEvaluator
from finmodel.risk.statistics import (
    EXACT_BUDGET_BYTES,
    PERCENTILES,
    PILOT_DRAWS,
    DrawStore,
    ShareCounter,
    Summary,
)

_METHODS = multiprocessing.get_all_start_methods()

#: Chunks per worker process aimed at (the last chunk of a run is the only wait at the end).
CHUNKS_PER_WORKER = 4

#: Called after each chunk with (draws done, draws in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SimulationPlan:
    """Everything a chunk needs: the kernel, the distributions and the run's settings."""

    model_name: str
    scenario: str | None
    years: list[str]
    partner_ids: list[str]
    partner_names: list[str]
    has_control_total: NDArray[np.bool_]  # (P,) partners with a control total
    inputs: list[UncertainValue]
    kernel: Kernel
    investments: InvestmentEvaluator | None
    n_draws: int
    seed: int
    method: SamplingMethod
    chunk_size: int
    correlation: FloatArray | None = None  # (K, K) rank correlations of the inputs, or None

    @property
    def distributions(self) -> list[Distribution]:
        """The distribution of each input, in column order."""
        return [value.distribution for value in self.inputs]

    @property
    def clip_ranges(self) -> list[ValidRange | None]:
        """Valid ranges the drawn values are clipped to (``set`` inputs only; others later)."""
        return [v.target.valid if v.target.apply == "set" else None for v in self.inputs]

    def reference(self) -> tuple[FloatArray, FloatArray]:
        """Deterministic (partners + system) surplus ``(P + 1, T)`` and system variance ``(T,)``."""
        rows = self.kernel.reference_rows
        return rows[:-1], rows[-1]


@dataclass(frozen=True)
class ChunkResult:
    """The outputs of one chunk of draws, as the run keeps them, the draws axis last.

    Deviations are float32 (the precision the run stores them in, :class:`DrawStore`); the
    probabilities need only counts, taken from the full-precision values.
    """

    draws: slice
    surplus: NDArray[np.float32]  # (P + 1, T, n): partners then the system, from deterministic
    system_variance: NDArray[np.float32]  # (T, n): deviation from deterministic
    meets_control_total: NDArray[np.int64]  # (P + 1, T): draws meeting the control total
    breaks_even: NDArray[np.int64]  # (P + 1, T): draws at or above zero
    investments: dict[str, InvestmentAnswers] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        """Number of draws in the chunk."""
        return self.draws.stop - self.draws.start


def draw_values(plan: SimulationPlan, draws: slice) -> FloatArray:
    """The input values of the draws in ``draws``: (n, K), column k = ``plan.inputs[k]``."""
    uniforms = correlated_uniforms(
        plan.seed,
        draws,
        len(plan.inputs),
        n_draws=plan.n_draws,
        matrix=plan.correlation,
        method=plan.method,
    )
    out = np.empty_like(uniforms)
    for k, (dist, valid) in enumerate(zip(plan.distributions, plan.clip_ranges, strict=True)):
        out[:, k] = dist.ppf(uniforms[:, k], valid)
    return out


def simulate_chunk(plan: SimulationPlan, draws: slice) -> ChunkResult:
    """Project the draws ``draws`` of a run: a pure function of the plan and the slice."""
    return _chunk(plan, draws)


def _chunk(
    plan: SimulationPlan,
    draws: slice,
    surplus_out: NDArray[Any] | None = None,
    variance_out: NDArray[Any] | None = None,
) -> ChunkResult:
    """:func:`simulate_chunk`, writing the deviations into the given arrays if any."""
    values = draw_values(plan, draws)
    batch = plan.investments.evaluate(values) if plan.investments is not None else None
    out = plan.kernel.tally(
        values,
        None if batch is None else batch.expenditure_deviation,
        surplus_out=surplus_out,
        variance_out=variance_out,
    )
    return ChunkResult(
        draws,
        out.surplus,
        out.system_variance,
        out.meets_control_total,
        out.breaks_even,
        {} if batch is None else batch.answers,
    )


@dataclass
class _InvestmentStores:
    """Stores of one investment's per-option answers."""

    answers: InvestmentAnswers  # of the first chunk: ids and labels
    npsv: DrawStore
    npsv_positive: ShareCounter
    clearance: DrawStore
    cleared: ShareCounter
    standard: DrawStore
    standard_met: ShareCounter

    @classmethod
    def create(
        cls, n_draws: int, first: InvestmentAnswers, reference: FloatArray
    ) -> _InvestmentStores:
        options = (len(first.option_ids),)
        return cls(
            first,
            DrawStore(n_draws, options, reference=reference),
            ShareCounter(options),
            DrawStore(n_draws, options),
            ShareCounter(options),
            DrawStore(n_draws, options),
            ShareCounter(options),
        )

    def calibrate(self, pilot: InvestmentAnswers) -> None:
        """Place the histograms of streamed stores from the pilot draws' answers."""
        self.npsv.calibrate((pilot.npsv - self.npsv.reference).T)
        self.clearance.calibrate(pilot.months_to_clear_backlog.T)
        self.standard.calibrate(pilot.months_to_standard.T)

    def add(self, draws: slice, a: InvestmentAnswers) -> None:
        self.npsv.add(draws, a.npsv)
        self.npsv_positive.add(a.npsv > 0)
        self.clearance.add(draws, a.months_to_clear_backlog)
        self.cleared.add(np.isfinite(a.months_to_clear_backlog))
        self.standard.add(draws, a.months_to_standard)
        self.standard_met.add(np.isfinite(a.months_to_standard))

    def merge(self, other: _InvestmentStores) -> None:
        for name in ("npsv", "npsv_positive", "clearance", "cleared", "standard", "standard_met"):
            getattr(self, name).merge(getattr(other, name))


@dataclass
class Accumulator:
    """Stores and counters of a run, filled chunk by chunk (mergeable across workers)."""

    plan: SimulationPlan
    surplus: DrawStore = field(init=False)
    system_variance: DrawStore = field(init=False)
    meets: ShareCounter = field(init=False)
    breaks_even: ShareCounter = field(init=False)
    investments: dict[str, _InvestmentStores] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        surplus_ref, variance_ref = self.plan.reference()
        n = self.plan.n_draws
        self.surplus = DrawStore(n, surplus_ref.shape, reference=surplus_ref)
        self.system_variance = DrawStore(n, variance_ref.shape, reference=variance_ref)
        self.meets = ShareCounter(surplus_ref.shape)
        self.breaks_even = ShareCounter(surplus_ref.shape)
        if self._streams():
            self._calibrate()

    def _streams(self) -> bool:
        """True when some output has more draws than its memory budget (so it is streamed)."""
        if not (self.surplus.exact and self.system_variance.exact):
            return True
        # an investment's answers: a few options each; the widest model has under 16
        return self.plan.investments is not None and self.plan.n_draws * 16 * 4 > EXACT_BUDGET_BYTES

    def _calibrate(self) -> None:
        """Place streamed stores' histograms from a pilot of the run's first draws (computed
        once more in the run itself), so results do not depend on chunking or workers."""
        pilot = _chunk(self.plan, slice(0, min(PILOT_DRAWS, self.plan.n_draws)))
        self.surplus.calibrate(pilot.surplus)
        self.system_variance.calibrate(pilot.system_variance)
        for inv_id, answers in pilot.investments.items():
            self._investment_stores(inv_id, answers).calibrate(answers)

    def _investment_stores(self, inv_id: str, answers: InvestmentAnswers) -> _InvestmentStores:
        if inv_id not in self.investments:
            assert self.plan.investments is not None
            ref = self.plan.investments.reference[inv_id].npsv[0]
            self.investments[inv_id] = _InvestmentStores.create(self.plan.n_draws, answers, ref)
        return self.investments[inv_id]

    def add(self, chunk: ChunkResult) -> None:
        """Take in one chunk's outputs."""
        self.surplus.add_deviations(chunk.draws, chunk.surplus)
        self.system_variance.add_deviations(chunk.draws, chunk.system_variance)
        self._add_rest(chunk)

    def compute(self, draws: slice) -> None:
        """Compute the chunk ``draws`` and take it in: ``add(simulate_chunk(plan, draws))``
        with the deviations written straight into the stores (no copy) when they keep every
        draw."""
        if not (self.surplus.exact and self.system_variance.exact):
            self.add(_chunk(self.plan, draws))
            return
        chunk = _chunk(
            self.plan,
            draws,
            self.surplus.destination(draws),
            self.system_variance.destination(draws),
        )
        self._add_rest(chunk)

    def _add_rest(self, chunk: ChunkResult) -> None:
        """Take in a chunk's counts and investment answers."""
        self.meets.add_counts(chunk.meets_control_total, chunk.n_draws)
        self.breaks_even.add_counts(chunk.breaks_even, chunk.n_draws)
        for inv_id, answers in chunk.investments.items():
            self._investment_stores(inv_id, answers).add(chunk.draws, answers)

    def merge(self, other: Accumulator) -> None:
        """Take in another accumulator of the same run (disjoint draws)."""
        self.surplus.merge(other.surplus)
        self.system_variance.merge(other.system_variance)
        self.meets.merge(other.meets)
        self.breaks_even.merge(other.breaks_even)
        for inv_id, stores in other.investments.items():
            if inv_id in self.investments:
                self.investments[inv_id].merge(stores)
            else:
                self.investments[inv_id] = stores


@dataclass(frozen=True)
class InvestmentSummary:
    """Distributions of one investment's answers over the draws, per option.

    NPSV in £k (real, discounted, against do nothing); months counted from the service model's
    first month (``month_labels[0]``); a month percentile of ``inf`` means "not within the
    service model's horizon" in that share of draws.
    """

    investment: str
    option_ids: tuple[str, ...]
    selected: str
    preferred: str
    """The option with the highest deterministic NPSV (the Green Book preferred option)."""
    deterministic_npsv: FloatArray  # (O,)
    npsv: Summary  # percentiles (5, O), mean (O,)
    p_npsv_positive: FloatArray  # (O,)
    months_to_clear_backlog: Summary  # observed-value percentiles (5, O); inf = not cleared
    p_backlog_cleared: FloatArray  # (O,) within the service horizon
    months_to_standard: Summary  # first month meeting the 28-day standard; inf = never
    p_standard_met: FloatArray  # (O,)
    month_labels: tuple[str, ...]

    def month_label(self, months: float) -> str | None:
        """Calendar month (``"2021-06"``) of a month index, None for inf."""
        if not np.isfinite(months):
            return None
        index = int(months)
        return self.month_labels[index] if 0 <= index < len(self.month_labels) else None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (null for a month not within the horizon)."""

        def numbers(values: FloatArray) -> list[float | None]:
            return [None if not np.isfinite(v) else round(float(v), 6) for v in values.tolist()]

        def fan(summary: Summary, months: bool = False) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, values in summary.as_dict().items():
                if months and name == "mean":
                    continue
                out[name] = numbers(values)
            return out

        return {
            "options": list(self.option_ids),
            "selected": self.selected,
            "preferred": self.preferred,
            "npsv": {**fan(self.npsv), "deterministic": numbers(self.deterministic_npsv)},
            "percentile_method": self.npsv.describe(),
            "p_npsv_positive": numbers(self.p_npsv_positive),
            "months_to_clear_backlog": fan(self.months_to_clear_backlog, months=True),
            "p_backlog_cleared": numbers(self.p_backlog_cleared),
            "months_to_standard_28d": fan(self.months_to_standard, months=True),
            "p_standard_28d_met": numbers(self.p_standard_met),
            "first_month": self.month_labels[0] if self.month_labels else None,
        }


def _investment_summary(stores: _InvestmentStores) -> InvestmentSummary:
    a = stores.answers
    det = stores.npsv.reference
    month_levels = PERCENTILES
    return InvestmentSummary(
        investment=a.investment,
        option_ids=a.option_ids,
        selected=a.option_ids[a.selected],
        preferred=a.option_ids[int(np.argmax(det))],
        deterministic_npsv=det,
        npsv=stores.npsv.summary(PERCENTILES),
        p_npsv_positive=stores.npsv_positive.probability(),
        months_to_clear_backlog=stores.clearance.summary(month_levels, method="inverted_cdf"),
        p_backlog_cleared=stores.cleared.probability(),
        months_to_standard=stores.standard.summary(month_levels, method="inverted_cdf"),
        p_standard_met=stores.standard_met.probability(),
        month_labels=a.month_labels,
    )


@dataclass(frozen=True)
class SimulationResult:
    """A Monte Carlo run's summaries. Money in £k; probabilities are fractions in [0, 1].

    Rows of ``surplus`` and of the probabilities are the partners (in model order) then the
    system (index ``-1``); columns are the years, base year first. Probabilities are NaN where
    they do not apply (no control total, or the base year for the control total).
    """

    model_name: str
    scenario: str | None
    years: list[str]
    partner_ids: list[str]
    partner_names: list[str]
    inputs: list[UncertainValue]
    n_draws: int
    seed: int
    method: SamplingMethod
    chunk_size: int
    deterministic: FloatArray  # (P + 1, T) surplus of the deterministic projection
    control_total: FloatArray  # (P + 1, T) NaN where none
    surplus: Summary  # percentiles (5, P + 1, T), mean (P + 1, T)
    system_variance: Summary  # percentiles (5, T), mean (T,)
    p_meet_control_total: FloatArray  # (P + 1, T)
    p_break_even: FloatArray  # (P + 1, T)
    seconds: float
    investments: dict[str, InvestmentSummary] = field(default_factory=dict)

    @property
    def row_names(self) -> list[str]:
        """Partner ids then ``system``."""
        return [*self.partner_ids, "system"]

    def row(self, name: str) -> int:
        """Row of a partner id (or ``system``) in the arrays."""
        return self.row_names.index(name)

    def describe_sampling(self) -> str:
        """One line stating draws, seed and method (for outputs that must be reproducible)."""
        method = "Latin hypercube (within blocks of 4,096)" if self.method == "lhs" else "random"
        how = self.percentile_method()
        if how["exact"]:
            percentiles = "exact percentiles"
        else:
            percentiles = (
                "percentiles estimated by a streaming histogram (more draws than the memory "
                f"budget keeps), within {how['error_bound_gbp_thousands']:,.3g} £k of exact"
            )
        return f"{self.n_draws:,} draws, seed {self.seed}, {method} sampling; {percentiles}"

    def percentile_method(self) -> dict[str, Any]:
        """How the percentiles were computed: exact (every draw kept) or a streamed estimate,
        with the largest error bound (£k) of any surplus or variance percentile."""
        summaries = [self.surplus, self.system_variance]
        exact = all(s.exact for s in summaries)
        return {
            "exact": exact,
            "error_bound_gbp_thousands": max(s.error_bound for s in summaries),
            "description": (
                self.surplus.describe()
                if exact or not self.surplus.exact
                else self.system_variance.describe()
            ),
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary: per row, each percentile and the mean by year, and probabilities."""

        def series(values: FloatArray) -> list[float | None]:
            return [None if math.isnan(v) else round(float(v), 6) for v in values.tolist()]

        def fan(summary: Summary, index: Any) -> dict[str, list[float | None]]:
            return {name: series(values[index]) for name, values in summary.as_dict().items()}

        rows: dict[str, Any] = {}
        for i, name in enumerate(self.row_names):
            rows[name] = {
                "surplus": fan(self.surplus, i),
                "deterministic": series(self.deterministic[i]),
                "control_total": series(self.control_total[i]),
                "p_meet_control_total": series(self.p_meet_control_total[i]),
                "p_break_even": series(self.p_break_even[i]),
            }
        system = rows.pop("system")
        system["variance"] = fan(self.system_variance, ...)
        return {
            "model": self.model_name,
            "scenario": self.scenario,
            "units": "gbp_thousands",
            "years": list(self.years),
            "draws": self.n_draws,
            "seed": self.seed,
            "method": self.method,
            "chunk_size": self.chunk_size,
            "percentiles": [f"P{level:g}" for level in self.surplus.levels],
            "percentile_method": self.percentile_method(),
            "inputs": [
                {"path": v.key, **v.spec.model_dump(exclude_none=True, exclude_defaults=True)}
                for v in self.inputs
            ],
            "system": system,
            "partners": rows,
            "investments": {k: v.to_json() for k, v in self.investments.items()},
            "seconds": round(self.seconds, 3),
        }


def plan_simulation(
    model: Model,
    scenario: str | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    method: SamplingMethod = "random",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> SimulationPlan:
    """Resolve the model's uncertain inputs and compile the kernel for a run.

    Raises :class:`~finmodel.errors.InputError` for bad settings or a model without uncertain
    inputs, naming the option or the model file.
    """
    problems = []
    if draws < 1:
        problems.append(Problem("command line", "--draws", f"must be at least 1, got {draws}"))
    if seed < 0:
        problems.append(Problem("command line", "--seed", f"must be 0 or more, got {seed}"))
    if chunk_size < 1:
        problems.append(
            Problem("command line", "--chunk-size", f"must be at least 1, got {chunk_size}")
        )
    if method not in ("random", "lhs"):
        problems.append(Problem("command line", "--method", f"must be random or lhs, not {method}"))
    if problems:
        raise InputError(problems)
    projected = apply_scenario(model, scenario)
    inputs = compile_inputs(projected)
    values = uncertain_inputs(projected, inputs)
    if not values:
        raise InputError(
            [
                Problem(
                    model.origin,
                    "uncertainty",
                    "the model has no uncertain inputs: add an `uncertainty:` section "
                    "(see docs/risk.md)",
                )
            ]
        )
    try:
        correlation = correlation_matrix([v.key for v in values], projected.correlations)
    except CorrelationError as err:
        raise InputError([Problem(model.origin, "correlations", str(err))]) from None
    targets = [v.target for v in values]
    kernel = Kernel(inputs, targets, project_arrays(inputs))
    evaluator = InvestmentEvaluator(projected, targets)
    return SimulationPlan(
        model_name=projected.name,
        scenario=scenario,
        years=list(inputs.years),
        partner_ids=list(inputs.partner_ids),
        partner_names=list(inputs.partner_names),
        has_control_total=~np.isnan(inputs.control_total[:, 1:]).all(axis=1)
        & inputs.in_control_total,
        inputs=values,
        kernel=kernel,
        investments=evaluator if evaluator.investments else None,
        n_draws=draws,
        seed=seed,
        method=method,
        chunk_size=chunk_size,
        correlation=correlation,
    )


def summarise(acc: Accumulator, seconds: float) -> SimulationResult:
    """The result of a run whose draws have all been added to ``acc``."""
    plan = acc.plan
    surplus_ref, _ = plan.reference()
    ref = plan.kernel.reference
    control_total = np.vstack([ref.control_total, ref.system_control_total[None, :]])
    p_meet = acc.meets.probability()
    p_meet = np.where(np.isnan(control_total), np.nan, p_meet)
    return SimulationResult(
        model_name=plan.model_name,
        scenario=plan.scenario,
        years=plan.years,
        partner_ids=plan.partner_ids,
        partner_names=plan.partner_names,
        inputs=plan.inputs,
        n_draws=plan.n_draws,
        seed=plan.seed,
        method=plan.method,
        chunk_size=plan.chunk_size,
        deterministic=surplus_ref,
        control_total=control_total,
        surplus=acc.surplus.summary(PERCENTILES),
        system_variance=acc.system_variance.summary(PERCENTILES),
        p_meet_control_total=p_meet,
        p_break_even=acc.breaks_even.probability(),
        seconds=seconds,
        investments={k: _investment_summary(v) for k, v in acc.investments.items()},
    )


_WORKER_PLAN: SimulationPlan | None = None


def _start_worker(plan: SimulationPlan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan
    threadpool_limits(1, user_api="blas")  # for the life of the worker process
    keep_freed_memory()  # inherited when forked; needed when spawned


def _one_blas_thread() -> Any:
    """A context with BLAS limited to one thread. The run's matrix products are small (a block
    of draws by a few dozen inputs, lines or years): a second OpenBLAS thread only spins,
    costing about twice the CPU time of Iman-Conover on a busy 2-core machine, and the worker
    processes already use the CPUs. Results do not change (BLAS threads split the output, not
    the sums)."""
    return threadpool_limits(1, user_api="blas")


def _worker_chunk(draws: slice) -> ChunkResult:
    assert _WORKER_PLAN is not None
    return simulate_chunk(_WORKER_PLAN, draws)


def run_plan(
    plan: SimulationPlan, progress: Progress | None = None, *, workers: int = 1
) -> SimulationResult:
    """Run every chunk of a plan and summarise.

    ``workers > 1`` computes chunks in that many processes (each chunk a pure function of the
    plan and its draws, gathered in any order), in chunks of whole sampling blocks, at most
    ``chunk_size``, about :data:`CHUNKS_PER_WORKER` per worker so that they finish together;
    the results are identical to ``workers=1``. At most two
    chunks per worker are in flight, so memory stays bounded. Freed working arrays are kept
    for reuse in this process and its workers (:func:`~finmodel.risk.allocator.keep_freed_memory`:
    a page fault per page of each new array otherwise).
    """
    keep_freed_memory()
    with _one_blas_thread():
        return _run_plan(plan, progress, workers)


def _run_plan(plan: SimulationPlan, progress: Progress | None, workers: int) -> SimulationResult:
    started = time.perf_counter()
    acc = Accumulator(plan)
    size = plan.chunk_size
    if workers > 1:
        # chunks of whole sampling blocks (none generated twice), small enough that each
        # worker takes about four and the last to finish waits at most one (7 chunks of
        # 16,384 over 2 workers would leave one idle for a whole chunk's time)
        blocks = -(-plan.n_draws // BLOCK_SIZE)
        size = min(size, BLOCK_SIZE * max(1, blocks // (workers * CHUNKS_PER_WORKER)))
    slices = chunk_slices(plan.n_draws, size)
    done = 0
    if workers <= 1 or len(slices) <= 1:
        for draws in slices:
            acc.compute(draws)
            done += draws.stop - draws.start
            if progress is not None:
                progress(done, plan.n_draws)
    else:
        context = multiprocessing.get_context("fork" if "fork" in _METHODS else None)
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(plan,)
        ) as pool:
            waiting = list(reversed(slices))
            running: set[Future[ChunkResult]] = set()
            while waiting or running:
                while waiting and len(running) < 2 * workers:
                    running.add(pool.submit(_worker_chunk, waiting.pop()))
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    chunk = future.result()
                    acc.add(chunk)
                    done += chunk.draws.stop - chunk.draws.start
                    if progress is not None:
                        progress(done, plan.n_draws)
    return summarise(acc, time.perf_counter() - started)


def simulate(
    model: Model,
    scenario: str | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    method: SamplingMethod = "random",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
    workers: int = 1,
) -> SimulationResult:
    """Monte Carlo of the model's uncertain inputs (under a scenario): fans and probabilities.

    ``draws`` draws from ``seed`` (same seed, same results, whatever ``chunk_size``);
    ``method`` is ``"random"`` or ``"lhs"``. ``progress(done, total)`` is called after each
    chunk. ``workers > 1`` spreads the chunks over that many processes (same results).
    Money in £k; surplus +, deficit -. See :class:`SimulationResult`.

    >>> from finmodel.io.yaml_io import load_model
    >>> r = simulate(load_model("models/lsc_ics.yaml"), draws=1000, seed=3)
    >>> 0.0 <= float(r.p_break_even[r.row("system"), -1]) <= 1.0
    True
    """
    plan = plan_simulation(
        model, scenario, draws=draws, seed=seed, method=method, chunk_size=chunk_size
    )
    return run_plan(plan, progress, workers=workers)
