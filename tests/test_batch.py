"""``finmodel batch``: manifests, executors (real worker processes, a real Dask cluster),
bit-identical results, a lost worker, a bad model, a bad manifest."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from finmodel.batch import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    load_manifest,
    run_batch,
)
from finmodel.batch.manifest import Manifest, scenarios_for
from finmodel.batch.tasks import run_key, run_seed
from finmodel.cli.main import app
from finmodel.errors import InputError
from finmodel.io.yaml_io import file_hash, load_model
from finmodel.risk.montecarlo import simulate
from tests.conftest import MODELS, ROOT

runner = CliRunner()

UNCERTAINTY = {
    "assumptions.demand_growth": {
        "dist": "pert",
        "low": 0.01,
        "mode": 0.03,
        "high": 0.05,
        "source": "illustrative: test range",
    },
    "assumptions.inflation": {
        "dist": "uniform",
        "low": -0.01,
        "high": 0.01,
        "apply": "add",
        "source": "illustrative: test range",
    },
}
DRAWS, CHUNK = 1500, 512  # three chunks per run, the last one short


def tiny_model(folder: Path, name: str, allocation: float) -> Path:
    """models/minimal.yaml with an uncertainty section and its own allocation."""
    data = yaml.safe_load((MODELS / "minimal.yaml").read_text(encoding="utf-8"))
    data["name"] = f"Tiny {name}"
    data["partners"][0]["funding"][0]["baseline"] = allocation
    data["uncertainty"] = UNCERTAINTY
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def write_manifest(folder: Path, models: list[str], **run: object) -> Path:
    simulate_settings = {"draws": DRAWS, "seed": 11, "chunk_size": CHUNK, **run}
    manifest = {
        "name": "test batch",
        "models": models,
        "scenarios": ["base", "high_demand"],
        "run": {"project": True, "simulate": simulate_settings},
    }
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def batch_dir(tmp_path: Path) -> Path:
    systems = tmp_path / "systems"
    systems.mkdir()
    tiny_model(systems, "alpha", 1000)
    tiny_model(systems, "beta", 980)
    write_manifest(tmp_path, ["systems"])
    return tmp_path


@pytest.fixture()
def serial_frame(batch_dir: Path) -> pd.DataFrame:
    result = run_batch(load_manifest(batch_dir / "batch.yaml"), SerialExecutor())
    assert result.failures == []
    assert result.n_runs == 4 and result.n_tasks == 12
    return result.frame


def test_batch_equals_simulate_with_the_run_seed(batch_dir: Path, serial_frame: pd.DataFrame):
    """A batch chunk is the Monte Carlo's own chunk: each run equals ``simulate`` with its seed."""
    path = batch_dir / "systems" / "alpha.yaml"
    seed = run_seed(11, run_key(file_hash(path), "high_demand"))
    direct = simulate(load_model(path), "high_demand", draws=DRAWS, seed=seed)
    rows = serial_frame[
        (serial_frame["file"] == str(path))
        & (serial_frame["scenario"] == "high_demand")
        & (serial_frame["entity"] == "system")
        & (serial_frame["measure"] == "surplus")
        & (serial_frame["statistic"] == "P50")
    ]
    assert rows["year"].astype(str).tolist() == direct.years
    np.testing.assert_array_equal(rows["value"].to_numpy(), direct.surplus.at(50)[-1])


def test_run_seeds_depend_on_the_model_and_scenario_not_the_manifest_order(batch_dir: Path):
    sha = file_hash(batch_dir / "systems" / "alpha.yaml")
    seeds = {run_seed(11, run_key(sha, s)) for s in ("base", "high_demand")}
    seeds.add(run_seed(11, run_key(file_hash(batch_dir / "systems" / "beta.yaml"), "base")))
    assert len(seeds) == 3
    write_manifest(batch_dir, ["systems/beta.yaml", "systems/alpha.yaml"])
    reordered = run_batch(load_manifest(batch_dir / "batch.yaml")).frame
    write_manifest(batch_dir, ["systems"])
    original = run_batch(load_manifest(batch_dir / "batch.yaml")).frame
    key = ["file", "scenario", "entity", "measure", "year", "statistic"]
    a = reordered.astype({c: str for c in key}).sort_values(key).reset_index(drop=True)
    b = original.astype({c: str for c in key}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[[*key, "value"]], b[[*key, "value"]], check_exact=True)


def test_process_pool_equals_serial_bitwise(batch_dir: Path, serial_frame: pd.DataFrame):
    result = run_batch(load_manifest(batch_dir / "batch.yaml"), ProcessExecutor(workers=2))
    assert result.executor == "processes" and result.workers == 2
    pd.testing.assert_frame_equal(result.frame, serial_frame, check_exact=True)


@pytest.mark.slow
def test_dask_local_cluster_equals_serial_bitwise(batch_dir: Path, serial_frame: pd.DataFrame):
    executor = DaskExecutor(local_workers=2)
    result = run_batch(load_manifest(batch_dir / "batch.yaml"), executor)
    assert result.executor == "dask" and result.workers == 2
    assert len(result.peak_memory) == 2  # one figure per worker
    pd.testing.assert_frame_equal(result.frame, serial_frame, check_exact=True)


