"""Distributions of model inputs keyed by dotted path (SPEC section 7).

Placeholder until the uncertainty issue lands: a distribution is accepted as a mapping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finmodel.domain.model import Model

UncertainInput = dict[str, Any]


def uncertainty_findings(model: Model) -> list[tuple[tuple[str | int, ...], str]]:
    """Whole-model problems of this section as (location, message) findings."""
    del model
    return []
