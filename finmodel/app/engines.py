"""The optional engine parts the app uses when they are installed: appraisal and Monte Carlo.

The investment appraisal and the Monte Carlo simulation are built in their own modules; the
Investment and Risk pages ask here for their public functions and say clearly what is missing
when a part has not landed yet, instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def optional_function(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` if that module imports and defines it, else None.

    >>> optional_function("finmodel.engine", "project").__name__
    'project'
    >>> optional_function("finmodel.no_such_module", "x") is None
    True
    """
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name is not None and module.startswith(err.name):
            return None
        raise
    value = getattr(found, name, None)
    return value if callable(value) else None
