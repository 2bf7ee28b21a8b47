"""Recalculate workbooks with LibreOffice Calc, headless: a real spreadsheet engine's numbers.

Each call gets its own LibreOffice profile folder (two runs sharing one can fail silently),
whose settings force a full recalculation on load (``OOXMLRecalcMode = 0``: always), so the
results read back are LibreOffice's own and not the results stored in the file. Several
workbooks are converted in one ``soffice`` run (start-up is most of its time). The process runs
in its own session and is killed, with its children, after ``timeout`` seconds.

Example (needs LibreOffice; Debian package ``libreoffice-calc-nogui``)::

    >>> from finmodel.io.recalc import recalculate           # doctest: +SKIP
    >>> [out] = recalculate(["appendix.xlsx"], "recalculated/")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from finmodel.errors import FinmodelError

#: Environment variable naming the soffice program to use (default: found on PATH).
SOFFICE_ENV = "FINMODEL_SOFFICE"

_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class RecalcError(FinmodelError):
    """LibreOffice is missing, timed out or did not write a recalculated workbook."""


def find_soffice() -> str:
    """The LibreOffice program: ``$FINMODEL_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        if shutil.which(configured) is None:
            raise RecalcError(f"{SOFFICE_ENV}={configured!r} is not an executable program")
        return configured
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise RecalcError(
        "LibreOffice is not installed (no soffice on PATH): install it, e.g. "
        "apt-get install -y --no-install-recommends libreoffice-calc-nogui"
    )


def recalculate(
    workbooks: Sequence[str | Path], out_dir: str | Path, *, timeout: float = 180.0
) -> list[Path]:
    """Recalculate ``.xlsx`` workbooks with LibreOffice and save them as ``.xlsx`` in ``out_dir``.

    Returns the recalculated files in the order given (same file names, in ``out_dir``).
    Inputs must have distinct file names and ``out_dir`` must not be their folder. Raises
    :class:`RecalcError` if LibreOffice is missing, takes longer than ``timeout`` seconds, or
    writes no output for a workbook.
    """
    sources = [Path(w).resolve() for w in workbooks]
    if not sources:
        return []
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise RecalcError("workbooks to recalculate in one run need distinct file names")
    target = Path(out_dir).resolve()
    if any(s.parent == target for s in sources):
        raise RecalcError("the output folder must differ from the workbooks' folder")
    target.mkdir(parents=True, exist_ok=True)
    for source in sources:
        if not source.is_file():
            raise RecalcError(f"{source}: no such workbook")
        (target / source.name).unlink(missing_ok=True)
    program = find_soffice()
    with tempfile.TemporaryDirectory(prefix="finmodel-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [
            program,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(target),
            *map(str, sources),
        ]
        output = _run(command, timeout)
    results = [target / s.name for s in sources]
    missing = [str(r) for r in results if not r.is_file()]
    if missing:
        raise RecalcError(
            f"LibreOffice wrote no recalculated workbook for: {', '.join(missing)}; its output: {output.strip()[-500:]}"
        )
    return results


def _run(command: list[str], timeout: float) -> str:
    """Run a command in its own session; on timeout kill its whole process group."""
    env = {**os.environ, "HOME": os.environ.get("HOME", tempfile.gettempdir())}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=env,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RecalcError(f"LibreOffice did not finish within {timeout:g} s") from None
    if process.returncode != 0:
        raise RecalcError(
            f"LibreOffice failed (exit status {process.returncode}): {output.strip()[-500:]}"
        )
    return output
