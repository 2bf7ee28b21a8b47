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

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

#: Largest amount of money a model may hold, in £k: £1 trillion, several times the whole NHS
#: England budget. Anything larger is a typing error, and sums and compounding of larger
#: numbers could overflow to infinity.
MONEY_LIMIT = 1e9
#: Largest count (referrals, cases, reviews, staff, per month or in stock) a model may hold.
COUNT_LIMIT = 1e9
#: Financial years accepted start from 1990 to 2099 (1990/91 to 2099/00): a base year outside
#: this is a typing error, and every label then reads unambiguously with its two-digit half.
FIRST_YEAR, LAST_YEAR = 1990, 2099

Money = Annotated[
    float,
    Field(
        ge=-MONEY_LIMIT,
        le=MONEY_LIMIT,
        allow_inf_nan=False,
        description="An amount of money, in £k.",
    ),
]
NonNegativeMoney = Annotated[
    float,
    Field(ge=0, le=MONEY_LIMIT, allow_inf_nan=False, description="An amount of money >= 0, in £k."),
]
# The types below carry no description, so a field's own docstring (with its units) is used.
#: A non-negative amount of money, at most MONEY_LIMIT (£k, or £k a year).
Amount = Annotated[float, Field(ge=0, le=MONEY_LIMIT, allow_inf_nan=False)]
#: A positive amount of money, at most MONEY_LIMIT.
PositiveAmount = Annotated[float, Field(gt=0, le=MONEY_LIMIT, allow_inf_nan=False)]
#: A count or quantity >= 0 (cases, referrals, staff), finite, at most COUNT_LIMIT.
Count = Annotated[float, Field(ge=0, le=COUNT_LIMIT, allow_inf_nan=False)]
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
    Field(description="An identifier: a letter then ASCII letters, digits or underscores."),
]

_YEAR = re.compile(r"\A([0-9]{4})/([0-9]{2})\Z")
#: Characters refused in names: C0 and C1 controls (ESC, newline...), line and paragraph
#: separators, and the bidirectional overrides that reorder text on screen.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same less newline and tab, which a multi-line description may hold.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _refuse(pattern: re.Pattern[str], value: str) -> str:
    found = pattern.search(value)
    if found:
        raise ValueError(f"must not contain control characters (found {found.group()!a})")
    return value


def _no_control(value: str) -> str:
    return _refuse(_CONTROL, value)


def _no_control_in_text(value: str) -> str:
    return _refuse(_CONTROL_IN_TEXT, value)


def _financial_year(value: str) -> str:
    match = _YEAR.match(value)
    if match is None:
        raise ValueError('must be a financial year written like "2019/20" (ASCII digits)')
    first = int(match.group(1))
    if not FIRST_YEAR <= first <= LAST_YEAR:
        raise ValueError(
            f"must be a financial year from {FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d} "
            f"to {LAST_YEAR}/{(LAST_YEAR + 1) % 100:02d}"
        )
    if (first + 1) % 100 != int(match.group(2)):
        raise ValueError(f"the second half must follow the first: {first}/{(first + 1) % 100:02d}")
    return value


#: A name shown to people (a partner, a place, a scenario): one line, no control characters.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_no_control),
]
#: Free text (a description): may span lines, but holds no other control characters.
Text = Annotated[
    str,
    StringConstraints(max_length=10_000),
    AfterValidator(_no_control_in_text),
]
FinancialYear = Annotated[
    str,
    AfterValidator(_financial_year),
    Field(description='A UK financial year, April to March, written "2019/20" (1990/91-2099/00).'),
]
Citation = Annotated[
    str,
    StringConstraints(min_length=1, strip_whitespace=True),
    AfterValidator(_no_control_in_text),
    Field(
        description="Provenance of a figure: a public source with its citation, or 'illustrative'."
    ),
]

#: A year-varying rate: one number for every projected year, or one per projected year.
YearRates = Rate | list[Rate]
#: A year-varying amount of money: one number for every projected year, or one per year.
YearMoney = Money | list[Money]


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
