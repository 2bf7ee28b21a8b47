"""Write files atomically: to a temporary file in the same folder, then move into place.

A failure while writing leaves no half-written file and never damages an existing one. The
temporary file is flushed to disk (``fsync``) before the rename, and the folder after it, so
a power cut leaves the old file or the new one, never an empty one.

A process killed while writing cannot remove its temporary file. Temporary files are named
``.NAME.PID.RANDOM.tmp`` beside the target ``NAME``; every later write of the same target
removes those whose process is no longer running (or that are older than
:data:`STALE_AFTER_SECONDS`), so a killed ``finmodel run --out`` leaves nothing the next run
does not clean up.

Example
-------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("done")
>>> target.read_text()
'done'
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

#: A temporary file older than this is stale even if its process id is in use again (a day).
STALE_AFTER_SECONDS = 24 * 3600


def _read_umask() -> int:
    """The process umask, read once at import (``os.umask`` sets it to read it, which would
    race with threads creating files; nothing in finmodel changes it afterwards)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it onto ``target``.

    On any exception the temporary file is removed and ``target`` is left as it was. The
    file written gets the existing target's permissions, else ``0o666`` less the umask.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    tmp = _create_temporary(target)
    try:
        yield tmp
        _flush_to_disk(tmp)
        os.chmod(tmp, default_mode(target))
        os.replace(tmp, target)
        _flush_folder(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def _create_temporary(target: Path) -> Path:
    """Create ``.NAME.PID.RANDOM.tmp`` beside ``target`` (owner-only until renamed)."""
    for _ in range(100):
        tmp = target.parent / f"{_temporary_prefix(target)}{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(handle)
        return tmp
    raise FileExistsError(f"could not create a temporary file beside {target}")


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove temporary files of earlier writes of ``target`` whose writer is gone.

    A temporary file is stale when the process that made it (the id in its name) no longer
    runs, or when it is older than :data:`STALE_AFTER_SECONDS`. Files of this process and of
    other live processes are left alone (they may be writing now). Returns the removed paths.
    """
    target = Path(target)
    prefix = _temporary_prefix(target)
    removed: list[Path] = []
    try:
        candidates = [p for p in target.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        parts = path.name[len(prefix) :].split(".")
        if len(parts) != 3 or parts[2] != "tmp" or not parts[0].isdigit():
            continue  # not one of ours
        try:
            old = now - path.stat().st_mtime > STALE_AFTER_SECONDS
        except FileNotFoundError:
            continue
        pid = int(parts[0])
        if pid == os.getpid() or (not old and _process_alive(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: leave its file alone
    return True


def _flush_to_disk(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _flush_folder(folder: Path) -> None:
    """fsync the folder so the rename itself is durable (not possible on every system)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def default_mode(target: Path) -> int:
    """The existing file's mode, else 0o666 less the process umask (read at import)."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    """Write bytes to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write UTF-8 text to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
