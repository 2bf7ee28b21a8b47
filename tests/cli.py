"""Running the command line from tests: in this process (fast), or as the real console script.

Most tests call :func:`invoke`: the same Typer application ``finmodel`` runs, in-process through
Typer's test runner, with the exit status and stdout/stderr kept apart. A few smoke tests per
command group call :func:`run_script`, a real ``python -m finmodel`` process, to check what only
a process shows (the exit status reaching the shell, no traceback on stderr, the working folder).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from finmodel.cli.main import app

_RUNNER = CliRunner()


def invoke(*args: str) -> Result:
    """``finmodel ARGS`` in-process: ``exit_code``, ``stdout``, ``stderr``, ``exception``."""
    return _RUNNER.invoke(app, list(args))


def run_script(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m finmodel ARGS`` as a separate process: ``returncode``, ``stdout``, ``stderr``."""
    command = [sys.executable, "-m", "finmodel", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)
