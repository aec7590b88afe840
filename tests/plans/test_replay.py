"""mlws sends what the commitment-plan cmdlets sent: each recorded scenario replayed through the equivalent commands.

The local server answers with the recorded responses (matched by method + URL); the tests assert that mlws
asked for every recorded commitment-plan request and nothing else, with the recorded api-version and bodies.
"""

from __future__ import annotations

import json

from tests.plans.conftest import PLANS_API, plan_parts


def recorded_body(entry):
    return json.loads(entry["RequestBody"])


def new_plan_args(put_entry) -> list[str]:
    """The `mlws commitment-plan new` flags equivalent to a recorded New-AzMlCommitmentPlan PUT."""
    _, group, name = plan_parts(put_entry)
    body = recorded_body(put_entry)
    sku = body["sku"]
    return ["commitment-plan", "new", "-n", name, "-g", group, "-l", body["location"],
            "--sku-name", sku["name"], "--sku-tier", sku["tier"], "--sku-capacity", str(sku["capacity"])]  # fmt: skip


def assert_replayed_exactly(server) -> None:
    assert not server.unmatched, [f"{e.method} {e.path} {e.query}" for e in server.unmatched]
    assert not server.unanswered, server.unanswered
    for exchange in server.exchanges:
        assert exchange.query == {"api-version": PLANS_API}, exchange.path
        assert exchange.headers["user-agent"].startswith("mlws/")
        assert exchange.headers.get("x-ms-client-request-id")
        assert exchange.headers["authorization"].startswith("Bearer ")


def test_create_remove_get_matches_recording(plan_replay, mlws):
    server = plan_replay("TestCreateGetRemoveCommitmentPlan")
    put = server.recording.first("PUT")
    _, group, name = plan_parts(put)

    # --force: like the cmdlet, no existence check before the PUT (the recording has none).
    created = mlws(*new_plan_args(put), "--force", "--yes", "-o", "json")
    assert created.exit_code == 0, created.stdout + created.stderr
    assert created.json()["result"] == json.loads(put["ResponseBody"])
    removed = mlws("commitment-plan", "remove", "-n", name, "-g", group, "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert name in removed.stdout
    gone = mlws("commitment-plan", "get", "-n", name, "-g", group)

    assert gone.exit_code == 1
    assert "not found" in gone.stderr and "ResourceNotFound" in gone.stderr
    assert [e.method for e in server.exchanges] == ["PUT", "GET", "DELETE", "GET"]
    assert_replayed_exactly(server)
    sent_put = next(e for e in server.exchanges if e.method == "PUT")
    assert sent_put.body == sent_put.recorded_body
    assert next(e for e in server.exchanges if e.method == "DELETE").body is None


def test_update_sku_and_tags_matches_recording(plan_replay, mlws):
    server = plan_replay("TestUpdateCommitmentPlan")
    put, patch = server.recording.first("PUT"), server.recording.first("PATCH")
    _, group, name = plan_parts(put)
    sku = recorded_body(patch)["sku"]
    tags = [f"{key}={value}" for key, value in recorded_body(patch)["tags"].items()]

    assert mlws(*new_plan_args(put), "--force", "--yes").exit_code == 0
    updated = mlws(
        "commitment-plan", "update", "-n", name, "-g", group, "--sku-name", sku["name"], "--sku-tier", sku["tier"],
        "--sku-capacity", str(sku["capacity"]), *(arg for tag in tags for arg in ("--tag", tag)), "-o", "json",
    )  # fmt: skip
    assert updated.exit_code == 0, updated.stdout + updated.stderr
    # The cmdlet prints nothing after an update; mlws shows the updated plan.
    assert updated.json()["result"] == json.loads(patch["ResponseBody"])
    assert mlws("commitment-plan", "remove", "-n", name, "-g", group, "--yes").exit_code == 0
    assert mlws("commitment-plan", "get", "-n", name, "-g", group).exit_code == 1

    assert_replayed_exactly(server)
    sent_patch = next(e for e in server.exchanges if e.method == "PATCH")
    assert sent_patch.body == sent_patch.recorded_body
    assert list(sent_patch.body) == list(sent_patch.recorded_body)  # {"tags", "sku"}, as the cmdlet orders them


def test_update_the_answer_does_not_show_is_refused(plan_replay, mlws):
    """A service that answers 200 without applying the change: mlws notices (exit 4) instead of reporting success."""
    server = plan_replay("TestUpdateCommitmentPlan")
    put, patch = server.recording.first("PUT"), server.recording.first("PATCH")
    _, group, name = plan_parts(put)
    sku = recorded_body(patch)["sku"]
    assert mlws(*new_plan_args(put), "--force", "--yes").exit_code == 0

    # The replayed answer carries the recorded capacity, not the one asked for.
    result = mlws(
        "commitment-plan", "update", "-n", name, "-g", group, "--sku-name", sku["name"], "--sku-tier", sku["tier"],
        "--sku-capacity", str(sku["capacity"] + 1),
    )  # fmt: skip

    assert result.exit_code == 4
    assert "sku" in result.stderr and "commitment-plan get" in result.stderr


def test_requests_refused_before_sending_anything(plan_replay, mlws):
    server = plan_replay("TestUpdateCommitmentPlan")
    put = server.recording.first("PUT")
    _, group, name = plan_parts(put)

    nothing = mlws("commitment-plan", "update", "-n", name, "-g", group)
    assert nothing.exit_code == 2 and "nothing to update" in nothing.stderr
    name_only = mlws("commitment-plan", "get", "-n", name)
    assert name_only.exit_code == 2 and "resource group" in name_only.stderr
    bad_tag = mlws("commitment-plan", "update", "-n", name, "-g", group, "--tag", "no-equals-sign")
    assert bad_tag.exit_code == 2 and "--tag 'no-equals-sign'" in bad_tag.stderr
    no_terminal = mlws(*new_plan_args(put), "--force")
    assert no_terminal.exit_code == 2 and "--yes" in no_terminal.stderr
    bad_destination = mlws(
        "commitment-association", "move", "-g", group, "--plan", name, "-n", "a1", "--destination-plan-id", name
    )
    assert bad_destination.exit_code == 2 and "not a commitment plan id" in bad_destination.stderr
    no_location = mlws(*(arg for arg in new_plan_args(put) if arg not in ("-l", recorded_body(put)["location"])))
    assert no_location.exit_code == 2 and "-l/--location" in no_location.stderr

    assert server.exchanges == []
