"""Distributions of model inputs keyed by dotted path (SPEC section 7).

Placeholder until the uncertainty issue lands: a distribution is accepted as a mapping.
"""

from __future__ import annotations

from typing import Any

UncertainInput = dict[str, Any]
