"""Paths in a pipeline file (and the training sections it shares with fleet files) that leave the repository: an
upload is sent to blob storage, so one outside the repository (absolute, `..` past its root, a symlink out of it)
would ship any readable file (a key, /proc/self/environ) from the machine that runs the schedule; a definition
outside the pipeline's environment is not the environment's to update. Each is exit 2 before anything is sent."""

from __future__ import annotations

import pytest
import yaml

from tests.fleet.conftest import linear_csv
from tests.pipeline.test_pipeline import RUN, committed, write_pipeline


def edited(path, change) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document, path)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def outside(tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("rooms,area_sqm,age_years,price\n1,2,3,4\n", encoding="utf-8")
    return secret


def absolute_upload(document, path, secret):
    document["training"]["uploads"]["trainingData"] = str(secret)


def dotdot_upload(document, path, secret):
    document["training"]["uploads"]["trainingData"] = "../../../outside/secret.csv"


def symlinked_upload(document, path, secret):
    link = path.parent / "linked.csv"
    link.symlink_to(secret)
    document["training"]["uploads"]["trainingData"] = "linked.csv"


def other_environment(document, path, secret):
    other = path.parent.parent / "prod"
    other.mkdir()
    (other / "housing-predict.json").write_bytes((path.parent / "housing-predict.json").read_bytes())
    document["update"]["definition"] = "../prod/housing-predict.json"


def symlinked_definition(document, path, secret):
    target = secret.with_name("housing-predict.json")
    target.write_bytes((path.parent / "housing-predict.json").read_bytes())
    (path.parent / "elsewhere.json").symlink_to(target)
    document["update"]["definition"] = "elsewhere.json"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (absolute_upload, "uploads"),
        (dotdot_upload, "uploads"),
        (symlinked_upload, "uploads"),
        (other_environment, "update.definition"),
        (symlinked_definition, "update.definition"),
    ],
    ids=["absolute upload", "upload above the repository", "upload symlinked out", "definition of another "
         "environment", "definition symlinked out"],
)  # fmt: skip
def test_a_path_out_of_the_repository_is_exit_2_before_anything_is_sent(live, tmp_path, change, message):
    repo, proxy = live
    secret = outside(tmp_path)
    path = write_pipeline(repo, linear_csv(seed=1))
    edited(path, lambda document, where: change(document, where, secret))
    before, files = len(proxy.requests), committed(repo)

    ran = repo.run("pipeline", "run", path, "--run", RUN)

    assert ran.exit_code == 2, ran.stdout + ran.stderr
    assert message in ran.stderr and "Traceback" not in ran.stderr
    assert len(proxy.requests) == before and committed(repo) == files


def test_a_fleet_instance_uploading_a_file_out_of_the_repository_is_exit_2(tmp_path, mlws):
    from tests.fleet.conftest import new_repo

    repo = new_repo(tmp_path / "repo", mlws, {})
    secret = outside(tmp_path)
    repo.write_fleet({"version": 1, "template": "housing.template.json", "training": {"service": "housing-training"},
                      "instances": [{"name": "rental-001", "training": {"uploads": {"trainingData": str(secret)},
                                     "outputs": {"model": "models/rental-001.ilearner"}}}]})  # fmt: skip
    files = repo.files()

    rendered = repo.run("fleet", "render", repo.fleet_file)

    assert rendered.exit_code == 2, rendered.stdout + rendered.stderr
    assert "outside the repository" in rendered.stderr and "instances[0].training.uploads" in rendered.stderr
    assert repo.files() == files
