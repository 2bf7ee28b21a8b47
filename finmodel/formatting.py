"""Money and months as text, the one definition the command line, the app and reports share.

A tiny leaf module (standard library only), so every layer may use it.

>>> money(-1234.4), money(56789.0), money(None)
('(1,234)', '56,789', '')
"""

from __future__ import annotations

import math

__all__ = ["MONTH_NAMES", "money", "month_name"]

#: Month abbreviations, January first.
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def money(value: float | None, decimals: int = 0) -> str:
    """£k with thousands separators and negatives in brackets: ``(1,234)``; blank for None/NaN.

    >>> money(-0.4), money(1234.567, 1)
    ('0', '1,234.6')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{abs(value):,.{decimals}f}"
    return f"({text})" if round(value, decimals) < 0 else text


def month_name(label: str | None, never: str = "never") -> str:
    """A month label as every table shows it: ``"2021-06"`` -> ``"Jun 2021"``; ``never`` for None.

    >>> month_name("2021-06"), month_name(None), month_name(None, "not by Mar 2030")
    ('Jun 2021', 'never', 'not by Mar 2030')
    """
    if label is None:
        return never
    year, month = label.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"
