"""What `mlws fleet render` refuses: exit 2, every problem named, and nothing written (not even the valid
instances' files). Offline."""

from __future__ import annotations

import pytest

HEADER = """version: 1
template: housing.template.json
training: {service: housing-training}
instances:
  - name: rental-new
    title: A valid instance whose file must not be written either
"""

CASES = {
    "a name given twice, without case": ("  - name: rental-001\n  - name: Rental-001\n",
                                         "instances[2].name: 'Rental-001' is the name of instances[1] too"),
    "a name with a slash": ("  - name: ../evil\n", "'../evil': a web service name is 1-260 characters"),
    "a name the environment verbs would skip": ("  - name: evil.template\n", "a name mlws keeps for itself"),
    "a metrics record's name": ("  - name: rental.metrics\n", "'rental.metrics' is a name mlws keeps for itself"),
    "a path the template does not have": ("  - name: rental-001\n    set: {properties.nosuch.title: x}\n",
                                          "the template has no properties.nosuch.title"),
    "a path a key of the instance sets": ("  - name: rental-001\n    set: {properties.title: x}\n",
                                          "the instance's 'title' sets this (give it as title:)"),
    "a storage key in clear": ("  - name: rental-001\n    set: {properties.storageAccount.key: c2VjcmV0}\n",
                               "properties.storageAccount.key: storage account key in the file"),
    "a SAS in a tag": ("  - name: rental-001\n    tags: {link: 'https://a.blob.core.windows.net/c/b?sv=1&sig=abc'}\n",
                       "tags.link: SAS signature in the file"),
    "an account key in a global parameter": (
        "  - name: rental-001\n    training:\n      service: housing-training\n"
        "      uploads: {trainingData: a.csv}\n      outputs: {model: models/a.ilearner}\n"
        "      globalParameters: {Data: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc'}\n",
        "globalParameters.Data: looks like a secret"),
    "a credential parameter in clear": (
        "  - name: rental-001\n    training:\n      service: housing-training\n"
        "      uploads: {trainingData: a.csv}\n      outputs: {model: models/a.ilearner}\n"
        "      globalParameters: {Account Key: abc}\n",
        "looks like a secret (give it as a ${VARIABLE} placeholder"),
    "a key given twice in the YAML": ("  - name: rental-001\n    title: one\n    title: two\n",
                                      "line 9, column 5: key 'title' is given twice (first on line 8)"),
    "an alias (a billion laughs)": ("  - name: rental-001\n    tags: &laugh {a: b}\n  - name: rental-002\n"
                                    "    tags: *laugh\n", "line 8, column 11: anchors and aliases (&name, *name)"),
    "nesting without end": ("  - name: rental-001\n    set: {properties.title: " + "[" * 10000 + "\n",
                            "nested more than 100 levels deep"),
    "an unknown key": ("  - name: rental-001\n    titel: x\n", "instances[1].titel: not a key of a fleet file here "
                       "(did you mean 'title'?)"),
    "a YAML date": ("  - name: rental-001\n    set: {properties.diagnostics.level: 2024-01-31}\n",
                    "a YAML date is no value a definition holds"),
    "a number for a tag": ("  - name: rental-001\n    tags: {site: 001}\n", "tags.site: give a non-empty string"),
    "a region the service is not in": ("  - name: rental-001\n    location: Mars\n", "not a region the service"),
    "the training service's name": ("  - name: Housing-Training\n",
                                    "'Housing-Training' is the training service's name: its file would be overwritten"),
    "two instances writing one model": (
        "".join(f"  - name: rental-00{n}\n    training:\n      service: housing-training\n"
                f"      uploads: {{trainingData: {n}.csv}}\n      outputs: {{model: models/same.ilearner}}\n"
                for n in (1, 2)),
        "'rental-002' and 'rental-001' both write models/same.ilearner"),
}  # fmt: skip


@pytest.fixture
def rendered(repo):
    """The repository with one rendered instance: a refused render must leave it as it is."""
    repo.write_fleet(HEADER.replace("rental-new", "rental-000"))
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    return repo


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_fleet_is_refused_naming_the_problem_and_nothing_is_written(rendered, case):
    text, message = CASES[case]
    rendered.write_fleet(HEADER + text)
    before = rendered.files()

    refused = rendered.run("fleet", "render", rendered.fleet_file)
    checked = rendered.run("fleet", "render", rendered.fleet_file, "--check")

    assert refused.exit_code == 2, refused.stdout + refused.stderr
    assert message in refused.stderr, refused.stderr
    assert "nothing was written" in refused.stderr or "not a YAML fleet file" in refused.stderr
    assert checked.exit_code == 2
    assert rendered.files() == before
    assert not (rendered.folder / "rental-new.json").exists()


def test_every_problem_of_a_fleet_is_named_at_once(repo):
    repo.write_fleet(HEADER + CASES["a name with a slash"][0] + CASES["a path the template does not have"][0])

    refused = repo.run("fleet", "render", repo.fleet_file, "-o", "json")

    assert refused.exit_code == 2
    problems = [problem["path"] for problem in refused.json()["error"]["problems"]]
    assert problems == ["instances[1].name", 'instances[2].set["properties.nosuch.title"]']


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("housing-predict.json", "named *.template.json"),
        ("missing.template.json", "does not exist"),
    ],
)
def test_a_template_that_would_be_deployed_itself_or_is_missing_is_refused(repo, template, message):
    if template == "housing-predict.json":
        (repo.folder / template).write_bytes((repo.folder / "housing.template.json").read_bytes())
    repo.write_fleet(HEADER.replace("housing.template.json", template))
    before = repo.files()

    refused = repo.run("fleet", "render", repo.fleet_file)

    assert refused.exit_code == 2 and message in refused.stderr, refused.stderr
    assert repo.files() == before


def test_a_classic_endpoint_has_no_location_tags_or_title(repo):
    (repo.folder / "rentals.template.json").write_text(
        '{"Name": "template", "WebServiceId": "0123456789abcdef0123456789abcdef", "Resources": [{"Name": "m", '
        '"Location": {"BaseLocation": "https://a.blob.core.windows.net/", "RelativeLocation": "m/a.ilearner"}}]}'
    )
    repo.write_fleet("version: 1\ntemplate: rentals.template.json\ninstances:\n"
                     "  - {name: rentalloc001, location: West Europe, title: x, tags: {a: b}}\n"
                     "  - {name: Rental-Loc-2}\n  - {name: default}\n")  # fmt: skip

    refused = repo.run("fleet", "render", repo.fleet_file)

    assert refused.exit_code == 2
    for message in ("instances[0].location: a Classic endpoint definition has no location",
                    "instances[0].title: a Classic endpoint definition has no title",
                    "instances[0].tags: a Classic endpoint definition has no tags",
                    "'Rental-Loc-2': an endpoint name is 1-24 characters",
                    "instances[2].name: 'default' is a name mlws keeps for itself"):  # fmt: skip
        assert message in refused.stderr
    assert not (repo.folder / "classic").exists()


def test_a_template_holding_a_secret_renders_no_instance(repo):
    template = repo.folder / "housing.template.json"
    template.write_text(template.read_text().replace("${MLWS_STORAGE_KEY}", "c2VjcmV0IGtleQ=="))
    repo.write_fleet(HEADER)
    before = repo.files()

    refused = repo.run("fleet", "render", repo.fleet_file)

    assert refused.exit_code == 2
    assert "instances[0]: properties.storageAccount.key: storage account key in the file" in refused.stderr
    assert "c2VjcmV0IGtleQ==" not in refused.stderr
    assert repo.files() == before
