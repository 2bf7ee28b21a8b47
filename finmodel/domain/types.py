"""Reusable value types for model files: money, rates, shares, years, identifiers.

Conventions, stated once for the whole package:

* **Money** is in £ thousands (£k) unless the model's ``units`` says otherwise.
* **Rates** are fractions a year (``0.03`` is 3%). Growth and inflation may be negative; an
  efficiency rate is a cost reduction (``0.02`` takes 2% off cost).
* **Surplus** is positive, deficit negative; the *gap* is ``-surplus``.
* **Years** are UK financial years, April to March, written ``"2020/21"``.
* A **year-varying** value is a scalar (the same every projected year) or a list of exactly
  ``horizon`` numbers, one per projected year (the base year is outturn and takes no rate).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Money = Annotated[float, Field(allow_inf_nan=False, description="An amount of money, in £k.")]
NonNegativeMoney = Annotated[
    float, Field(ge=0, allow_inf_nan=False, description="An amount of money >= 0, in £k.")
]
#: Sane bounds of a rate a year: a fall of more than half, or more than doubling, in one year is
#: almost certainly a typing error (3 for 3%) rather than a plan.
RATE_MIN, RATE_MAX = -0.5, 1.0

Rate = Annotated[
    float,
    Field(
        ge=RATE_MIN,
        le=RATE_MAX,
        allow_inf_nan=False,
        description="A rate a year as a fraction (0.03 = 3%), from -0.5 (-50%) to 1.0 (+100%).",
    ),
]
Share = Annotated[
    float, Field(ge=0, le=1, allow_inf_nan=False, description="A share as a fraction in [0, 1].")
]
Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64),
    Field(description="An identifier: a letter then letters, digits or underscores."),
]
FinancialYear = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}/\d{2}$"),
    Field(description='A UK financial year, April to March, written "2019/20".'),
]
Citation = Annotated[
    str,
    StringConstraints(min_length=1, strip_whitespace=True),
    Field(
        description="Provenance of a figure: a public source with its citation, or 'illustrative'."
    ),
]

#: A year-varying rate: one number for every projected year, or one per projected year.
YearRates = Rate | list[Rate]
#: A year-varying amount of money: one number for every projected year, or one per year.
YearMoney = Money | list[Money]

_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def year_labels(base_year: str, horizon: int) -> list[str]:
    """Financial-year labels from the base year to ``base_year + horizon`` inclusive.

    >>> year_labels("2019/20", 3)
    ['2019/20', '2020/21', '2021/22', '2022/23']
    """
    match = _YEAR.match(base_year)
    if match is None:
        raise ValueError(f"not a financial year: {base_year!r}")
    start = int(match.group(1))
    return [f"{start + t}/{(start + t + 1) % 100:02d}" for t in range(horizon + 1)]


def is_consistent_year(label: str) -> bool:
    """True when the two halves of ``"2019/20"`` are consecutive years."""
    match = _YEAR.match(label)
    return bool(match) and (int(match.group(1)) + 1) % 100 == int(match.group(2))  # type: ignore[union-attr]


class Frozen(BaseModel):
    """Base of every model-file object: immutable, unknown keys rejected, docstrings as schema."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
    )
