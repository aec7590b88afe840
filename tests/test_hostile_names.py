"""A name is a name (issue 9): no value that goes into a URL can reach another resource.

Every command taking an option that goes into a URL (name, resource group, subscription, plan, region,
job id) is found by walking the command tree, so a new command is swept too. Each hostile value is
exit 2 naming the option and its rule, and the counting server MLWS_ARM_ENDPOINT points at receives
nothing; the same command with valid values does reach it. The attacks of the issue run end to end
against the emulator.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from tests.conftest import REPO
from tests.counting_server import CountingServer
from tests.fixtures.azurite import DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME
from toolkit.cli import build_app
from toolkit.errors import BadInput

GUID = "3f2b6c1e-8d4a-4e5f-9a7b-0c1d2e3f4a5b"
JOB = "539d0bc2fde945b6ac986b851d0000f0"
API = "?api-version=2017-01-01"


@dataclass(frozen=True)
class UrlOption:
    valid: str
    shown: str  # how the message names the option
    rule: str  # words of the rule the message states


URL_OPTIONS = {
    "--name": UrlOption("svc1", "-n/--name", "letters, digits, hyphens, underscores and periods"),
    "--resource-group": UrlOption("rg1", "-g/--resource-group", "letters, digits, underscores, hyphens, periods"),
    "--subscription": UrlOption(GUID, "--subscription", "a GUID"),
    "--location": UrlOption("westeurope", "-l/--location", "letters, digits and spaces"),
    "--region": UrlOption("westcentralus", "--region", "letters, digits and spaces"),
    "--plan": UrlOption("plan1", "--plan", "letters, digits, hyphens, underscores and periods"),
    "--job": UrlOption(JOB, "--job", "32 hexadecimal digits"),
}
REGION_OPTIONS = {"--location", "--region"}  # region display names hold spaces: "South Central US"
HEX = "0123456789abcdef0123456789abcdef"
ENDPOINT_RULE = "lower-case letters, digits and hyphens"
# The Classic commands (`mlws classic ...`) place an endpoint by workspace, web service and endpoint name.
CLASSIC_URL_OPTIONS = {
    "--name": UrlOption("rentalloc001", "-n/--name", ENDPOINT_RULE),
    "--service": UrlOption(HEX, "-s/--service", "32 hexadecimal digits"),
    "--workspace": UrlOption(HEX, "--workspace", "32 hexadecimal digits"),
    "--location": URL_OPTIONS["--location"],
    "--training-service": UrlOption(HEX, "--training-service", "32 hexadecimal digits"),
    "--training-endpoint": UrlOption("default", "--training-endpoint", ENDPOINT_RULE),
    "--job": URL_OPTIONS["--job"],
}


def url_options(path: tuple[str, ...]) -> dict[str, UrlOption]:
    return CLASSIC_URL_OPTIONS if path[0] == "classic" else URL_OPTIONS


# What else a command needs to get as far as building a URL ({definition}, {rows}: files of the sandbox).
OTHER_ARGS = {
    ("new",): ("-f", "{definition}"),
    ("diff",): ("{definition}",),
    ("update",): ("--title", "hostile names"),
    ("remove",): ("--yes",),
    ("retrain",): ("--input", "trainingData=data/train.csv", "--output-blob", "model=models/m.ilearner"),
    ("score",): ("--input", "{rows}"),
    ("commitment-plan", "new"): ("--sku-name", "S1", "--sku-tier", "Standard"),
    ("commitment-plan", "update"): ("--sku-capacity", "2"),
    ("commitment-plan", "remove"): ("--yes",),
    ("commitment-association", "move"): (
        "--destination-plan-id",
        f"/subscriptions/{GUID}/resourceGroups/rg1/providers/Microsoft.MachineLearning/commitmentPlans/plan2",
    ),
    ("classic", "diff"): ("{endpoint_definition}",),
    ("classic", "update"): ("-f", "{endpoint_definition}"),
    ("classic", "score"): ("--input", "{rows}"),
    ("classic", "retrain"): ("--input", "trainingData=data/train.csv", "--output-blob", "model=models/m.ilearner"),
    ("classic", "endpoint", "remove"): ("--yes",),
    ("classic", "endpoint", "patch"): (
        "--resource", "Housing Price [trained model]", "--base-location", "https://acct.blob.core.windows.net/",
        "--relative-location", "models/m.ilearner", "--skip-model-check",
    ),
}  # fmt: skip
# Commands with none of URL_OPTIONS: offline ones; `operation wait`, given a whole URL whose host must be the
# ARM endpoint; the environment commands, whose targets come from the files (each file's own checks apply).
WITHOUT_URL_OPTIONS = {
    ("validate",), ("import",), ("edit",), ("normalize",), ("emulator", "serve"), ("operation", "wait"),
    ("plan",), ("deploy",), ("drift",), ("fleet", "render"), ("fleet", "retrain"), ("pipeline", "run"),
}  # fmt: skip


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            # Text options only: `update --plan` is a file, not a commitment plan.
            texts = [param for param in command.params if param.type.name == "str"]
            options = url_options((*prefix, name))
            yield (*prefix, name), [opt for param in texts for opt in param.opts if opt in options]


COMMANDS = dict(_commands(typer.main.get_command(build_app())))
ONLINE = {path: options for path, options in COMMANDS.items() if options}


def hostile(path: tuple[str, ...], option: str) -> list[str]:
    """A valid value made hostile in each way the issue names: /, .., ?, #, %2F, non-ASCII, spaces."""
    valid = url_options(path)[option].valid
    values = [
        f"{valid}/listKeys",
        "..",
        f"{valid}?api-version=2017-01-01",
        f"{valid}#x",
        f"{valid}%2Fx",
        f"{valid}é",
        f"{valid}\uff0fx",  # FULLWIDTH SOLIDUS, which NFKC folds into "/"
    ]
    if option not in REGION_OPTIONS:
        values.append(f"{valid} x")
    return values


