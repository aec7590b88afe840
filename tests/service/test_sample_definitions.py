"""The committed sample definitions deploy to a working service: services-start, plan, deploy, then score answers.

`make services-start` runs scripts/services.sh: Azurite on the port definitions/dev/ names, seeded with the
starting model the predictive definition points at. Here Azurite takes a free port (tests run beside other
Azurites) and the copies of the definitions are re-pointed at it: the only difference from the committed files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.fixtures.azurite import free_port

BIN = Path(sys.executable).parent
COMMITTED_ENDPOINT = "http://127.0.0.1:10000/devstoreaccount1"


def run(args, env, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def test_the_committed_definitions_name_the_port_and_model_services_start_provides():
    document = json.loads((REPO / "definitions" / "dev" / "housing-predict.json").read_text(encoding="utf-8"))
    (model,) = [a for a in document["properties"]["assets"].values() if a["name"].endswith("[trained model]")]
    services = (REPO / "scripts" / "services.sh").read_text(encoding="utf-8")
    seed = (REPO / "scripts" / "seed_models.py").read_text(encoding="utf-8")

    assert model["locationInfo"]["uri"] == f"{COMMITTED_ENDPOINT}/models/housing-v0.ilearner"
    assert "blob_port=${MLWS_BLOB_PORT:-10000}" in services
    assert 'STARTING_MODEL = "models/housing-v0.ilearner"' in seed


def test_services_start_then_deploy_then_score_answers(tmp_path):
    repo = tmp_path / "repo"
    port = free_port()
    (repo / "definitions" / "dev").mkdir(parents=True)
    shutil.copyfile(REPO / "mlws.yaml", repo / "mlws.yaml")
    for definition in (REPO / "definitions" / "dev").glob("*.json"):
        text = definition.read_text(encoding="utf-8").replace(
            COMMITTED_ENDPOINT, f"http://127.0.0.1:{port}/devstoreaccount1"
        )
        (repo / "definitions" / "dev" / definition.name).write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "MLWS_SERVICES_DIR": str(tmp_path / "services"),
        "MLWS_BLOB_PORT": str(port),
    }
    for variable in ("MLWS_ARM_ENDPOINT", "AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_ENVIRONMENT"):
        env.pop(variable, None)
    started = run(["bash", str(REPO / "scripts" / "services.sh"), "start"], env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "seeded" in started.stdout
        services_env = (tmp_path / "services" / "services.env").read_text(encoding="utf-8")
        env.update(re.findall(r'^export (\w+)="?([^"\n]*)"?$', services_env, re.MULTILINE))
        rows = tmp_path / "rows.json"
        rows.write_text('[{"rooms": 3, "area_sqm": 72.5, "age_years": 12}]', encoding="utf-8")

        plan = run(["mlws", "plan", "dev"], env, cwd=repo)
        deploy = run(["mlws", "deploy", "dev"], env, cwd=repo)
        score = run(["mlws", "score", "-n", "housing-predict", "-g", "mlws-dev", "--input", rows, "-o", "json"], env)

        assert plan.returncode == 3, plan.stdout + plan.stderr
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert score.returncode == 0, score.stdout + score.stderr
        assert "Scored Labels" in score.stdout
    finally:
        run(["bash", str(REPO / "scripts" / "services.sh"), "stop"], env)
