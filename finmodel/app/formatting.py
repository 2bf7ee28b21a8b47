"""Display formatting for the app: £k with thousands separators, negatives in brackets.

Formatting only: every number shown comes from the engine (or the model file) unchanged, and
these functions turn it into text or a styled table. Money is in £ thousands (£k); rates are
fractions a year shown as percentages.

>>> money(-1234.4), money(56789.0), money(None)
('(1,234)', '56,789', '')
>>> pct(0.0325), pct(None)
('3.25%', '')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from finmodel.formatting import money

__all__ = [
    "NEGATIVE_COLOUR",
    "NOT_APPLICABLE",
    "POSITIVE_COLOUR",
    "is_missing",
    "money",
    "money_frame",
    "money_k",
    "number_columns",
    "pct",
    "pct_or_list",
    "short_hash",
    "styled_money",
    "variance_colour",
]

#: Shown where a figure does not apply (a council's control total, a base-year variance).
NOT_APPLICABLE = "-"
#: Text colours of an adverse (red) and favourable (green) variance, readable on white.
NEGATIVE_COLOUR = "#b00020"
POSITIVE_COLOUR = "#1b7f3b"


def is_missing(value: Any) -> bool:
    """True for None and NaN (a figure that does not apply, e.g. a council's control total)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def money_k(value: float | None) -> str:
    """Money with its unit for headlines: ``£(1,234)k``; ``-`` when it does not apply.

    >>> money_k(-1234.0), money_k(25.0), money_k(float("nan"))
    ('£(1,234)k', '£25k', '-')
    """
    if is_missing(value):
        return NOT_APPLICABLE
    return f"£{money(value)}k"


def pct(value: float | None, decimals: int = 2) -> str:
    """A rate a year (fraction) as a percentage: ``0.0325`` -> ``3.25%``; blank when missing."""
    if is_missing(value):
        return ""
    assert value is not None
    return f"{value * 100:.{decimals}f}%"


def pct_or_list(value: float | Sequence[float] | None, decimals: int = 2) -> str:
    """A scalar rate, or a per-year list shown in full: ``2.00%, 2.50%, 2.10%``.

    >>> pct_or_list([0.02, 0.025])
    '2.00%, 2.50% (by year)'
    """
    if isinstance(value, list | tuple):
        return ", ".join(pct(v, decimals) for v in value) + " (by year)"
    return pct(value, decimals)  # type: ignore[arg-type]


def short_hash(digest: str) -> str:
    """The first 12 hex digits of a sha256, as shown beside saved scenarios."""
    return digest[:12]


def variance_colour(value: Any) -> str:
    """CSS for a variance cell: red when adverse (negative), green when favourable."""
    if is_missing(value) or not isinstance(value, int | float):
        return ""
    if round(float(value)) < 0:
        return f"color: {NEGATIVE_COLOUR}; font-weight: 600"
    if round(float(value)) > 0:
        return f"color: {POSITIVE_COLOUR}"
    return ""


def money_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy with money columns (default: all numeric ones, including columns of numbers with
    gaps) as £k text, brackets for negatives, ``-`` where a figure does not apply.

    >>> money_frame(pd.DataFrame({"v": [-5.0, None]}, dtype=object))["v"].tolist()
    ['(5)', '-']
    """
    out = frame.copy()
    chosen = list(columns) if columns is not None else number_columns(frame)
    for column in chosen:
        out[column] = [money(v) or NOT_APPLICABLE for v in frame[column].tolist()]
    return out


def number_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding only numbers and gaps (None/NaN), whatever their dtype."""
    found = []
    for column in frame.columns:
        values = [v for v in frame[column].tolist() if not is_missing(v)]
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            found.append(column)
    return found


def styled_money(
    frame: pd.DataFrame,
    money_columns: Iterable[str] | None = None,
    variance_columns: Iterable[str] = (),
    variance_rows: Iterable[Any] = (),
) -> tuple[Styler, list[str]]:
    """A Styler of the frame with money as £k text, variance columns (or rows) coloured by sign.

    Money cells become text (``(1,234)``, blank where a figure does not apply) so nothing shows
    ``None``; the colour of each variance cell follows the engine's number. Returns the Styler
    and the money columns (to right-align them).

    >>> styler, columns = styled_money(pd.DataFrame({"v": [-5.0, 3.0]}), variance_columns=["v"])
    >>> styler.data["v"].tolist(), columns
    (['(5)', '3'], ['v'])
    """
    columns = list(money_columns) if money_columns is not None else number_columns(frame)
    shown = money_frame(frame, columns)
    css = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column in [c for c in variance_columns if c in frame.columns]:
        css[column] = [variance_colour(v) for v in frame[column].tolist()]
    for row in [r for r in variance_rows if r in frame.index]:
        for column in columns:
            css.at[row, column] = variance_colour(frame.at[row, column])
    return shown.style.apply(lambda _: css, axis=None), columns
