#!/usr/bin/env bash
# Local services for the demo and for trying mlws by hand: Azurite (blob storage) and the mlws emulator.
#
#   bash scripts/services.sh start   # starts both on free loopback ports, waits until they answer,
#                                    # writes $MLWS_SERVICES_DIR/services.env (default .mlws/) to source
#   source .mlws/services.env        # MLWS_ARM_ENDPOINT, AZURE_SUBSCRIPTION_ID, AZURE_STORAGE_CONNECTION_STRING, ...
#                                    # and the Classic workspace (scripts/seed_classic.py): MLWS_CLASSIC_ENDPOINT,
#                                    # MLWS_WORKSPACE_ID, MLWS_WORKSPACE_TOKEN, MLWS_CLASSIC_PREDICT, ..._TRAINING
#   bash scripts/services.sh stop    # stops only the processes `start` started (pids from services.env)
#
# Azurite listens on 127.0.0.1:10000, the port the sample definitions name (definitions/dev/), and gets their
# starting model (models/housing-v0.ilearner, scripts/seed_models.py), so `make deploy ENV=dev` then `mlws score`
# answer on a fresh clone. The emulator takes a free port.
#
# Settings (environment): MLWS_SERVICES_DIR, MLWS_EMULATOR_DB (default $MLWS_SERVICES_DIR/emulator.db),
# MLWS_BLOB_PORT (default 10000; 0 picks a free port, as `make demo` does),
# MLWS_JOB_SECONDS / MLWS_OP_SECONDS (how long BES jobs / ARM operations take in the emulator).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${MLWS_SERVICES_DIR:-$REPO/.mlws}"
ENV_FILE="$DIR/services.env"
MLWS="${MLWS:-mlws}"
# Azurite's public, documented development account (not a secret).
DEV_ACCOUNT=devstoreaccount1
DEV_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEMO_SUBSCRIPTION="00000000-0000-4000-8000-00000000d3e0"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # wait_for NAME URL PID: until the URL answers any HTTP status, or the process dies
    local name=$1 url=$2 pid=$3
    for _ in $(seq 1 150); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "services: $name exited while starting (log: $DIR/$name.log)" >&2
            return 1
        fi
        if python3 - "$url" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
PY
        sleep 0.2
    done
    echo "services: $name did not answer at $url within 30 s (log: $DIR/$name.log)" >&2
    return 1
}

start() {
    if [[ -f "$ENV_FILE" ]]; then
        echo "services: already started ($ENV_FILE); run: bash scripts/services.sh stop" >&2
        return 1
    fi
    local azurite="$REPO/node_modules/.bin/azurite-blob"
    if [[ ! -x "$azurite" ]]; then
        echo "services: Azurite is not installed: run \`make setup\`" >&2
        return 1
    fi
    mkdir -p "$DIR/azurite"
    local blob_port emulator_port
    blob_port=${MLWS_BLOB_PORT:-10000}
    if [[ $blob_port == 0 ]]; then
        blob_port=$(free_port)
    elif ! python3 -c 'import socket, sys; socket.create_server(("127.0.0.1", int(sys.argv[1]))).close()' \
        "$blob_port" 2>/dev/null; then
        echo "services: port $blob_port is in use (another Azurite?): stop it, or set MLWS_BLOB_PORT=0 for a free" \
            "port (the sample definitions name 127.0.0.1:10000)" >&2
        return 1
    fi
    emulator_port=$(free_port)

    (cd "$DIR/azurite" && exec "$azurite" --blobHost 127.0.0.1 --blobPort "$blob_port" --inMemoryPersistence \
        --disableTelemetry --skipApiVersionCheck --silent) >"$DIR/azurite.log" 2>&1 &
    local azurite_pid=$!
    "$MLWS" emulator serve --host 127.0.0.1 --port "$emulator_port" --db "${MLWS_EMULATOR_DB:-$DIR/emulator.db}" \
        --op-seconds "${MLWS_OP_SECONDS:-0.5}" --job-seconds "${MLWS_JOB_SECONDS:-1}" >"$DIR/emulator.log" 2>&1 &
    local emulator_pid=$!
    # Written before waiting, so `stop` can clean up even when a service fails to come up.
    cat >"$ENV_FILE" <<ENV
# written by scripts/services.sh start; \`bash scripts/services.sh stop\` stops these processes
MLWS_SERVICES_AZURITE_PID=$azurite_pid
MLWS_SERVICES_EMULATOR_PID=$emulator_pid
export MLWS_ARM_ENDPOINT=http://127.0.0.1:$emulator_port
export AZURE_SUBSCRIPTION_ID=$DEMO_SUBSCRIPTION
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$DEV_ACCOUNT;AccountKey=$DEV_KEY;BlobEndpoint=http://127.0.0.1:$blob_port/$DEV_ACCOUNT;"
export MLWS_STORAGE_KEY="$DEV_KEY"
export MLWS_BLOB_ENDPOINT=http://127.0.0.1:$blob_port/$DEV_ACCOUNT
ENV
    wait_for azurite "http://127.0.0.1:$blob_port/$DEV_ACCOUNT?comp=list" "$azurite_pid" || { stop; return 1; }
    wait_for emulator "http://127.0.0.1:$emulator_port/_emulator/health" "$emulator_pid" || { stop; return 1; }
    # shellcheck disable=SC1090
    (source "$ENV_FILE" && python3 "$REPO/scripts/seed_models.py") || { stop; return 1; }
    # The sample services as Classic web services too (their ids, the workspace and its development token).
    # shellcheck disable=SC1090
    (source "$ENV_FILE" && python3 "$REPO/scripts/seed_classic.py") >>"$ENV_FILE" || { stop; return 1; }
    echo "services: Azurite on 127.0.0.1:$blob_port, emulator on 127.0.0.1:$emulator_port (source $ENV_FILE)"
}

stop() {
    if [[ ! -f "$ENV_FILE" ]]; then
        echo "services: nothing to stop ($ENV_FILE not found)"
        return 0
    fi
    local pid
    for pid in $(sed -n 's/^MLWS_SERVICES_[A-Z]*_PID=//p' "$ENV_FILE"); do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    done
    rm -f "$ENV_FILE"
    echo "services: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: bash scripts/services.sh start|stop" >&2; exit 2 ;;
esac
