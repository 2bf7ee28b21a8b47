"""Project a model with its selected investment options: :func:`project` and :func:`compile_inputs`.

The engine projects compiled arrays (:func:`finmodel.engine.projection.project_arrays`); the
net cost of each investment's selected option (:func:`finmodel.investment.effects.
investment_expenditure`) is laid over them here, one layer up, so that the engine never imports
the investment cases. Money in £k; surplus positive, gap = -surplus.

Example
-------
>>> from finmodel import load_model
>>> result = project(load_model("models/minimal.yaml"), "high_demand")
>>> result.scenario, result.years[0]
('high_demand', '2019/20')
"""

from __future__ import annotations

from dataclasses import replace

from finmodel.domain.model import Model
from finmodel.domain.validation import apply_scenario
from finmodel.engine.inputs import ProjectionInputs, compile_model
from finmodel.engine.projection import project_arrays
from finmodel.engine.result import ProjectionResult
from finmodel.investment.effects import investment_expenditure


def compile_inputs(model: Model) -> ProjectionInputs:
    """Compiled inputs of a model including the selected investment options' net costs (£k,
    ``investment_expenditure`` by partner and year; zeros when no option is selected)."""
    inputs = compile_model(model)
    extra = investment_expenditure(model, inputs)
    if extra is None:
        return inputs
    return replace(inputs, investment_expenditure=extra)


def project(model: Model, scenario: str | None = None) -> ProjectionResult:
    """Project a model (optionally under a named scenario) over its timeline.

    Money in £k; surplus positive, gap = -surplus. Raises
    :class:`~finmodel.errors.ScenarioError` for an unknown scenario.

    >>> from finmodel import load_model
    >>> project(load_model("models/minimal.yaml")).years[-1]
    '2022/23'
    """
    projected_model = apply_scenario(model, scenario)
    inputs = compile_inputs(projected_model)
    return ProjectionResult(projected_model, scenario, inputs, project_arrays(inputs))
