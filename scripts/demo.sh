#!/usr/bin/env bash
# `make demo`: the whole retraining loop on this machine, no Azure account needed.
# Starts Azurite + the mlws emulator, deploys the housing services from definitions/dev/ (copies, in a
# temp dir: the repo's definitions are not touched), trains twice on different data, and shows each
# model change as a definition diff, an update and a score; then the Classic path: a new endpoint on the
# Classic predictive service, retrained and patched; then many models from one experiment (a fleet of three
# sites, each its own data, service and model) and two gated promotions by a pipeline (one promoted, one
# refused). Stops everything it started on exit.
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

step "Many models from one experiment: a fleet of three sites, each with its own data, service and model"
SITES="$WORK/sites"  # a repository of its own: mlws.yaml maps environment `sites` to a resource group
mkdir -p "$SITES/definitions/sites" "$SITES/data"
cat >"$SITES/mlws.yaml" <<YAML
environments:
  sites: {subscription: $AZURE_SUBSCRIPTION_ID, resourceGroup: mlws-demo-sites, location: South Central US}
YAML
cp "$DEFS/housing-training.json" "$SITES/definitions/sites/housing-training.json"
cp "$DEFS/housing-predict.json" "$SITES/definitions/sites/housing.template.json"
python3 scripts/housing_data.py v1 "$SITES/data/north.csv"
python3 scripts/housing_data.py v2 "$SITES/data/south.csv"
python3 scripts/housing_data.py v2 "$SITES/data/east.csv" --rows 80
cat >"$SITES/definitions/sites/fleet.yaml" <<'YAML'
version: 1
template: housing.template.json
training: {service: housing-training}
instances:
  - {name: housing-north, tags: {site: north}, training: {uploads: {trainingData: ../../data/north.csv}, outputs: {model: models/sites/north.ilearner, evaluation: models/sites/north-evaluation.csv}}}
  - {name: housing-south, tags: {site: south}, training: {uploads: {trainingData: ../../data/south.csv}, outputs: {model: models/sites/south.ilearner, evaluation: models/sites/south-evaluation.csv}}}
  - {name: housing-east, tags: {site: east}, training: {uploads: {trainingData: ../../data/east.csv}, outputs: {model: models/sites/east.ilearner, evaluation: models/sites/east-evaluation.csv}}}
YAML
cd "$SITES"
show mlws fleet render definitions/sites/fleet.yaml
plan_code=0
show mlws plan sites || plan_code=$?  # exit 3: changes to review
[[ $plan_code -eq 3 ]] || { echo "demo: expected a plan with changes (exit 3), got exit $plan_code" >&2; exit 1; }
show mlws deploy sites --parallel 4
show mlws fleet retrain definitions/sites/fleet.yaml --parallel 3 --promote-if "Coefficient of Determination >= 0.9"
mlws plan sites >/dev/null || true  # each site's new model, planned
show mlws deploy sites --parallel 4
for SITE in north south east; do
    show mlws score -n "housing-$SITE" -g mlws-demo-sites --input "$WORK/rows.json"
done

step "Evaluate before promoting: a pipeline run whose model passes its gate, and one whose model is refused"
python3 "$REPO/scripts/housing_data.py" v2 "$SITES/data/noisy.csv" --noise 300000
for DATA in south noisy; do
    cat >"$SITES/definitions/sites/$DATA.pipeline.yaml" <<YAML
version: 1
training:
  service: housing-training
  uploads: {trainingData: ../../data/$DATA.csv}
  outputs: {model: models/pipeline/north-$DATA.ilearner, evaluation: models/pipeline/north-$DATA-evaluation.csv}
gate: {promoteIf: ["Coefficient of Determination >= 0.9"]}
update: {definition: housing-north.json, mode: live}
YAML
done
show mlws pipeline run definitions/sites/south.pipeline.yaml --run demo
refused=0
show mlws pipeline run definitions/sites/noisy.pipeline.yaml --run demo || refused=$?
[[ $refused -eq 4 ]] || { echo "demo: expected the noisy model to be refused (exit 4), got exit $refused" >&2; exit 1; }
show cat definitions/sites/housing-north.metrics.json
cd "$REPO"

step "Done: each model answers differently; everything started here is stopped now"
