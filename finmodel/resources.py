"""Where finmodel finds the files it ships: the bundled models, budget templates and app script.

The one home of default paths. Every file is found through :mod:`importlib.resources` inside
the installed package, so the defaults work from any working directory and from a wheel as
well as from a source checkout:

* ``finmodel/data/models/*.yaml``: the bundled models (``lsc_ics.yaml`` is the default);
* ``finmodel/data/workbooks/*.xlsx``: the budget templates (pre-filled and blank);
* ``finmodel/app/streamlit_app.py``: the script ``finmodel app`` hands to ``streamlit run``.

In a source checkout ``finmodel/data/models`` and ``finmodel/data/workbooks`` are symbolic
links to the user-visible folders ``models/`` and ``workbooks/`` at the repository root (the
canonical copies); building a wheel copies the files they point to into the package.

Nothing here is written to: outputs go where the user says (``--out``), relative to the
current working directory, never into the installed package.

This module imports nothing heavy, so any layer may use it.

>>> default_model().name
'lsc_ics.yaml'
>>> {'lsc_ics.yaml', 'minimal.yaml'} <= set(bundled_models())
True
>>> template("blank").name
'blank_budget.xlsx'
"""

from __future__ import annotations

from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

#: File name of the default model among the bundled models.
DEFAULT_MODEL_NAME = "lsc_ics.yaml"
#: The budget templates shipped in ``finmodel/data/workbooks/``, by kind.
TEMPLATE_NAMES: dict[str, str] = {
    "prefilled": "lsc_ics_budget.xlsx",
    "blank": "blank_budget.xlsx",
}


def _package_root() -> Traversable:
    return files("finmodel")


def _on_disk(resource: Traversable) -> Path:
    """A real file-system path for a packaged file (a wheel installed as files: itself).

    finmodel is not zip-safe: pip installs it as files, so ``as_file`` hands back the file's own
    path and no temporary copy is made (the returned path stays valid after the call).
    """
    with as_file(resource) as path:
        return Path(path)


def data_dir() -> Path:
    """The package's data folder, ``finmodel/data`` (models and workbooks below it)."""
    return _on_disk(_package_root() / "data")


def models_dir() -> Path:
    """The folder of the bundled model files (in a checkout: the root ``models/`` it links to)."""
    return (data_dir() / "models").resolve()


def default_model() -> Path:
    """The bundled default model (Lancashire and South Cumbria, ``lsc_ics.yaml``)."""
    return models_dir() / DEFAULT_MODEL_NAME


def bundled_models() -> dict[str, Path]:
    """The bundled model files by file name, the default model first, then by name.

    >>> list(bundled_models())[0]
    'lsc_ics.yaml'
    """
    files_ = sorted(models_dir().glob("*.yaml"), key=lambda p: (p.name != DEFAULT_MODEL_NAME, p))
    return {p.name: p for p in files_}


def template(kind: Literal["prefilled", "blank"] = "prefilled") -> Path:
    """A shipped budget template: pre-filled from the default model, or blank."""
    return (data_dir() / "workbooks").resolve() / TEMPLATE_NAMES[kind]


def app_script() -> Path:
    """The Streamlit script started by ``finmodel app`` (``streamlit run <this file>``)."""
    return _on_disk(_package_root() / "app" / "streamlit_app.py")
