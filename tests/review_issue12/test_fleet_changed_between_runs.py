"""A fleet pipeline whose fleet file is edited after its run began (an instance added, another's data changed):
the run is of the pipeline as it began, so, as for an edited pipeline file, going on is refused (exit 4, nothing
sent) rather than mixing instances trained by the old fleet with ones of the new, in a run that had ended."""

from __future__ import annotations

import yaml

from tests.fleet.conftest import linear_csv
from tests.pipeline.test_pipeline import RUN, submits


def fleet_pipeline(repo, names):
    (repo.folder / "housing-predict.json").rename(repo.folder / "housing.template.json")
    (repo.root / "data").mkdir(exist_ok=True)
    instances = []
    for index, name in enumerate(names):
        (repo.root / "data" / f"{name}.csv").write_text(linear_csv(seed=index), encoding="utf-8")
        instances.append({"name": name, "training": {"uploads": {"trainingData": f"../../data/{name}.csv"},
                          "outputs": {"model": f"models/{repo.group}/{name}.ilearner"}}})  # fmt: skip
    fleet = {"version": 1, "template": "housing.template.json", "training": {"service": "housing-training"},
             "instances": instances}  # fmt: skip
    repo.write_fleet(fleet)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    pipeline = repo.folder / "rental.pipeline.yaml"
    pipeline.write_text(yaml.safe_dump({"version": 1, "update": {"fleet": "fleet.yaml", "mode": "review"}}))
    return pipeline, fleet


def test_a_fleet_edited_since_its_run_began_is_refused(live):
    repo, proxy = live
    pipeline, fleet = fleet_pipeline(repo, ["rental-001", "rental-002"])
    assert repo.run("pipeline", "run", pipeline, "--run", RUN).exit_code == 0
    trained = submits(proxy)
    (repo.root / "data" / "rental-003.csv").write_text(linear_csv(seed=7), encoding="utf-8")
    training = {"uploads": {"trainingData": "../../data/rental-003.csv"},
                "outputs": {"model": f"models/{repo.group}/rental-003.ilearner"}}  # fmt: skip
    fleet["instances"].append({"name": "rental-003", "training": training})
    repo.write_fleet(fleet)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0

    again = repo.run("pipeline", "run", pipeline, "--run", RUN)

    assert again.exit_code == 4, again.stdout + again.stderr
    assert "changed since run" in again.stderr and "fleet.yaml" in again.stderr
    assert submits(proxy) == trained
    assert repo.run("pipeline", "run", pipeline, "--run", "second").exit_code == 0  # a new run of the new fleet
