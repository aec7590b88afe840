"""A trained model's asset names an .ilearner blob: checked offline, so `edit --asset` and `validate` refuse
anything else before a service could be pointed at it."""

from __future__ import annotations

import pytest

from tests.definition.conftest import read_json

ASSET = "Housing Price [trained model]"


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:10000/devstoreaccount1/data/housing-v2.csv",
        "aml://module/506153734175476c4f62416c57734963",
        "models/housing-v2.ilearner",
    ],
)
def test_edit_refuses_a_trained_model_that_is_not_an_ilearner_blob(mlws, predict_copy, uri):
    before = predict_copy.read_bytes()

    run = mlws("edit", predict_copy, "--asset", ASSET, "--uri", uri, "-i")

    assert run.exit_code == 2
    assert "properties.assets.asset2.locationInfo.uri" in run.stderr and "is not an .ilearner blob" in run.stderr
    assert predict_copy.read_bytes() == before


def test_an_ilearner_with_a_sas_placeholder_and_any_case_is_a_trained_model(mlws, predict_copy):
    uri = "https://acct.blob.core.windows.net/models/Housing-V2.ILEARNER?${MLWS_MODEL_SAS}"

    run = mlws("edit", predict_copy, "--asset", ASSET, "--uri", uri, "-i")

    assert run.exit_code == 0, run.stderr
    assert read_json(predict_copy)["properties"]["assets"]["asset2"]["locationInfo"]["uri"] == uri


def test_other_assets_may_name_any_blob(mlws, predict_copy):
    run = mlws("edit", predict_copy, "--asset", "Score Model", "--uri", "aml://module/other", "-i")

    assert run.exit_code == 0, run.stderr
