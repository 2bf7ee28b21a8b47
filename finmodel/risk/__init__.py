"""Uncertainty: distributions of inputs, reproducible chunked sampling, summaries, sensitivity.

* :mod:`~finmodel.risk.distributions`: ``uniform``, ``triangular``, ``pert``, ``normal``,
  ``interval80`` specifications and their vectorised inverse CDFs.
* :mod:`~finmodel.risk.sampling`: seeded uniforms in blocks, identical whatever the chunking;
  plain Monte Carlo or Latin hypercube.
* :mod:`~finmodel.risk.statistics`: percentiles, means and probabilities gathered chunk by chunk.
* :mod:`~finmodel.risk.sensitivity`: tornado in one vectorised call; goal seek.
"""

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
    "PERCENTILES",
    "Distribution",
    "DrawStore",
    "GoalSeekResult",
    "Interval80",
    "Normal",
    "Pert",
    "SamplingMethod",
    "ShareCounter",
    "Summary",
    "TornadoRow",
    "Triangular",
    "Uniform",
    "ValidRange",
    "chunk_slices",
    "draw_uniforms",
    "goal_seek",
    "goal_seek_condition",
    "iter_chunks",
    "one_at_a_time",
    "parse_distribution",
    "percentile_summary",
    "sample_columns",
    "tornado",
    "tornados",
]
