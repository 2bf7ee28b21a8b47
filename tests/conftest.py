"""Shared fixtures: the bundled models, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from finmodel import Model, load_model

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def minimal_model() -> Model:
    return load_model(MODELS / "minimal.yaml")


@pytest.fixture(scope="session")
def default_model() -> Model:
    return load_model(MODELS / "lsc_ics.yaml")
