"""LibreOffice recalculation: forced recalculation, clear errors, timeouts that leave nothing running."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from finmodel.io import recalc
from finmodel.io.recalc import RecalcError, find_soffice, recalculate


def stale_workbook(path: Path) -> None:
    """A workbook whose formula stores a wrong result: only a recalculation can correct it."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    ws.write_number("A1", 2)
    ws.write_number("A2", 3)
    ws.write_formula("A3", "=A1*A2+SUMPRODUCT(A1:A2,A1:A2)", None, 999)
    ws.write_formula("A4", '=IF(A1,A2,"never "&B9*2)', None, 999)
    wb.close()


def fake_soffice(tmp_path: Path, body: str) -> Path:
    program = tmp_path / "fake-soffice"
    program.write_text("#!/bin/sh\n" + body + "\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return program


@pytest.mark.slow
def test_libreoffice_recalculates_stored_results(tmp_path):
    stale_workbook(tmp_path / "in.xlsx")
    started = time.perf_counter()
    [out] = recalculate([tmp_path / "in.xlsx"], tmp_path / "out")
    elapsed = time.perf_counter() - started
    ws = openpyxl.load_workbook(out, data_only=True)["Sheet1"]
    assert ws["A3"].value == 2 * 3 + (4 + 9)
    assert ws["A4"].value == 3  # IF evaluates only the branch it takes
    assert elapsed < 60


@pytest.mark.slow
def test_several_workbooks_in_one_run(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    stale_workbook(tmp_path / "a" / "one.xlsx")
    stale_workbook(tmp_path / "b" / "two.xlsx")
    outs = recalculate([tmp_path / "a" / "one.xlsx", tmp_path / "b" / "two.xlsx"], tmp_path / "out")
    assert [o.name for o in outs] == ["one.xlsx", "two.xlsx"]
    assert all(openpyxl.load_workbook(o, data_only=True)["Sheet1"]["A3"].value == 19 for o in outs)


def test_missing_libreoffice_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv(recalc.SOFFICE_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RecalcError, match=r"LibreOffice is not installed.*libreoffice-calc-nogui"):
        find_soffice()
    stale_workbook(tmp_path / "in.xlsx")
    with pytest.raises(RecalcError, match="not installed"):
        recalculate([tmp_path / "in.xlsx"], tmp_path / "out")


def test_configured_program_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv(recalc.SOFFICE_ENV, str(tmp_path / "nothing-here"))
    with pytest.raises(RecalcError, match="not an executable"):
        find_soffice()


def test_timeout_kills_the_process_group(tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    program = fake_soffice(
        tmp_path, f"echo $$ > {pid_file}\nsleep 30 &\necho $! >> {pid_file}\nwait"
    )
    monkeypatch.setenv(recalc.SOFFICE_ENV, str(program))
    stale_workbook(tmp_path / "in.xlsx")
    started = time.perf_counter()
    with pytest.raises(RecalcError, match="did not finish within 1 s"):
        recalculate([tmp_path / "in.xlsx"], tmp_path / "out", timeout=1)
    assert time.perf_counter() - started < 10
    time.sleep(0.2)
    for pid in map(int, pid_file.read_text().split()):
        assert not running(pid)


def running(pid: int) -> bool:
    """True while a process runs (a killed child not yet reaped by its new parent is not running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"))


def test_no_output_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(recalc.SOFFICE_ENV, str(fake_soffice(tmp_path, "echo converted nothing")))
    stale_workbook(tmp_path / "in.xlsx")
    with pytest.raises(RecalcError, match=r"no recalculated workbook.*converted nothing"):
        recalculate([tmp_path / "in.xlsx"], tmp_path / "out")


def test_failure_status_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(
        recalc.SOFFICE_ENV, str(fake_soffice(tmp_path, "echo broken profile; exit 1"))
    )
    stale_workbook(tmp_path / "in.xlsx")
    with pytest.raises(RecalcError, match=r"exit status 1.*broken profile"):
        recalculate([tmp_path / "in.xlsx"], tmp_path / "out")


def test_each_run_gets_its_own_profile_with_forced_recalculation(tmp_path, monkeypatch):
    log = tmp_path / "args"
    body = (
        f'for a in "$@"; do echo "$a" >> {log}; case "$a" in -env:UserInstallation=*) '
        f'cat "${{a#-env:UserInstallation=file://}}/user/registrymodifications.xcu" >> {log}.xcu;; esac; done'
    )
    monkeypatch.setenv(recalc.SOFFICE_ENV, str(fake_soffice(tmp_path, body)))
    stale_workbook(tmp_path / "in.xlsx")
    for _ in range(2):
        with pytest.raises(RecalcError):
            recalculate([tmp_path / "in.xlsx"], tmp_path / "out")
    profiles = [line for line in log.read_text().splitlines() if "UserInstallation" in line]
    assert len(profiles) == 2 and profiles[0] != profiles[1]
    settings = Path(f"{log}.xcu").read_text()
    assert settings.count('"OOXMLRecalcMode"') == 2 and "<value>0</value>" in settings
    assert not Path(profiles[0].split("file://")[1]).exists()  # the profile is removed afterwards


def test_inputs_are_checked(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    stale_workbook(tmp_path / "a" / "x.xlsx")
    stale_workbook(tmp_path / "b" / "x.xlsx")
    with pytest.raises(RecalcError, match="distinct file names"):
        recalculate([tmp_path / "a" / "x.xlsx", tmp_path / "b" / "x.xlsx"], tmp_path / "out")
    with pytest.raises(RecalcError, match="must differ"):
        recalculate([tmp_path / "a" / "x.xlsx"], tmp_path / "a")
    with pytest.raises(RecalcError, match="no such workbook"):
        recalculate([tmp_path / "missing.xlsx"], tmp_path / "out")
    assert recalculate([], tmp_path / "out") == []
