"""The installed package works on its own: build the wheel, install it, run it from elsewhere.

A fresh virtual environment in a temporary folder gets the wheel (no dependencies from an index:
the third-party libraries come from this environment's site-packages through a ``.pth`` file,
which does not put the project's source on the path). Every command then runs from a working
directory that is neither the checkout nor the environment, so a default path that leans on the
repository layout fails here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from finmodel import resources
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

#: Left out of the copy of the checkout the wheel is built from (the build writes into it).
NOT_SOURCE = (
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "out",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the wheel built from this checkout installed; its bin folder."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    wheels = root / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), "."]
    subprocess.run(build, cwd=source, check=True, capture_output=True, timeout=300)
    [wheel] = wheels.glob("finmodel-*.whl")

    env_dir = root / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    install = [*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q"]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True, timeout=300)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Third-party libraries from this environment, after the new one's own site-packages.
    (Path(site) / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


def finmodel(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = [str(bin_dir / "finmodel"), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_the_wheel_is_what_runs_and_ships_the_data_files(installed: Path, tmp_path: Path) -> None:
    code = (
        "import finmodel, finmodel.resources as r; "
        "print(finmodel.__file__); print(r.default_model()); print(r.app_script()); "
        "print(r.template('prefilled')); print(r.template('blank')); print(*r.bundled_models())"
    )
    out = subprocess.run(
        [str(installed / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    package, model, script, prefilled, blank, names = out.stdout.splitlines()
    env_dir = installed.parent
    for path in (package, model, script, prefilled, blank):
        assert Path(path).is_relative_to(env_dir), path  # the installed copy, not the checkout
        assert Path(path).is_file(), path
    assert names.split() == list(resources.bundled_models())
    # The packaged files are the checkout's user-visible copies, byte for byte.
    assert _sha256(Path(model)) == _sha256(ROOT / "models" / "lsc_ics.yaml")
    assert _sha256(Path(prefilled)) == _sha256(ROOT / "workbooks" / "lsc_ics_budget.xlsx")
    assert _sha256(Path(blank)) == _sha256(ROOT / "workbooks" / "blank_budget.xlsx")
    assert "main()" in Path(script).read_text(encoding="utf-8")


def test_the_installed_commands_run_from_any_folder(installed: Path, tmp_path: Path) -> None:
    run = finmodel(installed, tmp_path, "run")
    assert run.returncode == 0, run.stderr
    assert "Lancashire" in run.stdout and "System surplus 2024/25" in run.stdout

    appraise = finmodel(installed, tmp_path, "appraise")
    assert appraise.returncode == 0, appraise.stderr
    assert "Switching values" in appraise.stdout

    template = finmodel(installed, tmp_path, "template", "-o", "budget.xlsx")
    assert template.returncode == 0, template.stderr
    assert (tmp_path / "budget.xlsx").is_file()

    validate = finmodel(installed, tmp_path, "validate", "budget.xlsx")
    assert validate.returncode == 0, validate.stderr
    assert "valid" in validate.stdout

    appendix = finmodel(installed, tmp_path, "run", "--out", "out/appendix.xlsx")
    assert appendix.returncode == 0, appendix.stderr
    assert (tmp_path / "out" / "appendix.xlsx").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.xlsx", "out"]
