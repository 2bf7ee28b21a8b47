"""Published Green Book reference tables that model files name: discount rates and GDP deflators.

Each table is data with a ``version`` id and a ``citation``; an investment in a model file names
the version it uses (``discount.version``, ``deflator_version``) and the model checks that it
exists. The arithmetic over them (discount factors, price conversion) is in
:mod:`finmodel.appraisal.discounting`.

>>> discount_table().schedules["standard"][0]
0.035
>>> deflator_table().index["2019/20"]
90.95
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from finmodel.domain.tables import lookup
from finmodel.domain.types import Citation, FinancialYear, Frozen, is_consistent_year

# --------------------------------------------------------------------------------------------
# Discount-rate tables
# --------------------------------------------------------------------------------------------


class DiscountTable(Frozen):
    """A versioned table of Green Book discount-rate schedules on common year bands."""

    version: str = Field(min_length=1)
    """Identifier of this edition of the table, e.g. ``"green-book-2022"``."""

    citation: Citation
    """Where the rates are published (document, annex, table)."""

    band_starts: tuple[int, ...]
    """First year index of each band, ascending, starting at 1 (years 1-30, 31-75, ...); the last
    band is open-ended."""

    schedules: dict[str, tuple[float, ...]]
    """Schedule name -> annual rate (fraction) for each band, e.g. ``"standard"`` and
    ``"health"``."""

    @model_validator(mode="after")
    def _check(self) -> DiscountTable:
        starts = self.band_starts
        if not starts or starts[0] != 1 or any(b <= a for a, b in pairwise(starts)):
            raise ValueError("band_starts must be ascending and start at year 1")
        for name, rates in self.schedules.items():
            if len(rates) != len(starts):
                raise ValueError(f"schedule {name!r} needs one rate per band ({len(starts)})")
            if any(not (-1 < r < 1) for r in rates):
                raise ValueError(f"schedule {name!r}: rates must be fractions in (-1, 1)")
        return self


GREEN_BOOK_2022 = DiscountTable(
    version="green-book-2022",
    citation=(
        "HM Treasury (2022) The Green Book: Central Government Guidance on Appraisal and "
        "Evaluation, Annex A6 'Discounting': the standard social time preference rate (STPR) "
        "schedule (3.5% years 0-30, 3.0% 31-75, 2.5% 76-125, 2.0% 126-200, 1.5% 201-300, "
        "1.0% 301+) and the reduced rate for health effects (1.5%, declining on the same bands "
        "to 1.29%, 1.07%, 0.86%, 0.64%, 0.43%)."
    ),
    band_starts=(1, 31, 76, 126, 201, 301),
    schedules={
        "standard": (0.035, 0.030, 0.025, 0.020, 0.015, 0.010),
        "health": (0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043),
    },
)

#: Every discount table by version id; add new editions here, never edit an old one.
DISCOUNT_TABLES: Mapping[str, DiscountTable] = {GREEN_BOOK_2022.version: GREEN_BOOK_2022}
#: The edition used when none is named.
DEFAULT_DISCOUNT_VERSION = GREEN_BOOK_2022.version


def discount_table(version: str = DEFAULT_DISCOUNT_VERSION) -> DiscountTable:
    """The discount table of this version, or :class:`AppraisalError` naming the known ones.

    >>> discount_table().schedules["standard"][0]
    0.035
    """
    return lookup(DISCOUNT_TABLES, version, "discount table version")


# --------------------------------------------------------------------------------------------
# GDP deflators
# --------------------------------------------------------------------------------------------


class DeflatorTable(Frozen):
    """A versioned GDP deflator index by UK financial year."""

    version: str = Field(min_length=1)
    """Identifier of this edition, e.g. ``"ons-ybgb-2025-06"``."""

    citation: Citation
    """Where the figures come from, and how any financial-year values were derived."""

    status: Literal["published", "derived", "illustrative"]
    """``published``: copied from the source; ``derived``: computed from published figures as the
    citation says; ``illustrative``: not a sourced figure."""

    reference: str
    """What equals 100 in the index, e.g. ``"calendar year 2022 = 100"``."""

    index: dict[FinancialYear, float]
    """Financial year -> deflator index value (> 0), consecutive years."""

    @model_validator(mode="after")
    def _check(self) -> DeflatorTable:
        years = list(self.index)
        if not years:
            raise ValueError("a deflator table needs at least one year")
        starts = [int(y[:4]) for y in years]
        if any(not is_consistent_year(y) for y in years) or starts != list(
            range(starts[0], starts[0] + len(starts))
        ):
            raise ValueError("deflator years must be consecutive financial years like '2019/20'")
        if any(not (v > 0 and np.isfinite(v)) for v in self.index.values()):
            raise ValueError("deflator index values must be positive")
        return self


#: ONS series YBGB (UKEA): "Gross domestic product at market prices: Implied deflator: SA",
#: quarterly, calendar year 2022 = 100, as released on 30 June 2025. Values as published (1 dp).
ONS_YBGB_QUARTERLY_2025_06: Mapping[str, float] = {
    "2016 Q1": 84.4, "2016 Q2": 84.6, "2016 Q3": 85.5, "2016 Q4": 86.1,
    "2017 Q1": 86.4, "2017 Q2": 86.5, "2017 Q3": 86.6, "2017 Q4": 87.4,
    "2018 Q1": 87.5, "2018 Q2": 88.1, "2018 Q3": 88.6, "2018 Q4": 89.3,
    "2019 Q1": 89.3, "2019 Q2": 90.2, "2019 Q3": 90.6, "2019 Q4": 91.1,
    "2020 Q1": 91.9, "2020 Q2": 98.8, "2020 Q3": 94.9, "2020 Q4": 94.3,
    "2021 Q1": 95.3, "2021 Q2": 93.9, "2021 Q3": 94.5, "2021 Q4": 95.6,
    "2022 Q1": 97.0, "2022 Q2": 99.1, "2022 Q3": 100.7, "2022 Q4": 103.2,
    "2023 Q1": 105.0, "2023 Q2": 106.8, "2023 Q3": 107.8, "2023 Q4": 108.0,
    "2024 Q1": 109.3, "2024 Q2": 110.1, "2024 Q3": 112.1, "2024 Q4": 113.2,
    "2025 Q1": 114.1,
}  # fmt: skip


def financial_year_means(quarterly: Mapping[str, float]) -> dict[str, float]:
    """Mean of the four quarters April-March (Q2, Q3, Q4, then Q1 of the next year) for each
    financial year the quarterly series covers completely.

    >>> financial_year_means({"2019 Q2": 1, "2019 Q3": 2, "2019 Q4": 3, "2020 Q1": 6})
    {'2019/20': 3.0}
    """
    years = sorted({int(key[:4]) for key in quarterly})
    out: dict[str, float] = {}
    for y in years:
        keys = [f"{y} Q2", f"{y} Q3", f"{y} Q4", f"{y + 1} Q1"]
        if all(k in quarterly for k in keys):
            # Rounded to 4 dp: the mean of four 1-dp values is exact there (no float noise).
            out[f"{y}/{(y + 1) % 100:02d}"] = round(sum(float(quarterly[k]) for k in keys) / 4, 4)
    return out


ONS_YBGB_2025_06 = DeflatorTable(
    version="ons-ybgb-2025-06",
    citation=(
        "ONS series YBGB, 'Gross domestic product at market prices: Implied deflator: SA' "
        "(dataset UKEA, release of 30 June 2025, calendar year 2022 = 100), quarterly values; "
        "the financial-year values here are the mean of the four quarters April-March, derived "
        "by finmodel. HM Treasury's 'GDP deflators at market prices, and money GDP' uses the same "
        "ONS national accounts (financial years from series L8GG) and may differ in the last "
        "digit; its financial-year table could not be retrieved for this edition."
    ),
    status="derived",
    reference="calendar year 2022 = 100",
    index=financial_year_means(ONS_YBGB_QUARTERLY_2025_06),
)

#: Every deflator table by version id.
DEFLATOR_TABLES: Mapping[str, DeflatorTable] = {ONS_YBGB_2025_06.version: ONS_YBGB_2025_06}
#: The edition used when none is named.
DEFAULT_DEFLATOR_VERSION = ONS_YBGB_2025_06.version


def deflator_table(version: str | DeflatorTable = DEFAULT_DEFLATOR_VERSION) -> DeflatorTable:
    """The GDP deflator table of this version, or :class:`AppraisalError` naming the known ones.
    A :class:`DeflatorTable` given instead of a version (a user's own series) is used as it is.

    >>> deflator_table().index["2019/20"]
    90.95
    """
    if isinstance(version, DeflatorTable):
        return version
    return lookup(DEFLATOR_TABLES, version, "deflator table version")
