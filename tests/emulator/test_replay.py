"""Replay the real recorded PowerShell traffic against the emulator and compare the answers.

The recordings group requests by URL, not by time, so each recording is replayed in the order of
operations the research notes give (powershell-parity.md §6; entry numbers below). Only
Microsoft.MachineLearning requests are replayed; the harness's resource-group and storage calls are
skipped. Operation ids differ, so a recorded status URL is mapped to the one the emulator answered.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

# Order of operations per recording (powershell-parity.md §6).
REPLAY_ORDER = {
    "TestCreateGetRemoveWebService.json": [6, 7, 8, 9, 10, 12, 13, 14, 11],
    "TestCreateAndGetRegionalProperties.json": [6, 7, 8, 9, 10, 11, 13, 14, 12, 15, 16],
    "TestUpdateWebService.json": [5, 6, 7, 8, 9, 10, 13, 15, 16, 17, 11, 14, 18, 19, 20, 12, 21, 22, 23],
    "TestCreateGetRemoveCommitmentPlan.json": [2, 3, 5, 4],
    "TestUpdateCommitmentPlan.json": [2, 3, 4, 6, 5],
}
LRO_HEADERS = ("azure-asyncoperation", "location")


def recorded_header(entry: dict, name: str) -> str | None:
    for key, values in entry["ResponseHeaders"].items():
        if key.lower() == name:
            return values[0]
    return None


def shape(body):
    """What is compared: key sets (top level and properties), states, and error codes."""
    if not isinstance(body, dict):
        return body
    summary = {"keys": sorted(body)}
    properties = body.get("properties")
    if isinstance(properties, dict):
        summary["properties"] = sorted(properties)
        if "provisioningState" in properties:
            summary["provisioningState"] = properties["provisioningState"]
    if "status" in body:
        summary["status"] = body["status"]
    if isinstance(body.get("error"), dict):
        error = body["error"]
        summary["error"] = [error.get("code"), [detail.get("code") for detail in error.get("details", [])]]
    return summary


def operation_id(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize("recording", sorted(REPLAY_ORDER))
def test_recorded_traffic_replays_with_the_same_answers(recording, reference, start_emulator):
    entries = json.loads((reference / "powershell" / recording).read_text())["Entries"]
    ordered = [entries[index] for index in REPLAY_ORDER[recording]]
    assert all("/microsoft.machinelearning/" in entry["RequestUri"].lower() for entry in ordered)
    emulator = start_emulator(op_seconds=0.4)
    our_status_url: dict[str, str] = {}  # recorded operation id -> the emulator's status URL
    mismatches = []
    for entry in ordered:
        uri = entry["RequestUri"]
        recorded_op = operation_id(uri) if "/operationsstatus/" in uri.lower() else None
        target = our_status_url.get(recorded_op, uri) if recorded_op else uri
        expected = shape(json.loads(entry["ResponseBody"]) if entry["ResponseBody"] else None)
        body = entry["RequestBody"].encode() if entry["RequestBody"] else None
        reply = emulator.call(entry["RequestMethod"], target, body)
        deadline = time.monotonic() + 5
        while isinstance(expected, dict) and expected.get("status") == "Succeeded" and time.monotonic() < deadline:
            if reply.body.get("status") == "Succeeded":
                break
            time.sleep(0.05)
            reply = emulator.call("GET", target)
        started = recorded_header(entry, "azure-asyncoperation")
        if started and reply.header("azure-asyncoperation"):
            our_status_url[operation_id(started)] = reply.header("azure-asyncoperation")
        recorded = (entry["StatusCode"], [bool(recorded_header(entry, h)) for h in LRO_HEADERS], expected)
        answered = (reply.status, [bool(reply.header(h)) for h in LRO_HEADERS], shape(reply.body))
        if recorded != answered:
            mismatches.append((entry["RequestMethod"], urlsplit(uri).path, recorded, answered))
    print(f"replay {recording}: {len(ordered) - len(mismatches)}/{len(ordered)} interactions match")
    assert not mismatches, json.dumps(mismatches, indent=1)
