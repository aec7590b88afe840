"""`--debug` on the runtime commands (HTTP log on stderr, secrets redacted), and `retrain --update-definition`
keeping edits made to the file while the job ran."""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import urlsplit

from tests.retrain.conftest import TRAINING_ASSET
from toolkit.arm.credential import DEVELOPMENT_TOKEN


def arm_path(emulator, world, name: str) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}"
        f"/providers/Microsoft.MachineLearning/webServices/{name}"
    )


def service_keys(emulator, world) -> list[str]:
    keys = []
    for name in (world.training, world.predict):
        body = emulator.call("GET", arm_path(emulator, world, name) + "/listKeys?api-version=2017-01-01").body
        keys += [body["primary"], body["secondary"]]
    return keys


def test_debug_shows_the_http_log_of_retrain_job_and_score_without_secrets(world, emulator, azurite):
    trained = world.retrain("--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET, "--debug")
    assert trained.exit_code == 0, trained.stderr
    assert world.run("update", "-f", str(world.predict_file), "-n", world.predict, "-g", world.group).exit_code == 0
    listed = world.run("job", "list", "-n", world.training, "-g", world.group, "--debug")
    assert listed.exit_code == 0, listed.stderr
    rows = world.workdir / "rows.json"
    rows.write_text('[{"rooms": 3, "area_sqm": 70, "age_years": 5}]')
    scored = world.run("score", "-n", world.predict, "-g", world.group, "--input", str(rows), "--debug")
    assert scored.exit_code == 0, scored.stderr
    assert "Scored Labels" in scored.stdout

    assert re.search(r"mlws: http: .*-> POST \S*/jobs\?", trained.stderr)
    assert re.search(r"mlws: http: .*<- 200 \S*/jobs/[0-9a-f]+\?", trained.stderr)
    assert re.search(r"mlws: http: .*-> GET \S*/jobs\?", listed.stderr)
    assert re.search(r"mlws: http: .*-> POST \S*/execute\?", scored.stderr)
    secrets = [azurite.account_key, DEVELOPMENT_TOKEN, *service_keys(emulator, world)]
    for run in (trained, listed, scored):
        text = run.stdout + run.stderr
        assert not [secret for secret in secrets if secret in text]
        # Whatever the log names, a signature, account key or bearer token shows only as the mask.
        assert not re.search(r"(?i)(sig=|AccountKey=|Bearer\s+)(?!\*\*\*)\S", text)


def test_edits_made_while_the_job_runs_are_kept(world, emulator):
    """The definition is read again after the job: a title changed meanwhile stays, and the model is swapped in."""
    previous = emulator.call("GET", "/_emulator/faults").body["jobSeconds"]
    assert emulator.call("PUT", "/_emulator/faults", {"jobSeconds": 1.0}).status == 200
    training = arm_path(emulator, world, world.training)
    swagger = emulator.call("GET", training + "?api-version=2017-01-01").body["properties"]["swaggerLocation"]
    key = emulator.call("GET", training + "/listKeys?api-version=2017-01-01").body["primary"]
    jobs = urlsplit(swagger).path.removesuffix("/swagger.json") + "/jobs?api-version=2.0"
    edited = threading.Event()

    def edit_while_running() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(job["StatusCode"] == "Running" for job in emulator.call("GET", jobs, token=key).body):
                document = json.loads(world.predict_file.read_text())
                document["properties"]["title"] = "Housing Price (edited during the job)"
                world.predict_file.write_text(json.dumps(document, indent=2) + "\n")
                edited.set()
                return
            time.sleep(0.05)

    editor = threading.Thread(target=edit_while_running)
    editor.start()
    try:
        trained = world.retrain("--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET, "-o", "json")
    finally:
        editor.join()
        emulator.call("PUT", "/_emulator/faults", {"jobSeconds": previous})
    assert edited.is_set(), "the job was never seen Running"
    assert trained.exit_code == 0, trained.stderr
    model = trained.json()["result"]["outputs"]["model"]
    document = json.loads(world.predict_file.read_text())
    assert document["properties"]["title"] == "Housing Price (edited during the job)"
    assets = document["properties"]["assets"].values()
    assert [a["locationInfo"]["uri"] for a in assets if a["name"] == TRAINING_ASSET] == [model]
