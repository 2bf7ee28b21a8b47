"""The projection engine: compile a model to arrays, project them, consolidate, bridge."""

from finmodel.engine.inputs import ProjectionInputs, compile_model
from finmodel.engine.projection import BRIDGE_STEPS, Projection, project_arrays
from finmodel.engine.result import ProjectionResult, compile_inputs, project

__all__ = [
    "BRIDGE_STEPS",
    "Projection",
    "ProjectionInputs",
    "ProjectionResult",
    "compile_inputs",
    "compile_model",
    "project",
    "project_arrays",
]
