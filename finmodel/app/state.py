"""The app's state: loading models, cached engine calls, the scenario store, the workspace.

Caching (Streamlit's ``st.cache_resource``, shared by every session of the server):

* a bundled model is loaded once per file content (key: path and sha256 of its bytes);
* an uploaded model once per file name and content hash;
* a projection once per model hash and overlay (the overlay as canonical JSON), so going back to
  earlier assumptions, or comparing saved scenarios, costs nothing the second time.

Cached objects are frozen (pydantic models, frozen dataclasses of arrays) and never modified,
so sharing them between sessions is safe. Errors are not cached: a bad upload or an invalid
overlay is checked again on the next run and reported on screen.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import streamlit as st

from finmodel.app.assumptions import HORIZON_PATH, horizon_entries
from finmodel.app.assumptions import resize as resize_list
from finmodel.app.store import ScenarioStore, StoreError, model_content_hash, resolve_data_dir
from finmodel.domain.model import Model
from finmodel.domain.validation import with_overlay
from finmodel.engine.projection import project_arrays
from finmodel.engine.result import ProjectionResult
from finmodel.errors import InputError, Problem
from finmodel.investment.projection import compile_inputs
from finmodel.io.yaml_io import MAX_MODEL_BYTES, load_model, load_model_text
from finmodel.resources import bundled_models
from finmodel.risk.model_checks import MODEL_CHECKS

#: Largest upload accepted, in MB (the same limit as a model file read from disk).
MAX_UPLOAD_MB = MAX_MODEL_BYTES // 2**20
#: File types accepted for upload: a YAML model or a budget workbook.
UPLOAD_TYPES = ("yaml", "yml", "xlsx")


@dataclass(frozen=True)
class LoadedModel:
    """A validated model with where it came from and the sha256 of the file's bytes."""

    model: Model
    label: str
    """What the user sees: the bundled file name or the uploaded file's name."""
    digest: str
    """sha256 hex digest of the file's bytes (saved with every scenario)."""
    path: Path | None = None
    """The file on disk (bundled models); None for an upload."""
    data: bytes = field(default=b"", repr=False)
    """The uploaded bytes (uploads only), kept for the appendix's provenance."""


def default_model_name() -> str | None:
    """The bundled model shown first: ``lsc_ics.yaml`` when present, else the first one."""
    names = list(bundled_models())
    return names[0] if names else None


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_bundled(path: str, digest: str) -> LoadedModel:
    return LoadedModel(load_model(path), Path(path).name, digest, Path(path))


def load_bundled(path: Path) -> LoadedModel:
    """Load a bundled model (cached by its path and content hash)."""
    return _load_bundled(str(path), model_content_hash(path))


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name or "upload"
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in base)[:120]


def read_upload(name: str, data: bytes) -> Model:
    """Validate an uploaded model file (YAML or budget workbook) without caching.

    Raises :class:`~finmodel.errors.InputError` whose problems name the uploaded file and the
    place in it, exactly as ``finmodel validate`` prints them. Nothing in the file is executed:
    YAML is read with the safe loader and a workbook's formulas are not evaluated here.
    """
    shown = _safe_name(name)
    if len(data) > MAX_MODEL_BYTES:
        raise InputError(
            [Problem(shown, "", f"larger than {MAX_UPLOAD_MB} MB; not a model file (refused)")]
        )
    suffix = Path(shown).suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                [Problem(shown, "", f"not UTF-8 text ({err.reason} at byte {err.start})")]
            ) from None
        return load_model_text(text, shown)
    if suffix == ".xlsx":
        return _read_workbook(shown, data)
    raise InputError([Problem(shown, "", "upload a model file (.yaml, .yml) or a budget workbook")])


def _read_workbook(shown: str, data: bytes) -> Model:
    with tempfile.TemporaryDirectory(prefix="finmodel-upload-") as folder:
        path = Path(folder) / shown
        path.write_bytes(data)
        try:
            model = load_model(path)
        except InputError as err:
            raise type(err)(
                [
                    Problem(shown if p.file == str(path) else p.file, p.place, p.message)
                    for p in err.problems
                ]
            ) from None
    return model.with_origin(shown)


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_upload(name: str, digest: str, _data: bytes) -> LoadedModel:
    return LoadedModel(read_upload(name, _data), _safe_name(name), digest, None, _data)


def load_upload(name: str, data: bytes) -> LoadedModel:
    """Load an uploaded model (cached by name and content hash); errors as :func:`read_upload`."""
    if len(data) > MAX_MODEL_BYTES:
        read_upload(name, data)  # raises the size problem without hashing 10 MB+ each run
    return _load_upload(name, model_content_hash(data), data)