@pytest.mark.slow
def test_a_worker_killed_mid_run_gives_the_same_result(batch_dir: Path, serial_frame: pd.DataFrame):
    killed: list[tuple[int, int]] = []  # (pid, tasks it was processing)

    def kill_one_worker(client) -> None:
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 20
        processing = client.processing()
        while not any(processing.values()) and time.monotonic() < deadline:
            time.sleep(0.05)  # the scheduler has not assigned the tasks yet
            processing = client.processing()
        victim = max(pids, key=lambda address: len(processing.get(address, ())))
        os.kill(pids[victim], signal.SIGKILL)
        killed.append((pids[victim], len(processing.get(victim, ()))))

    write_manifest(batch_dir, ["systems"], chunk_size=64)  # 24 tasks a run: the victim has some
    executor = DaskExecutor(local_workers=2)
    executor.on_submitted = kill_one_worker
    result = run_batch(load_manifest(batch_dir / "batch.yaml"), executor)
    assert result.failures == []
    assert killed and killed[0][1] > 0  # it died holding tasks, which Dask reran elsewhere
    pd.testing.assert_frame_equal(result.frame, serial_frame, check_exact=True)


def test_cli_bad_model_is_reported_and_the_others_complete(batch_dir: Path):
    bad = batch_dir / "systems" / "gamma.yaml"
    text = (batch_dir / "systems" / "alpha.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("baseline: 700", "baseline: -700"), encoding="utf-8")
    line = next(i for i, s in enumerate(bad.read_text().splitlines(), 1) if "-700" in s)
    out_file = batch_dir / "results.parquet"
    out = runner.invoke(
        app,
        ["batch", str(batch_dir / "batch.yaml"), "--executor", "serial", "--out", str(out_file)],
    )
    assert out.exit_code == 3, out.output
    assert f"{bad}: partners.icb.costs.acute_contract.baseline (line {line})" in out.stderr
    assert "1 model(s)/scenario(s) failed" in out.stderr
    assert "Traceback" not in out.output
    frame = pd.read_parquet(out_file)
    assert sorted(set(frame["system"].astype(str))) == ["Tiny alpha", "Tiny beta"]
    assert set(frame["basis"].astype(str)) == {"reported"}
    assert "Tiny alpha" in out.stdout and "high_demand" in out.stdout


def test_cli_scenario_missing_from_one_model_fails_only_that_run(batch_dir: Path):
    data = yaml.safe_load((batch_dir / "systems" / "beta.yaml").read_text(encoding="utf-8"))
    data["scenarios"] = []
    (batch_dir / "systems" / "beta.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run_batch(load_manifest(batch_dir / "batch.yaml"))
    assert [(f.scenario, f.problems[0].place) for f in result.failures] == [
        ("high_demand", "scenarios")
    ]
    assert "asked for at scenarios.[1] (line" in result.failures[0].problems[0].message
    assert result.n_runs == 3


@pytest.mark.parametrize(
    ("change", "place", "message"),
    [
        ({"run": {"simulate": {"drawz": 5}}}, "run.simulate.drawz", "unknown key"),
        ({"run": {"simulate": {"draws": 0}}}, "run.simulate.draws", "greater than"),
        ({"models": ["nowhere.yaml"]}, "models.[0]", "no such model file or folder"),
    ],
)
def test_cli_bad_manifest_exits_2_naming_the_place(
    tmp_path: Path, change: dict, place: str, message: str
):
    manifest = {"name": "bad", "models": [str(MODELS / "minimal.yaml")], **change}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    needle = "nowhere" if place.startswith("models") else place.rsplit(".", 1)[1] + ":"
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if needle in s)
    out_file = tmp_path / "out.parquet"
    out = runner.invoke(app, ["batch", str(path), "--out", str(out_file)])
    assert out.exit_code == 2, out.output
    expected = re.escape(f"{path}: {place} (line {line}): ") + ".*" + message
    assert re.search(expected, out.stderr), out.stderr
    assert not out_file.exists()


def test_cli_bad_options_exit_2(batch_dir: Path):
    out = runner.invoke(
        app, ["batch", str(batch_dir / "batch.yaml"), "--scheduler", "x", "--dask-local", "2"]
    )
    assert out.exit_code == 2
    assert "command line: --scheduler" in out.stderr


def test_manifest_without_simulation_projects_only(tmp_path: Path):
    manifest = {"name": "p", "models": [str(MODELS / "minimal.yaml")], "run": {"simulate": None}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    result = run_batch(load_manifest(tmp_path / "m.yaml"))
    assert set(result.frame["statistic"].astype(str)) == {"deterministic"}
    assert result.n_tasks == 0


def test_scenarios_all_expands_per_model():
    manifest = Manifest(name="x", models=["m.yaml"], scenarios=["all"])
    assert scenarios_for(manifest, ["a", "b"]) == ["base", "a", "b"]


def test_manifest_schema_rejects_unknown_keys():
    with pytest.raises(ValueError, match="extra"):
        Manifest.model_validate({"name": "x", "models": ["a"], "colour": "red"})


def test_no_such_manifest_is_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="no such manifest file"):
        load_manifest(tmp_path / "missing.yaml")


def test_national_set_script_writes_valid_synthetic_models(tmp_path: Path):
    spec = importlib.util.spec_from_file_location(
        "make_national_set", ROOT / "scripts" / "make_national_set.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = module.write_set(tmp_path, count=4, seed=5)
    sizes = set()
    for path in paths:
        model = load_model(path)
        assert model.description is not None
        assert "Synthetic" in model.name and "SYNTHETIC" in model.description
        assert {s.id for s in model.scenarios} >= {"higher_demand", "lower_efficiency"}
        assert model.uncertainty
        sizes.add(len(model.partners))
        text = path.read_text(encoding="utf-8")
        sources = re.findall(r"source: (.*)", text)
        assert sources and all("illustrative: synthetic" in s for s in sources)
    assert len(sizes) > 1  # sizes and mixes vary
    assert load_model(paths[0]).investments  # one in three carries a service investment
    loaded = load_manifest(tmp_path / "national.yaml")
    assert len(loaded.models) == 4
