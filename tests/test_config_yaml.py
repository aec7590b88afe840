"""mlws.yaml is read as strictly as a fleet file (toolkit.yamlfile): a key given twice, an anchor or alias, or
nesting without end is exit 2 naming the file and the line, before anything is sent; PyYAML alone would keep the
last of two keys silently (a second `environments:` dropping the first)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO
from toolkit.config import resolve_target

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DEV = f"  dev: {{subscription: {SUBSCRIPTION}, resourceGroup: rg-dev}}\n"
TEST = f"  test: {{subscription: {SUBSCRIPTION}, resourceGroup: rg-test}}\n"

CASES = {
    "environments given twice": (f"environments:\n{DEV}environments:\n{TEST}",
                                 "line 3, column 1: key 'environments' is given twice (first on line 1)"),
    "an environment given twice": (f"environments:\n{DEV}{TEST}{DEV}",
                                   "line 4, column 3: key 'dev' is given twice (first on line 2)"),
    "an alias": (f"environments:\n  dev: &shared {{subscription: {SUBSCRIPTION}, resourceGroup: rg-dev}}\n"
                 "  test: *shared\n", "line 2, column 8: anchors and aliases (&name, *name) are not read"),
    "a merge key": (f"environments:\n  dev:\n    <<: {{subscription: {SUBSCRIPTION}}}\n    resourceGroup: rg-dev\n",
                    "line 3, column 5: merge keys (<<) are not read"),
    "nesting without end": ("environments: " + "[" * 5000 + "\n", "line 1, column 114: nested more than 100 levels"),
}  # fmt: skip


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with one definition in environment dev; nothing listens at the ARM endpoint."""
    folder = tmp_path / "definitions" / "dev"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "definitions" / "dev" / "housing-predict.json", folder)
    for variable in ("AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_ENVIRONMENT", "MLWS_LOCATION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MLWS_ARM_ENDPOINT", "http://127.0.0.1:9")
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_config_yaml_can_hide_is_refused_naming_the_line(repo, mlws, case):
    text, message = CASES[case]
    (repo / "mlws.yaml").write_text(text, encoding="utf-8")

    refused = mlws("diff", "definitions/dev/housing-predict.json", cwd=repo)

    assert refused.exit_code == 2, refused.stdout + refused.stderr
    assert f"{repo / 'mlws.yaml'}: {message}" in refused.stderr, refused.stderr


def test_a_plain_config_yaml_still_reads(repo):
    (repo / "mlws.yaml").write_text(f"# where each environment deploys\nenvironments:\n{DEV}{TEST}", encoding="utf-8")

    target = resolve_target(file=repo / "definitions" / "dev" / "housing-predict.json", require=("resource_group",))

    assert (target.subscription, target.resource_group, target.name) == (SUBSCRIPTION, "rg-dev", "housing-predict")