# ----------------------------------------------------------------------------- projections
def overlay_key(settings: Mapping[str, Any]) -> str:
    """Canonical JSON of an overlay: the cache key of its projection.

    >>> overlay_key({"b": 1, "a": [0.1, 0.2]})
    '{"a": [0.1, 0.2], "b": 1}'
    """
    return json.dumps(dict(settings), sort_keys=True, allow_nan=False)


def full_overlay(
    model: Model, settings: Mapping[str, Any], *, resize: bool = False
) -> dict[str, Any]:
    """``settings`` plus, when the horizon differs from the model's, entries fitting per-year lists.

    With ``resize`` (the starting scenario changed the horizon itself), per-year lists already
    in ``settings`` are fitted to the horizon chosen too.
    """
    horizon = int(settings.get(HORIZON_PATH, model.timeline.horizon))
    out = dict(settings)
    if resize or horizon != model.timeline.horizon:
        for path, value in settings.items():
            if _numbers(value) and len(value) != horizon:
                out[path] = resize_list(value, horizon)
    if horizon == model.timeline.horizon:
        return out
    return {**out, **horizon_entries(model, out, horizon)}


def _numbers(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _without_scenarios(digest: str, _model: Model) -> Model:
    return _model.model_copy(update={"scenarios": []}).with_origin(_model.origin)


@st.cache_resource(show_spinner=False, max_entries=256)
def _project(digest: str, key: str, _model: Model) -> ProjectionResult:
    settings = json.loads(key)
    lean = _without_scenarios(digest, _model)
    overlaid = with_overlay(lean, settings, label="sidebar", checks=MODEL_CHECKS)
    overlaid = overlaid.with_origin(_model.origin)
    inputs = compile_inputs(overlaid)
    return ProjectionResult(overlaid, None, inputs, project_arrays(inputs))


def projection(
    loaded: LoadedModel, settings: Mapping[str, Any], label: str | None = None
) -> ProjectionResult:
    """The projection of a model with an overlay (cached by model hash and overlay).

    The overlay is applied with :func:`~finmodel.domain.validation.with_overlay` (with the
    ``uncertainty:`` checks the loaders run), so every entry is checked as the CLI checks a
    scenario; it is applied to the model without its own
    named scenarios (``result.model.scenarios`` is empty), which re-validating on every change
    would only repeat (they were checked when the file was loaded and do not change what is
    projected). :func:`overlaid_model` gives the whole model for exports. Raises
    :class:`~finmodel.errors.ScenarioError` (an :class:`InputError`) naming every problem.
    """
    result = _project(loaded.digest, overlay_key(settings), loaded.model)
    return result if label is None else replace(result, scenario=label)


@st.cache_resource(show_spinner=False, max_entries=32)
def _overlaid(digest: str, key: str, _model: Model) -> Model:
    overlaid = with_overlay(_model, json.loads(key), label="sidebar", checks=MODEL_CHECKS)
    return overlaid.with_origin(_model.origin)


def overlaid_model(loaded: LoadedModel, settings: Mapping[str, Any]) -> Model:
    """The whole model (its named scenarios included) with the overlay applied, validated."""
    return _overlaid(loaded.digest, overlay_key(settings), loaded.model)


# ----------------------------------------------------------------------------- the store
@st.cache_resource(show_spinner=False)
def _store(data_dir: str) -> ScenarioStore:
    return ScenarioStore(data_dir)


def scenario_store() -> tuple[ScenarioStore | None, str | None]:
    """The scenario store under ``$FINMODEL_DATA_DIR`` (else ./data), or None and why not."""
    try:
        return _store(str(resolve_data_dir())), None
    except StoreError as err:
        return None, str(err)


# ----------------------------------------------------------------------------- workspace
@dataclass
class Workspace:
    """Everything a page needs: the model, the overlay on screen and its projection."""

    loaded: LoadedModel
    overlay: dict[str, Any]
    """The dotted-path entries the sidebar sets (what a saved scenario stores)."""
    label: str | None
    """The scenario loaded as the starting point, if any (shown and written on exports)."""
    result: ProjectionResult | None
    """The projection, or None when the overlay has problems."""
    problems: list[str] = field(default_factory=list)
    """One line per problem ("file: place: message") when the overlay does not validate."""
    store: ScenarioStore | None = None
    store_error: str | None = None

    @property
    def model(self) -> Model:
        """The model as loaded (without the overlay)."""
        return self.loaded.model

    @property
    def model_name(self) -> str:
        """The model's name, the key saved scenarios are listed under."""
        return self.loaded.model.name
