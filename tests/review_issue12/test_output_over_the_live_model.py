"""`mlws retrain --output-blob model=BLOB --update-definition FILE` where BLOB is the model FILE names (the live
service's): the job would overwrite the live model the moment it ends, before any gate decides, and the service
serves the new model unreviewed while the refusal says "nothing was changed". Refused before anything is sent."""

from __future__ import annotations

import json

from tests.retrain import housing_data
from tests.retrain.conftest import TRAINING_ASSET
from toolkit import storage


def test_an_output_onto_the_live_model_is_exit_2_and_the_live_model_stays(world, azurite):
    promoted = world.retrain("--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET, "-o", "json")
    assert promoted.exit_code == 0, promoted.stdout + promoted.stderr
    live = promoted.json()["result"]["outputs"]["model"]
    account = storage.parse_connection_string(azurite.connection_string)
    location = live.removeprefix(account.blob_endpoint + "/")
    model_before, files = storage.download(account, location)[0], world.predict_file.read_bytes()
    data = world.workdir / "v2.csv"
    data.write_text(housing_data.csv_text("v2"))

    over = world.run(
        "retrain", "-n", world.training, "-g", world.group, "--upload", f"trainingData={data}",
        "--output-blob", f"model={location}", "--output-blob", "evaluation=models/over-evaluation.csv",
        "--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET,
        "--promote-if", "Coefficient of Determination >= 0.99999999",
    )  # fmt: skip

    assert over.exit_code == 2, over.stdout + over.stderr
    assert location in over.stderr and "live" in over.stderr
    assert storage.download(account, location)[0] == model_before  # the live service's model as it was
    assert world.predict_file.read_bytes() == files
    assert json.loads(files)  # still the definition that names it
