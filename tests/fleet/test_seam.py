"""Fleets on the provider seam: each kind's fleet rules live in its provider package, found through the registry
(toolkit.providers.FLEET_RULES), so the fleet code imports no provider; a kind without them (the example "gadget"
kind of tests/example_provider.py) is refused in a fleet with a clear message; and any definition file is retrained
into through its kind's rules without the caller naming the kind."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import uuid

import pytest

from tests import example_provider
from tests.conftest import REPO
from tests.fleet.conftest import jobs_started, model_of, noisy_csv, template_model
from tests.retrain.least_squares import HOUSING_SPLIT, expected_metrics
from tests.test_provider_seam import GADGET
from toolkit import providers
from toolkit.errors import BadInput
from toolkit.retraining import Training


def test_the_fleet_code_imports_no_provider():
    imported = set()
    for source in ("toolkit/fleet.py", "toolkit/cli/fleet.py"):
        for node in ast.walk(ast.parse((REPO / source).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    code = "import sys, toolkit.fleet; print(sorted(m for m in sys.modules if m.startswith('toolkit.providers')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    assert "toolkit.providers" in imported  # the registry, and nothing below it
    assert not [module for module in imported if module.startswith("toolkit.providers.")]
    assert loaded == "[]"


def test_a_kind_without_fleet_rules_is_refused_as_a_template_and_for_retraining(repo, monkeypatch):
    monkeypatch.setattr(providers, "KINDS", (*providers.KINDS, example_provider.KIND))
    monkeypatch.setitem(providers.PROVIDERS, "gadget", example_provider.__name__)
    template = repo.folder / "gadget.template.json"
    template.write_text(json.dumps(GADGET), encoding="utf-8")
    repo.write_fleet("version: 1\ntemplate: gadget.template.json\ninstances:\n  - name: g1\n")
    before = repo.files()

    refused = repo.run("fleet", "render", repo.fleet_file)
    with pytest.raises(BadInput) as retraining:
        providers.rules_for_file(template).retrain_into(template, Training(service="trainer"))

    assert refused.exit_code == 2, refused.stdout + refused.stderr
    said = f"{template} is a gadget definition: mlws has no fleet rules for that kind"
    assert said in refused.stderr and said in retraining.value.message
    assert "new_webservice, classic_endpoint" in refused.stderr  # the kinds that have them
    assert repo.files() == before


def test_any_definition_is_retrained_into_through_its_kinds_rules(trainable, monkeypatch):
    repo, proxy = trainable
    for variable, value in repo.env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(repo.root)
    file = repo.folder / "housing-predict.json"  # a definition of its own, no fleet's
    file.write_bytes((repo.folder / "housing.template.json").read_bytes())
    data = noisy_csv(seed=3, spread=2e4)
    (repo.root / "v3.csv").write_text(data, encoding="utf-8")
    run = uuid.uuid4().hex[:8]
    training = Training(service="housing-training", uploads={"trainingData": repo.root / "v3.csv"},
                        outputs={"model": f"models/{run}/p.ilearner", "evaluation": f"models/{run}/p.csv"})  # fmt: skip

    done = providers.rules_for_file(file).retrain_into(file, training)  # the file's only trained model

    assert done.exit_code == 0 and done.job.status == "Finished"
    assert model_of(json.loads(file.read_text())) == done.change.uri != template_model(repo)
    assert done.change.uri.endswith(f"/models/{run}/p.ilearner")
    record = json.loads((repo.folder / "housing-predict.metrics.json").read_text())
    expected = expected_metrics(data, HOUSING_SPLIT)
    assert record["model"] == done.change.uri and record["rows"] == expected["Rows"]
    assert record["metrics"] == pytest.approx({name: expected[name] for name in record["metrics"]}, rel=1e-5)
    assert len(record["metrics"]) == 5
    assert jobs_started(proxy) == 1


@pytest.mark.parametrize(
    ("trained_model", "training", "message"),
    [
        ("Nope [trained model]", Training(service="housing-training"), "has no trained model 'Nope [trained model]'"),
        (None, Training(), "no training service to retrain it with"),
    ],
)
def test_retraining_into_a_file_is_refused_before_anything_is_sent(repo, trained_model, training, message):
    file = repo.folder / "housing.template.json"
    before = repo.files()

    with pytest.raises(BadInput, match=re.escape(message)):
        providers.rules_for_file(file).retrain_into(file, training, trained_model)

    assert repo.files() == before
