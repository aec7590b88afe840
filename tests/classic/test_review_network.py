"""The Classic commands on a network that loses answers after the request took (a fault proxy in front of the
emulator forwards each request and drops the answers it is told to), and `endpoint add --force` whose add fails
after its delete: no false failure, no false success, nothing lost silently."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.classic_world import TRAINED_MODEL, seed
from tests.fixtures.fault_proxy import ANSWER_503, DROP_AFTER, FaultProxy
from tests.retrain import housing_data


def names_of(world) -> list[str]:
    return [endpoint["Name"] for endpoint in world.management("GET", world.endpoint_path()).body]


@pytest.fixture
def proxy(world):
    with FaultProxy(world.emulator.url) as running:
        yield running


def via(proxy) -> dict[str, str]:
    return {"env": {"MLWS_CLASSIC_ENDPOINT": proxy.url}}


def test_add_whose_answer_was_lost_is_not_reported_as_already_existing(classic, world, proxy):
    proxy.fault("PUT", r"/endpoints/lost001$", DROP_AFTER, times=1)

    added = classic("endpoint", "add", "-s", world.scoring, "-n", "lost001", **via(proxy))

    assert "lost001" in names_of(world)  # the first PUT took
    assert added.exit_code in (0, 5), added.stderr
    assert "already" not in added.stderr


def test_remove_whose_answer_was_lost_reports_it_removed(classic, world, proxy):
    world.add_endpoint("lost002")
    proxy.fault("DELETE", r"/endpoints/lost002$", DROP_AFTER, times=1)

    removed = classic("endpoint", "remove", "-s", world.scoring, "-n", "lost002", "--yes", **via(proxy))

    assert "lost002" not in names_of(world)
    assert removed.exit_code in (0, 5), removed.stderr


def test_force_add_whose_delete_answer_was_lost_still_adds_the_endpoint(classic, world, proxy):
    world.add_endpoint("lost003")
    proxy.fault("DELETE", r"/endpoints/lost003$", DROP_AFTER, times=1)

    replaced = classic("endpoint", "add", "-s", world.scoring, "-n", "lost003", "--force", "--yes", **via(proxy))

    assert "lost003" in names_of(world), replaced.stderr


def test_a_lost_read_after_an_accepted_patch_is_outcome_unknown_not_a_failure(classic, world, proxy):
    world.add_endpoint("lost004")
    model = world.put_model("v2")
    proxy.fault("GET", r"/endpoints$", DROP_AFTER, times=5, after=("PATCH", r"/endpoints/lost004$"))

    patched = classic(
        "endpoint", "patch", "-s", world.scoring, "-n", "lost004", "--resource", TRAINED_MODEL,
        "--base-location", model["BaseLocation"], "--relative-location", model["RelativeLocation"],
        "--sas-token-env", "SAS", env={"MLWS_CLASSIC_ENDPOINT": proxy.url, "SAS": model["SasBlobToken"]},
    )  # fmt: skip

    assert world.endpoint("lost004")["Resources"][0]["Location"]["RelativeLocation"] == model["RelativeLocation"]
    assert patched.exit_code == 5, patched.stderr


def test_refresh_whose_answer_was_lost_is_sent_once_and_outcome_unknown(classic, world, proxy):
    world.add_endpoint("lost005")
    proxy.fault("POST", r"/lost005/refresh$", DROP_AFTER, times=1)

    refreshed = classic("endpoint", "refresh", "-s", world.scoring, "-n", "lost005", **via(proxy))

    assert proxy.count("POST", "/lost005/refresh") == 1
    assert refreshed.exit_code == 5, refreshed.stderr


def test_a_creation_plan_whose_put_answer_was_lost_does_not_say_already_exists(classic, world, proxy, mlws, tmp_path):
    file = tmp_path / "definitions" / "dev" / "classic" / "lost006.json"
    file.parent.mkdir(parents=True)
    file.write_text(json.dumps({"Name": "lost006", "WebServiceId": world.scoring, "Description": "x"}))
    plan = tmp_path / "plan.json"
    assert classic("diff", file, "--out", plan, **via(proxy)).exit_code == 0
    proxy.fault("PUT", r"/endpoints/lost006$", DROP_AFTER, times=1)

    created = mlws("update", "--plan", plan, "--yes", env={"MLWS_CLASSIC_ENDPOINT": proxy.url})

    assert "lost006" in names_of(world)
    assert created.exit_code in (0, 5), created.stderr


def test_retrain_that_cannot_patch_after_the_job_says_where_the_model_is(classic, world, proxy, tmp_path):
    data = tmp_path / "housing-v2.csv"
    data.write_text(housing_data.csv_text("v2"), encoding="utf-8")
    world.add_endpoint("lost007")

    proxy.fault("PATCH", r"/endpoints/lost007$", ANSWER_503)  # the endpoint cannot take the model now
    done = classic(
        "retrain", "--training-service", world.training, "-s", world.scoring, "-n", "lost007",
        "--upload", f"trainingData={data}", "--output-blob", "model=models/lost007.ilearner",
        env={"MLWS_CLASSIC_ENDPOINT": proxy.url, "AZURE_STORAGE_CONNECTION_STRING": world.azurite.connection_string},
    )  # fmt: skip

    assert done.exit_code == 1
    assert "the job's model is at " in done.stderr and "models/lost007.ilearner" in done.stderr, done.stderr


def test_force_add_refused_after_its_delete_does_not_lose_the_endpoint_silently(mlws, emulator, azurite):
    world = seed(emulator, azurite, tier="Free")
    world.add_endpoint("free001")
    env = {"MLWS_CLASSIC_ENDPOINT": emulator.url, "MLWS_WORKSPACE_ID": world.workspace,
           "MLWS_WORKSPACE_TOKEN": world.tokens[0]}  # fmt: skip

    replaced = mlws(
        "classic", "endpoint", "add", "-s", world.scoring, "-n", "free001", "--throttle-level", "High", "--force",
        "--yes", env=env,
    )  # fmt: skip

    assert replaced.exit_code == 4  # the service refuses High on a Free workspace
    assert "free001" in names_of(world) or "was REMOVED to be replaced" in replaced.stderr, replaced.stderr
