"""Put the starting model of the sample definitions into the local blob storage (`scripts/services.sh start`).

definitions/dev/housing-predict.json names `models/housing-v0.ilearner` in Azurite's development account, so
that on a fresh clone `make services-start`, `make plan deploy ENV=dev` and `mlws score` answer before any
retraining. The model is trained the emulator's way on the v1 housing data. The account comes from
AZURE_STORAGE_CONNECTION_STRING (written by services.sh; Azurite's public development key).

    python scripts/seed_models.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from housing_data import csv_text  # noqa: E402

from toolkit.emulator.training import train  # noqa: E402
from toolkit.storage import connection_string_from_env, parse_connection_string, upload  # noqa: E402

STARTING_MODEL = "models/housing-v0.ilearner"


def main() -> int:
    account = parse_connection_string(connection_string_from_env())
    model, _evaluation = train(csv_text("v1").encode("utf-8"), "housing-v1.csv", "price")
    upload(account, STARTING_MODEL, model.to_bytes())
    print(f"seeded {account.url(STARTING_MODEL)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
