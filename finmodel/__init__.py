"""finmodel: system-balance and investment modelling for health and care partnerships.

Money is in £ thousands (£k); surplus is positive and the gap is ``-surplus``; years are UK
financial years (``"2020/21"``).

>>> import finmodel
>>> result = finmodel.project(finmodel.load_model("models/minimal.yaml"))
>>> result.years[-1]
'2022/23'
"""

from importlib.metadata import PackageNotFoundError, version

from finmodel.domain.model import Model
from finmodel.engine.result import ProjectionResult, project
from finmodel.errors import FinmodelError, InputError, ModelValidationError, Problem
from finmodel.io.yaml_io import load_model

try:
    __version__ = version("finmodel")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

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
