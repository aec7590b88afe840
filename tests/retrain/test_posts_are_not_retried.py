"""No POST is ever sent twice: every command that sends one, against a service answering `503 Retry-After: 0`.

The proxy lets the emulator do the work, then answers 503 in its place (the worst case: the job was
created, the answer was lost). Re-sending would create a second job, start it twice, add the
regional copy twice. Each command must send its POST exactly once and exit 1 saying it was not retried.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.fixtures.fault_proxy import ANSWER_503, ANSWER_503_AFTER, DROP_AFTER, FaultProxy

API = "?api-version=2017-01-01"
PLANS_API = "?api-version=2016-05-01-preview"


@dataclass
class Case:
    command: str
    path: str  # the POST the proxy answers with a 503
    how: str
    says: str  # what the message tells the user may have happened


CASES = [
    Case("retrain", r"/jobs$", ANSWER_503_AFTER, "the job may or may not have been created"),
    Case("retrain", r"/jobs/[0-9a-f]+/start$", ANSWER_503_AFTER, "the job may or may not have started"),
    # Scoring has no effect to lose, so the proxy need not forward it.
    Case("score", r"/execute$", ANSWER_503, "running the command again is safe"),
    Case("add-region", r"/CreateRegionalBlob$", ANSWER_503_AFTER, "the regional copy may or may not have started"),
    Case("commitment-association move", r"/move$", ANSWER_503_AFTER, "the association may or may not have moved"),
]


def service_path(world, emulator, name: str) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}"
        f"/providers/Microsoft.MachineLearning/webServices/{name}"
    )


def jobs_on_the_emulator(world, emulator) -> list[dict]:
    """The training service's BES jobs, asked of the emulator directly (not through the proxy)."""
    arm = service_path(world, emulator, world.training)
    swagger = emulator.call("GET", arm + API).body["properties"]["swaggerLocation"]
    key = emulator.call("GET", arm + "/listKeys" + API).body["primary"]
    base = urlsplit(swagger).path.removesuffix("/swagger.json")
    return emulator.call("GET", f"{base}/jobs?api-version=2.0", token=key).body


def associated_service(world, emulator) -> tuple[str, str, str]:
    """Two commitment plans and a web service billed to the first: (first plan, association, second plan id)."""
    plans = f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}/providers/Microsoft.MachineLearning"
    names = [f"plan-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for name in names:
        body = {"location": "South Central US", "sku": {"name": "S1", "tier": "Standard", "capacity": 1}}
        assert emulator.call("PUT", f"{plans}/commitmentPlans/{name}{PLANS_API}", body).status == 200
    document = json.loads(world.predict_file.read_text().replace("${MLWS_STORAGE_KEY}", "key"))
    document["properties"]["commitmentPlan"] = {"id": f"{plans}/commitmentPlans/{names[0]}"}
    billed = f"billed-{uuid.uuid4().hex[:6]}"
    assert emulator.call("PUT", service_path(world, emulator, billed) + API, document).status == 201
    listed = emulator.call("GET", f"{plans}/commitmentPlans/{names[0]}/commitmentAssociations{PLANS_API}").body
    return names[0], listed["value"][0]["name"], f"{plans}/commitmentPlans/{names[1]}"


def command_line(case: Case, world, emulator) -> list[str]:
    service = ["-n", world.training if case.command == "retrain" else world.predict, "-g", world.group]
    if case.command == "score":
        rows = world.workdir / "rows.json"
        rows.write_text(json.dumps([{"rooms": 3, "area_sqm": 70, "age_years": 10}]))
        return ["score", *service, "--input", str(rows)]
    if case.command == "add-region":
        return ["add-region", *service, "--region", "West Europe"]
    if case.command == "commitment-association move":
        plan, association, destination = associated_service(world, emulator)
        return ["commitment-association", "move", "-g", world.group, "--plan", plan, "-n", association,
                "--destination-plan-id", destination]  # fmt: skip
    raise AssertionError(case.command)


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.command} POST {case.path}")
def test_a_post_answered_503_is_sent_once_and_not_retried(world, emulator, case):
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("POST", case.path, case.how)
        via_proxy = {"MLWS_ARM_ENDPOINT": proxy.url}
        if case.command == "retrain":
            run = world.retrain(env=via_proxy)
        else:
            run = world.run(*command_line(case, world, emulator), env=via_proxy)

        assert run.exit_code == 1, run.stdout + run.stderr
        assert proxy.count("POST", case.path) == 1
        assert proxy.count("POST", r".") == (2 if case.path.endswith("start$") else 1)  # and no other POST twice
    message = run.stderr.strip()
    assert len(message.splitlines()) == 1 and "HTTP 503" in message
    assert "(not retried: POST; " in message and case.says in message
    if case.command == "retrain":
        jobs = jobs_on_the_emulator(world, emulator)
        # One job was created, never more; a started one may be gone already (retrain cleans up after a failure).
        assert len(jobs) == 1 or (case.path.endswith("start$") and not jobs)


def test_a_post_whose_answer_was_lost_is_outcome_unknown_not_a_failure(world, emulator):
    """The submit went out and its answer was lost: it may have created a job, so exit 5, and it is not sent again."""
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("POST", r"/jobs$", DROP_AFTER, times=1)
        run = world.retrain(env={"MLWS_ARM_ENDPOINT": proxy.url})
        submits = proxy.count("POST", r"/jobs$")

    assert run.exit_code == 5, run.stdout + run.stderr
    assert submits == 1
    assert "not retried: POST; the job may or may not have been created" in run.stderr
