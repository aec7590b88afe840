"""`mlws fleet render`: one canonical definition per instance, byte-stable; `--check` for CI; the trained model
kept as retraining left it. Offline: no services."""

from __future__ import annotations

import json

from tests.fleet.conftest import LOCATIONS, model_of, template_model

TWELVE = [f"rental-{number:03d}" for number in range(1, 13)]


def twelve_instances() -> list[dict]:
    return [
        {
            "name": name,
            "location": LOCATIONS[index % len(LOCATIONS)],
            "tags": {"site": f"{index + 1:03d}", "region": LOCATIONS[index % len(LOCATIONS)]},
            "title": f"Rentals of site {index + 1}",
            "set": {"properties.realtimeConfiguration.maxConcurrentCalls": 4 + index},
            "training": {
                "uploads": {"trainingData": f"data/{name}.csv"},
                "outputs": {"model": f"models/{name}.ilearner"},
            },
        }  # fmt: skip
        for index, name in enumerate(TWELVE)
    ]


def twelve(repo) -> dict:
    fleet = {"version": 1, "template": "housing.template.json", "training": {"service": "housing-training"},
             "instances": twelve_instances()}  # fmt: skip
    repo.write_fleet(fleet)
    return fleet


def test_twelve_instances_render_to_their_own_files_and_a_second_render_writes_nothing(repo):
    twelve(repo)

    first = repo.run("fleet", "render", repo.fleet_file, "-o", "json")

    assert first.exit_code == 0, first.stdout
    assert [(r["service"], r["result"]) for r in first.json()["result"]["services"]] == [(n, "written") for n in TWELVE]
    template = json.loads((repo.folder / "housing.template.json").read_text())
    for index, name in enumerate(TWELVE):
        document = repo.definition(name)
        assert document["location"] == LOCATIONS[index % len(LOCATIONS)]
        assert document["tags"] == {**template["tags"], "site": f"{index + 1:03d}", "region": document["location"]}
        assert document["properties"]["title"] == f"Rentals of site {index + 1}"
        assert document["properties"]["realtimeConfiguration"]["maxConcurrentCalls"] == 4 + index
        assert document["properties"]["package"] == template["properties"]["package"]
        assert model_of(document) == template_model(repo)  # a new instance starts on the template's model
    written = {name: (repo.folder / f"{name}.json").stat().st_mtime_ns for name in TWELVE}
    before = repo.files()

    second = repo.run("fleet", "render", repo.fleet_file)

    assert second.exit_code == 0, second.stderr
    assert second.stdout.count("unchanged") == 12 and "written" not in second.stdout
    assert repo.files() == before
    assert {name: (repo.folder / f"{name}.json").stat().st_mtime_ns for name in TWELVE} == written
    # Each rendered file is a valid definition of its kind, canonical as `mlws normalize` writes it.
    files = [str(repo.folder / f"{name}.json") for name in TWELVE]
    assert repo.run("validate", *files).exit_code == 0
    assert repo.run("normalize", "--check", *files).exit_code == 0


def test_check_exits_0_when_up_to_date_and_3_naming_what_is_missing_or_out_of_date(repo):
    fleet = twelve(repo)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert repo.run("fleet", "render", repo.fleet_file, "--check").exit_code == 0

    fleet["instances"][4]["tags"]["site"] = "changed"
    repo.write_fleet(fleet)
    (repo.folder / "rental-009.json").unlink()
    before = repo.files()
    checked = repo.run("fleet", "render", repo.fleet_file, "--check")

    assert checked.exit_code == 3, checked.stdout + checked.stderr
    lines = {line.split()[0]: line for line in checked.stdout.splitlines()[1:] if line.startswith("rental-")}
    assert "out of date" in lines["rental-005"] and "missing" in lines["rental-009"]
    assert all("up to date" in line for name, line in lines.items() if name not in ("rental-005", "rental-009"))
    assert repo.files() == before  # --check writes nothing
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert repo.run("fleet", "render", repo.fleet_file, "--check").exit_code == 0


