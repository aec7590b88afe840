"""`mlws plan/deploy/drift ENV --parallel N`: many services at once, rows in a stable order, ARM's throttling
ridden, and a deploy killed with SIGKILL resumed by running it again.

What was sent is counted where it arrives: the emulator's own answers, recorded in arrival order by wrapping
its `respond` (this process serves it), or the counting proxy of tests/fixtures/fault_proxy.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.counting_server import CountingServer
from tests.fixtures.fault_proxy import FaultProxy
from tests.http_log import paced, throttled
from tests.terminal import MLWS, run_on_a_terminal
from toolkit.definition import resolve_placeholders

SERVICES = 10  # the workspace's own service and nine more
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
OLD_TITLE, NEW_TITLE = '"title": "Housing Price",', '"title": "Housing Price, retitled",'


class Arrivals:
    """Every ARM request the emulator answered, in the order they arrived: method, path, status, headers."""

    def __init__(self, running, monkeypatch) -> None:
        self.requests: list[dict] = []
        lock = threading.Lock()
        respond = running.emulator.respond

        def recording(request):
            entry = {"method": request.method, "path": request.path}
            with lock:
                self.requests.append(entry)
            response = respond(request)
            entry["status"] = response.status if response is not None else None
            entry["headers"] = {k.lower(): v for k, v in response.headers.items()} if response is not None else {}
            return response

        monkeypatch.setattr(running.emulator, "respond", recording)

    def of(self, name: str) -> list[dict]:
        return [r for r in self.requests if urlsplit(r["path"]).path.endswith(f"/webServices/{name}")]

    def writes_answered(self, status: int) -> list[dict]:
        return [
            r for r in self.requests if r["method"] != "GET" and r["status"] == status and "/webServices/" in r["path"]
        ]


def fleet(workspace, count: int = SERVICES) -> list[str]:
    """`count` live services, each with its definition in definitions/dev/ (copies of the workspace's, named
    after their files), every one retitled in its file since: each plan is one change. Their names."""
    workspace.deploy()
    names = [workspace.name] + [f"{workspace.name}-{index:02}" for index in range(count - 1)]
    text = workspace.definition.read_text(encoding="utf-8")
    for name in names[1:]:
        workspace.definition.with_name(f"{name}.json").write_text(text, encoding="utf-8")
        path = workspace.service_path.replace(f"/webServices/{workspace.name}?", f"/webServices/{name}?")
        assert workspace.emulator.call(
            "PUT", path, resolve_placeholders(workspace.document(), workspace.env)
        ).status in (200, 201)
    for name in names:
        file = workspace.definition.with_name(f"{name}.json")
        assert OLD_TITLE in file.read_text(encoding="utf-8")
        file.write_text(file.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        live(workspace, n)["properties"]["provisioningState"] != "Succeeded" for n in names
    ):
        time.sleep(0.05)
    return sorted(names, key=lambda name: f"{name}.json")  # the order of their files (and plans)


def live(workspace, name: str) -> dict:
    path = workspace.service_path.replace(f"/webServices/{workspace.name}?", f"/webServices/{name}?")
    return workspace.emulator.call("GET", path).body


def state(workspace, name: str) -> str:
    return live(workspace, name)["properties"]["provisioningState"]


def rows(run) -> list[tuple[str, str, str, str]]:
    assert run.stdout.lstrip().startswith("{"), run.stdout + run.stderr
    return [(r["service"], r["kind"], r["action"], r["result"]) for r in run.json()["result"]["services"]]


def plans_of(workspace) -> dict[str, dict]:
    """The plan files by name, without their salted fingerprint of the placeholder values (random per plan)."""
    folder = workspace.root / ".mlws" / "plans" / "dev"
    found = {}
    for path in sorted(folder.glob("*.json")):
        plan = json.loads(path.read_text(encoding="utf-8"))
        plan.pop("placeholderValues")
        found[path.name] = plan
    return found


def most_at_once(requests: list[dict], names: list[str]) -> int:
    """The most services being worked on at once: each from its first request to its last, in arrival order."""
    spans = {}
    for index, request in enumerate(requests):
        for name in names:
            if urlsplit(request["path"]).path.endswith(f"/webServices/{name}"):
                first, _ = spans.get(name, (index, index))
                spans[name] = (first, index)
    return max(sum(1 for first, last in spans.values() if first <= index <= last) for index in range(len(requests)))


def test_parallel_gives_the_rows_and_plans_of_one_at_a_time_and_works_on_at_most_n(mlws, faulty_workspace, monkeypatch):
    workspace = faulty_workspace()
    names = fleet(workspace)
    run = lambda *args: mlws(*args, "-o", "json", env=workspace.env, cwd=workspace.root)  # noqa: E731

    one_at_a_time = run("plan", "dev", "--parallel", "1")
    plans_one_at_a_time = plans_of(workspace)
    at_once = run("plan", "dev", "--parallel", "4")

    expected = [(name, "new_webservice", "update", "1 change (planned)") for name in names]
    assert one_at_a_time.exit_code == 3 and at_once.exit_code == 3, at_once.stdout + at_once.stderr
    assert rows(one_at_a_time) == rows(at_once) == expected
    assert plans_of(workspace) == plans_one_at_a_time and len(plans_one_at_a_time) == SERVICES

    # Each operation takes a while, so the services overlap as much as the pool lets them.
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 0.3})
    arrivals = Arrivals(workspace.emulator, monkeypatch)
    deployed = run("deploy", "dev", "--parallel", "4")

    assert deployed.exit_code == 0, deployed.stdout + deployed.stderr
    assert rows(deployed) == [(name, "new_webservice", "update", "verified") for name in names]
    assert [sum(1 for r in arrivals.of(name) if r["method"] == "PATCH") for name in names] == [1] * SERVICES
    assert 2 <= most_at_once(arrivals.requests, names) <= 4
    assert all(live(workspace, name)["properties"]["title"] == "Housing Price, retitled" for name in names)
    assert not plans_of(workspace)
    drift_one, drift_many = run("drift", "dev", "--parallel", "1"), run("drift", "dev", "--parallel", "8")
    assert drift_one.exit_code == drift_many.exit_code == 0
    assert rows(drift_one) == rows(drift_many) == [(name, "new_webservice", "no change", "in sync") for name in names]


def test_a_throttled_batch_waits_the_windows_out_with_few_429s(mlws, faulty_workspace, monkeypatch):
    workspace = faulty_workspace()
    names = fleet(workspace)
    assert mlws("plan", "dev", env=workspace.env, cwd=workspace.root).exit_code == 3
    budget, window = 3, 2.0
    workspace.emulator.call("PUT", "/_emulator/throttle", {"writes": budget, "windowSeconds": window})
    arrivals = Arrivals(workspace.emulator, monkeypatch)

    deployed = mlws("deploy", "dev", "--parallel", "4", "-o", "json", "--debug", env=workspace.env, cwd=workspace.root)

    assert deployed.exit_code == 0, deployed.stderr[-3000:]
    assert rows(deployed) == [(name, "new_webservice", "update", "verified") for name in names]
    # Every plan applied once: one accepted PATCH per service, whatever was refused with a 429 on the way.
    accepted = Counter(urlsplit(r["path"]).path.rsplit("/", 1)[1] for r in arrivals.writes_answered(200))
    assert accepted == Counter(names)
    # 10 writes at 3 a window need 4 windows; the pacer holds the other threads after the first 429 of a window
    # instead of letting each run into its own (4 threads hammering would meet about one 429 per thread a window).
    refused = arrivals.writes_answered(429)
    windows = -(-SERVICES // budget)
    assert 1 <= len(refused) <= windows
    # Each 429 was waited out for exactly the Retry-After it named, by the request it refused ...
    asked = sorted(float(r["headers"]["retry-after"]) for r in refused)
    waits = throttled(deployed.stderr)
    assert sorted(wait for _, wait, _ in waits) == asked and all(named == wait for named, wait, _ in waits)
    # ... and the threads it did not refuse were held for that window too, never longer than it.
    holds = paced(deployed.stderr)
    assert holds and all(kind == "writes" and 0 < held <= window for kind, held in holds)


def test_on_a_terminal_the_batch_shows_one_status_line_then_the_table(mlws, faulty_workspace):
    workspace = faulty_workspace()
    names = fleet(workspace, 6)
    assert mlws("plan", "dev", env=workspace.env, cwd=workspace.root).exit_code == 3
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 1.0})
    command = f"cd {shlex.quote(str(workspace.root))} && exec {shlex.quote(MLWS)} deploy dev --parallel 3"

    code, screen = run_on_a_terminal(["sh", "-c", command], {**os.environ, **workspace.env, "COLUMNS": "200"})

    assert code == 0, screen
    assert re.search(r"deploy \d/6 done, [1-3] running; housing-", ANSI.sub("", screen))  # the batch's status line
    shown = [line for line in ANSI.sub("", screen.replace("\r", "\n")).splitlines() if line.strip()]
    assert [line.split()[0] for line in shown[-6:]] == names and all(line.endswith("verified") for line in shown[-6:])
    assert shown[-7].split() == ["SERVICE", "KIND", "ACTION", "RESULT"]  # the status line is gone before it


@pytest.mark.parametrize("value", ["0", "-1", "65", "1000000", "four", "2.5"])
@pytest.mark.parametrize("verb", ["plan", "deploy", "drift"])
def test_a_bad_parallel_is_bad_input_and_sends_nothing(mlws, workspace, verb, value):
    plans = workspace.root / ".mlws" / "plans" / "dev"
    plans.mkdir(parents=True)
    kept = plans / f"{workspace.name}.json"
    kept.write_text("{}", encoding="utf-8")

    with CountingServer() as server:
        run = mlws(verb, "dev", "--parallel", value, env={**workspace.env, "MLWS_ARM_ENDPOINT": server.url})

    assert run.exit_code == 2, run.stdout + run.stderr
    assert "--parallel" in run.stderr
    assert server.requests == []
    assert kept.read_text(encoding="utf-8") == "{}"  # plan removes the old plans only once it goes ahead


def test_two_definitions_that_would_share_a_plan_file_are_refused_before_anything(mlws, workspace):
    folder = workspace.definition.parent
    (folder / "classic").mkdir()
    (folder / "classic" / "rental.json").write_text("{}", encoding="utf-8")  # plan file classic-rental.json
    (folder / "classic-rental.json").write_bytes(workspace.definition.read_bytes())  # the same plan file
    plans = workspace.root / ".mlws" / "plans" / "dev"
    plans.mkdir(parents=True)
    (plans / "reviewed.json").write_text("{}", encoding="utf-8")

    with CountingServer() as server:
        run = mlws("plan", "dev", env={**workspace.env, "MLWS_ARM_ENDPOINT": server.url})

    assert run.exit_code == 2
    assert "definitions classic/rental and classic-rental would share the plan file classic-rental.json" in run.stderr
    assert server.requests == [] and [p.name for p in plans.iterdir()] == ["reviewed.json"]


def test_without_keep_going_a_failure_starts_no_more_and_names_what_was_not_applied(mlws, faulty_workspace):
    workspace = faulty_workspace()
    names = fleet(workspace)
    run = lambda *args: mlws(*args, "-o", "json", env=workspace.env, cwd=workspace.root)  # noqa: E731
    plans = workspace.root / ".mlws" / "plans" / "dev"
    assert run("plan", "dev").exit_code == 3
    stale = names[1]  # changed behind its plan's back: refused at once, the batch's first failure
    path = workspace.service_path.replace(f"/webServices/{workspace.name}?", f"/webServices/{stale}?")
    assert (
        workspace.emulator.call(
            "PATCH", path, {"properties": {"packageType": "Graph", "title": "changed by hand"}}
        ).status
        == 200
    )

    stopped = run("deploy", "dev", "--parallel", "2")

    assert stopped.exit_code == 4, stopped.stdout + stopped.stderr
    done = rows(stopped)
    started = [row[0] for row in done]
    not_applied = stopped.json()["result"]["notApplied"]
    # The started ones in the order of the plans, then the ones never started: two at a time, the failure
    # second of ten, so most never start; the one running beside it finishes and is reported.
    assert started + not_applied == names and 2 <= len(started) < len(names)
    assert [row for row in done if row[3].startswith("error:")] == [row for row in done if row[0] == stale]
    assert all(row[3] == "verified" for row in done if row[0] != stale)
    assert sorted(p.stem for p in plans.glob("*.json")) == sorted([stale, *not_applied])

    kept_going = run("deploy", "dev", "--parallel", "2", "--keep-going")

    assert kept_going.exit_code == 4
    assert [row[0] for row in rows(kept_going)] == [name for name in names if name in {stale, *not_applied}]
    assert kept_going.json()["result"]["notApplied"] == []
    assert [p.stem for p in plans.glob("*.json")] == [stale]


def test_the_note_names_the_plans_not_applied():
    from toolkit.environments import EnvironmentResult, Row

    stopped = EnvironmentResult("deploy", "dev", [Row("a", "new_webservice", "update", "error: refused", 4)],
                                not_applied=["b", "classic-c"])  # fmt: skip

    assert (
        stopped.to_text().splitlines()[-1] == "stopped at the first failure; not applied: b, classic-c (--keep-going)"
    )


def test_a_deploy_killed_mid_batch_is_resumed_by_running_it_again(mlws, faulty_workspace, monkeypatch):
    workspace = faulty_workspace()
    names = fleet(workspace, 8)
    plans = workspace.root / ".mlws" / "plans" / "dev"
    arrivals = Arrivals(workspace.emulator, monkeypatch)

    with FaultProxy(workspace.emulator.url) as proxy:  # plans record their endpoint: all through the proxy
        through_proxy = {**workspace.env, "MLWS_ARM_ENDPOINT": proxy.url}
        assert mlws("plan", "dev", env=through_proxy, cwd=workspace.root).exit_code == 3
        workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 1.0})  # slow: the kill lands mid-batch
        killed = subprocess.Popen(
            [sys.executable, "-m", "toolkit", "deploy", "dev", "--parallel", "4"],
            cwd=workspace.root, env={**os.environ, **through_proxy}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        patches = lambda: proxy.count("PATCH", r"/webServices/[^/]+$")  # noqa: E731
        deadline = time.monotonic() + 60
        while patches() < 5 and killed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        killed.send_signal(signal.SIGKILL)  # the first four done or nearly, the fifth on its way
        output = killed.communicate(timeout=10)[0].decode()
        assert killed.returncode == -signal.SIGKILL, output
        left_by_the_kill = sorted(p.stem for p in plans.glob("*.json"))
        # A PATCH already on its way when the client died still lands; a run reading the service before it did
        # would send it again (the same state, so harmless, but this test counts them): let those land first.
        while time.monotonic() < deadline and patches() > sum(
            r["method"] == "PATCH" and "status" in r for r in arrivals.requests
        ):
            time.sleep(0.01)

        resumed = mlws("deploy", "dev", "--parallel", "4", "-o", "json", env=through_proxy, cwd=workspace.root)
        sent = {name: proxy.count("PATCH", rf"/webServices/{name}$") for name in names}

    assert 0 < len(left_by_the_kill) < len(names), "the kill should land mid-batch"
    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    again = rows(resumed)
    assert sorted(row[0] for row in again) == left_by_the_kill
    outcomes = {row[0]: row[3] for row in again}
    assert set(outcomes.values()) <= {"verified", "already applied"}
    assert "already applied" in outcomes.values()  # the one PATCHed when the kill came is not sent again
    assert sent == {name: 1 for name in names}, sent  # no plan applied twice, none left out
    assert not list(plans.glob("*.json"))
    # The same end as an uninterrupted deploy: every service as its file says.
    assert all(live(workspace, name)["properties"]["title"] == "Housing Price, retitled" for name in names)
    drift = mlws("drift", "dev", env=workspace.env, cwd=workspace.root)
    assert drift.exit_code == 0, drift.stdout


def test_a_create_that_took_before_the_deploy_was_cut_short_is_reported_already_applied(mlws, workspace):
    planned = mlws("plan", "dev", "-o", "json", env=workspace.env, cwd=workspace.root)
    assert rows(planned) == [
        (workspace.name, "new_webservice", "create", f"{len(workspace.document())} changes (planned)")
    ]
    workspace.deploy()  # what the killed deploy's PUT did
    created = workspace.live()["properties"]["modifiedOn"]

    resumed = mlws("deploy", "dev", "-o", "json", env=workspace.env, cwd=workspace.root)

    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    assert rows(resumed) == [(workspace.name, "new_webservice", "create", "already applied")]
    assert workspace.live()["properties"]["modifiedOn"] == created  # nothing sent
    assert not list((workspace.root / ".mlws" / "plans" / "dev").glob("*.json"))


def test_a_post_refused_with_429_is_sent_again_after_its_retry_after(mlws, faulty_workspace, monkeypatch):
    workspace = faulty_workspace()
    workspace.deploy()
    workspace.emulator.call("PUT", "/_emulator/throttle", {"writes": 1, "windowSeconds": 2.0})
    spent = workspace.emulator.call("PATCH", workspace.service_path, {"properties": {"packageType": "Graph"}})
    assert spent.status == 200  # the window's one write
    arrivals = Arrivals(workspace.emulator, monkeypatch)

    added = mlws("add-region", "-n", workspace.name, "--region", "West Europe", "--yes", "--debug")

    posts = [r for r in arrivals.requests if r["method"] == "POST"]
    assert added.exit_code == 0, added.stderr[-2000:]
    # Refused before any work was done, so sending it again cannot do the work twice: one 429, then one accepted.
    assert len(posts) == 2 and posts[0]["status"] == 429 and posts[1]["status"] in (200, 202)
    asked = float(posts[0]["headers"]["retry-after"])
    assert throttled(added.stderr) == [(asked, asked, "POST")]
