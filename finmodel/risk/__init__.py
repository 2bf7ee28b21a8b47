"""Uncertainty: distributions of inputs, reproducible chunked sampling, summaries, sensitivity.

* :mod:`~finmodel.domain.distributions` (defined with the model schema, re-exported here): ``uniform``, ``triangular``, ``pert``, ``normal``,
  ``interval80`` specifications and their vectorised inverse CDFs.
* :mod:`~finmodel.risk.sampling`: seeded uniforms in blocks, identical whatever the chunking;
  plain Monte Carlo or Latin hypercube.
* :mod:`~finmodel.risk.statistics`: percentiles, means and probabilities gathered chunk by chunk.
* :mod:`~finmodel.risk.sensitivity_maths`: tornado in one vectorised call; goal seek.
* :mod:`~finmodel.risk.inputs`: which engine inputs an ``uncertainty:`` key moves; valid ranges.
* :mod:`~finmodel.risk.kernel`: surpluses of a batch of draws (the Monte Carlo inner loop).
* :mod:`~finmodel.risk.montecarlo`: :func:`simulate`, chunked and reproducible.
* :mod:`~finmodel.risk.analysis`: :func:`sensitivity` (tornado) and :func:`goal_seek_model`.

Names are imported on first use (module ``__getattr__``), so importing one light submodule,
such as :mod:`finmodel.risk.defaults` for the command line's option defaults or
:mod:`finmodel.risk.model_checks` when a model file is validated, does not import the Monte
Carlo machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finmodel.domain.distributions import (
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
    from finmodel.risk.analysis import (
        GoalSeekOutcome,
        SensitivityResult,
        Tornado,
        goal_seek_model,
        parse_target,
        sensitivity,
    )
    from finmodel.risk.defaults import BLOCK_SIZE, DEFAULT_CHUNK_SIZE, DEFAULT_DRAWS, DEFAULT_SEED
    from finmodel.risk.montecarlo import (
        SimulationPlan,
        SimulationResult,
        plan_simulation,
        simulate,
        simulate_chunk,
    )
    from finmodel.risk.sampling import (
        SamplingMethod,
        chunk_slices,
        draw_uniforms,
        iter_chunks,
    )
    from finmodel.risk.sensitivity_maths import (
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

_LAZY = {
    "Distribution": "finmodel.domain.distributions",
    "Interval80": "finmodel.domain.distributions",
    "Normal": "finmodel.domain.distributions",
    "Pert": "finmodel.domain.distributions",
    "Triangular": "finmodel.domain.distributions",
    "Uniform": "finmodel.domain.distributions",
    "ValidRange": "finmodel.domain.distributions",
    "parse_distribution": "finmodel.domain.distributions",
    "sample_columns": "finmodel.domain.distributions",
    "GoalSeekOutcome": "finmodel.risk.analysis",
    "SensitivityResult": "finmodel.risk.analysis",
    "Tornado": "finmodel.risk.analysis",
    "goal_seek_model": "finmodel.risk.analysis",
    "parse_target": "finmodel.risk.analysis",
    "sensitivity": "finmodel.risk.analysis",
    "BLOCK_SIZE": "finmodel.risk.defaults",
    "DEFAULT_CHUNK_SIZE": "finmodel.risk.defaults",
    "DEFAULT_DRAWS": "finmodel.risk.defaults",
    "DEFAULT_SEED": "finmodel.risk.defaults",
    "SimulationPlan": "finmodel.risk.montecarlo",
    "SimulationResult": "finmodel.risk.montecarlo",
    "plan_simulation": "finmodel.risk.montecarlo",
    "simulate": "finmodel.risk.montecarlo",
    "simulate_chunk": "finmodel.risk.montecarlo",
    "SamplingMethod": "finmodel.risk.sampling",
    "chunk_slices": "finmodel.risk.sampling",
    "draw_uniforms": "finmodel.risk.sampling",
    "iter_chunks": "finmodel.risk.sampling",
    "GoalSeekResult": "finmodel.risk.sensitivity_maths",
    "TornadoRow": "finmodel.risk.sensitivity_maths",
    "goal_seek": "finmodel.risk.sensitivity_maths",
    "goal_seek_condition": "finmodel.risk.sensitivity_maths",
    "one_at_a_time": "finmodel.risk.sensitivity_maths",
    "tornado": "finmodel.risk.sensitivity_maths",
    "tornados": "finmodel.risk.sensitivity_maths",
    "DrawStore": "finmodel.risk.statistics",
    "PERCENTILES": "finmodel.risk.statistics",
    "ShareCounter": "finmodel.risk.statistics",
    "Summary": "finmodel.risk.statistics",
    "percentile_summary": "finmodel.risk.statistics",
}

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'finmodel.risk' has no attribute {name!r}")
