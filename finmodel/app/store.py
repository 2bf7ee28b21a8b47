"""The scenario store: named sets of assumption overrides in a SQLite file, with an audit trail.

A finance lead adjusts assumptions in the app and saves them as a named *scenario*: a mapping of
dotted path -> value, the same paths a model file's ``scenarios[].set`` uses
(``assumptions.demand_growth``, ``partners.icb.costs.chc.demand_growth``,
``investments.ipa_uplift.option``). Each saved scenario records the model it belongs to (its name
and the sha256 of the model file's bytes), who saved it, when (UTC), an optional note and an
optional snapshot of headline results (for example the final-year system surplus in £k) for the
compare view. Names are unique per model: saving under an existing name updates that scenario,
and the audit table keeps the before and after of every save, update and delete.

Where the file lives: ``<data dir>/scenarios.sqlite3``, where the data dir is the folder passed
to :class:`ScenarioStore`, else the environment variable ``FINMODEL_DATA_DIR``, else ``./data``
relative to the current directory. The file and its tables are created on first use; the
``schema_version`` table records the migrations applied.

Concurrency: the database runs in WAL journal mode with a busy timeout, and every write is one
``BEGIN IMMEDIATE`` transaction on its own connection, so two browser sessions (threads or
processes) saving at the same moment both succeed, one after the other. A store object holds no
open connection and may be shared between threads.

Safety: every SQL statement is parameterised; names, users and values are stored as text or JSON
and never evaluated; values must be numbers, text, true/false or lists of them.

Example
-------
>>> import tempfile
>>> store = ScenarioStore(tempfile.mkdtemp())
>>> saved = store.save("High demand", {"assumptions.demand_growth": 0.04},
...                    model_name="lsc", model_hash="0" * 64, user="A. Finance Lead")
>>> store.load_by_name("High demand", model_name="lsc").assumptions
{'assumptions.demand_growth': 0.04}
>>> [entry.action for entry in store.audit_log()]
['save']
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeAlias

from finmodel.errors import FinmodelError, InputError, Problem

__all__ = [
    "DATA_DIR_ENV",
    "DB_FILENAME",
    "DEFAULT_DATA_DIR",
    "SCHEMA_VERSION",
    "AuditEntry",
    "DuplicateScenarioError",
    "InvalidScenarioError",
    "SavedScenario",
    "ScenarioComparison",
    "ScenarioNotFoundError",
    "ScenarioStore",
    "StoreError",
    "compare_scenarios",
    "model_content_hash",
    "resolve_data_dir",
]

DATA_DIR_ENV = "FINMODEL_DATA_DIR"
"""Environment variable naming the folder that holds the scenario database."""
DEFAULT_DATA_DIR = "data"
"""Data folder used when none is passed and the environment variable is unset (relative to cwd)."""
DB_FILENAME = "scenarios.sqlite3"
"""File name of the SQLite database inside the data folder."""
SCHEMA_VERSION = 1
"""Schema version this code writes; older files are migrated on opening, newer ones refused."""

MAX_NAME_LENGTH = 120
MAX_USER_LENGTH = 80
MAX_NOTE_LENGTH = 2_000
MAX_MODEL_NAME_LENGTH = 200
MAX_PATH_LENGTH = 256
MAX_ASSUMPTIONS = 10_000
MAX_LIST_LENGTH = 1_000
MAX_TEXT_VALUE_LENGTH = 1_000
MAX_RESULTS_CHARS = 1_000_000
_MAX_RESULTS_DEPTH = 12

AssumptionValue: TypeAlias = bool | int | float | str | list["AssumptionValue"]
"""An override value: a number, text, true/false, or a (nested) list of them (one per year)."""
JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
"""Any JSON value (used for the results snapshot)."""
Action = Literal["save", "update", "delete"]

_SEGMENT = r"(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)"
_PATH_RE = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})*$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


# --------------------------------------------------------------------------------------- errors
class StoreError(FinmodelError):
    """The scenario store cannot do what was asked (unreadable file, newer schema, I/O error)."""


class ScenarioNotFoundError(StoreError, LookupError):
    """No saved scenario has that id (or that name for that model)."""


class DuplicateScenarioError(StoreError):
    """A scenario of that name already exists for that model and overwriting was not allowed."""


class InvalidScenarioError(StoreError, InputError):
    """What was given to save is not valid: every problem found is listed (name, user, values).

    >>> err = InvalidScenarioError([Problem("scenario", "user", "is required")])
    >>> print(err)
    scenario: user: is required
    """


# -------------------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class SavedScenario:
    """A saved scenario as read back from the store.

    ``assumptions`` maps dotted paths to override values (rates are fractions a year, money in
    £k, as in the model file). ``results`` is the optional headline snapshot saved with it.
    ``saved_at`` is when this revision was saved, ``created_at`` when the name was first saved,
    both timezone-aware UTC. ``revision`` is 1 on first save and rises by one on each update.
    """

    id: int
    name: str
    model_name: str
    model_hash: str
    assumptions: dict[str, AssumptionValue]
    saved_by: str
    saved_at: datetime
    created_at: datetime
    revision: int
    note: str | None
    results: dict[str, JSONValue] | None

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (times as ISO-8601 text), as written to the audit."""
        return {
            "id": self.id,
            "name": self.name,
            "model_name": self.model_name,
            "model_hash": self.model_hash,
            "assumptions": dict(self.assumptions),
            "saved_by": self.saved_by,
            "saved_at": self.saved_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "revision": self.revision,
            "note": self.note,
            "results": self.results,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit trail: who did what to which scenario, when, and the before/after.

    ``before`` is None for a first save, ``after`` is None for a delete; otherwise each is the
    scenario record as :meth:`SavedScenario.to_json` gives it.
    """

    id: int
    action: Action
    scenario_id: int
    scenario_name: str
    model_name: str
    user: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ScenarioComparison:
    """The differences between two saved scenarios' inputs (and their results snapshots).

    ``only_in_first`` / ``only_in_second``: paths set by one scenario only, with the value.
    ``changed``: paths set by both with different values, as ``(first, second)``.
    ``results_changed``: dotted result keys whose snapshot values differ, as ``(first, second)``,
    None where a side lacks the key. ``same_model`` is true when both were saved against the same
    model name and model file hash.
    """

    first: SavedScenario
    second: SavedScenario
    only_in_first: dict[str, AssumptionValue]
    only_in_second: dict[str, AssumptionValue]
    changed: dict[str, tuple[AssumptionValue, AssumptionValue]]
    results_changed: dict[str, tuple[JSONValue, JSONValue]]
    same_model: bool

    @property
    def same_inputs(self) -> bool:
        """True when both scenarios set exactly the same paths to the same values."""
        return not (self.only_in_first or self.only_in_second or self.changed)


# ---------------------------------------------------------------------------------- helpers
def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The absolute data folder: ``data_dir`` if given, else ``$FINMODEL_DATA_DIR``, else ./data.

    >>> resolve_data_dir("/tmp/fm").as_posix()
    '/tmp/fm'
    """
    if data_dir is not None:
        raw = os.fspath(data_dir)
    else:
        raw = os.environ.get(DATA_DIR_ENV, "").strip() or DEFAULT_DATA_DIR
    return Path(raw).expanduser().resolve()


def model_content_hash(source: bytes | str | os.PathLike[str]) -> str:
    """The sha256 (lower-case hex) of a model file's bytes: pass the bytes or the file's path.

    >>> model_content_hash(b"name: demo\\n")[:12]
    '8789e7eabb7b'
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return hashlib.sha256(data).hexdigest()


def compare_scenarios(first: SavedScenario, second: SavedScenario) -> ScenarioComparison:
    """Differences in inputs (and results snapshots) between two scenarios, paths sorted.

    Numbers compare by value (``1`` equals ``1.0``), but true/false never equals a number.

    >>> t = datetime(2024, 4, 1, tzinfo=UTC)
    >>> a = SavedScenario(1, "A", "m", "0" * 64, {"x.a": 1, "x.b": 0.02}, "u", t, t, 1, None, None)
    >>> b = SavedScenario(2, "B", "m", "0" * 64, {"x.b": 0.03, "x.c": "opt2"}, "u", t, t, 1,
    ...                   None, None)
    >>> c = compare_scenarios(a, b)
    >>> c.only_in_first, c.only_in_second, c.changed
    ({'x.a': 1}, {'x.c': 'opt2'}, {'x.b': (0.02, 0.03)})
    """
    a, b = first.assumptions, second.assumptions
    only_first = {k: a[k] for k in sorted(a.keys() - b.keys())}
    only_second = {k: b[k] for k in sorted(b.keys() - a.keys())}
    changed = {k: (a[k], b[k]) for k in sorted(a.keys() & b.keys()) if not _same(a[k], b[k])}
    ra = _flatten(first.results or {})
    rb = _flatten(second.results or {})
    results_changed = {
        k: (ra.get(k), rb.get(k))
        for k in sorted(ra.keys() | rb.keys())
        if (k in ra) != (k in rb) or not _same(ra.get(k), rb.get(k))
    }
    return ScenarioComparison(
        first=first,
        second=second,
        only_in_first=only_first,
        only_in_second=only_second,
        changed=changed,
        results_changed=results_changed,
        same_model=(first.model_name, first.model_hash) == (second.model_name, second.model_hash),
    )


def _same(x: Any, y: Any) -> bool:
    """JSON-value equality where bools are not numbers and 1 == 1.0."""
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y) and x == y
    if isinstance(x, int | float) and isinstance(y, int | float):
        return x == y
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y, strict=True))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    return type(x) is type(y) and x == y


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def _has_control_chars(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _clean_text(
    value: object,
    field: str,
    max_length: int,
    problems: list[Problem],
    *,
    required: bool,
    multiline: bool = False,
) -> str | None:
    """Strip and NFC-normalise a free-text field; record a problem and return None if invalid."""
    if value is None:
        if required:
            problems.append(Problem("scenario", field, "is required"))
        return None
    if not isinstance(value, str):
        problems.append(Problem("scenario", field, f"must be text, not {type(value).__name__}"))
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        if required:
            problems.append(Problem("scenario", field, "is required (it is empty)"))
        return None
    if len(text) > max_length:
        problems.append(
            Problem("scenario", field, f"is {len(text)} characters long; at most {max_length}")
        )
        return None
    if _has_control_chars(text, "\n\t" if multiline else ""):
        problems.append(Problem("scenario", field, "must not contain control characters"))
        return None
    return text


def _unwrap_numpy(value: object) -> object:
    """numpy scalars and arrays to plain Python values (without importing numpy)."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


def _clean_assumption_value(
    value: object, place: str, problems: list[Problem], depth: int = 0
) -> AssumptionValue | None:
    value = _unwrap_numpy(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(Problem("scenario", place, f"must be a finite number, not {value}"))
            return None
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT_VALUE_LENGTH:
            problems.append(
                Problem("scenario", place, f"text longer than {MAX_TEXT_VALUE_LENGTH} characters")
            )
            return None
        return value
    if isinstance(value, list | tuple):
        if depth >= 2:
            problems.append(Problem("scenario", place, "lists nested more than two deep"))
            return None
        if len(value) > MAX_LIST_LENGTH:
            problems.append(Problem("scenario", place, f"more than {MAX_LIST_LENGTH} items"))
            return None
        n_before = len(problems)
        items = [
            _clean_assumption_value(item, f"{place}[{i}]", problems, depth + 1)
            for i, item in enumerate(value)
        ]
        if len(problems) > n_before:
            return None
        return [item for item in items if item is not None]
    problems.append(
        Problem(
            "scenario",
            place,
            f"must be a number, text, true/false or a list of them, not {type(value).__name__}",
        )
    )
    return None


def _clean_assumptions(
    assumptions: object, problems: list[Problem]
) -> dict[str, AssumptionValue] | None:
    if not isinstance(assumptions, Mapping):
        problems.append(
            Problem(
                "scenario",
                "assumptions",
                f"must be a mapping of dotted path to value, not {type(assumptions).__name__}",
            )
        )
        return None
    if len(assumptions) > MAX_ASSUMPTIONS:
        problems.append(Problem("scenario", "assumptions", f"more than {MAX_ASSUMPTIONS} paths"))
        return None
    clean: dict[str, AssumptionValue] = {}
    for path, value in assumptions.items():
        if not isinstance(path, str):
            problems.append(
                Problem("scenario", repr(path), "a path must be text like assumptions.inflation")
            )
            continue
        shown = path if len(path) <= 80 else path[:77] + "..."
        if len(path) > MAX_PATH_LENGTH or not _PATH_RE.match(path):
            problems.append(
                Problem(
                    "scenario",
                    shown,
                    "is not a dotted path of identifiers (like partners.icb.costs.chc.inflation)",
                )
            )
            continue
        cleaned = _clean_assumption_value(value, path, problems)
        if cleaned is not None:
            clean[path] = cleaned
    return clean


def _clean_json(value: object, place: str, problems: list[Problem], depth: int = 0) -> JSONValue:
    value = _unwrap_numpy(value)
    if depth > _MAX_RESULTS_DEPTH:
        problems.append(Problem("scenario", place, "nested too deeply"))
        return None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(Problem("scenario", place, f"must be a finite number, not {value}"))
            return None
        return value
    if isinstance(value, list | tuple):
        return [_clean_json(v, f"{place}[{i}]", problems, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(Problem("scenario", f"{place}.{key!r}", "keys must be text"))
                continue
            out[key] = _clean_json(item, f"{place}.{key}", problems, depth + 1)
        return out
    problems.append(Problem("scenario", place, f"is not JSON data (a {type(value).__name__})"))
    return None


# ---------------------------------------------------------------------------------- schema
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """
        CREATE TABLE scenarios (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            model_name  TEXT    NOT NULL,
            name        TEXT    NOT NULL,
            model_hash  TEXT    NOT NULL,
            assumptions TEXT    NOT NULL,
            saved_by    TEXT    NOT NULL,
            saved_at    TEXT    NOT NULL,
            created_at  TEXT    NOT NULL,
            revision    INTEGER NOT NULL DEFAULT 1,
            note        TEXT,
            results     TEXT,
            UNIQUE (model_name, name)
        )
        """,
        "CREATE INDEX scenarios_by_model_time ON scenarios (model_name, saved_at)",
        """
        CREATE TABLE audit (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            action        TEXT    NOT NULL CHECK (action IN ('save', 'update', 'delete')),
            scenario_id   INTEGER NOT NULL,
            model_name    TEXT    NOT NULL,
            scenario_name TEXT    NOT NULL,
            user_name     TEXT    NOT NULL,
            at            TEXT    NOT NULL,
            before_json   TEXT,
            after_json    TEXT
        )
        """,
        "CREATE INDEX audit_by_scenario ON audit (model_name, scenario_name)",
    ),
}
"""Schema migrations by version: the statements that take a file from version n-1 to n."""

_SCENARIO_COLUMNS = (
    "id, name, model_name, model_hash, assumptions, saved_by, saved_at, created_at, revision, "
    "note, results"
)
_AUDIT_COLUMNS = (
    "id, action, scenario_id, scenario_name, model_name, user_name, at, before_json, after_json"
)


def _row_to_scenario(row: sqlite3.Row) -> SavedScenario:
    return SavedScenario(
        id=row["id"],
        name=row["name"],
        model_name=row["model_name"],
        model_hash=row["model_hash"],
        assumptions=json.loads(row["assumptions"]),
        saved_by=row["saved_by"],
        saved_at=datetime.fromisoformat(row["saved_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        revision=row["revision"],
        note=row["note"],
        results=None if row["results"] is None else json.loads(row["results"]),
    )


def _row_to_audit(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        action=row["action"],
        scenario_id=row["scenario_id"],
        scenario_name=row["scenario_name"],
        model_name=row["model_name"],
        user=row["user_name"],
        at=datetime.fromisoformat(row["at"]),
        before=None if row["before_json"] is None else json.loads(row["before_json"]),
        after=None if row["after_json"] is None else json.loads(row["after_json"]),
    )


# ----------------------------------------------------------------------------------- store
class ScenarioStore:
    """Saved scenarios in ``<data dir>/scenarios.sqlite3``, created (and migrated) on opening.

    ``data_dir``: the folder for the database; default ``$FINMODEL_DATA_DIR`` or ``./data``.
    ``busy_timeout``: seconds a write waits for another session's write to finish.

    >>> import tempfile
    >>> store = ScenarioStore(tempfile.mkdtemp())
    >>> store.path.name, store.schema_version()
    ('scenarios.sqlite3', 1)
    """

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, *, busy_timeout: float = 30.0
    ) -> None:
        self._data_dir = resolve_data_dir(data_dir)
        self._path = self._data_dir / DB_FILENAME
        self._busy_timeout = float(busy_timeout)
        self.journal_mode = ""
        """The SQLite journal mode in force ("wal" unless the file system cannot do it)."""
        self._initialise()

    def __repr__(self) -> str:
        return f"ScenarioStore({str(self._data_dir)!r})"

    @property
    def data_dir(self) -> Path:
        """The absolute data folder holding the database."""
        return self._data_dir

    @property
    def path(self) -> Path:
        """The absolute path of the SQLite file."""
        return self._path

    # ---- connections and transactions
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the scenario store {self._path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection: commit on success, roll back on any error."""
        conn = self._connect()
        try:
            conn.execute(begin)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"scenario store {self._path}: {exc}") from exc
        finally:
            conn.close()

    def _initialise(self) -> None:
        try:
            self._data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {self._data_dir}: {exc}") from exc
        if self._path.exists() and not self._path.is_file():
            raise StoreError(f"{self._path} exists and is not a file")
        self._enable_wal()
        with self._transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self._path} has schema version {current}, newer than this finmodel "
                    f"understands ({SCHEMA_VERSION}); upgrade finmodel or use another data folder"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, _utc_now()),
                )

    def _enable_wal(self) -> None:
        """Switch the file to WAL (persistent); retry while another process holds a lock."""
        deadline = time.monotonic() + self._busy_timeout
        while True:
            conn = self._connect()
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                self.journal_mode = str(mode).lower()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreError(f"scenario store {self._path}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreError(f"scenario store {self._path} stayed locked: {exc}") from exc
                time.sleep(0.02)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._path} is not a scenario store: {exc}") from exc
            finally:
                conn.close()

    def schema_version(self) -> int:
        """The schema version recorded in the file."""
        with self._transaction("BEGIN") as conn:
            return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # ---- writes
    def save(
        self,
        name: str,
        assumptions: Mapping[str, object],
        *,
        model_name: str,
        model_hash: str,
        user: str,
        note: str | None = None,
        results: Mapping[str, object] | None = None,
        overwrite: bool = True,
    ) -> SavedScenario:
        """Save ``assumptions`` (dotted path -> value) as scenario ``name`` of ``model_name``.

        A new name is inserted (audit action ``save``); an existing name for the same model is
        updated in place, keeping its id and adding one to its revision (audit ``update`` with
        the before and after), unless ``overwrite`` is false, which raises
        :class:`DuplicateScenarioError`. Name, user and note are stripped; every problem found
        is raised together as :class:`InvalidScenarioError`.

        >>> import tempfile
        >>> store = ScenarioStore(tempfile.mkdtemp())
        >>> s = store.save(" Low growth ", {"assumptions.funding_growth": 0.01},
        ...                model_name="lsc", model_hash="ab" * 32, user="Jo",
        ...                results={"final_year_system_surplus": -1234.5})
        >>> s.name, s.revision
        ('Low growth', 1)
        >>> store.save("Low growth", {"assumptions.funding_growth": 0.015},
        ...            model_name="lsc", model_hash="ab" * 32, user="Sam").revision
        2
        """
        problems: list[Problem] = []
        clean_name = _clean_text(name, "name", MAX_NAME_LENGTH, problems, required=True)
        clean_user = _clean_text(user, "user", MAX_USER_LENGTH, problems, required=True)
        clean_model = _clean_text(
            model_name, "model_name", MAX_MODEL_NAME_LENGTH, problems, required=True
        )
        clean_note = _clean_text(
            note, "note", MAX_NOTE_LENGTH, problems, required=False, multiline=True
        )
        clean_hash = model_hash.strip().lower() if isinstance(model_hash, str) else ""
        if not _SHA256_RE.match(clean_hash):
            problems.append(
                Problem("scenario", "model_hash", "must be a sha256 hex digest (64 hex digits)")
            )
        clean_assumptions = _clean_assumptions(assumptions, problems)
        results_json: str | None = None
        if results is not None:
            if not isinstance(results, Mapping):
                problems.append(Problem("scenario", "results", "must be a mapping"))
            else:
                results_json = _dumps(_clean_json(results, "results", problems))
                if len(results_json) > MAX_RESULTS_CHARS:
                    problems.append(Problem("scenario", "results", "snapshot is too large"))
        if problems:
            raise InvalidScenarioError(problems)
        assert clean_name and clean_user and clean_model and clean_assumptions is not None

        assumptions_json = _dumps(clean_assumptions)
        now = _utc_now()
        with self._transaction() as conn:
            row = conn.execute(
                f"SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE model_name = ? AND name = ?",
                (clean_model, clean_name),
            ).fetchone()
            action: Action
            if row is None:
                action, before = "save", None
                cursor = conn.execute(
                    "INSERT INTO scenarios (model_name, name, model_hash, assumptions, saved_by,"
                    " saved_at, created_at, revision, note, results)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (
                        clean_model,
                        clean_name,
                        clean_hash,
                        assumptions_json,
                        clean_user,
                        now,
                        now,
                        clean_note,
                        results_json,
                    ),
                )
                scenario_id = int(cursor.lastrowid or 0)
            else:
                if not overwrite:
                    raise DuplicateScenarioError(
                        f"a scenario named {clean_name!r} already exists for model {clean_model!r}"
                    )
                action, before = "update", _row_to_scenario(row)
                scenario_id = before.id
                conn.execute(
                    "UPDATE scenarios SET model_hash = ?, assumptions = ?, saved_by = ?,"
                    " saved_at = ?, revision = revision + 1, note = ?, results = ? WHERE id = ?",
                    (
                        clean_hash,
                        assumptions_json,
                        clean_user,
                        now,
                        clean_note,
                        results_json,
                        scenario_id,
                    ),
                )
            after = self._fetch(conn, scenario_id)
            self._audit(conn, action, after, clean_user, now, before, after)
        return after

    def delete(self, scenario_id: int, *, user: str) -> SavedScenario:
        """Delete a scenario by id, recording ``user`` in the audit; returns what was deleted.

        Raises :class:`ScenarioNotFoundError` if no scenario has that id.
        """
        problems: list[Problem] = []
        clean_user = _clean_text(user, "user", MAX_USER_LENGTH, problems, required=True)
        if problems:
            raise InvalidScenarioError(problems)
        assert clean_user
        with self._transaction() as conn:
            before = self._fetch(conn, scenario_id)
            conn.execute("DELETE FROM scenarios WHERE id = ?", (before.id,))
            self._audit(conn, "delete", before, clean_user, _utc_now(), before, None)
        return before

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        action: Action,
        subject: SavedScenario,
        user: str,
        at: str,
        before: SavedScenario | None,
        after: SavedScenario | None,
    ) -> None:
        conn.execute(
            "INSERT INTO audit (action, scenario_id, model_name, scenario_name, user_name, at,"
            " before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                action,
                subject.id,
                subject.model_name,
                subject.name,
                user,
                at,
                None if before is None else _dumps(before.to_json()),
                None if after is None else _dumps(after.to_json()),
            ),
        )

    # ---- reads
    @staticmethod
    def _fetch(conn: sqlite3.Connection, scenario_id: int) -> SavedScenario:
        if isinstance(scenario_id, bool) or not isinstance(scenario_id, int):
            raise ScenarioNotFoundError(f"no saved scenario has id {scenario_id!r}")
        row = conn.execute(
            f"SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE id = ?", (scenario_id,)
        ).fetchone()
        if row is None:
            raise ScenarioNotFoundError(f"no saved scenario has id {scenario_id}")
        return _row_to_scenario(row)

    def load(self, scenario_id: int) -> SavedScenario:
        """The scenario with this id; :class:`ScenarioNotFoundError` if there is none."""
        with self._transaction("BEGIN") as conn:
            return self._fetch(conn, scenario_id)

    def load_by_name(self, name: str, *, model_name: str) -> SavedScenario:
        """The scenario called ``name`` (stripped) for ``model_name``; not found raises."""
        clean_name = unicodedata.normalize("NFC", name).strip() if isinstance(name, str) else name
        clean_model = (
            unicodedata.normalize("NFC", model_name).strip()
            if isinstance(model_name, str)
            else model_name
        )
        with self._transaction("BEGIN") as conn:
            row = conn.execute(
                f"SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE model_name = ? AND name = ?",
                (clean_model, clean_name),
            ).fetchone()
        if row is None:
            raise ScenarioNotFoundError(
                f"no saved scenario named {name!r} for model {model_name!r}"
            )
        return _row_to_scenario(row)

    def list_scenarios(self, model_name: str | None = None) -> list[SavedScenario]:
        """Saved scenarios of ``model_name`` (all models if None), most recently saved first."""
        order = " ORDER BY saved_at DESC, id DESC"
        with self._transaction("BEGIN") as conn:
            if model_name is None:
                rows = conn.execute(f"SELECT {_SCENARIO_COLUMNS} FROM scenarios{order}")
            else:
                rows = conn.execute(
                    f"SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE model_name = ?{order}",
                    (unicodedata.normalize("NFC", model_name).strip(),),
                )
            return [_row_to_scenario(row) for row in rows.fetchall()]

    def compare(self, first_id: int, second_id: int) -> ScenarioComparison:
        """Load two scenarios (one consistent read) and compare them: see :func:`compare_scenarios`.

        >>> import tempfile
        >>> store = ScenarioStore(tempfile.mkdtemp())
        >>> kw = dict(model_name="lsc", model_hash="0" * 64, user="Jo")
        >>> a = store.save("A", {"assumptions.inflation": 0.02}, **kw)
        >>> b = store.save("B", {"assumptions.inflation": 0.03}, **kw)
        >>> store.compare(a.id, b.id).changed
        {'assumptions.inflation': (0.02, 0.03)}
        """
        with self._transaction("BEGIN") as conn:
            first = self._fetch(conn, first_id)
            second = self._fetch(conn, second_id)
        return compare_scenarios(first, second)

    def audit_log(
        self,
        *,
        model_name: str | None = None,
        scenario_name: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Audit rows, newest first, optionally for one model and/or one scenario name."""
        where: list[str] = []
        params: list[object] = []
        if model_name is not None:
            where.append("model_name = ?")
            params.append(unicodedata.normalize("NFC", model_name).strip())
        if scenario_name is not None:
            where.append("scenario_name = ?")
            params.append(unicodedata.normalize("NFC", scenario_name).strip())
        sql = f"SELECT {_AUDIT_COLUMNS} FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._transaction("BEGIN") as conn:
            return [_row_to_audit(row) for row in conn.execute(sql, params).fetchall()]
