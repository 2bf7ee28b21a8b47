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

Modules: this one holds the database and the errors; the records and their comparison are in
:mod:`finmodel.app.store_records`, the checks on what is saved in
:mod:`finmodel.app.store_validation`. Every public name is importable from here.

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

import hashlib
import json
import os
import sqlite3
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from finmodel.app.store_records import (
    Action,
    AssumptionValue,
    AuditEntry,
    JSONValue,
    SavedScenario,
    ScenarioComparison,
    compare_scenarios,
)
from finmodel.app.store_validation import (
    _SHA256_RE,
    MAX_MODEL_NAME_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_RESULTS_CHARS,
    MAX_USER_LENGTH,
    _clean_assumptions,
    _clean_json,
    _clean_text,
    _has_lone_surrogate,
    _surrogate_problem,
)
from finmodel.errors import FinmodelError, InputError, Problem

__all__ = [
    "DATA_DIR_ENV",
    "DB_FILENAME",
    "DEFAULT_DATA_DIR",
    "SCHEMA_VERSION",
    "AssumptionValue",
    "AuditEntry",
    "DuplicateScenarioError",
    "InvalidScenarioError",
    "JSONValue",
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


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


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
        for field, text in (("name", clean_name), ("model_name", clean_model)):
            if isinstance(text, str) and _has_lone_surrogate(text):
                raise InvalidScenarioError([_surrogate_problem(field)])
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
