#!/usr/bin/env bash
# The offline part of the retraining loop on the sample definitions, with no Azure and no network:
# validate -> edit (swap the trained model) -> diff -> normalize --check.
# Needs `mlws` on PATH (e.g. `source .venv/bin/activate`). Never modifies definitions/: edits go to a temp copy.
set -euo pipefail

cd "$(dirname "$0")/.."
PREDICT=definitions/dev/housing-predict.json
NEW_MODEL=http://127.0.0.1:10000/devstoreaccount1/models/housing-v1.ilearner
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== 1. Validate the sample definitions (schema, graph, no secrets in the files)"
mlws validate definitions/dev/*.json

echo
echo "== 2. Point the predictive service's trained-model asset at the v1 model (into a temp copy)"
mlws edit "$PREDICT" --asset "Housing Price [trained model]" --uri "$NEW_MODEL" -f "$WORK/housing-predict.json"

echo
echo "== 3. Review the change as a PR reviewer would: exactly one path differs (exit 3 = changes present)"
status=0
mlws diff "$PREDICT" "$WORK/housing-predict.json" --exit-code || status=$?
if [ "$status" -ne 3 ]; then
  echo "expected exit 3 (changes present) from mlws diff --exit-code, got $status" >&2
  exit 1
fi

echo
echo "== 4. Check every file is in canonical form (what CI runs; exit 3 would list files to reformat)"
mlws normalize --check definitions/dev/*.json "$WORK/housing-predict.json"

echo
echo "Done: the edited copy is valid, canonical, and differs from the original only in the model URI."
