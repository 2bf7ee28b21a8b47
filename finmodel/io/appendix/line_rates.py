"""Which cost lines and funding streams the appendix can write as formulas of Inputs.

The Calculations sheet grows each line by the rates on Inputs (its own rate, else the system
assumption). Where the engine compiled a different rate (the NHS rules: tariff cost uplift and
efficiency factor, block contracts without demand, CIP, QIPP, price series; allocation growth
and convergence), a formula of Inputs would not reproduce the engine, so those rates are
written on Calculations as engine values, listed on the Cover (:func:`engine_rate_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finmodel.domain.model import Model
from finmodel.engine.inputs import FloatArray, ProjectionInputs, year_vector
from finmodel.engine.nhs_rules import year_rows

#: Largest difference between a compiled rate and the rate Inputs gives that still agrees.
RATE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class EngineRates:
    """Lines and streams whose compiled rates differ from the rates Inputs implies."""

    lines: np.ndarray  # (L,) bool: demand, inflation or efficiency differ, or non-recurrent CIP
    one_off_lines: np.ndarray  # (L,) bool: a non-recurrent CIP saving on the line
    streams: np.ndarray  # (F,) bool: funding growth differs


def _rate(value: object, horizon: int) -> FloatArray:
    return np.asarray(year_vector(value, horizon), dtype=float)  # type: ignore[arg-type]


def engine_rates(model: Model, inputs: ProjectionInputs) -> EngineRates:
    """Compare the engine's compiled rates with the rates the Inputs sheet gives each row.

    >>> from finmodel.io.yaml_io import load_model
    >>> from finmodel.engine.inputs import compile_model
    >>> m = load_model("models/minimal.yaml")
    >>> bool(engine_rates(m, compile_model(m)).lines.any())
    False
    """
    horizon = model.timeline.horizon
    a = model.assumptions
    lines = [c for p in model.partners for c in p.costs]

    def table(name: str) -> FloatArray:
        """Each line's own rate, else the system assumption: (L, H)."""
        default = _rate(getattr(a, name), horizon)
        return year_rows([getattr(line, name) for line in lines], default)

    driver_ids = list(model.drivers)
    drivers = year_rows([d.growth for d in model.drivers.values()], np.zeros(horizon))
    driver_of = np.array(
        [-1 if c.demand_driver is None else driver_ids.index(c.demand_driver) for c in lines],
        dtype=np.int64,
    )
    with_driver = driver_of >= 0
    driver_growth = np.zeros((len(lines), horizon))
    if drivers.shape[0]:
        driver_growth[with_driver] = drivers[driver_of[with_driver]]
    demand = np.where(
        with_driver[:, None],
        (1 + driver_growth) * (1 + table("non_demographic_growth")) - 1,
        table("demand_growth"),
    )
    compiled = (1 + inputs.driver_growth) * (1 + inputs.direct_growth) - 1

    def differ(x: FloatArray, y: FloatArray) -> np.ndarray:
        return np.any(np.abs(x - y) > RATE_TOLERANCE, axis=-1)

    differs = (
        differ(compiled, demand)
        | differ(inputs.inflation, table("inflation"))
        | differ(inputs.efficiency, table("efficiency"))
    )
    one_off = (
        np.any(inputs.nonrecurrent_cip != 0, axis=-1)
        if inputs.nonrecurrent_cip.shape[0] == len(lines)
        else np.zeros(len(lines), dtype=bool)
    )
    streams = [f for p in model.partners for f in p.funding]
    growth = year_rows([f.funding_growth for f in streams], _rate(a.funding_growth, horizon))
    stream_differs = differ(inputs.funding_growth, growth)
    return EngineRates(differs | one_off, one_off, stream_differs)