def test_a_model_retraining_wrote_into_a_file_is_kept_and_a_stated_model_is_the_fleets(repo):
    fleet = twelve(repo)
    fleet["instances"][1]["model"] = "https://acct.blob.core.windows.net/models/pinned.ilearner"
    repo.write_fleet(fleet)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    retrained = "https://acct.blob.core.windows.net/models/rental-001-v7.ilearner"
    for name in ("rental-001", "rental-002"):  # as `mlws retrain --update-definition` writes a model
        edited = repo.run("edit", repo.folder / f"{name}.json", "-i", "--asset", "Housing Price [trained model]",
                          "--uri", retrained)  # fmt: skip
        assert edited.exit_code == 0, edited.stderr

    checked = repo.run("fleet", "render", repo.fleet_file, "--check")

    assert checked.exit_code == 3
    assert [line.split()[0] for line in checked.stdout.splitlines()[1:] if line.endswith("out of date")] == [
        "rental-002"
    ]
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert model_of(repo.definition("rental-001")) == retrained  # retraining's model: kept
    assert model_of(repo.definition("rental-002")) == fleet["instances"][1]["model"]  # the fleet states it
    assert model_of(repo.definition("rental-003")) == template_model(repo)


def test_an_edit_by_hand_of_a_rendered_file_is_undone_by_render(repo):
    twelve(repo)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    file = repo.folder / "rental-003.json"
    rendered = file.read_bytes()
    assert repo.run("edit", file, "-i", "--set", 'properties.title="by hand"').exit_code == 0

    assert repo.run("fleet", "render", repo.fleet_file, "--check").exit_code == 3
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert file.read_bytes() == rendered


def test_a_classic_template_renders_endpoint_files_under_classic_named_after_each_instance(repo):
    template = {"Name": "template", "WebServiceId": "0123456789abcdef0123456789abcdef", "Description": "Rentals",
                "ThrottleLevel": "Low", "MaxConcurrentCalls": 4,
                "Resources": [{"Name": "Housing Price [trained model]", "Kind": "TrainedModel",
                               "Location": {"BaseLocation": "https://acct.blob.core.windows.net/",
                                            "RelativeLocation": "models/start.ilearner",
                                            "SasBlobToken": "${MODEL_SAS}"}}]}  # fmt: skip
    (repo.folder / "rentals.template.json").write_text(json.dumps(template), encoding="utf-8")
    repo.write_fleet({"version": 1, "template": "rentals.template.json", "instances": [
        {"name": "rentalloc001", "description": "Location 1"},
        {"name": "rentalloc002", "set": {"MaxConcurrentCalls": 2},
         "model": {"BaseLocation": "https://other.blob.core.windows.net/",
                   "RelativeLocation": "models/two.ilearner"}}]})  # fmt: skip

    rendered = repo.run("fleet", "render", repo.fleet_file)

    assert rendered.exit_code == 0, rendered.stderr
    one, two = repo.definition("classic/rentalloc001"), repo.definition("classic/rentalloc002")
    assert (one["Name"], one["Description"], one["MaxConcurrentCalls"]) == ("rentalloc001", "Location 1", 4)
    assert (two["Name"], two["Description"], two["MaxConcurrentCalls"]) == ("rentalloc002", "Rentals", 2)
    assert model_of(one) == "https://acct.blob.core.windows.net/models/start.ilearner"
    assert model_of(two) == "https://other.blob.core.windows.net/models/two.ilearner"
    assert two["Resources"][0]["Location"]["SasBlobToken"] == "${MODEL_SAS}"  # the template's placeholder
    assert not (repo.folder / "rentalloc001.json").exists()
    assert repo.run("fleet", "render", repo.fleet_file).stdout.count("unchanged") == 2
