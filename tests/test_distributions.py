"""Tests for finmodel.domain.distributions: inverse CDFs, moments, points, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import special, stats

from finmodel.domain.distributions import (
    INTERVAL80_WIDTH_IN_SD,
    Distribution,
    Interval80,
    Normal,
    Pert,
    Triangular,
    Uniform,
    beta_ppf,
    parse_distribution,
    sample_columns,
)
from finmodel.risk.sampling import draw_uniforms

SRC = "illustrative"
N = 200_000
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
probabilities = st.lists(
    st.floats(min_value=1e-12, max_value=1 - 1e-12), min_size=1, max_size=50
).map(np.array)


@pytest.fixture(scope="module")
def uniforms() -> np.ndarray:
    return draw_uniforms(2024, slice(0, N), 1, n_draws=N)[:, 0]


def _pert_variance(low: float, mode: float, high: float) -> float:
    a = 1 + 4 * (mode - low) / (high - low)
    b = 1 + 4 * (high - mode) / (high - low)
    return a * b * (high - low) ** 2 / ((a + b) ** 2 * (a + b + 1))


CASES: list[tuple[Distribution, float, float]] = [
    (Uniform(low=-1.0, high=3.0, source=SRC), 1.0, 16 / 12),
    (
        Triangular(low=0.01, mode=0.02, high=0.04, source=SRC),
        0.07 / 3,
        (0.01**2 + 0.02**2 + 0.04**2 - 0.01 * 0.02 - 0.01 * 0.04 - 0.02 * 0.04) / 18,
    ),
    (Triangular(low=0.0, mode=0.0, high=1.0, source=SRC), 1 / 3, 1 / 18),
    (Pert(low=100.0, mode=130.0, high=250.0, source=SRC), 870 / 6, _pert_variance(100, 130, 250)),
    (Pert(low=0.0, mode=1.0, high=1.0, source=SRC), 5 / 6, _pert_variance(0, 1, 1)),
    (Normal(mean=2.5, sd=0.7, source=SRC), 2.5, 0.49),
    (Interval80(low=0.01, high=0.05, source=SRC), 0.03, (0.04 / INTERVAL80_WIDTH_IN_SD) ** 2),
]


@pytest.mark.parametrize(
    ("spec", "mean", "variance"), CASES, ids=[f"{c[0].dist}-{i}" for i, c in enumerate(CASES)]
)
def test_sample_moments_match_analytic(spec, mean, variance, uniforms):
    values = spec.ppf(uniforms)
    sd = math.sqrt(variance)
    assert spec.mean == pytest.approx(mean, rel=1e-12)
    # Standard error of the mean is sd / sqrt(N); allow 5 of them.
    assert abs(values.mean() - mean) < 5 * sd / math.sqrt(N)
    assert values.var() == pytest.approx(variance, rel=0.02)


@pytest.mark.parametrize(
    ("spec", "reference"),
    [
        (Triangular(low=1.0, mode=1.5, high=4.0, source=SRC), stats.triang(0.5 / 3, 1.0, 3.0)),
        (Pert(low=1.0, mode=1.5, high=4.0, source=SRC), stats.beta(1 + 2 / 3, 1 + 10 / 3, 1, 3)),
        (Normal(mean=-2.0, sd=3.0, source=SRC), stats.norm(-2.0, 3.0)),
        (Interval80(low=1.0, high=2.0, source=SRC), stats.norm(1.5, 1 / 2.5631)),
    ],
)
def test_ppf_matches_scipy_reference(spec, reference):
    u = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(spec.ppf(u), reference.ppf(u), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("mode_share", [*np.linspace(0, 1, 21).tolist(), 1e-9, 0.123456789])
def test_fast_beta_quantiles_match_the_exact_inverse(mode_share):
    # PERT shapes: alpha + beta = 6, both in [1, 5]; the tabulated path must match scipy.
    alpha = 1 + 4 * mode_share
    beta = 6 - alpha
    u = np.concatenate([np.linspace(1e-9, 1 - 1e-9, 10_001), [1 / 32, 31 / 32, 0.5]])
    fast = beta_ppf(alpha, beta, u)
    np.testing.assert_allclose(fast, special.betaincinv(alpha, beta, u), rtol=0, atol=1e-9)
    assert (np.diff(fast[:-3]) >= 0).all()
    assert beta_ppf(alpha, beta, np.float64(0.3)).shape == ()
    assert beta_ppf(alpha, beta, np.full((2, 3), 0.3)).shape == (2, 3)


def test_interval80_puts_low_and_high_at_p10_and_p90():
    spec = Interval80(low=0.02, high=0.06, source=SRC)
    low, high = spec.interval(0.1, 0.9)
    assert low == pytest.approx(0.02, abs=1e-6)
    assert high == pytest.approx(0.06, abs=1e-6)


def test_interval80_is_clipped_to_the_valid_range(uniforms):
    spec = Interval80(low=-0.5, high=0.5, source=SRC)
    values = spec.ppf(uniforms, valid=(-0.9, 0.2))
    assert values.min() == -0.9
    assert values.max() == 0.2
    # Mass beyond the bounds lands on them: P(x > 0.2) for the unclipped normal.
    share_at_top = np.mean(values == 0.2)
    assert share_at_top == pytest.approx(stats.norm(0, 1 / 2.5631).sf(0.2), abs=0.005)


def test_one_sided_valid_range():
    spec = Normal(mean=0.0, sd=1.0, source=SRC)
    values = spec.ppf(np.array([0.001, 0.5, 0.999]), valid=(None, 0.5))
    assert values[0] < -3
    assert values[2] == 0.5


@given(
    st.sampled_from(["uniform", "triangular", "pert", "normal", "interval80"]),
    finite,
    probabilities,
)
def test_point_distributions_return_the_point_exactly(kind, value, u):
    spec = {
        "uniform": Uniform(low=value, high=value, source=SRC),
        "triangular": Triangular(low=value, mode=value, high=value, source=SRC),
        "pert": Pert(low=value, mode=value, high=value, source=SRC),
        "normal": Normal(mean=value, sd=0.0, source=SRC),
        "interval80": Interval80(low=value, high=value, source=SRC),
    }[kind]
    assert spec.point == value
    assert spec.mean == value
    assert spec.support == (value, value)
    out = spec.ppf(u)
    assert out.dtype == np.float64
    assert (out == value).all()


@given(finite, st.floats(min_value=0.001, max_value=1e4), probabilities)
def test_collapsed_keeps_the_kind_and_source(value, spread, u):
    for spec in (
        Uniform(low=value - spread, high=value + spread, source="NHSE 2023"),
        Triangular(low=value - spread, mode=value, high=value + spread, source="NHSE 2023"),
        Pert(low=value - spread, mode=value, high=value + spread, source="NHSE 2023"),
        Normal(mean=value, sd=spread, source="NHSE 2023"),
        Interval80(low=value - spread, high=value + spread, source="NHSE 2023"),
    ):
        assert spec.point is None
        point = spec.collapsed(value)
        assert type(point) is type(spec)
        assert point.source == "NHSE 2023"
        assert (point.ppf(u) == value).all()


@given(
    st.floats(min_value=-1e3, max_value=1e3),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_ppf_is_monotone_and_within_support(low, mode_share, width):
    high = low + width
    mode = min(max(low + mode_share * width, low), high)
    u = np.linspace(1e-9, 1 - 1e-9, 201)
    for spec in (
        Uniform(low=low, high=high, source=SRC),
        Triangular(low=low, mode=mode, high=high, source=SRC),
        Pert(low=low, mode=mode, high=high, source=SRC),
    ):
        values = spec.ppf(u)
        assert (np.diff(values) >= 0).all()
        assert values.min() >= low
        assert values.max() <= high


def test_ppf_keeps_the_shape_of_u():
    spec = Pert(low=0.0, mode=1.0, high=3.0, source=SRC)
    assert spec.ppf(np.full((4, 3, 2), 0.5)).shape == (4, 3, 2)


@pytest.mark.parametrize(
    "data",
    [
        {"dist": "uniform", "low": 2, "high": 1, "source": SRC},
        {"dist": "triangular", "low": 0, "mode": 2, "high": 1, "source": SRC},
        {"dist": "triangular", "low": 0, "mode": -1, "high": 1, "source": SRC},
        {"dist": "pert", "low": 1, "mode": 0.5, "high": 2, "source": SRC},
        {"dist": "normal", "mean": 0, "sd": -1, "source": SRC},
        {"dist": "normal", "mean": float("nan"), "sd": 1, "source": SRC},
        {"dist": "uniform", "low": 0, "high": float("inf"), "source": SRC},
        {"dist": "interval80", "low": 3, "high": 1, "source": SRC},
        {"dist": "lognormal", "low": 1, "high": 2, "source": SRC},
        {"low": 1, "high": 2, "source": SRC},
        {"dist": "uniform", "low": 1, "high": 2},
        {"dist": "uniform", "low": 1, "high": 2, "source": "  "},
        {"dist": "uniform", "low": 1, "high": 2, "source": SRC, "mode": 1.5},
        {"dist": "pert", "low": 1, "high": 2, "source": SRC},
    ],
)
def test_bad_specifications_are_rejected(data):
    with pytest.raises(ValidationError):
        parse_distribution(data)


@given(finite, finite, finite)
def test_low_mode_high_order_is_enforced(a, b, c):
    ordered = a <= b <= c
    try:
        Triangular(low=a, mode=b, high=c, source=SRC)
    except ValidationError:
        assert not ordered
    else:
        assert ordered


def test_parse_picks_the_kind_from_dist_and_round_trips():
    data = {"dist": "normal", "mean": 0.02, "sd": 0.005, "source": "ONS CPI 2024"}
    spec = parse_distribution(data)
    assert isinstance(spec, Normal)
    assert spec.mean == 0.02
    assert spec.model_dump() == {"source": "ONS CPI 2024", **data}
    assert parse_distribution(spec.model_dump()) == spec
    tri = parse_distribution({"dist": "triangular", "low": 1, "mode": 2, "high": 4, "source": SRC})
    assert isinstance(tri, Triangular)
    assert parse_distribution(tri.model_dump()) == tri


def test_specifications_are_frozen():
    spec = Uniform(low=0.0, high=1.0, source=SRC)
    with pytest.raises(ValidationError):
        spec.low = 0.5  # type: ignore[misc]


def test_problems_within_a_valid_range():
    assert Uniform(low=-0.5, high=0.5, source=SRC).problems_within(-1, None) == []
    assert Uniform(low=-1.5, high=0.5, source=SRC).problems_within(-1, None) == [
        "low -1.5 is below the valid minimum -1"
    ]
    assert Pert(low=0, mode=0.5, high=1.2, source=SRC).problems_within(0, 1) == [
        "high 1.2 is above the valid maximum 1"
    ]
    # Unbounded distributions are clipped when sampled: only the mean must be valid.
    assert Normal(mean=0.9, sd=0.5, source=SRC).problems_within(0, 1) == []
    assert Interval80(low=1.1, high=1.5, source=SRC).problems_within(0, 1) == [
        "mean 1.3 is above the valid maximum 1"
    ]


def test_sample_columns_applies_each_spec_and_range():
    specs: list[Distribution] = [
        Uniform(low=0, high=10, source=SRC),
        Normal(mean=0, sd=1, source=SRC),
        Pert(low=5, mode=5, high=5, source=SRC),
    ]
    u = draw_uniforms(3, slice(0, 1000), 3, n_draws=1000)
    values = sample_columns(specs, u, valid=[None, (-1.0, 1.0), None])
    assert values.shape == (1000, 3)
    np.testing.assert_array_equal(values[:, 0], 10 * u[:, 0])
    assert values[:, 1].min() == -1.0
    assert values[:, 1].max() == 1.0
    assert (values[:, 2] == 5).all()
    with pytest.raises(ValueError, match="shape"):
        sample_columns(specs, u[:, :2])
