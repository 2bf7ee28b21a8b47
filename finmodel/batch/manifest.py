"""The batch manifest: which model files, which scenarios, what to run (a YAML file).

A manifest names model files or folders (every ``*.yaml``/``*.yml`` in a folder, sorted by
name), the scenarios to run on each (``base`` = the model as written; ``all`` = ``base`` plus
every scenario the model defines) and the run settings. Paths are relative to the manifest.

.. code-block:: yaml

    name: National set, three scenarios
    models:
      - models/national/          # a folder: every model file in it
      - models/lsc_ics.yaml       # or one file
    scenarios: [base, higher_demand, lower_efficiency]
    run:
      simulate:
        draws: 10000
        seed: 20200401
        chunk_size: 16384         # draws per task

Problems name the manifest file, the dotted path and the line, like model files:

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "m.yaml").write_text("name: x\\nmodels: [nowhere.yaml]\\n")
>>> try:
...     load_manifest(folder / "m.yaml")
... except InputError as err:
...     print(err.problems[0].place, "|", err.problems[0].message)
models.[0] (line 2) | no such model file or folder: nowhere.yaml
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from finmodel.domain.checks import Finding
from finmodel.domain.types import Frozen
from finmodel.domain.validation import structural_findings
from finmodel.errors import InputError, Problem
from finmodel.io.yaml_io import parse_yaml, problems_from_findings
from finmodel.risk.defaults import DEFAULT_CHUNK_SIZE
from finmodel.risk.montecarlo import DEFAULT_DRAWS, DEFAULT_SEED

#: The scenario name that stands for the model as written (no overlay).
BASE = "base"
#: The scenario entry that expands to ``base`` plus every scenario a model defines.
ALL = "all"
#: Largest manifest accepted, in bytes.
MAX_MANIFEST_BYTES = 1024 * 1024
#: File name endings read as model files when a folder is named.
MODEL_SUFFIXES = (".yaml", ".yml")


class SimulateSettings(Frozen):
    """Monte Carlo settings for every model and scenario of the batch."""

    draws: int = Field(DEFAULT_DRAWS, ge=1, le=10_000_000)
    """Draws per model and scenario."""
    seed: int = Field(DEFAULT_SEED, ge=0, lt=2**63)
    """The batch seed: each model and scenario's run seed is spawned from it and the run's key
    (model file hash and scenario), so results do not depend on the order of the manifest."""
    method: Literal["random", "lhs"] = "random"
    """Sampling method: plain Monte Carlo or Latin hypercube (within blocks of 4,096 draws)."""
    chunk_size: int = Field(DEFAULT_CHUNK_SIZE, ge=1, le=10_000_000)
    """Draws per task (one task = one chunk of one model and scenario). Results do not depend
    on it; a multiple of 4,096 is cheapest."""


class RunSettings(Frozen):
    """What to run on each model and scenario."""

    project: bool = True
    """Report the deterministic projection (surplus and control total by year)."""
    simulate: SimulateSettings | None = Field(default_factory=SimulateSettings)
    """The Monte Carlo (needs the model's ``uncertainty:`` section); ``null`` to skip."""


class Manifest(Frozen):
    """A batch of model files and scenarios (the file ``finmodel batch`` reads)."""

    name: str = Field(min_length=1, max_length=200)
    """The batch's name, shown on outputs."""
    description: str = ""
    """Free text: who runs the batch and why."""
    models: list[str] = Field(min_length=1, max_length=10_000)
    """Model files or folders, relative to the manifest."""
    scenarios: list[str] = Field(default_factory=lambda: [BASE], min_length=1, max_length=1000)
    """Scenario ids run on every model: ``base`` (the model as written), ``all`` (base and every
    scenario of the model), or a scenario id (a model without it is reported as failed)."""
    run: RunSettings = Field(default_factory=RunSettings)
    """What to run."""


@dataclass(frozen=True)
class ModelEntry:
    """One model file of the batch and where the manifest names it."""

    path: Path
    """The model file."""
    place: str
    """The manifest entry that names it, e.g. ``models.[0] (line 3)``."""


@dataclass(frozen=True)
class LoadedManifest:
    """A validated manifest with its model files resolved."""

    file: str
    manifest: Manifest
    models: list[ModelEntry]
    scenario_places: dict[str, str]
    """Each scenario entry's place in the manifest (for problems about a scenario)."""


def load_manifest(path: str | Path) -> LoadedManifest:
    """Read and validate a manifest; resolve its folders to model files (sorted by name).

    Raises :class:`~finmodel.errors.InputError` with every problem, each naming the manifest,
    the dotted path and the line.
    """
    file = str(path)
    source = Path(path)
    if not source.is_file():
        raise InputError([Problem(file, "", "no such manifest file")])
    if source.stat().st_size > MAX_MANIFEST_BYTES:
        raise InputError([Problem(file, "", "larger than 1 MB; not a batch manifest")])
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError([Problem(file, "", f"not UTF-8 text ({err.reason})")]) from None
    data, index = parse_yaml(text, file)
    findings: list[Finding] = [
        (keys, f"key given twice (first on line {first}, again on line {line})")
        for keys, line, first in index.duplicates
    ]
    findings += index.findings
    manifest: Manifest | None = None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as err:
        findings += [
            (keys, message.replace("the model format", "the manifest format"))
            for keys, message in structural_findings(data, err)
        ]
    models: list[ModelEntry] = []
    if manifest is not None:
        models, more = _resolve_models(manifest, source.parent)
        findings += more
        findings += [
            (("scenarios", i), f"scenario {s!r} given twice")
            for i, s in enumerate(manifest.scenarios)
            if s in manifest.scenarios[:i]
        ]
        if manifest.run.simulate is None and not manifest.run.project:
            findings.append((("run",), "nothing to run: set project: true or simulate"))
    if manifest is None or findings:
        raise InputError(problems_from_findings(findings, data, index, file))

    def place(keys: tuple[str | int, ...]) -> str:
        return problems_from_findings([(keys, "")], data, index, file)[0].place

    models = [ModelEntry(m.path, place(("models", int(m.place)))) for m in models]
    places = {scenario: place(("scenarios", i)) for i, scenario in enumerate(manifest.scenarios)}
    return LoadedManifest(file, manifest, models, places)


def _resolve_models(manifest: Manifest, root: Path) -> tuple[list[ModelEntry], list[Finding]]:
    """Model files named by the manifest (folders expanded, sorted), and problems; each entry's
    ``place`` is, for now, the index of its ``models`` item."""
    models: list[ModelEntry] = []
    findings: list[Finding] = []
    for i, entry in enumerate(manifest.models):
        target = Path(entry) if Path(entry).is_absolute() else root / entry
        if target.is_dir():
            files = sorted(p for p in target.iterdir() if p.suffix.lower() in MODEL_SUFFIXES)
            if not files:
                findings.append((("models", i), f"folder {entry} holds no model files (*.yaml)"))
            models += [ModelEntry(p, str(i)) for p in files]
        elif target.is_file():
            models.append(ModelEntry(target, str(i)))
        else:
            findings.append((("models", i), f"no such model file or folder: {entry}"))
    return models, findings


def scenarios_for(manifest: Manifest, model_scenarios: list[str]) -> list[str]:
    """The scenario ids to run on a model with ``model_scenarios`` (``all`` expanded).

    >>> m = Manifest(name="x", models=["a.yaml"], scenarios=["base", "all", "cold"])
    >>> scenarios_for(m, ["hot", "cold"])
    ['base', 'hot', 'cold']
    """
    out: list[str] = []
    for scenario in manifest.scenarios:
        for item in [BASE, *model_scenarios] if scenario == ALL else [scenario]:
            if item not in out:
                out.append(item)
    return out