@dataclass
class Sandbox:
    server: CountingServer
    files: dict[str, str]

    def command_line(self, path: tuple[str, ...], **values: str) -> list[str]:
        """`mlws PATH` with every URL option of the command (valid unless given) and what else it needs."""
        args = [*path]
        for option in ONLINE[path]:
            args += [option, values.get(option, url_options(path)[option].valid)]
        return args + [arg.format(**self.files) for arg in OTHER_ARGS.get(path, ())]


@pytest.fixture(scope="module")
def server():
    with CountingServer() as running:
        yield running


@pytest.fixture
def sandbox(server, tmp_path, monkeypatch) -> Sandbox:
    """A working directory with no mlws.yaml, every endpoint (ARM, blobs) on the counting server."""
    for variable in (
        "AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_LOCATION", "MLWS_ENVIRONMENT", "MLWS_WORKSPACE_ID"
    ):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MLWS_ARM_ENDPOINT", server.url)
    monkeypatch.setenv("MLWS_CLASSIC_ENDPOINT", server.url)
    monkeypatch.setenv("MLWS_WORKSPACE_TOKEN", "not-a-workspace-token")
    monkeypatch.setenv("MLWS_STORAGE_KEY", "not-a-storage-key")  # `new` resolves its placeholder before a PUT
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"AccountName={DEV_ACCOUNT_NAME};AccountKey={DEV_ACCOUNT_KEY};BlobEndpoint={server.url}/{DEV_ACCOUNT_NAME}",
    )
    monkeypatch.chdir(tmp_path)
    definition = tmp_path / "predict.json"
    shutil.copyfile(REPO / "definitions" / "dev" / "housing-predict.json", definition)
    rows = tmp_path / "rows.json"
    rows.write_text('[{"rooms": 3, "area_sqm": 70, "age_years": 12}]', encoding="utf-8")
    endpoint = tmp_path / "rentalloc001.json"
    endpoint.write_text(json.dumps({"Name": "rentalloc001", "WebServiceId": HEX, "Description": "x"}), encoding="utf-8")
    server.requests.clear()
    files = {"definition": str(definition), "rows": str(rows), "endpoint_definition": str(endpoint)}
    return Sandbox(server, files)


def test_every_command_is_either_swept_or_takes_no_url_option():
    assert set(COMMANDS) - set(ONLINE) == WITHOUT_URL_OPTIONS
    assert set(OTHER_ARGS) <= set(ONLINE)


@pytest.mark.parametrize(
    ("path", "option"),
    [(path, option) for path, options in ONLINE.items() for option in options],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else value,
)
def test_a_hostile_value_is_bad_input_naming_the_option_and_nothing_is_sent(mlws, sandbox, path, option):
    expected = url_options(path)[option]
    for value in hostile(path, option):
        run = mlws(*sandbox.command_line(path, **{option: value}))

        assert run.exit_code == 2, (value, run.stdout, run.stderr)
        assert f"{expected.shown} {value!r}" in run.stderr and expected.rule in run.stderr, run.stderr
        assert sandbox.server.requests == [], value


