"""The terminal path, in-process: main() runs on an injected Environment (its streams and whether a person is
at them), so prompts and the status line are tested without a pseudo-terminal (tests/test_prompts.py and
tests/test_progress.py keep one real-terminal run each)."""

from __future__ import annotations

import io
import json

import pytest

from tests.conftest import REPO
from toolkit.cli import main
from toolkit.cli.environment import Environment


def terminal(answers: str = "", *, person: bool = True) -> Environment:
    """A terminal whose user types `answers`; `person=False` is a pipe (CI)."""
    return Environment(io.StringIO(answers), io.StringIO(), io.StringIO(), stdin_isatty=person, stderr_isatty=person)


@pytest.fixture
def service(emulator, monkeypatch):
    """A live web service of its own, and the ARM path to read it back raw."""
    name, group, path = emulator.put_sample_service("term")
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    return name, group, path


def title_of(emulator, path: str) -> str:
    return emulator.call("GET", path).body["properties"]["title"]


def test_a_no_at_the_prompt_sends_nothing_and_a_yes_sends(emulator, service):
    name, group, path = service
    before = title_of(emulator, path)
    update = ["update", "-n", name, "-g", group, "--title", "asked in-process"]

    declined = terminal("n\n")
    declined_code = main(update, env=declined)
    kept = title_of(emulator, path)
    accepted = terminal("y\n")
    accepted_code = main(update, env=accepted)

    assert declined_code == 4
    shown = declined.stderr.getvalue()
    assert 'properties.title: "asked in-process"' in shown and "Send this PATCH? [y/N]: " in shown
    assert "declined at the prompt: nothing was sent" in shown
    assert kept == before
    assert accepted_code == 0, accepted.stderr.getvalue()
    assert title_of(emulator, path) == "asked in-process"
    assert "verified" in accepted.stdout.getvalue()


def test_an_unclear_answer_is_asked_again_and_the_end_of_input_aborts(emulator, service):
    name, group, path = service
    before = title_of(emulator, path)
    env = terminal("maybe\n")  # then the input ends, as Ctrl-D does

    code = main(["update", "-n", name, "-g", group, "--title", "never sent"], env=env)

    shown = env.stderr.getvalue()
    assert shown.count("[y/N]: ") == 2 and "Error: invalid input" in shown
    assert code == 130 and "mlws: aborted" in shown
    assert title_of(emulator, path) == before


def test_without_a_person_a_removal_needs_yes(emulator, service):
    name, group, path = service
    env = terminal(person=False)

    code = main(["remove", "-n", name, "-g", group], env=env)

    assert code == 2
    assert "refusing without a terminal: pass --yes to confirm" in env.stderr.getvalue()
    assert emulator.call("GET", path).status == 200


def test_a_slow_operation_shows_its_state_on_the_terminal_and_the_result_stands_alone(start_emulator, monkeypatch):
    slow = start_emulator(op_seconds=2.5)  # long enough that a poll finds it still Provisioning
    for key, value in {**slow.env(), "MLWS_STORAGE_KEY": "terminal-test-storage-key"}.items():
        monkeypatch.setenv(key, value)
    definition = REPO / "definitions" / "dev" / "housing-predict.json"
    create = ["new", "-f", definition, "-n", "slow", "-g", "rg-slow", "-l", "South Central US", "--skip-model-check"]

    on_terminal, in_ci = terminal(), terminal(person=False)
    first = main([str(arg) for arg in create], env=on_terminal)
    second = main([str(arg) for arg in [*create[:4], "slow-ci", *create[5:]]], env=in_ci)

    assert first == second == 0, on_terminal.stderr.getvalue() + in_ci.stderr.getvalue()
    assert "Provisioning" in on_terminal.stderr.getvalue()  # the status line named the operation's state
    assert "Provisioning" not in on_terminal.stdout.getvalue()  # and the result does not carry it
    assert in_ci.stderr.getvalue() == ""  # no status line without a person to see it
    assert "slow-ci" in in_ci.stdout.getvalue()


def test_results_go_to_the_injected_stdout_in_every_format(emulator, service):
    name, group, _ = service
    outputs = {}
    for output in ("text", "json", "yaml", "table"):
        env = terminal(person=False)
        assert main(["get", "-n", name, "-g", group, "-o", output], env=env) == 0
        outputs[output] = env.stdout.getvalue()

    assert json.loads(outputs["json"])["result"]["name"] == name
    assert f"name: {name}" in outputs["yaml"]
    assert outputs["table"].splitlines()[0].split() == ["NAME", "RESOURCE", "GROUP", "LOCATION", "STATE", "MODIFIED"]
    assert outputs["text"].startswith(f"name:          {name}")
