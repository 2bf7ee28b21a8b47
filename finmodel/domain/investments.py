"""Investment cases in the model file (SPEC section 5).

Placeholder until the investment issue lands: an investment is accepted as a mapping and not
yet projected or appraised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finmodel.domain.model import Model

Investment = dict[str, Any]


def investment_findings(model: Model) -> list[tuple[tuple[str | int, ...], str]]:
    """Whole-model problems of this section as (location, message) findings."""
    del model
    return []