@pytest.mark.parametrize("path", ONLINE, ids=" ".join)
def test_the_same_command_with_valid_values_does_reach_the_server(mlws, sandbox, path):
    run = mlws(*sandbox.command_line(path))

    assert sandbox.server.requests, (run.exit_code, run.stderr)


PLAN_NEW = ("commitment-plan", "new", "-n", "plan1", "-g", "rg1", "--sku-name", "S1", "--sku-tier", "Standard")


@pytest.mark.parametrize(
    ("variable", "value", "args"),
    [
        ("AZURE_SUBSCRIPTION_ID", f"../subscriptions/{GUID}", ("get", "-n", "svc1", "-g", "rg1")),
        ("MLWS_RESOURCE_GROUP", "other/../rg1", ("remove", "-n", "svc1", "--subscription", GUID, "--yes")),
        ("MLWS_LOCATION", "Wést Europe", (*PLAN_NEW, "--subscription", GUID)),
    ],
    ids=["AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_LOCATION"],
)
def test_a_hostile_value_from_the_environment_names_the_variable(mlws, sandbox, monkeypatch, variable, value, args):
    monkeypatch.setenv(variable, value)

    run = mlws(*args)

    assert run.exit_code == 2 and f"{variable} {value!r}" in run.stderr, run.stderr
    assert sandbox.server.requests == []


def _mlws_yaml(root: Path, group: str) -> Path:
    config = root / "mlws.yaml"
    config.write_text(
        f"environments:\n  dev:\n    subscription: {GUID}\n    resourceGroup: '{group}'\n    location: westeurope\n",
        encoding="utf-8",
    )
    return config


def test_a_hostile_value_from_mlws_yaml_names_the_key(mlws, sandbox, monkeypatch, tmp_path):
    config = _mlws_yaml(tmp_path, "other/../rg1")
    monkeypatch.setenv("MLWS_ENVIRONMENT", "dev")

    run = mlws("keys", "-n", "svc1")

    assert run.exit_code == 2
    assert f"{config}: environments.dev.resourceGroup 'other/../rg1'" in run.stderr, run.stderr
    assert sandbox.server.requests == []


@pytest.mark.parametrize("command", [("new", "-f"), ("diff",), ("update", "-f")], ids=" ".join)
def test_a_definition_file_named_like_no_service_names_the_file(mlws, sandbox, tmp_path, command):
    _mlws_yaml(tmp_path, "rg1")
    file = tmp_path / "definitions" / "dev" / "victim1#x.json"
    file.parent.mkdir(parents=True)
    shutil.copyfile(sandbox.files["definition"], file)

    run = mlws(*command, file)

    assert run.exit_code == 2
    assert f"the file name of {file} 'victim1#x'" in run.stderr and "a web service name is" in run.stderr
    assert sandbox.server.requests == []


def test_a_target_made_without_resolving_is_checked_where_its_path_is_built(sandbox):
    from toolkit.config import Target
    from toolkit.providers.new_webservice.client import WebServices
    from toolkit.providers.new_webservice.plans import CommitmentPlans
    from toolkit.runtime import RuntimeClient

    url = sandbox.server.url
    calls = [
        lambda: WebServices.connect(Target(url, GUID, "rg1", "svc1/listKeys")).list_keys(),
        lambda: WebServices.connect(Target(url, GUID, "rg1/../rg2", "svc1")).get(),
        lambda: WebServices.connect(Target(url, f"{GUID}/..", "rg1", "svc1")).begin_delete(),
        lambda: WebServices.connect(Target(url, GUID, "rg1", "svc1")).get(region="westus/x"),
        lambda: CommitmentPlans.connect(Target(url, GUID, "rg1", "plan1")).association("../../plan2"),
        lambda: CommitmentPlans.connect(Target(url, GUID, "rg1", "plan1#x")).usage_history(),
        lambda: RuntimeClient(url, "not-a-service-key").status(f"{JOB}/start"),
    ]
    for call in calls:
        with pytest.raises(BadInput, match=r" is (1-\d+ characters|a GUID|32 hexadecimal digits)"):
            call()
    assert sandbox.server.requests == []


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ("WEB_SERVICE_NAME", "RetrainSamplePre.2016.8.17.0.3.51.237"),  # a name in the service's documentation
        ("WEB_SERVICE_NAME", "onesdk3495"),  # the recorded cmdlet traffic
        ("COMMITMENT_PLAN_NAME", "onesdk8956"),
        ("RESOURCE_GROUP", "ml-prod_(eu).1"),
        ("SUBSCRIPTION_ID", "D128F140-94e6-4175-87a7-954b9d27db16"),
        ("JOB_ID", JOB),
        ("LOCATION", "South Central US"),
    ],
)
def test_names_the_service_uses_are_accepted(rule, value):
    from toolkit import names

    assert getattr(names, rule).check(value, "-n/--name") == value


