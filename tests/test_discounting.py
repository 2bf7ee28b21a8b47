"""Green Book discount factors (SPEC section 5, invariant 7) and GDP-deflator price conversion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.appraisal.discounting import (
    DEFAULT_DEFLATOR_VERSION,
    DEFAULT_DISCOUNT_VERSION,
    DEFLATOR_TABLES,
    DISCOUNT_TABLES,
    AppraisalError,
    DiscountTable,
    deflator_index,
    deflator_table,
    discount_factors,
    discount_rates,
    to_nominal,
    to_real,
)
from finmodel.domain.appraisal_tables import ONS_YBGB_QUARTERLY_2025_06, financial_year_means

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def test_standard_schedule_checks_from_spec() -> None:
    df = discount_factors(31)
    assert df[0] == 1.0
    assert round(float(df[10]), 5) == 0.70892
    assert round(float(df[30]), 5) == 0.35628
    assert round(float(df[31]), 5) == 0.34590


def test_standard_rates_change_at_the_band_edges() -> None:
    r = discount_rates(301)  # r[k-1] is the rate of year k
    for year, rate in [(1, 0.035), (30, 0.035), (31, 0.03), (75, 0.03), (76, 0.025),
                       (125, 0.025), (126, 0.02), (200, 0.02), (201, 0.015), (300, 0.015),
                       (301, 0.01)]:  # fmt: skip
        assert r[year - 1] == pytest.approx(rate), year


def test_health_schedule() -> None:
    r = discount_rates(301, "health")
    for year, rate in [(1, 0.015), (30, 0.015), (31, 0.0129), (76, 0.0107), (126, 0.0086),
                       (201, 0.0064), (301, 0.0043)]:  # fmt: skip
        assert r[year - 1] == pytest.approx(rate), year
    df = discount_factors(31, "health")
    assert df[30] == pytest.approx(1.015**-30)
    assert round(float(df[30]), 5) == 0.63976
    assert df[31] == pytest.approx(1.015**-30 / 1.0129)


@SETTINGS
@given(n=st.integers(0, 400), schedule=st.sampled_from(["standard", "health"]))
def test_factors_are_the_product_of_the_rates(n: int, schedule: str) -> None:
    df = discount_factors(n, schedule)
    rates = discount_rates(n, schedule)
    assert df.shape == (n + 1,)
    assert df[0] == 1.0
    np.testing.assert_allclose(df[:-1] / df[1:], 1.0 + rates, rtol=1e-12)
    assert np.all(np.diff(df) < 0)


def test_mid_year_discounting() -> None:
    end = discount_factors(40)
    mid = discount_factors(40, mid_year=True)
    assert mid[0] == 1.0
    assert mid[1] == pytest.approx(1.035**-0.5)
    assert mid[31] == pytest.approx(end[30] / 1.03**0.5)
    assert np.all(mid[1:] > end[1:]) and np.all(mid[1:] < end[:-1])


def test_tables_are_versioned_and_cited() -> None:
    table = DISCOUNT_TABLES[DEFAULT_DISCOUNT_VERSION]
    assert table.version == "green-book-2022" and "Green Book" in table.citation
    np.testing.assert_array_equal(
        discount_factors(50, version="green-book-2022"), discount_factors(50)
    )
    deflators = DEFLATOR_TABLES[DEFAULT_DEFLATOR_VERSION]
    assert deflators.status == "derived" and "YBGB" in deflators.citation


def test_unknown_version_or_schedule_names_the_known_ones() -> None:
    with pytest.raises(AppraisalError, match="green-book-2022"):
        discount_factors(10, version="green-book-1066")
    with pytest.raises(AppraisalError, match="health, standard"):
        discount_factors(10, schedule="social")
    with pytest.raises(AppraisalError, match="ons-ybgb-2025-06"):
        deflator_table("hmt-1999")


def test_a_discount_table_must_have_one_rate_per_band() -> None:
    with pytest.raises(ValueError, match="one rate per band"):
        DiscountTable(version="x", citation="illustrative", band_starts=(1, 31),
                      schedules={"standard": (0.035,)})  # fmt: skip


def test_deflator_financial_years_are_april_to_march_means() -> None:
    table = deflator_table()
    years = list(table.index)
    assert (years[0], years[-1]) == ("2016/17", "2024/25")
    assert table.index["2019/20"] == pytest.approx((90.2 + 90.6 + 91.1 + 91.9) / 4)
    assert table.index["2024/25"] == pytest.approx((110.1 + 112.1 + 113.2 + 114.1) / 4)
    assert financial_year_means(ONS_YBGB_QUARTERLY_2025_06) == table.index


def test_to_real_uses_the_price_base_year() -> None:
    years = ["2019/20", "2020/21", "2021/22"]
    real = to_real([100.0, 100.0, 100.0], years, "2019/20")
    d = deflator_table().index
    np.testing.assert_allclose(real, [100.0, 100.0 * d["2019/20"] / d["2020/21"],
                                      100.0 * d["2019/20"] / d["2021/22"]])  # fmt: skip
    assert real[0] == 100.0


@SETTINGS
@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=9),
    base=st.sampled_from(["2016/17", "2019/20", "2024/25", "2027/28"]),
)
def test_nominal_real_round_trip(values: list[float], base: str) -> None:
    years = [f"{2016 + i}/{(17 + i) % 100:02d}" for i in range(len(values))]
    real = to_real(values, years, base, extend_rate=0.02)
    np.testing.assert_allclose(to_nominal(real, years, base, extend_rate=0.02), values,
                               rtol=1e-12, atol=1e-9)  # fmt: skip


def test_years_outside_the_table_need_an_extension_rate() -> None:
    with pytest.raises(AppraisalError, match="give extend_rate"):
        deflator_index(["2025/26"])
    with pytest.raises(AppraisalError, match="not a financial year"):
        deflator_index(["2025/27"])
    extended = deflator_index(["2024/25", "2026/27", "2015/16"], extend_rate=0.02)
    last, first = deflator_table().index["2024/25"], deflator_table().index["2016/17"]
    np.testing.assert_allclose(extended, [last, last * 1.02**2, first / 1.02])


def test_to_real_checks_the_year_axis() -> None:
    with pytest.raises(AppraisalError, match="one value per year"):
        to_real(np.ones((2, 3)), ["2019/20", "2020/21"], "2019/20")
    out = to_real(np.ones((4, 2)), ["2019/20", "2020/21"], "2020/21")
    assert out.shape == (4, 2) and np.all(out[:, 1] == 1.0)
