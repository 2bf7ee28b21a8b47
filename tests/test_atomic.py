"""Atomic writes: all or nothing, and a failure never damages an existing file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from finmodel.io.atomic import atomic_path, write_text_atomic


def test_success_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "file.txt"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_failure_keeps_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_new_file_gets_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    write_text_atomic(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_umask_is_never_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting the umask to read it races with threads creating files (issue 10)."""
    calls: list[int] = []

    def umask(mask: int) -> int:
        calls.append(mask)
        return 0o022

    monkeypatch.setattr(os, "umask", umask)
    write_text_atomic(tmp_path / "a.txt", "x")
    write_text_atomic(tmp_path / "a.txt", "y")
    assert calls == []


def test_data_is_flushed_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_text_atomic(tmp_path / "a.txt", "x")
    assert events[:2] == ["fsync", "replace"]


_SLOW_WRITER = """
import sys, time
from finmodel.io.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    with open(tmp, "wb") as handle:
        handle.write(b"half")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)
"""


def test_a_killed_write_leaves_nothing_the_next_write_does_not_clean(tmp_path: Path) -> None:
    """A real kill (SIGKILL) mid-write: the temporary file stays, the next write removes it."""
    import signal
    import subprocess
    import sys

    target = tmp_path / "appendix.xlsx"
    target.write_text("old")
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir() if p.name != "appendix.xlsx"]
    assert len(left) == 1 and left[0].startswith(".appendix.xlsx.")  # the kill left it
    assert target.read_text() == "old"  # never damaged
    write_text_atomic(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["appendix.xlsx"]
    assert target.read_text() == "new"


def test_temporary_files_of_live_writers_are_left_alone(tmp_path: Path) -> None:
    from finmodel.io.atomic import remove_stale_temporaries

    mine = tmp_path / f".a.txt.{os.getpid()}.abcd1234.tmp"
    other = tmp_path / ".a.txt.notours.tmp"
    mine.write_text("in progress")
    other.write_text("someone else's")
    assert remove_stale_temporaries(tmp_path / "a.txt") == []
    assert mine.exists() and other.exists()
