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
    lines = [(p, c) for p in model.partners for c in p.costs]
    differs = np.zeros(len(lines), dtype=bool)
    for k, (_, line) in enumerate(lines):

        def own(name: str, line: object = line) -> FloatArray:
            value = getattr(line, name)
            return _rate(getattr(a, name) if value is None else value, horizon)

        if line.demand_driver is not None:
            driver = _rate(model.drivers[line.demand_driver].growth, horizon)
            demand = (1 + driver) * (1 + own("non_demographic_growth")) - 1
        else:
            demand = own("demand_growth")
        compiled = (1 + inputs.driver_growth[k]) * (1 + inputs.direct_growth[k]) - 1
        differs[k] = not (
            np.allclose(compiled, demand, rtol=0, atol=RATE_TOLERANCE)
            and np.allclose(inputs.inflation[k], own("inflation"), rtol=0, atol=RATE_TOLERANCE)
            and np.allclose(inputs.efficiency[k], own("efficiency"), rtol=0, atol=RATE_TOLERANCE)
        )
    one_off = (
        np.any(inputs.nonrecurrent_cip != 0, axis=-1)
        if inputs.nonrecurrent_cip.shape[0] == len(lines)
        else np.zeros(len(lines), dtype=bool)
    )
    streams = [(p, f) for p in model.partners for f in p.funding]
    stream_differs = np.zeros(len(streams), dtype=bool)
    for k, (_, stream) in enumerate(streams):
        growth = stream.funding_growth if stream.funding_growth is not None else a.funding_growth
        stream_differs[k] = not np.allclose(
            inputs.funding_growth[k], _rate(growth, horizon), rtol=0, atol=RATE_TOLERANCE
        )
    return EngineRates(differs | one_off, one_off, stream_differs)
