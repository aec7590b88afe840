"""`mlws pipeline run FILE` on the emulator and Azurite: the training job, the gate and the update as Data Factory's
two activities run them, unattended, resumable and idempotent. Expected scores and metrics come from numpy on the
same rows (tests/fleet/conftest.py, tests/retrain/least_squares.py), not from mlws."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.fixtures.classic_world import STARTING_MODEL, TRAINED_MODEL, model_bytes
from tests.fixtures.fault_proxy import FaultProxy
from tests.fleet.conftest import QUERY_ROWS, expected_scores, linear_csv, model_of, new_repo, noisy_csv
from tests.retrain.least_squares import HOUSING_SPLIT, expected_metrics
from toolkit import storage

RUN = "20261202"
SUBMIT = re.compile(r"/jobs$")
PIPELINE = "housing.pipeline.yaml"


def noisy(seed: int) -> str:
    """Data whose noise a linear fit cannot explain: its held-out Coefficient of Determination is far below 0.9."""
    return noisy_csv(seed, spread=400000.0)


def world_of(tmp_path, mlws, start_emulator, azurite, job_seconds: float = 0.3):
    tmp_path.mkdir(parents=True, exist_ok=True)
    emulator = start_emulator(job_seconds=job_seconds, db=tmp_path / "emulator.db")
    account = storage.parse_connection_string(azurite.connection_string)
    storage.upload(account, STARTING_MODEL, model_bytes("v1"))
    proxy = FaultProxy(emulator.url).__enter__()
    storage_env = {"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
                   "MLWS_STORAGE_KEY": azurite.account_key}  # fmt: skip
    env = {**emulator.env(), "MLWS_ARM_ENDPOINT": proxy.url, **storage_env}
    repo = new_repo(tmp_path / "repo", mlws, env, storage=azurite.blob_endpoint)
    # The predictive service as a definition of its own (not a fleet's template), created live.
    (repo.folder / "housing.template.json").rename(repo.folder / "housing-predict.json")
    assert repo.run("plan", "fleet").exit_code == 3
    assert repo.run("deploy", "fleet").exit_code == 0
    return repo, proxy


@pytest.fixture
def live(tmp_path, mlws, start_emulator, azurite):
    repo, proxy = world_of(tmp_path, mlws, start_emulator, azurite)
    yield repo, proxy
    proxy.__exit__(None, None, None)


def write_pipeline(repo, data: str, *, mode: str = "review", gate: dict | None = None, name: str = PIPELINE):
    """A pipeline of the repository's predictive service; its blobs are its own (the storage is shared by every test,
    and a run refuses outputs another run wrote)."""
    outputs = f"models/{repo.group}/{name.removesuffix('.pipeline.yaml')}"
    (repo.root / "data").mkdir(exist_ok=True)
    (repo.root / "data" / "housing.csv").write_text(data, encoding="utf-8")
    pipeline = {
        "version": 1,
        "training": {"service": "housing-training", "uploads": {"trainingData": "../../data/housing.csv"},
                     "outputs": {"model": f"{outputs}/housing.ilearner",
                                 "evaluation": f"{outputs}/housing-evaluation.csv"}},
        "gate": gate if gate is not None else {"promoteIf": ["Coefficient of Determination >= 0.9"]},
        "update": {"definition": "housing-predict.json", "trainedModel": TRAINED_MODEL, "mode": mode},
    }  # fmt: skip
    path = repo.folder / name
    path.write_text(yaml.safe_dump(pipeline, sort_keys=False), encoding="utf-8")
    return path


def submits(proxy, since: int = 0) -> int:
    return sum(1 for method, path in proxy.requests[since:] if method == "POST" and SUBMIT.search(path))


def committed(repo) -> dict[str, bytes]:
    """The repository's files a reviewer sees (the run's local state under .mlws/ aside)."""
    return {name: data for name, data in repo.files().items() if not name.startswith(".mlws")}


def test_a_review_run_promotes_the_model_into_the_definition_and_a_second_run_does_nothing(live):
    repo, proxy = live
    data = linear_csv(seed=7)
    pipeline = write_pipeline(repo, data)

    ran = repo.run("pipeline", "run", pipeline, "--run", RUN, "-o", "json")

    assert ran.exit_code == 0, ran.stdout + ran.stderr
    result = ran.json()["result"]
    [row] = result["services"]
    assert row["service"] == "housing-predict" and row["action"] == "promoted"
    model = model_of(repo.definition("housing-predict"))
    assert model.endswith(f"/models/{repo.group}/housing/housing.{RUN}.ilearner")  # the run's own blob
    assert row["model"] == model
    record = json.loads((repo.folder / "housing-predict.metrics.json").read_text(encoding="utf-8"))
    assert record["model"] == model and record["metrics"]["Coefficient of Determination"] > 0.999999
    assert submits(proxy) == 1
    files = committed(repo)

    again = repo.run("pipeline", "run", pipeline, "--run", RUN)

    assert again.exit_code == 0, again.stdout + again.stderr
    assert submits(proxy) == 1 and committed(repo) == files  # nothing trained, nothing written
    assert "promoted" in again.stdout and "ended" in again.stdout


def test_a_refused_gate_changes_no_file_and_exits_4_every_time(live):
    repo, proxy = live
    pipeline = write_pipeline(repo, noisy(3))
    before = committed(repo)

    ran = repo.run("pipeline", "run", pipeline, "--run", RUN, "-o", "json")

    assert ran.exit_code == 4, ran.stdout + ran.stderr
    [row] = ran.json()["result"]["services"]
    assert row["action"] == "refused" and "Coefficient of Determination" in row["result"]
    assert committed(repo) == before  # the definition as it was, no metrics record
    assert not (repo.folder / "housing-predict.metrics.json").exists()

    again = repo.run("pipeline", "run", pipeline, "--run", RUN)
    assert again.exit_code == 4 and submits(proxy) == 1  # the run ended: refused again without training again


def test_a_live_run_deploys_the_promoted_model_and_the_service_scores_as_a_fit_of_the_data(live):
    repo, proxy = live
    data = linear_csv(seed=11)
    pipeline = write_pipeline(repo, data, mode="live")

    ran = repo.run("pipeline", "run", pipeline, "--run", RUN)

    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert "deployed" in ran.stdout
    assert repo.run("drift", "fleet").exit_code == 0  # live is what the promoted files say
    rows = repo.root / "rows.json"
    rows.write_text(json.dumps(QUERY_ROWS), encoding="utf-8")
    scored = repo.run("score", "-n", "housing-predict", "-g", repo.group, "--input", rows, "-o", "json")
    assert scored.exit_code == 0, scored.stderr
    values = [row["Scored Labels"] for row in scored.json()["result"]["rows"]]
    assert values == pytest.approx(expected_scores(data), rel=1e-6)


def test_the_held_out_metrics_are_recorded(live):
    repo, _ = live
    data = noisy(5)
    pipeline = write_pipeline(repo, data, gate={})

    assert repo.run("pipeline", "run", pipeline, "--run", RUN).exit_code == 0

    record = json.loads((repo.folder / "housing-predict.metrics.json").read_text(encoding="utf-8"))
    expected = expected_metrics(data, HOUSING_SPLIT)
    assert record["evaluatedOn"] == "held-out rows" and record["rows"] == expected.pop("Rows")
    assert set(record["metrics"]) == set(expected)
    for metric, value in expected.items():
        assert record["metrics"][metric] == pytest.approx(value, rel=1e-4), metric


def test_a_pipeline_edited_since_its_run_began_is_refused(live):
    repo, proxy = live
    pipeline = write_pipeline(repo, noisy(3))
    assert repo.run("pipeline", "run", pipeline, "--run", RUN).exit_code == 4
    pipeline.write_text(pipeline.read_text().replace(">= 0.9", ">= -1000000"), encoding="utf-8")

    ran = repo.run("pipeline", "run", pipeline, "--run", RUN)

    assert ran.exit_code == 4 and "changed since run" in ran.stderr and "--run" in ran.stderr
    assert submits(proxy) == 1
    assert repo.run("pipeline", "run", pipeline, "--run", "second").exit_code == 0  # a new run of the new file


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p.update(colour="blue"), "colour"),
        (lambda p: p["update"].update(mode="sometimes"), "update.mode"),
        (lambda p: p["update"].update(fleet="fleet.yaml"), "one of definition"),
        (lambda p: (p["update"].pop("definition"), p["update"].update(fleet="fleet.yaml")), "update.trainedModel"),
        (lambda p: p.update(gate={"promoteIf": ["Accuracy >= 0.9"]}), "Accuracy"),
        (lambda p: p.update(timeoutSeconds=float("nan")), "timeoutSeconds"),
        (lambda p: p.update(version=2), "version"),
    ],
    ids=[
        "unknown key",
        "bad mode",
        "definition and fleet",
        "a fleet's model named again",
        "unknown metric",
        "NaN timeout",
        "version",
    ],
)
def test_a_bad_pipeline_file_is_exit_2_before_any_request(live, edit, message):
    repo, proxy = live
    path = write_pipeline(repo, linear_csv(seed=1))
    document = yaml.safe_load(path.read_text())
    edit(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    before, files = len(proxy.requests), committed(repo)

    ran = repo.run("pipeline", "run", path, "--run", RUN)

    assert ran.exit_code == 2, ran.stdout + ran.stderr
    assert message in ran.stderr
    assert len(proxy.requests) == before and committed(repo) == files


@pytest.mark.parametrize("run", ["../escape", "a/b", "", "-x", "é"])
def test_a_bad_run_id_is_exit_2(live, run):
    repo, proxy = live
    path = write_pipeline(repo, linear_csv(seed=1))
    before = len(proxy.requests)
    ran = repo.run("pipeline", "run", path, "--run", run)
    assert ran.exit_code == 2 and "--run" in ran.stderr
    assert len(proxy.requests) == before
    assert not (repo.root / ".mlws" / "pipelines").exists() or not any(
        ".." in str(p) for p in (repo.root / ".mlws" / "pipelines").rglob("*")
    )


def _wait_for(predicate, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_a_run_killed_mid_job_and_run_again_ends_as_an_uninterrupted_run(tmp_path, mlws, start_emulator, azurite):
    data = linear_csv(seed=21)
    # The uninterrupted run, in a repository of its own.
    whole, whole_proxy = world_of(tmp_path / "whole", mlws, start_emulator, azurite, job_seconds=3.0)
    assert whole.run("pipeline", "run", write_pipeline(whole, data), "--run", RUN).exit_code == 0
    whole_proxy.__exit__(None, None, None)

    repo, proxy = world_of(tmp_path / "killed", mlws, start_emulator, azurite, job_seconds=3.0)
    pipeline = write_pipeline(repo, data)
    state = repo.root / ".mlws" / "pipelines" / "fleet" / "housing" / f"{RUN}.json"
    env = {**os.environ, **repo.env}
    command = [sys.executable, "-m", "toolkit", "pipeline", "run", str(pipeline), "--run", RUN]
    process = subprocess.Popen(command, cwd=repo.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Killed once its job is recorded and running: mid-job, nothing promoted yet.
        _wait_for(lambda: state.is_file() and "job" in json.loads(state.read_text())["units"]["housing-predict"])
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.kill()
    assert model_of(repo.definition("housing-predict")) != model_of(whole.definition("housing-predict"))

    resumed = repo.run("pipeline", "run", pipeline, "--run", RUN)

    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    assert submits(proxy) == 1  # it waited for the job the killed run had submitted, and trained nothing new
    # Each repository's blobs are its own (named for its resource group): the same files but for that name.
    definitions = [(r.folder / "housing-predict.json").read_text().replace(r.group, "GROUP") for r in (repo, whole)]
    assert definitions[0] == definitions[1]
    records = [json.loads((r.folder / "housing-predict.metrics.json").read_text().replace(r.group, "GROUP"))
               for r in (repo, whole)]  # fmt: skip
    assert [{k: v for k, v in record.items() if k != "job"} for record in records] == [
        {k: v for k, v in records[1].items() if k != "job"}
    ] * 2
    proxy.__exit__(None, None, None)


def test_a_fleet_pipeline_promotes_each_instance_on_its_own_gate(live):
    repo, proxy = live
    names = ["rental-001", "rental-002", "rental-003"]
    (repo.folder / "housing-predict.json").rename(repo.folder / "housing.template.json")
    (repo.root / "data").mkdir(exist_ok=True)
    instances = []
    for index, name in enumerate(names):
        data = noisy(index) if name == "rental-002" else linear_csv(seed=index)
        (repo.root / "data" / f"{name}.csv").write_text(data, encoding="utf-8")
        instances.append({"name": name, "training": {"uploads": {"trainingData": f"../../data/{name}.csv"},
                          "outputs": {"model": f"models/{repo.group}/{name}.ilearner",
                                      "evaluation": f"models/{repo.group}/{name}-evaluation.csv"}}})  # fmt: skip
    repo.write_fleet({"version": 1, "template": "housing.template.json", "training": {"service": "housing-training"},
                      "instances": instances})  # fmt: skip
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    pipeline = repo.folder / "rental.pipeline.yaml"
    pipeline.write_text(yaml.safe_dump({
        "version": 1, "gate": {"promoteIf": ["Coefficient of Determination >= 0.9"]},
        "update": {"fleet": "fleet.yaml", "mode": "review"},
    }), encoding="utf-8")  # fmt: skip
    refused_before = (repo.folder / "rental-002.json").read_bytes()

    ran = repo.run("pipeline", "run", pipeline, "--run", RUN, "--parallel", "3", "-o", "json")

    assert ran.exit_code == 4, ran.stdout + ran.stderr
    rows = {row["service"]: row for row in ran.json()["result"]["services"]}
    assert {name: row["action"] for name, row in rows.items()} == {
        "rental-001": "promoted", "rental-002": "refused", "rental-003": "promoted"}  # fmt: skip
    for name in ("rental-001", "rental-003"):
        assert model_of(repo.definition(name)).endswith(f"/models/{repo.group}/{name}.{RUN}.ilearner")
        assert (repo.folder / f"{name}.metrics.json").is_file()
    assert (repo.folder / "rental-002.json").read_bytes() == refused_before
    assert not (repo.folder / "rental-002.metrics.json").exists()
    assert repo.run("fleet", "render", repo.fleet_file, "--check").exit_code == 0  # the fleet file is still true
    assert submits(proxy) == 3

    again = repo.run("pipeline", "run", pipeline, "--run", RUN)
    assert again.exit_code == 4 and submits(proxy) == 3


def test_outputs_another_run_wrote_are_refused_before_anything_is_sent(live):
    repo, proxy = live
    pipeline = write_pipeline(repo, linear_csv(seed=31))
    assert repo.run("pipeline", "run", pipeline, "--run", RUN).exit_code == 0
    # A copy of the pipeline (say prod's, with the same outputs) on the same date: its blobs exist already.
    copy = repo.folder / "copy.pipeline.yaml"
    copy.write_text(pipeline.read_text(), encoding="utf-8")
    files, before = committed(repo), submits(proxy)

    ran = repo.run("pipeline", "run", copy, "--run", RUN)

    assert ran.exit_code == 4, ran.stdout + ran.stderr
    assert "exists already" in ran.stdout and "--run" in ran.stdout
    assert submits(proxy) == before and committed(repo) == files
    assert repo.run("pipeline", "run", copy, "--run", "other").exit_code == 0  # a run of its own
