"""Net cost of the selected investment options, by funder and year (SPEC section 5).

Placeholder until the investment issue lands: no investment changes the projection yet.
"""

from __future__ import annotations

from finmodel.domain.model import Model
from finmodel.engine.inputs import FloatArray, ProjectionInputs


def investment_expenditure(model: Model, inputs: ProjectionInputs) -> FloatArray | None:
    """Extra expenditure (+) net of cash released (-) by partner and year, £k; None if none."""
    del model, inputs
    return None