def test_an_unknown_region_is_refused_with_the_nearest_known_ones(mlws, tmp_path):
    """A region the service is not offered in (toolkit/regions.py) is bad input, with the nearest as a hint."""
    with CountingServer() as server:
        env = {"MLWS_ARM_ENDPOINT": server.url, "AZURE_SUBSCRIPTION_ID": GUID}
        misspelt = mlws("add-region", "-n", "svc", "-g", "rg", "--region", "westeurop", "--yes", env=env)
        unknown = mlws("get", "-n", "svc", "-g", "rg", "--region", "West US", env=env)
        hostile = mlws("add-region", "-n", "svc", "-g", "rg", "--region", "westeurope/x", "--yes", env=env)
        sent = list(server.requests)

    assert misspelt.exit_code == unknown.exit_code == hostile.exit_code == 2
    assert misspelt.stderr.startswith("mlws: error: --region 'westeurop': not a region the service is offered in")
    assert "did you mean westeurope?" in misspelt.stderr
    assert "southcentralus" in unknown.stderr  # the regions it is offered in are listed
    assert "--region 'westeurope/x': a region name is" in hostile.stderr
    assert sent == []


# -- the attacks of the issue, end to end on the emulator -------------------------------------------------

PRIMARY_KEY, SECONDARY_KEY = "hostile-names-primary-7c1e", "hostile-names-secondary-2b9d"


def _create_service(emulator, group: str, name: str) -> str:
    """A web service created straight on the emulator (with keys), provisioned; its path."""
    path = f"/subscriptions/{emulator.subscription}/resourceGroups/{group}/providers/Microsoft.MachineLearning"
    path += f"/webServices/{name}{API}"
    body = {
        "location": "South Central US",
        "properties": {
            "packageType": "Graph",
            "title": name,
            "keys": {"primary": PRIMARY_KEY, "secondary": SECONDARY_KEY},
            "assets": {"m": {"name": "m [trained model]", "type": "Resource", "locationInfo": {"uri": "https://a/1"}}},
        },
    }
    assert emulator.call("PUT", path, body).status in (200, 201)
    deadline = time.monotonic() + 5
    while emulator.call("GET", path).body["properties"]["provisioningState"] == "Provisioning":
        assert time.monotonic() < deadline, "the service never finished provisioning"
        time.sleep(0.02)
    return path


@pytest.fixture
def live(emulator, monkeypatch, tmp_path):
    for variable in ("AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_LOCATION", "MLWS_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in emulator.env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)
    return emulator


def test_remove_cannot_reach_a_service_of_another_group(mlws, live):
    group, victim = f"rg-{uuid.uuid4().hex[:8]}", f"victim-{uuid.uuid4().hex[:8]}"
    path = _create_service(live, group, victim)

    escaped = mlws(
        "remove", "-g", "other", "-n", f"../../../../{group}/providers/Microsoft.MachineLearning/webServices/{victim}",
        "--yes",
    )  # fmt: skip
    fragment = mlws("remove", "-g", group, "-n", f"{victim}#x", "--yes")

    assert live.call("GET", path).status == 200
    assert (escaped.exit_code, fragment.exit_code) == (2, 2), escaped.stdout + fragment.stdout
    assert "-n/--name" in escaped.stderr and "done" not in escaped.stdout + fragment.stdout


def test_a_name_cannot_call_list_keys(mlws, live, tmp_path):
    group, name = f"rg-{uuid.uuid4().hex[:8]}", f"svc-{uuid.uuid4().hex[:8]}"
    _create_service(live, group, name)
    leak = tmp_path / "leak.json"

    shown = mlws("get", "-n", f"{name}/listKeys", "-g", group, "-o", "json")
    exported = mlws("export", "-n", f"{name}/listKeys", "-g", group, "-f", leak)

    output = shown.stdout + shown.stderr + exported.stdout + exported.stderr
    assert PRIMARY_KEY not in output and SECONDARY_KEY not in output
    assert not leak.exists()
    assert (shown.exit_code, exported.exit_code) == (2, 2)
    assert json.loads(shown.stdout)["error"]["message"].startswith(f"-n/--name '{name}/listKeys'")
