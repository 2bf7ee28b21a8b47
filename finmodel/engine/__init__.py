"""The projection engine: compile a model to arrays, project them, consolidate, bridge.

:func:`finmodel.project` (the projection with the selected investment options laid over it) is
one layer up, in :mod:`finmodel.investment.projection`. Names here are imported on first use, so
importing :mod:`finmodel.engine.inputs` alone stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ProjectionInputs": "finmodel.engine.inputs",
    "compile_model": "finmodel.engine.inputs",
    "BRIDGE_STEPS": "finmodel.engine.projection",
    "Projection": "finmodel.engine.projection",
    "project_arrays": "finmodel.engine.projection",
    "ProjectionResult": "finmodel.engine.result",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'finmodel.engine' has no attribute {name!r}")
