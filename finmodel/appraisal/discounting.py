"""Green Book discounting and GDP-deflator price conversion, from versioned data tables.

Conventions (stated once for the appraisal package):

* **Year index** ``t = 0`` is the first appraisal year ("now"); it is not discounted.
* **Discount factor** ``DF_0 = 1`` and ``DF_t = prod_{k=1..t} 1 / (1 + r_k)`` where ``r_k`` is the
  rate of the band that year ``k`` falls in (the Green Book's declining schedule: 3.5% for years
  1-30, 3.0% for 31-75, ...). With **mid-year** discounting a year's flows are taken to arrive
  half-way through it: ``DF_0 = 1`` and ``DF_t = DF_{t-1} / (1 + r_t) ** 0.5`` for ``t >= 1``.
* **Prices**: the economic case is in *real* prices of a *price-base year*; nominal (cash) amounts
  are converted with a GDP deflator index: ``real = nominal * D[base] / D[year]``.

Every table is kept as data with a ``version`` id and a ``citation`` so that an appraisal can say
exactly which rates and deflators it used, and a newer table can be added beside the old one.
The tables are published reference data that model files name, so they are defined in
:mod:`finmodel.domain.appraisal_tables` (re-exported here); this module holds the arithmetic.

Example
-------
>>> round(float(discount_factors(10)[10]), 5)
0.70892
>>> [round(float(x), 5) for x in discount_factors(31)[[30, 31]]]
[0.35628, 0.3459]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from finmodel.domain.appraisal_tables import (
    DEFAULT_DEFLATOR_VERSION,
    DEFAULT_DISCOUNT_VERSION,
    DEFLATOR_TABLES,
    DISCOUNT_TABLES,
    DeflatorTable,
    DiscountTable,
    deflator_table,
    discount_table,
)
from finmodel.domain.tables import AppraisalError, lookup
from finmodel.domain.types import is_consistent_year

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Discount-rate tables
# --------------------------------------------------------------------------------------------


def discount_rates(
    n_years: int, schedule: str = "standard", version: str = DEFAULT_DISCOUNT_VERSION
) -> FloatArray:
    """Annual discount rates ``r_1 .. r_n`` (fractions) of a schedule, one per year index 1..n.

    >>> [float(r) for r in discount_rates(32)[[0, 29, 30, 31]]]
    [0.035, 0.035, 0.03, 0.03]
    """
    if n_years < 0:
        raise AppraisalError(f"n_years must be >= 0, got {n_years}")
    table = discount_table(version)
    rates = lookup(table.schedules, schedule, "discount schedule", f" in {table.version}")
    years = np.arange(1, n_years + 1)
    band = np.searchsorted(np.asarray(table.band_starts), years, side="right") - 1
    return np.asarray(rates, dtype=float)[band]


def discount_factors(
    n_years: int,
    schedule: str = "standard",
    mid_year: bool = False,
    version: str = DEFAULT_DISCOUNT_VERSION,
) -> FloatArray:
    """Discount factors ``DF_0 .. DF_n`` (``n_years + 1`` values) of a Green Book schedule.

    ``DF_0 = 1`` and ``DF_t = prod_{k=1..t} 1/(1 + r_k)``. With ``mid_year=True`` the flows of
    year ``t >= 1`` are discounted to the middle of that year: ``DF_t = DF_{t-1} / sqrt(1 + r_t)``
    (year 0 stays undiscounted). Multiply a stream of real amounts by these and sum to get a
    present value.

    >>> round(float(discount_factors(30)[30]), 5)
    0.35628
    >>> round(float(discount_factors(1, mid_year=True)[1]), 5)
    0.98295
    """
    rates = discount_rates(n_years, schedule, version)
    end_of_year = np.concatenate(([1.0], np.cumprod(1.0 / (1.0 + rates))))
    if not mid_year:
        return end_of_year
    mid = end_of_year.copy()
    mid[1:] = end_of_year[:-1] / np.sqrt(1.0 + rates)
    return mid


# --------------------------------------------------------------------------------------------
# GDP deflators
# --------------------------------------------------------------------------------------------


def deflator_index(
    years: Sequence[str],
    version: str | DeflatorTable = DEFAULT_DEFLATOR_VERSION,
    extend_rate: float | None = None,
) -> FloatArray:
    """The deflator index value for each financial year in ``years``.

    A year after the table's last year is only allowed with ``extend_rate`` (an assumed annual
    GDP-deflator inflation, a fraction, e.g. ``0.02``), compounding from the last year; a year
    before its first is extended backwards the same way. Without it such a year is an error.

    >>> [round(float(v), 3) for v in deflator_index(["2024/25", "2025/26"], extend_rate=0.02)]
    [112.375, 114.623]
    """
    table = deflator_table(version)
    first = int(next(iter(table.index))[:4])
    values = np.asarray(list(table.index.values()), dtype=float)
    last = first + len(values) - 1
    out = np.empty(len(years), dtype=float)
    problems: list[str] = []
    for i, label in enumerate(years):
        if not is_consistent_year(label):
            problems.append(f"{label!r} is not a financial year like '2019/20'")
            continue
        y = int(label[:4])
        if first <= y <= last:
            out[i] = values[y - first]
        elif extend_rate is None:
            problems.append(
                f"{label} is outside deflator table {table.version} "
                f"({first}/{(first + 1) % 100:02d} to {last}/{(last + 1) % 100:02d}); "
                "give extend_rate to extrapolate"
            )
        elif y > last:
            out[i] = values[-1] * (1.0 + extend_rate) ** (y - last)
        else:
            out[i] = values[0] * (1.0 + extend_rate) ** (y - first)
    if problems:
        raise AppraisalError("; ".join(problems))
    return out


def _amounts_and_deflators(
    amounts: npt.ArrayLike,
    years: Sequence[str],
    price_base_year: str,
    version: str | DeflatorTable,
    extend_rate: float | None,
) -> tuple[FloatArray, FloatArray]:
    """The amounts as floats (years on the last axis) and the deflator index of ``years``
    followed by that of ``price_base_year``; :class:`AppraisalError` if the shapes differ."""
    index = deflator_index([*years, price_base_year], version, extend_rate)
    values = np.asarray(amounts, dtype=float)
    if values.shape[-1:] != (len(years),):
        raise AppraisalError(
            f"the last axis of the amounts ({values.shape}) must have one value per year "
            f"({len(years)})"
        )
    return values, index


def to_real(
    nominal: npt.ArrayLike,
    years: Sequence[str],
    price_base_year: str,
    version: str | DeflatorTable = DEFAULT_DEFLATOR_VERSION,
    extend_rate: float | None = None,
) -> FloatArray:
    """Convert nominal (cash) amounts to real prices of ``price_base_year``.

    ``nominal`` has the years on its last axis, in the order of ``years``;
    ``real = nominal * D[price_base_year] / D[year]``. Units are unchanged (£k stays £k).

    >>> d = deflator_table().index
    >>> real = to_real([100.0, 100.0], ["2019/20", "2020/21"], "2019/20")
    >>> bool(np.isclose(real[1], 100.0 * d["2019/20"] / d["2020/21"]))
    True
    """
    values, index = _amounts_and_deflators(nominal, years, price_base_year, version, extend_rate)
    return values * (index[-1] / index[:-1])


def to_nominal(
    real: npt.ArrayLike,
    years: Sequence[str],
    price_base_year: str,
    version: str | DeflatorTable = DEFAULT_DEFLATOR_VERSION,
    extend_rate: float | None = None,
) -> FloatArray:
    """Convert real amounts in prices of ``price_base_year`` back to nominal (cash) amounts.

    The inverse of :func:`to_real`: ``nominal = real * D[year] / D[price_base_year]``.

    >>> float(to_nominal([100.0], ["2019/20"], "2019/20")[0])
    100.0
    """
    values, index = _amounts_and_deflators(real, years, price_base_year, version, extend_rate)
    return values * (index[:-1] / index[-1])


__all__ = [
    "DEFAULT_DEFLATOR_VERSION",
    "DEFAULT_DISCOUNT_VERSION",
    "DEFLATOR_TABLES",
    "DISCOUNT_TABLES",
    "AppraisalError",
    "DeflatorTable",
    "DiscountTable",
    "deflator_index",
    "deflator_table",
    "discount_factors",
    "discount_rates",
    "discount_table",
    "to_nominal",
    "to_real",
]
