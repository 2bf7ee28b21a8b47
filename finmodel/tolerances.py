"""Numeric tolerances, defined once for the whole package (a leaf module: every layer may use it).

* :data:`MONEY_TOLERANCE`: two money figures closer than this (£k, i.e. £1) are equal; used by
  the workbook's checks, the appraisal sheets and "meets the control total" in the risk answers.
* :data:`SHARE_SUM_TOLERANCE`: shares that must sum to 1 may miss it by this much (a fraction).
* :data:`PAYBACK_TOLERANCE`: cumulative discounted net benefits above ``-PAYBACK_TOLERANCE`` (£k)
  count as paid back, so rounding noise at the break-even year does not delay payback.

>>> MONEY_TOLERANCE, SHARE_SUM_TOLERANCE
(0.001, 1e-09)
"""

from __future__ import annotations

MONEY_TOLERANCE = 0.001
"""£k: money figures closer than this count as equal (checks, control totals)."""

SHARE_SUM_TOLERANCE = 1e-9
"""Fraction: how far a set of shares may be from summing to exactly 1."""

PAYBACK_TOLERANCE = 1e-9
"""£k: cumulative net benefits at or above minus this count as paid back."""

__all__ = ["MONEY_TOLERANCE", "PAYBACK_TOLERANCE", "SHARE_SUM_TOLERANCE"]
