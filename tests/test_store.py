"""Tests of the SQLite scenario store (finmodel.app.store)."""

from __future__ import annotations

import hashlib
import math
import multiprocessing as mp
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.app.store import (
    DATA_DIR_ENV,
    DB_FILENAME,
    SCHEMA_VERSION,
    DuplicateScenarioError,
    InvalidScenarioError,
    SavedScenario,
    ScenarioNotFoundError,
    ScenarioStore,
    StoreError,
    compare_scenarios,
    model_content_hash,
    resolve_data_dir,
)
from finmodel.errors import FinmodelError, InputError

HASH_A = hashlib.sha256(b"model a").hexdigest()
HASH_B = hashlib.sha256(b"model b").hexdigest()
MODEL = "Lancashire and South Cumbria"


def _save(store: ScenarioStore, name: str, assumptions: dict[str, Any], **kw: Any) -> SavedScenario:
    args: dict[str, Any] = {"model_name": MODEL, "model_hash": HASH_A, "user": "Jo Bloggs"}
    args.update(kw)
    return store.save(name, assumptions, **args)


def _raw(store: ScenarioStore) -> sqlite3.Connection:
    return sqlite3.connect(store.path)


# ------------------------------------------------------------------------------ creation
def test_created_on_first_use_with_schema_version_and_wal(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    store = ScenarioStore(data_dir)
    assert store.path == data_dir / DB_FILENAME
    assert store.path.is_file()
    assert store.schema_version() == SCHEMA_VERSION
    assert store.journal_mode == "wal"
    with _raw(store) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
    assert {"schema_version", "scenarios", "audit"} <= tables
    assert versions == [(1,)]


def test_reopening_does_not_reapply_migrations(tmp_path: Path) -> None:
    ScenarioStore(tmp_path)
    ScenarioStore(tmp_path)
    with _raw(ScenarioStore(tmp_path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


def test_env_var_sets_the_data_folder_and_an_explicit_folder_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_dir = tmp_path / "from_env"
    monkeypatch.setenv(DATA_DIR_ENV, str(env_dir))
    assert ScenarioStore().path == env_dir / DB_FILENAME
    assert (env_dir / DB_FILENAME).is_file()
    explicit = tmp_path / "explicit"
    assert ScenarioStore(explicit).path == explicit / DB_FILENAME


def test_default_folder_is_data_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir() == tmp_path.resolve() / "data"
    store = ScenarioStore()
    monkeypatch.chdir("/")  # the store keeps its absolute path
    _save(store, "Baseline", {})
    assert (tmp_path / "data" / DB_FILENAME).is_file()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    with _raw(store) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, ?)", (SCHEMA_VERSION + 1, "x"))
    with pytest.raises(StoreError, match="newer"):
        ScenarioStore(tmp_path)


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"this is not sqlite " * 100)
    with pytest.raises(StoreError):
        ScenarioStore(tmp_path)


# ------------------------------------------------------------------------- save and load
def test_save_then_load_by_id_and_by_name(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    assumptions = {
        "assumptions.demand_growth": 0.04,
        "partners.icb.costs.chc.demand_growth": 0.07,
        "investments.ipa_uplift.option": "uplift_796k",
        "assumptions.inflation": [0.02, 0.025, 0.03],
        "risk_share.enabled": True,
        "timeline.horizon": 5,
    }
    before = datetime.now(UTC)
    saved = _save(
        store,
        "  High demand  ",
        assumptions,
        user="  A. Finance Lead ",
        note="Winter pressures\nsecond line",
        results={"system": {"final_year_surplus": -12345.6}, "years": ["2019/20", "2020/21"]},
    )
    assert saved.name == "High demand"
    assert saved.saved_by == "A. Finance Lead"
    assert saved.revision == 1
    assert saved.model_name == MODEL
    assert saved.model_hash == HASH_A
    assert saved.saved_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= saved.saved_at <= datetime.now(UTC)
    assert saved.created_at == saved.saved_at
    for loaded in (store.load(saved.id), store.load_by_name("High demand", model_name=MODEL)):
        assert loaded == saved
        assert loaded.assumptions == assumptions
        assert loaded.note == "Winter pressures\nsecond line"
        assert loaded.results == {
            "system": {"final_year_surplus": -12345.6},
            "years": ["2019/20", "2020/21"],
        }
    with _raw(store) as conn:
        saved_at_text = conn.execute("SELECT saved_at FROM scenarios").fetchone()[0]
    assert saved_at_text.endswith("+00:00")
    assert datetime.fromisoformat(saved_at_text) == saved.saved_at


def test_names_are_unique_per_model_not_globally(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    a = _save(store, "Baseline", {"assumptions.inflation": 0.02})
    b = _save(store, "Baseline", {"assumptions.inflation": 0.03}, model_name="Other ICS")
    assert a.id != b.id
    assert store.load_by_name("Baseline", model_name="Other ICS").assumptions == {
        "assumptions.inflation": 0.03
    }
    assert [s.name for s in store.list_scenarios(MODEL)] == ["Baseline"]
    assert len(store.list_scenarios()) == 2


def test_list_is_per_model_newest_first(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    for name in ["first", "second", "third"]:
        _save(store, name, {})
    _save(store, "elsewhere", {}, model_name="Other ICS")
    assert [s.name for s in store.list_scenarios(MODEL)] == ["third", "second", "first"]
    _save(store, "first", {"assumptions.inflation": 0.02})  # an update makes it the newest
    assert [s.name for s in store.list_scenarios(MODEL)] == ["first", "third", "second"]
    assert [s.name for s in store.list_scenarios("Other ICS")] == ["elsewhere"]
    assert store.list_scenarios("No such model") == []


def test_update_keeps_id_bumps_revision_and_audits_before_and_after(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    first = _save(store, "Plan", {"assumptions.inflation": 0.02}, user="Jo")
    second = _save(
        store, "Plan", {"assumptions.inflation": 0.03}, user="Sam", model_hash=HASH_B, note="n"
    )
    assert second.id == first.id
    assert second.revision == 2
    assert second.saved_by == "Sam"
    assert second.model_hash == HASH_B
    assert second.created_at == first.created_at
    assert second.saved_at >= first.saved_at
    assert store.load(first.id).assumptions == {"assumptions.inflation": 0.03}
    log = store.audit_log()
    assert [e.action for e in log] == ["update", "save"]
    update, save = log
    assert (update.user, update.scenario_name, update.scenario_id) == ("Sam", "Plan", first.id)
    assert update.before == first.to_json()
    assert update.after == second.to_json()
    assert save.before is None
    assert save.after == first.to_json()
    assert update.at.tzinfo is not None


def test_overwrite_false_raises_duplicate_and_changes_nothing(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    first = _save(store, "Plan", {"assumptions.inflation": 0.02})
    with pytest.raises(DuplicateScenarioError, match="Plan"):
        _save(store, "Plan", {"assumptions.inflation": 0.09}, overwrite=False)
    assert store.load(first.id) == first
    assert len(store.audit_log()) == 1


def test_delete_removes_the_scenario_and_audits_it(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    keep = _save(store, "Keep", {})
    gone = _save(store, "Gone", {"assumptions.efficiency": 0.011})
    deleted = store.delete(gone.id, user="Auditor")
    assert deleted == gone
    with pytest.raises(ScenarioNotFoundError):
        store.load(gone.id)
    assert [s.id for s in store.list_scenarios(MODEL)] == [keep.id]
    entry = store.audit_log(limit=1)[0]
    assert (entry.action, entry.user, entry.scenario_name) == ("delete", "Auditor", "Gone")
    assert entry.before == gone.to_json()
    assert entry.after is None
    assert [e.action for e in store.audit_log(scenario_name="Gone")] == ["delete", "save"]
    # a new scenario never reuses a deleted id, so the audit trail stays unambiguous
    assert _save(store, "New", {}).id > gone.id


def test_not_found_errors(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    saved = _save(store, "Plan", {})
    with pytest.raises(ScenarioNotFoundError):
        store.load(saved.id + 1)
    with pytest.raises(ScenarioNotFoundError):
        store.load_by_name("Plan", model_name="Other ICS")
    with pytest.raises(ScenarioNotFoundError):
        store.load_by_name("plan", model_name=MODEL)  # names are case-sensitive
    with pytest.raises(ScenarioNotFoundError):
        store.delete(saved.id + 1, user="Jo")
    with pytest.raises(ScenarioNotFoundError):
        store.compare(saved.id, saved.id + 1)
    assert issubclass(ScenarioNotFoundError, StoreError)
    assert issubclass(StoreError, FinmodelError)
    assert not issubclass(DuplicateScenarioError, ScenarioNotFoundError)
    assert len(store.audit_log()) == 1


def test_saved_scenarios_survive_reopening(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    a = _save(store, "A", {"assumptions.funding_growth": 0.015})
    b = _save(store, "B", {"investments.ipa_uplift.option": "do_minimum"})
    _save(store, "A", {"assumptions.funding_growth": 0.02})
    store.delete(b.id, user="Jo")
    del store
    reopened = ScenarioStore(tmp_path)
    assert [s.name for s in reopened.list_scenarios(MODEL)] == ["A"]
    assert reopened.load(a.id).assumptions == {"assumptions.funding_growth": 0.02}
    assert [e.action for e in reopened.audit_log()] == ["delete", "update", "save", "save"]


# ------------------------------------------------------------------------------- compare
def test_compare_lists_paths_in_one_only_and_changed_values(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    a = _save(
        store,
        "A",
        {"assumptions.inflation": 0.02, "assumptions.demand_growth": 0.03, "x.same": [1, 2]},
        results={"system": {"final_year_surplus": -100.0, "control_total": 0.0}},
    )
    b = _save(
        store,
        "B",
        {"assumptions.inflation": 0.025, "investments.ipa_uplift.option": "full", "x.same": [1, 2]},
        model_hash=HASH_B,
        results={"system": {"final_year_surplus": -80.0, "control_total": 0.0}, "extra": 1},
    )
    c = store.compare(a.id, b.id)
    assert c.first == a and c.second == b
    assert c.only_in_first == {"assumptions.demand_growth": 0.03}
    assert c.only_in_second == {"investments.ipa_uplift.option": "full"}
    assert c.changed == {"assumptions.inflation": (0.02, 0.025)}
    assert c.results_changed == {
        "system.final_year_surplus": (-100.0, -80.0),
        "extra": (None, 1),
    }
    assert not c.same_model
    assert not c.same_inputs
    assert store.compare(a.id, a.id).same_inputs


def test_compare_numbers_by_value_but_bools_are_not_numbers() -> None:
    t = datetime(2024, 4, 1, tzinfo=UTC)

    def scenario(values: dict[str, Any]) -> SavedScenario:
        return SavedScenario(1, "s", "m", HASH_A, values, "u", t, t, 1, None, None)

    c = compare_scenarios(scenario({"a": 1, "b": True, "c": [1, 2]}), scenario({"a": 1.0, "b": 1}))
    assert c.changed == {"b": (True, 1)}
    assert c.only_in_first == {"c": [1, 2]}
    assert c.same_model


paths = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), min_size=1, max_size=3).map(
    ".".join
)
scalars = st.one_of(
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
values = st.one_of(scalars, st.lists(scalars, max_size=5))
assumption_maps = st.dictionaries(paths, values, max_size=8)


@settings(max_examples=100, deadline=None)
@given(assumption_maps, assumption_maps)
def test_compare_partitions_the_paths_and_is_symmetric(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    t = datetime(2024, 4, 1, tzinfo=UTC)
    sa = SavedScenario(1, "a", "m", HASH_A, a, "u", t, t, 1, None, None)
    sb = SavedScenario(2, "b", "m", HASH_A, b, "u", t, t, 1, None, None)
    ab, ba = compare_scenarios(sa, sb), compare_scenarios(sb, sa)
    assert set(ab.only_in_first) == a.keys() - b.keys()
    assert set(ab.only_in_second) == b.keys() - a.keys()
    assert set(ab.changed) <= a.keys() & b.keys()
    assert ab.only_in_first == ba.only_in_second
    assert {k: (y, x) for k, (x, y) in ab.changed.items()} == ba.changed
    assert compare_scenarios(sa, sa).same_inputs


def test_saved_values_round_trip_exactly(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    counter = iter(range(10**6))

    @settings(max_examples=60, deadline=None)
    @given(assumption_maps)
    def check(assumptions: dict[str, Any]) -> None:
        saved = _save(store, f"s{next(counter)}", assumptions)
        loaded = store.load(saved.id)
        assert loaded.assumptions == assumptions
        assert compare_scenarios(loaded, saved).same_inputs

    check()


# ------------------------------------------------------------------------------ validation
def test_invalid_input_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    with pytest.raises(InvalidScenarioError) as info:
        store.save(
            "   ",
            {
                "assumptions.inflation": math.nan,
                "assumptions.demand_growth": {"not": "allowed"},
                "bad path!": 1,
                "assumptions.efficiency": None,
                "assumptions.funding_growth": [0.01, math.inf],
                "ok.value": 0.01,
            },
            model_name=MODEL,
            model_hash="not-a-hash",
            user=" ",
        )
    err = info.value
    assert isinstance(err, InputError) and isinstance(err, StoreError)
    places = {p.place for p in err.problems}
    assert {
        "name",
        "user",
        "model_hash",
        "assumptions.inflation",
        "assumptions.demand_growth",
        "bad path!",
        "assumptions.efficiency",
        "assumptions.funding_growth[1]",
    } == places
    assert store.list_scenarios() == [] and store.audit_log() == []


@pytest.mark.parametrize(
    ("kwargs", "place"),
    [
        ({"name": "x" * 121}, "name"),
        ({"user": "u" * 81}, "user"),
        ({"user": None}, "user"),
        ({"user": 42}, "user"),
        ({"name": "two\nlines"}, "name"),
        ({"note": "n" * 2001}, "note"),
        ({"assumptions": [("a", 1)]}, "assumptions"),
        ({"assumptions": {"a": [[[1]]]}}, "a[0][0]"),
        ({"assumptions": {"a": "t" * 1001}}, "a"),
        ({"results": {"x": object()}}, "results.x"),
        ({"results": {"x": math.nan}}, "results.x"),
    ],
)
def test_each_kind_of_bad_value_is_refused(
    tmp_path: Path, kwargs: dict[str, Any], place: str
) -> None:
    store = ScenarioStore(tmp_path)
    args: dict[str, Any] = {
        "name": "Plan",
        "assumptions": {"assumptions.inflation": 0.02},
        "model_name": MODEL,
        "model_hash": HASH_A,
        "user": "Jo",
    }
    args.update(kwargs)
    with pytest.raises(InvalidScenarioError) as info:
        store.save(**args)
    assert [p.place for p in info.value.problems] == [place]
    assert store.list_scenarios() == []


def test_numpy_values_are_stored_as_plain_numbers(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    saved = _save(
        store,
        "np",
        {"a.b": np.float64(0.02), "a.c": np.int64(3), "a.d": np.array([0.01, 0.02])},
        results={"surplus": np.array([1.5, -2.5]), "n": np.int32(7)},
    )
    loaded = store.load(saved.id)
    assert loaded.assumptions == {"a.b": 0.02, "a.c": 3, "a.d": [0.01, 0.02]}
    assert type(loaded.assumptions["a.c"]) is int
    assert loaded.results == {"surplus": [1.5, -2.5], "n": 7}


def test_model_hash_is_sha256_of_the_file_bytes(tmp_path: Path) -> None:
    model_file = tmp_path / "m.yaml"
    model_file.write_bytes(b"name: demo\nunits: gbp_thousands\n")
    expected = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert model_content_hash(model_file) == expected
    assert model_content_hash(str(model_file)) == expected
    assert model_content_hash(model_file.read_bytes()) == expected
    store = ScenarioStore(tmp_path)
    assert _save(store, "s", {}, model_hash=expected.upper()).model_hash == expected


# --------------------------------------------------------------------- text is only text
@pytest.mark.parametrize(
    "name",
    [
        "'); DROP TABLE scenarios;--",
        "Robert'); DELETE FROM audit; --",
        "Quote \"double\" and 'single' and `back`",
        "Ysbyty – ‘what if’ ≥ 5% £796k 日本語 🚑",
        "{{ 7*7 }} ${HOME} __import__('os').system('echo hi')",
    ],
)
def test_odd_names_and_users_are_stored_verbatim(tmp_path: Path, name: str) -> None:
    store = ScenarioStore(tmp_path)
    user = 'Siân O\'Brien "SOB"; DROP TABLE audit;--'
    saved = _save(store, name, {"assumptions.inflation": 0.02}, user=user, note=name)
    assert store.load_by_name(name, model_name=MODEL).id == saved.id
    assert [s.name for s in store.list_scenarios(MODEL)] == [name]
    assert store.load(saved.id).saved_by == user
    assert store.load(saved.id).note == name
    assert store.audit_log(scenario_name=name)[0].user == user
    with _raw(store) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("SELECT name FROM scenarios").fetchall() == [(name,)]
    assert {"scenarios", "audit", "schema_version"} <= tables


def test_a_decomposed_accent_finds_the_composed_name(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    saved = _save(store, "Caf\u00e9", {})
    assert store.load_by_name("Cafe\u0301", model_name=MODEL).id == saved.id
    assert _save(store, "Cafe\u0301", {"a": 1}).id == saved.id


# ------------------------------------------------------------------------- transactions
def test_a_failed_audit_write_rolls_back_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ScenarioStore(tmp_path)

    def broken_audit(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(ScenarioStore, "_audit", staticmethod(broken_audit))
    with pytest.raises(StoreError, match="simulated"):
        _save(store, "Plan", {"assumptions.inflation": 0.02})
    monkeypatch.undo()
    assert store.list_scenarios() == []
    assert store.audit_log() == []


def test_a_save_waits_for_another_sessions_write_lock(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path)
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    outcome: list[object] = []

    def save() -> None:
        try:
            outcome.append(_save(store, "Waited", {"a": 1}))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcome.append(exc)

    thread = threading.Thread(target=save)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive() and outcome == []  # still waiting for the lock, not failed
    blocker.execute("COMMIT")
    blocker.close()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], SavedScenario)


# -------------------------------------------------------------------------- concurrency
SAVES_PER_WORKER = 12


def _saver(data_dir: str, worker: str, start: Any) -> None:
    """Open the store once all workers are ready, then save unique and shared scenarios."""
    start.wait(timeout=120)
    store = ScenarioStore(data_dir)
    for i in range(SAVES_PER_WORKER):
        _save(store, f"{worker}-{i}", {"w.id": worker, "w.i": i}, user=worker)
        _save(store, "shared", {"w.id": worker, "w.i": i}, user=worker)
        time.sleep(0.005)  # a user's pause between saves lets the other sessions in


def _process_saver(data_dir: str, worker: str, start: Any, errors: Any) -> None:
    try:
        _saver(data_dir, worker, start)
    except BaseException as exc:
        errors.put(f"{worker}: {exc!r}")
        raise


@pytest.mark.timeout(180)
def test_processes_and_threads_saving_at_once_all_succeed(tmp_path: Path) -> None:
    """Four spawned processes and four threads open a new file together and save at once."""
    data_dir = str(tmp_path / "shared_data")
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(8)  # all eight workers create the file and start saving together
    errors = ctx.Queue()
    procs = [
        ctx.Process(target=_process_saver, args=(data_dir, f"proc{k}", start, errors))
        for k in range(4)
    ]
    thread_errors: list[str] = []

    def run_thread(worker: str) -> None:
        try:
            _saver(data_dir, worker, start)
        except BaseException as exc:
            thread_errors.append(f"{worker}: {exc!r}")

    threads = [threading.Thread(target=run_thread, args=(f"thread{k}",)) for k in range(4)]
    for p in procs:
        p.start()
    for t in threads:
        t.start()
    for p in procs:
        p.join(timeout=150)
    for t in threads:
        t.join(timeout=150)
    process_errors = []
    while not errors.empty():
        process_errors.append(errors.get())
    assert process_errors == [] and thread_errors == []
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert not any(t.is_alive() for t in threads)

    workers = [f"proc{k}" for k in range(4)] + [f"thread{k}" for k in range(4)]
    n_saves = len(workers) * SAVES_PER_WORKER * 2
    store = ScenarioStore(data_dir)
    assert store.schema_version() == SCHEMA_VERSION
    scenarios = {s.name: s for s in store.list_scenarios(MODEL)}
    assert len(scenarios) == len(workers) * SAVES_PER_WORKER + 1
    for worker in workers:
        for i in range(SAVES_PER_WORKER):
            s = scenarios[f"{worker}-{i}"]
            assert s.assumptions == {"w.id": worker, "w.i": i} and s.saved_by == worker
            assert s.revision == 1
    shared = scenarios["shared"]
    assert shared.revision == len(workers) * SAVES_PER_WORKER

    log = store.audit_log()
    assert len(log) == n_saves
    assert sorted(e.id for e in log) == list(range(1, n_saves + 1))
    actions = Counter(e.action for e in log)
    assert actions == {"save": len(scenarios), "update": shared.revision - 1}
    shared_log = store.audit_log(scenario_name="shared")
    assert Counter(e.user for e in shared_log) == dict.fromkeys(workers, SAVES_PER_WORKER)
    # each update's "before" is exactly the previous revision: no lost updates
    chain = sorted(shared_log, key=lambda e: e.id)
    for previous, current in pairwise(chain):
        assert current.before == previous.after
    assert chain[-1].after == shared.to_json()
    # the workers really did overlap: the audit trail interleaves their saves
    runs = sum(1 for a, b in pairwise(log) if a.user != b.user) + 1
    assert runs > 2 * len(workers)


@pytest.mark.parametrize(
    "field", ["name", "user", "note", "model_name", "assumption text", "results text"]
)
def test_a_lone_surrogate_is_refused_with_a_clear_message(tmp_path, field):
    """Issue 10: a lone surrogate reached SQLite and raised a raw UnicodeEncodeError."""
    store = ScenarioStore(tmp_path)
    bad = "High \udc80 demand"
    args: dict[str, Any] = {"model_name": MODEL, "model_hash": HASH_A, "user": "Jo Bloggs"}
    name = "High demand"
    assumptions: dict[str, object] = {"assumptions.demand_growth": 0.04}
    if field == "name":
        name = bad
    elif field == "assumption text":
        assumptions = {"investments.ipa_uplift.option": bad}
    elif field == "results text":
        args["results"] = {"label": bad}
    else:
        args[field] = bad
    with pytest.raises(InvalidScenarioError) as err:
        store.save(name, assumptions, **args)
    assert "lone surrogate" in str(err.value)
    assert store.list_scenarios() == []
    with pytest.raises(InvalidScenarioError):
        store.load_by_name(bad, model_name=MODEL)
