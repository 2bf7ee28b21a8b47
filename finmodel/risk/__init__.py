"""Uncertainty: distributions of inputs, reproducible chunked sampling, summaries, sensitivity.

* :mod:`~finmodel.domain.distributions`: ``uniform``, ``triangular``, ``pert``, ``normal``,
  ``interval80`` specifications and their vectorised inverse CDFs.
* :mod:`~finmodel.risk.sampling`: seeded uniforms in blocks, identical whatever the chunking;
  plain Monte Carlo or Latin hypercube.
* :mod:`~finmodel.risk.statistics`: percentiles, means and probabilities gathered chunk by chunk.
* :mod:`~finmodel.risk.sensitivity`: tornado in one vectorised call; goal seek.
* :mod:`~finmodel.risk.inputs`: which engine inputs an ``uncertainty:`` key moves; valid ranges.
* :mod:`~finmodel.risk.kernel`: surpluses of a batch of draws (the Monte Carlo inner loop).
* :mod:`~finmodel.risk.montecarlo`: :func:`simulate`, chunked and reproducible.
* :mod:`~finmodel.risk.analysis`: :func:`sensitivity` (tornado) and :func:`goal_seek_model`.

Names are imported on first use (module ``__getattr__``), so importing one submodule, such as
:mod:`finmodel.risk.model_checks` when a model file is validated, does not import the Monte
Carlo machinery.
"""

from __future__ import annotations

import importlib
from typing import Any

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
    "DEFAULT_DRAWS": "finmodel.risk.montecarlo",
    "DEFAULT_SEED": "finmodel.risk.montecarlo",
    "SimulationPlan": "finmodel.risk.montecarlo",
    "SimulationResult": "finmodel.risk.montecarlo",
    "plan_simulation": "finmodel.risk.montecarlo",
    "simulate": "finmodel.risk.montecarlo",
    "simulate_chunk": "finmodel.risk.montecarlo",
    "BLOCK_SIZE": "finmodel.risk.sampling",
    "DEFAULT_CHUNK_SIZE": "finmodel.risk.sampling",
    "SamplingMethod": "finmodel.risk.sampling",
    "chunk_slices": "finmodel.risk.sampling",
    "draw_uniforms": "finmodel.risk.sampling",
    "iter_chunks": "finmodel.risk.sampling",
    "GoalSeekResult": "finmodel.risk.sensitivity",
    "TornadoRow": "finmodel.risk.sensitivity",
    "goal_seek": "finmodel.risk.sensitivity",
    "goal_seek_condition": "finmodel.risk.sensitivity",
    "one_at_a_time": "finmodel.risk.sensitivity",
    "tornado": "finmodel.risk.sensitivity",
    "tornados": "finmodel.risk.sensitivity",
    "DrawStore": "finmodel.risk.statistics",
    "PERCENTILES": "finmodel.risk.statistics",
    "ShareCounter": "finmodel.risk.statistics",
    "Summary": "finmodel.risk.statistics",
    "percentile_summary": "finmodel.risk.statistics",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'finmodel.risk' has no attribute {name!r}")
