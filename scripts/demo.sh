#!/usr/bin/env bash
# `make demo`: the whole retraining loop on this machine, no Azure account needed.
# Starts Azurite + the mlws emulator, deploys the housing services from definitions/dev/ (copies, in a
# temp dir: the repo's definitions are not touched), trains twice on different data, and shows each
# model change as a definition diff, an update and a score; then the Classic path: a new endpoint on the
# Classic predictive service, retrained and patched. Stops everything it started on exit.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
WORK="$(mktemp -d -t mlws-demo.XXXXXX)"
export MLWS_SERVICES_DIR="$WORK/services"
export MLWS_EMULATOR_DB="$WORK/services/emulator.db"
export MLWS_BLOB_PORT=0  # a free port: the demo runs beside `make services-start`; its copies are re-pointed below
cleanup() {
    bash scripts/services.sh stop >/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

GROUP=mlws-demo
TRAINING=housing-training
PREDICT=housing-predict
ASSET="Housing Price [trained model]"
STEP=0
step() {
    STEP=$((STEP + 1))
    printf '\n== %d. %s\n' "$STEP" "$1"
}
show() {  # print the command (quoted so it can be copied), then run it
    printf '$'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}
show_diff() {  # `mlws diff --exit-code` exits 3 when there are changes: that is the expected outcome here
    printf '$ mlws diff %s -n %s -g %s --exit-code\n' "$1" "$PREDICT" "$GROUP"
    local code=0
    mlws diff "$1" -n "$PREDICT" -g "$GROUP" --exit-code || code=$?
    [[ $code -eq 3 ]] || { echo "demo: expected changes (exit 3), got exit $code" >&2; return 1; }
}

step "Start the local services: Azurite (blob storage) and the mlws emulator (Azure ML)"
bash scripts/services.sh start
# shellcheck disable=SC1091
source "$MLWS_SERVICES_DIR/services.env"
echo "ARM endpoint $MLWS_ARM_ENDPOINT, blob storage $MLWS_BLOB_ENDPOINT"

step "Copy the definitions to a work dir and check them offline"
mkdir -p "$WORK/definitions/dev"
cp definitions/dev/housing-training.json definitions/dev/housing-predict.json "$WORK/definitions/dev/"
DEFS="$WORK/definitions/dev"
sed -i "s#http://127.0.0.1:10000/devstoreaccount1#$MLWS_BLOB_ENDPOINT#g" "$DEFS"/*.json  # this run's Azurite
show mlws validate "$DEFS/housing-training.json" "$DEFS/housing-predict.json"

step "Create the training and the predictive web services"
show mlws new -f "$DEFS/housing-training.json" -n "$TRAINING" -g "$GROUP" -l "South Central US"
show mlws new -f "$DEFS/housing-predict.json" -n "$PREDICT" -g "$GROUP" -l "South Central US"

python3 scripts/housing_data.py v1 "$WORK/housing-v1.csv"
python3 scripts/housing_data.py v2 "$WORK/housing-v2.csv"
cat >"$WORK/rows.json" <<'JSON'
[{"rooms": 3, "area_sqm": 72.5, "age_years": 12}, {"rooms": 5, "area_sqm": 140, "age_years": 40}]
JSON

for VERSION in v1 v2; do
    step "Retrain on data $VERSION (BES job) and point the predictive definition at the new model"
    head -3 "$WORK/housing-$VERSION.csv"
    show mlws retrain -n "$TRAINING" -g "$GROUP" --upload "trainingData=$WORK/housing-$VERSION.csv" \
        --output-blob "model=models/housing-$VERSION.ilearner" \
        --output-blob "evaluation=models/housing-$VERSION-evaluation.csv" \
        --update-definition "$DEFS/housing-predict.json" --asset "$ASSET"

    step "Review the change to the predictive service (model $VERSION) before deploying it"
    show_diff "$DEFS/housing-predict.json"

    step "Update the predictive service, then score two houses with model $VERSION"
    show mlws update -f "$DEFS/housing-predict.json" -n "$PREDICT" -g "$GROUP"
    show mlws score -n "$PREDICT" -g "$GROUP" --input "$WORK/rows.json"
done

step "The Classic path: the same services published as Classic web services; add an endpoint to retrain"
show mlws classic service list -o table
show mlws classic endpoint add -s "$MLWS_CLASSIC_PREDICT" -n housing-v2 --description "retrained on data v2"

step "Retrain with the Classic training service, patch the new endpoint, and prove it serves the new model"
show mlws classic retrain --training-service "$MLWS_CLASSIC_TRAINING" -s "$MLWS_CLASSIC_PREDICT" -n housing-v2 \
    --upload "trainingData=$WORK/housing-v2.csv" --output-blob "model=models/classic-housing-v2.ilearner" \
    --score "$WORK/rows.json"
show mlws classic endpoint list -s "$MLWS_CLASSIC_PREDICT"

step "Done: the second model answers differently; everything started here is stopped now"
