"""Default paths: the packaged data files, found from the package, are the checkout's own files."""

from __future__ import annotations

from pathlib import Path

from finmodel import resources
from finmodel.cli.common import model_path
from tests.conftest import MODELS, ROOT


def test_in_a_checkout_the_packaged_data_are_the_root_copies() -> None:
    # finmodel/data/{models,workbooks} link to the root folders: one copy of each file.
    assert resources.default_model() == (MODELS / "lsc_ics.yaml").resolve()
    assert resources.models_dir() == MODELS.resolve()
    for kind in ("prefilled", "blank"):
        path = resources.template(kind)
        assert path.parent == (ROOT / "workbooks").resolve() and path.is_file()


def test_bundled_models_default_first_then_by_name() -> None:
    names = list(resources.bundled_models())
    assert names[0] == resources.DEFAULT_MODEL_NAME
    assert names[1:] == sorted(p.name for p in MODELS.glob("*.yaml") if p.name != names[0])


def test_the_command_line_default_model_does_not_depend_on_the_working_folder(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert model_path(None) == resources.default_model() and model_path(None).is_file()
    assert model_path(Path("mine.yaml")) == Path("mine.yaml")


def test_the_app_script_ships_in_the_package_and_the_root_script_points_at_the_same_app() -> None:
    script = resources.app_script()
    assert script.parent == Path(resources.__file__).parent / "app"
    for text in (script.read_text(encoding="utf-8"), (ROOT / "streamlit_app.py").read_text()):
        assert "from finmodel.app.main import main" in text
