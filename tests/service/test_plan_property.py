"""A property of the plan -> apply -> read-back loop: for random edits of a valid definition (a value changed,
an entry added or removed, at any depth), `diff --out` then `update --plan` then `diff` ends with no changes, or
the plan said beforehand that it cannot be deployed. Never an exit 0 that left a difference, never an exit 4
after a change the service took.
"""

from __future__ import annotations

import copy
import json
import time
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.definition import resolve_placeholders
from toolkit.providers.new_webservice.definition import validate

# Parts whose change is not a definition edit: identity, the discriminator, the irreversible read-only switch
# (it is asked for, as the cmdlet's prompt), and where the model and the storage live (tested elsewhere).
FIXED = {"packageType", "readOnly", "storageAccount", "machineLearningWorkspace", "payloadsInBlobStorage"}
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", min_size=1, max_size=12)
KEYS = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)


def containers_and_leaves(value, path=()):
    """(path, value) of every object and every leaf below `properties`, except FIXED parts."""
    found = []
    if isinstance(value, dict):
        if path:
            found.append((path, value))
        for key, item in value.items():
            if not path and key in FIXED:
                continue
            found.extend(containers_and_leaves(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(containers_and_leaves(item, (*path, index)))
    elif path[-2:] != ("locationInfo", "uri"):  # where the models are: the model check has tests of its own
        found.append((path, value))
    return found


@st.composite
def edits(draw, document):
    """A copy of `document` with one to three random edits under `properties`: remove, add or change."""
    edited = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        places = containers_and_leaves(edited["properties"])
        objects = [(path, value) for path, value in places if isinstance(value, dict)]
        leaves = [(path, value) for path, value in places if not isinstance(value, dict | list)]
        action = draw(st.sampled_from(["remove", "add", "change"]))
        if action == "remove" and any(value for _, value in objects):
            _, value = draw(st.sampled_from([(p, v) for p, v in objects if v]))
            del value[draw(st.sampled_from(sorted(value)))]
        elif action == "add":  # an entry shaped like a sibling, so it can stay valid
            _, value = draw(st.sampled_from(objects))
            value[draw(KEYS)] = copy.deepcopy(next(iter(value.values()))) if value else draw(WORDS)
        else:
            path, value = draw(st.sampled_from(leaves))
            parent = edited["properties"]
            for segment in path[:-1]:
                parent = parent[segment]
            if isinstance(value, bool):
                parent[path[-1]] = not value
            elif isinstance(value, int | float):
                parent[path[-1]] = draw(st.integers(4, 200))
            else:
                parent[path[-1]] = draw(WORDS)
    return edited


def deploy(workspace, name: str, document: dict) -> str:
    path = workspace.service_path.replace(workspace.name, name)
    assert workspace.emulator.call("PUT", path, resolve_placeholders(document, workspace.env)).status in (200, 201)
    deadline = time.monotonic() + 5
    while workspace.emulator.call("GET", path).body["properties"]["provisioningState"] == "Provisioning":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return path


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_any_valid_edit_is_deployed_or_refused_beforehand(mlws, workspace, data):
    original = workspace.document()
    edited = data.draw(edits(original))
    if validate(edited):  # only valid definitions are deployed; invalid ones are exit 2 offline (tested elsewhere)
        return
    name = f"prop-{uuid.uuid4().hex[:8]}"
    deploy(workspace, name, original)
    definition = workspace.definition.with_name(f"{name}.json")
    definition.write_text(json.dumps(edited, indent=2), encoding="utf-8")
    plan = workspace.root / f"{name}.plan.json"

    planned = mlws("diff", definition, "--out", plan, "-o", "json")
    if planned.exit_code != 0:  # the plan refused: it must say why, and nothing was written or sent
        assert planned.exit_code in (2, 4), planned.stdout
        assert not plan.exists()
        return
    applied = mlws("update", "--plan", plan)
    after = mlws("diff", definition, "--exit-code")

    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert after.exit_code == 0, after.stdout  # what the plan applied is what the service now holds
    if planned.json()["result"]["hasChanges"]:
        assert "verified: the live service now matches" in applied.stdout
