"""Staff in post month by month in the service model's loop (:func:`finmodel.service.ipa._staffing`):
months in which no one's share changes reuse the month before, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.service import IpaServiceParameters
from finmodel.service.ipa import _staffing


def _naive(t: int, base: np.ndarray, terms: list, ramp: float) -> np.ndarray:
    total = base
    for posts, arrive, end in terms:
        total = total + posts * (np.clip((t - arrive) / ramp, 0.0, 1.0) * (t < end))
    return np.maximum(total, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(0, 4),
    st.booleans(),
)
def test_each_month_equals_the_direct_computation(seed: int, ramp_months: int, ends: bool) -> None:
    rng = np.random.default_rng(seed)
    months = 40
    params = IpaServiceParameters.example().model_copy(
        update={"horizon_months": months, "ramp_months": ramp_months}
    )
    draws, options = 6, 3
    p = {
        name: np.asarray(getattr(params, name), dtype=float).reshape(1, 1)
        for name in (
            "vacancy_factor",
            "interim_premium",
            "cost_per_fte_k",
            "interim_lag_months",
            "base_fte",
        )
    }
    p["recruitment_lag_months"] = rng.choice([0.0, 1.0, 2.5, 3.0, 6.25], size=(draws, 1))
    amount = rng.choice([0.0, 796.0, 2000.0], size=(1, options))
    start = rng.integers(0, 20, size=(1, options))
    end = rng.integers(1, months + 2, size=(1, options)) if ends else np.full((1, options), 99)
    blocks = [(amount, start, end, False), (amount / 2, start + 3, end, True)]
    fte = _staffing(params, p, blocks)
    ramp = float(max(ramp_months, 1))
    in_post = 1.0 - p["vacancy_factor"]
    terms = []
    for a, s, e, interim in blocks:
        premium = p["interim_premium"] if interim else 0.0
        lag = p["interim_lag_months"] if interim else p["recruitment_lag_months"]
        terms.append((a / (p["cost_per_fte_k"] * (1.0 + premium)) * in_post, s + lag - 1.0, e))
    for t in range(months):
        assert np.array_equal(fte(t), _naive(t, p["base_fte"], terms, ramp))
