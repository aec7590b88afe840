"""Publish the sample housing services as Classic web services in the local emulator (`scripts/services.sh start`).

Studio published Classic web services; no management call creates one, so the emulator takes them through its
seeding routes (README: "Classic web services" under the local emulator). This makes the demo workspace with the
predictive and the training service of definitions/dev/ (their storage on this run's Azurite) and prints the
lines services.sh appends to services.env: the emulator as the Classic management host, the workspace, its
token (the emulator's fixed development token, not a secret: it opens nothing but the local emulator) and the
two services' ids.

    python scripts/seed_classic.py    # needs MLWS_ARM_ENDPOINT, MLWS_BLOB_ENDPOINT, MLWS_STORAGE_KEY
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_STORAGE = "http://127.0.0.1:10000/devstoreaccount1"  # what definitions/dev/ names
WORKSPACE = "c1a55c00000040008000000000000001"
SERVICES = {  # variable -> (id, name, sample definition)
    "MLWS_CLASSIC_PREDICT": ("c1a55c00000040008000000000000002", "Housing Price [predictive exp.]", "housing-predict"),
    "MLWS_CLASSIC_TRAINING": ("c1a55c00000040008000000000000003", "Housing Price [training]", "housing-training"),
}
DEVELOPMENT_TOKEN = "mlws-emulator-workspace-token"


def put(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def main() -> int:
    emulator = os.environ["MLWS_ARM_ENDPOINT"].rstrip("/")
    blobs, key = os.environ["MLWS_BLOB_ENDPOINT"], os.environ["MLWS_STORAGE_KEY"]
    admin = f"{emulator}/_emulator/classic/workspaces/{WORKSPACE}"
    put(admin, {"Name": "housing", "Tier": "Standard", "PrimaryToken": DEVELOPMENT_TOKEN})
    lines = [
        f"export MLWS_CLASSIC_ENDPOINT={emulator}",
        f"export MLWS_WORKSPACE_ID={WORKSPACE}",
        f"export MLWS_WORKSPACE_TOKEN={DEVELOPMENT_TOKEN}",
    ]
    for variable, (service_id, name, sample) in SERVICES.items():
        text = (REPO / "definitions" / "dev" / f"{sample}.json").read_text(encoding="utf-8")
        definition = json.loads(text.replace(SAMPLE_STORAGE, blobs).replace("${MLWS_STORAGE_KEY}", key))
        put(f"{admin}/webservices/{service_id}", {"Name": name, "Definition": definition})
        lines.append(f"export {variable}={service_id}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
