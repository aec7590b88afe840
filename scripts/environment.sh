#!/usr/bin/env bash
# Plan, deploy or check drift for every definition of one environment: the New web services of
# definitions/<env>/*.json and the Classic endpoints of definitions/<env>/classic/*.json.
#
#   bash scripts/environment.sh plan   ENV   # one plan per service in .mlws/plans/ENV/ (the old ones removed first);
#                                            # exit 3 when any has changes, a service to create included
#   bash scripts/environment.sh deploy ENV   # apply those plans, deleting each once applied; a stale plan is
#                                            # refused (exit 4, nothing sent) and kept
#   bash scripts/environment.sh drift  ENV   # compare each file with its live service; exit 3 on drift
#
# Targets come from mlws.yaml (environment -> subscription, resource group; workspace, location) and the
# files (service names; a Classic endpoint file names its endpoint); AZURE_SUBSCRIPTION_ID /
# MLWS_RESOURCE_GROUP / MLWS_ARM_ENDPOINT, MLWS_WORKSPACE_ID / MLWS_CLASSIC_ENDPOINT override them.
# The worst exit code wins (4 > 3 > 0; any error 1 or 2 stops at once).
set -uo pipefail

action=${1:?usage: environment.sh plan|deploy|drift ENV}
env=${2:?usage: environment.sh plan|deploy|drift ENV}
REPO="${MLWS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"  # MLWS_REPO: another checkout (tests)
MLWS="${MLWS:-mlws}"
PLANS="$REPO/.mlws/plans/$env"

shopt -s nullglob
files=("$REPO"/definitions/"$env"/*.json "$REPO"/definitions/"$env"/classic/*.json)
if [ ${#files[@]} -eq 0 ]; then
    echo "environment.sh: no definitions in definitions/$env/" >&2
    exit 2
fi

diff_of() {  # diff_of FILE: the diff command of the file's kind
    case $1 in
        */classic/*) echo "$MLWS classic diff" ;;
        *) echo "$MLWS diff" ;;
    esac
}
plan_name() {  # plan_name FILE: its plan's file name (classic/NAME.json -> classic-NAME.json)
    case $1 in
        */classic/*) echo "classic-$(basename "$1")" ;;
        *) basename "$1" ;;
    esac
}

worst=0
record() {  # record EXIT_CODE: stop on errors, else keep the worst of 0/3/4
    case $1 in
        0) ;;
        3 | 4) [ "$1" -gt "$worst" ] && worst=$1 ;;
        *) exit "$1" ;;
    esac
}

case $action in
    plan)
        mkdir -p "$PLANS"
        rm -f "$PLANS"/*.json # a plan of a definition deleted since must not be applied by the next deploy
        for file in "${files[@]}"; do
            echo "== $(basename "$file" .json)"
            $(diff_of "$file") "$file" --exit-code --out "$PLANS/$(plan_name "$file")"
            record $?
        done
        echo "plans written to ${PLANS#"$REPO"/}/ (exit $worst: $([ $worst -eq 3 ] && echo 'changes to review' || echo 'no changes'))"
        ;;
    deploy)
        plans=("$PLANS"/*.json)
        if [ ${#plans[@]} -eq 0 ]; then
            echo "environment.sh: no plans in ${PLANS#"$REPO"/}/: run 'make plan ENV=$env' and review it first" >&2
            exit 2
        fi
        for plan in "${plans[@]}"; do
            echo "== $(basename "$plan" .json)"
            "$MLWS" update --plan "$plan" --yes
            code=$?
            [ $code -eq 0 ] && rm -f "$plan" # applied: a second deploy needs a new, reviewed plan
            record $code
        done
        ;;
    drift)
        for file in "${files[@]}"; do
            echo "== $(basename "$file" .json)"
            $(diff_of "$file") "$file" --exit-code
            record $?
        done
        ;;
    *)
        echo "usage: environment.sh plan|deploy|drift ENV" >&2
        exit 2
        ;;
esac
exit $worst
