"""Files the Export page offers, built as bytes by plain functions (testable without a browser).

* the Excel appendix of what is on screen (the engine's result with the sidebar's overlay), via
  :func:`finmodel.io.appendix.writer.write_appendix` into a temporary file, with the session's
  Monte Carlo run on its Risk sheet when there is one;
* the scenario as a complete model YAML (the model file with the overlay applied), which
  ``finmodel run`` reads back to the same numbers;
* the overlay alone as a ``scenarios:`` entry to paste into a model file;
* the result as the JSON of SPEC section 8.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from finmodel.app.state import LoadedModel
from finmodel.domain.model import Model
from finmodel.engine.result import ProjectionResult
from finmodel.io.appendix.risk_sheet import default_risk_run
from finmodel.io.appendix.writer import write_appendix
from finmodel.io.yaml_io import model_to_yaml
from finmodel.risk import SensitivityResult, SimulationResult


def slug(text: str) -> str:
    """A file-name-safe version of a name: ``"High demand 2"`` -> ``"high_demand_2"``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "scenario"


def appendix_bytes(
    result: ProjectionResult,
    loaded: LoadedModel,
    *,
    values_only: bool = False,
    risk: tuple[SimulationResult, SensitivityResult | None] | None = None,
    overlay: Mapping[str, Any] | None = None,
) -> bytes:
    """The Excel appendix (.xlsx bytes) of ``result``; the Cover carries the model file's hash.

    ``risk``: a Monte Carlo run (and its tornados) for the Risk sheet; without it a model with
    an ``uncertainty:`` section gets the engine's default run there. ``overlay``: the what-ifs
    on screen (dotted path -> value), listed on the Cover with the values in the file.
    """
    run = risk if risk is not None else default_risk_run(result.model)
    return _appendix_bytes(result, loaded, values_only, overlay or {}, run)


def _appendix_bytes(
    result: ProjectionResult,
    loaded: LoadedModel,
    values_only: bool,
    overlay: Mapping[str, Any],
    risk: tuple[SimulationResult, SensitivityResult | None] | None,
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="finmodel-export-") as folder:
        out = Path(folder) / "appendix.xlsx"
        model_file = loaded.path
        if model_file is None and loaded.data:
            model_file = Path(folder) / (Path(loaded.label).name or "model.yaml")
            model_file.write_bytes(loaded.data)
        write_appendix(
            result,
            out,
            model_file=model_file,
            values_only=values_only,
            model_as_loaded=loaded.model,
            overlay=overlay,
            risk=risk,
        )
        return out.read_bytes()


def scenario_model_yaml(
    model: Model, result: ProjectionResult, loaded: LoadedModel, overlay: Mapping[str, Any]
) -> str:
    """The model with the overlay applied (``model``), as YAML, headed by where it came from."""
    header = [
        f"# {model.name}: the model as on screen in the finmodel app",
        f"# From model file {loaded.label} (sha256 {loaded.digest})",
        f"# Scenario: {result.scenario or 'assumptions set in the app'}; "
        f"exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "# Inputs changed from the model file (dotted paths):",
        *(f"#   {path}: {json.dumps(value)}" for path, value in sorted(overlay.items())),
        "",
    ]
    return "\n".join(header) + model_to_yaml(model)


def scenario_entry_yaml(overlay: Mapping[str, Any], scenario_id: str, name: str) -> str:
    """The overlay as a ``scenarios:`` entry of a model file."""
    entry = {"id": slug(scenario_id), "name": name, "set": dict(sorted(overlay.items()))}
    return yaml.safe_dump({"scenarios": [entry]}, sort_keys=False, allow_unicode=True)


def result_json(result: ProjectionResult) -> str:
    """The result as the JSON of SPEC section 8."""
    return json.dumps(result.to_json(), indent=2, allow_nan=False)
