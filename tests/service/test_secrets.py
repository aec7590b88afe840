"""No key, storage key, SAS signature or bearer token in any exported file, any output, or --debug logs."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from tests.service.conftest import PRIMARY_KEY, SECRETS
from toolkit.arm.credential import DEVELOPMENT_TOKEN


def test_secrets_never_leave_the_environment(mlws, workspace):
    document = workspace.document()
    document["properties"]["keys"] = {"primary": "${MLWS_PRIMARY_KEY}"}
    model = next(a for a in document["properties"]["assets"].values() if a["name"].endswith("[trained model]"))
    model_uri, sas = workspace.model("housing-v3"), workspace.model_sas("housing-v3")
    model["locationInfo"]["uri"] = model_uri + "?${MODEL_SAS}"
    workspace.definition.write_text(json.dumps(document, indent=2), encoding="utf-8")
    env = {"MLWS_PRIMARY_KEY": PRIMARY_KEY, "MODEL_SAS": sas}
    signature = parse_qs(sas)["sig"][0]
    exported = workspace.root / "exported.json"
    target = ("-n", workspace.name)

    runs = [
        mlws("new", "-f", workspace.definition, "--what-if", "--debug", env=env),
        mlws("new", "-f", workspace.definition, "--debug", "-o", "json", env=env),
        mlws("get", *target, "--debug", "-o", "json"),
        mlws("update", "-f", workspace.definition, "--whole", "--what-if", "-o", "json"),
        mlws("update", *target, "--primary-key-env", "MLWS_PRIMARY_KEY", "--what-if"),
        mlws("update", *target, "--primary-key-env", "MLWS_PRIMARY_KEY", "--debug"),
        mlws("keys", *target, "--debug"),
        mlws("keys", *target, "-o", "json"),
        mlws("diff", workspace.definition, "--debug", "-o", "json"),
        mlws("export", *target, "-f", exported, "--debug"),
        mlws("export", *target, "-o", "json"),
        mlws("remove", *target, "--yes", "--what-if"),
    ]

    assert [r.exit_code for r in runs] == [0] * len(runs), [(r.exit_code, r.stderr[-300:]) for r in runs]
    assert re.search(r"mlws: http: .*-> PUT ", runs[1].stderr)  # --debug really logged the requests
    texts = [r.stdout for r in runs] + [r.stderr for r in runs] + [exported.read_text(encoding="utf-8")]
    for index, secret in enumerate((*SECRETS, signature, DEVELOPMENT_TOKEN)):
        leaks = [where for where, text in enumerate(texts) if secret in text]
        assert leaks == [], f"secret #{index} reached outputs {leaks}"
    exported_uri = next(
        a["locationInfo"]["uri"]
        for a in json.loads(exported.read_text())["properties"]["assets"].values()
        if a["name"].endswith("[trained model]")
    )
    assert exported_uri.startswith(model_uri + "?${") and exported_uri.endswith("}")
