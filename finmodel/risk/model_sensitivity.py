"""Tornado sensitivity of a model, through the vectorised kernel.

Each uncertain input of the ``uncertainty:`` section moves from its P10 to its P90 (for
``interval80`` these are its ``low`` and ``high``; for the others the 10th and 90th percentiles of
the distribution, so every bar covers the same 80% of probability) with every other input at its
modelled value; the bar is the change in the final-year system surplus (£k) and, for each
investment with a service model, in the NPSV of its preferred option (£k real). All ``2K + 1``
cases go through the kernel in one call.

>>> from finmodel.io.yaml_io import load_model
>>> result = sensitivity(load_model("models/lsc_ics.yaml"))
>>> result.tornados["system_surplus"].label.startswith("System surplus")
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from finmodel.domain.model import Model
from finmodel.domain.validation import apply_scenario
from finmodel.engine.inputs import FloatArray
from finmodel.engine.projection import project_arrays
from finmodel.errors import InputError, Problem
from finmodel.investment.projection import compile_inputs
from finmodel.risk.inputs import UncertainValue, uncertain_inputs
from finmodel.risk.kernel import Kernel
from finmodel.risk.sensitivity_maths import TornadoRow, tornados
from finmodel.risk.service_draws import InvestmentAnswers, InvestmentEvaluator

#: Probabilities of the low and high end of each tornado bar.
TORNADO_LEVELS = (0.1, 0.9)


def tornado_range(value: UncertainValue) -> tuple[float, float]:
    """The low and high value of an input's tornado bar: its P10 and P90 (clipped to range)."""
    valid = value.target.valid if value.target.apply == "set" else None
    return value.distribution.interval(*TORNADO_LEVELS, valid=valid)


@dataclass(frozen=True)
class Tornado:
    """One tornado: the swing of a metric as each input goes from its P10 to its P90."""

    metric: str
    """Machine name, e.g. ``system_surplus``."""
    label: str
    """Readable name with year and unit, e.g. "System surplus 2024/25, £k"."""
    base: float
    """The metric with every input at its modelled value."""
    rows: list[TornadoRow]
    """Bars sorted by absolute swing, largest first."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready rows."""
        return {
            "metric": self.metric,
            "label": self.label,
            "base": self.base,
            "rows": [
                {
                    "input": row.input,
                    "low": float(np.asarray(row.low_value)),
                    "high": float(np.asarray(row.high_value)),
                    "at_low": row.output_at_low,
                    "at_high": row.output_at_high,
                    "swing": row.swing,
                }
                for row in self.rows
            ],
        }


@dataclass(frozen=True)
class SensitivityResult:
    """Tornados of a model's uncertain inputs."""

    model_name: str
    scenario: str | None
    year: str
    inputs: list[UncertainValue]
    tornados: dict[str, Tornado]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "model": self.model_name,
            "scenario": self.scenario,
            "units": "gbp_thousands",
            "year": self.year,
            "range": "each input from its P10 to its P90, the others at their modelled values",
            "tornados": {name: t.to_json() for name, t in self.tornados.items()},
        }


def tornado_option(
    answers: InvestmentAnswers, deterministic: FloatArray, baseline: int
) -> tuple[int, str]:
    """The option whose NPSV the tornado shows: the preferred one (highest NPSV), or when that
    is do nothing (``baseline``, NPSV 0 by definition), the best other option; with a note."""
    order = [int(i) for i in np.argsort(-deterministic, kind="stable")]
    preferred = order[0]
    if preferred != baseline or len(order) == 1:
        return preferred, "preferred option"
    best_other = next(i for i in order if i != baseline)
    return best_other, f"best option other than {answers.option_ids[preferred]}, which is preferred"


def sensitivity(model: Model, scenario: str | None = None) -> SensitivityResult:
    """Tornados of every uncertain input: on the final-year system surplus (£k) and, for each
    investment with a service model, on the NPSV of its preferred option (£k real).

    Raises :class:`~finmodel.errors.InputError` for a model without uncertain inputs.
    """
    projected = apply_scenario(model, scenario)
    inputs = compile_inputs(projected)
    values = uncertain_inputs(projected, inputs)
    if not values:
        raise InputError(
            [Problem(model.origin, "uncertainty", "the model has no uncertain inputs")]
        )
    targets = [v.target for v in values]
    kernel = Kernel(inputs, targets, project_arrays(inputs))
    evaluator = InvestmentEvaluator(projected, targets)
    keys = [v.key for v in values]
    year = inputs.years[-1]
    base_answers = evaluator.evaluate(np.full((1, len(keys)), np.nan)).answers
    chosen = {
        inv_id: tornado_option(a, a.npsv[0], projected.investments[inv_id].baseline_index())
        for inv_id, a in base_answers.items()
    }
    metrics = ["system_surplus", *(f"npsv:{inv_id}" for inv_id in chosen)]

    def outputs(batch: dict[str, FloatArray]) -> FloatArray:
        columns = np.column_stack([np.asarray(batch[key], dtype=float) for key in keys])
        invest = evaluator.evaluate(columns)
        out = kernel.evaluate(columns, invest.expenditure_deviation)
        npsv = [invest.answers[i].npsv[:, option] for i, (option, _) in chosen.items()]
        return np.column_stack([out.system_surplus[-1], *npsv])

    base = {key: math.nan for key in keys}
    ranges = {v.key: tornado_range(v) for v in values}
    found = tornados(outputs, base, ranges, metrics)
    reference = float(kernel.reference.system_surplus[-1])
    result = {
        "system_surplus": Tornado(
            "system_surplus", f"System surplus {year}, £k", reference, found["system_surplus"]
        )
    }
    for inv_id, (option, why) in chosen.items():
        answers = base_answers[inv_id]
        rows = [row for row in found[f"npsv:{inv_id}"] if row.swing != 0]
        label = f"NPSV of {inv_id} option {answers.option_ids[option]} ({why}), £k real"
        result[f"npsv:{inv_id}"] = Tornado(
            f"npsv:{inv_id}", label, float(answers.npsv[0, option]), rows
        )
    return SensitivityResult(projected.name, scenario, year, values, result)
