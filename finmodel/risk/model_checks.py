"""Whole-model checks the risk layer adds to model validation (the ``uncertainty:`` section).

The domain validates the typed model; checking that every ``uncertainty:`` path names a numeric
input, that no input has two distributions and that each distribution fits its input's valid
range needs the compiled model, so it lives here and the file loaders pass it in
(``validate_data(data, checks=MODEL_CHECKS)``).

>>> from finmodel.io.yaml_io import load_model
>>> uncertainty_findings(load_model("models/lsc_ics.yaml"))
[]
"""

from __future__ import annotations

from finmodel.domain.checks import Finding
from finmodel.domain.model import Model
from finmodel.domain.validation import ModelCheck
from finmodel.risk.inputs import resolve_uncertainty


def uncertainty_findings(model: Model) -> list[Finding]:
    """Whole-model problems of the ``uncertainty:`` section as (location, message) findings.

    Locations are keys in the model data (``("uncertainty", "assumptions.inflation", "high")``)
    so the loader names the YAML path and line. Empty for a model without uncertainty.
    """
    if not model.uncertainty:
        return []
    return resolve_uncertainty(model).findings


#: The checks a loader passes to :func:`finmodel.domain.validation.validate_data`.
MODEL_CHECKS: tuple[ModelCheck, ...] = (uncertainty_findings,)
