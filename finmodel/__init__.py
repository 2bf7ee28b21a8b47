"""finmodel: system-balance and investment modelling for health and care partnerships.

Money is in £ thousands (£k); surplus is positive and the gap is ``-surplus``; years are UK
financial years (``"2020/21"``).

>>> import finmodel
>>> result = finmodel.project(finmodel.load_model("models/minimal.yaml"))
>>> result.years[-1]
'2022/23'

The public names are imported on first use (module ``__getattr__``), so ``import finmodel``
(and so the command line's ``--help``) does not import pydantic models, numpy or pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finmodel.domain.model import Model
    from finmodel.engine.result import ProjectionResult
    from finmodel.errors import FinmodelError, InputError, ModelValidationError, Problem
    from finmodel.investment.projection import project
    from finmodel.io.yaml_io import load_model

__version__: str


def _version() -> str:
    """The installed distribution's version (``importlib.metadata`` is slow to import, so this
    runs on first use of ``finmodel.__version__``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("finmodel")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+source"


#: Public name -> the module defining it.
_LAZY = {
    "FinmodelError": "finmodel.errors",
    "InputError": "finmodel.errors",
    "ModelValidationError": "finmodel.errors",
    "Problem": "finmodel.errors",
    "Model": "finmodel.domain.model",
    "ProjectionResult": "finmodel.engine.result",
    "project": "finmodel.investment.projection",
    "load_model": "finmodel.io.yaml_io",
}

__all__ = [
    "FinmodelError",
    "InputError",
    "Model",
    "ModelValidationError",
    "Problem",
    "ProjectionResult",
    "__version__",
    "load_model",
    "project",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = _version()
        return globals()[name]
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'finmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
