"""Uncertainty: distributions of inputs, reproducible chunked sampling, summaries, sensitivity.

* :mod:`~finmodel.risk.distributions`: ``uniform``, ``triangular``, ``pert``, ``normal``,
  ``interval80`` specifications and their vectorised inverse CDFs.
* :mod:`~finmodel.risk.sampling`: seeded uniforms in blocks, identical whatever the chunking;
  plain Monte Carlo or Latin hypercube.
* :mod:`~finmodel.risk.statistics`: percentiles, means and probabilities gathered chunk by chunk.
* :mod:`~finmodel.risk.sensitivity`: tornado in one vectorised call; goal seek.
* :mod:`~finmodel.risk.inputs`: which engine inputs an ``uncertainty:`` key moves; valid ranges.
* :mod:`~finmodel.risk.kernel`: surpluses of a batch of draws (the Monte Carlo inner loop).
* :mod:`~finmodel.risk.montecarlo`: :func:`simulate`, chunked and reproducible.
* :mod:`~finmodel.risk.analysis`: :func:`sensitivity` (tornado) and :func:`goal_seek_model`.
"""

from finmodel.risk.analysis import (
    GoalSeekOutcome,
    SensitivityResult,
    Tornado,
    goal_seek_model,
    parse_target,
    sensitivity,
)
from finmodel.risk.distributions import (
    Distribution,
    Interval80,
    Normal,
    Pert,
    Triangular,
    Uniform,
    ValidRange,
    parse_distribution,
    sample_columns,
)
from finmodel.risk.montecarlo import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    SimulationPlan,
    SimulationResult,
    plan_simulation,
    simulate,
    simulate_chunk,
)
from finmodel.risk.sampling import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    SamplingMethod,
    chunk_slices,
    draw_uniforms,
    iter_chunks,
)
from finmodel.risk.sensitivity import (
    GoalSeekResult,
    TornadoRow,
    goal_seek,
    goal_seek_condition,
    one_at_a_time,
    tornado,
    tornados,
)
from finmodel.risk.statistics import (
    PERCENTILES,
    DrawStore,
    ShareCounter,
    Summary,
    percentile_summary,
)

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "PERCENTILES",
    "Distribution",
    "DrawStore",
    "GoalSeekOutcome",
    "GoalSeekResult",
    "Interval80",
    "Normal",
    "Pert",
    "SamplingMethod",
    "SensitivityResult",
    "ShareCounter",
    "SimulationPlan",
    "SimulationResult",
    "Summary",
    "Tornado",
    "TornadoRow",
    "Triangular",
    "Uniform",
    "ValidRange",
    "chunk_slices",
    "draw_uniforms",
    "goal_seek",
    "goal_seek_condition",
    "goal_seek_model",
    "iter_chunks",
    "one_at_a_time",
    "parse_distribution",
    "parse_target",
    "percentile_summary",
    "plan_simulation",
    "sample_columns",
    "sensitivity",
    "simulate",
    "simulate_chunk",
    "tornado",
    "tornados",
]
