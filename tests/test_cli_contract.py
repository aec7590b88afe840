"""The contract every command keeps: help with an example, the JSON envelope, lean start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from toolkit.cli import build_app

ENVELOPE_KEYS = {"version", "command", "ok", "exitCode", "result", "error"}
SAMPLE = "definitions/dev/housing-predict.json"


def _command_paths(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _command_paths(command, path)
        else:
            yield path


def _group_paths(group, prefix=()):
    yield prefix
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _group_paths(command, (*prefix, name))


ROOT = typer.main.get_command(build_app())
COMMANDS = list(_command_paths(ROOT))
GROUPS = list(_group_paths(ROOT))


def test_the_command_set_is_not_empty():
    assert len(COMMANDS) >= 5, COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(mlws, path):
    run = mlws(*path, "--help")
    assert run.exit_code == 0, run.stderr
    assert "Example" in run.stdout, f"`mlws {' '.join(path)} --help` shows no example"


@pytest.mark.parametrize("path", GROUPS, ids=lambda path: " ".join(("mlws", *path)))
def test_every_group_has_help_with_an_example(mlws, path):
    run = mlws(*path, "--help")
    assert run.exit_code == 0, run.stderr
    assert "Example" in run.stdout, f"`mlws {' '.join(path)} --help` shows no example"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_examples_are_shown_as_written_not_rewrapped(mlws, path):
    command = ROOT
    for name in path:
        command = command.commands[name]
    examples = [line.strip() for line in (command.help or "").splitlines() if line.strip().startswith("Example")]
    shown = mlws(*path, "--help").stdout
    for example in examples:
        assert example in shown, f"`mlws {' '.join(path)} --help` rewraps: {example}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_takes_output_json_and_debug(mlws, path):
    run = mlws(*path, "--help")
    assert "--output" in run.stdout and "--debug" in run.stdout, f"mlws {' '.join(path)}"


def test_envelope_on_success(mlws):
    run = mlws("validate", SAMPLE, "-o", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    body = run.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["version"] == 1
    assert body["command"] == "mlws validate"
    assert body["ok"] is True and body["exitCode"] == 0 and body["error"] is None
    assert body["result"] is not None


def test_envelope_of_a_report_that_fails_keeps_the_report(mlws, tmp_path):
    run = mlws("validate", str(tmp_path / "missing.json"), "-o", "json")
    assert run.exit_code == 2
    body = run.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["ok"] is False and body["exitCode"] == 2 and body["error"] is None
    assert "missing.json" in json.dumps(body["result"])


def test_envelope_on_error(mlws, tmp_path):
    run = mlws("import", str(tmp_path / "missing.json"), "-o", "json")
    assert run.exit_code == 2
    body = run.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["ok"] is False and body["exitCode"] == 2 and body["result"] is None
    assert {"type", "message"} <= set(body["error"])
    assert "missing.json" in body["error"]["message"]


def test_changes_present_is_ok_with_exit_3(mlws, tmp_path):
    edited = tmp_path / "predict.json"
    edited.write_text(Path(SAMPLE).read_text().replace("housing-v0.ilearner", "housing-v9.ilearner"))
    run = mlws("diff", SAMPLE, str(edited), "--exit-code", "-o", "json")
    body = run.json()
    assert run.exit_code == 3 and body["exitCode"] == 3 and body["ok"] is True


def test_usage_error_exits_2(mlws):
    run = mlws("validate", "--no-such-flag")
    assert run.exit_code == 2
    assert "no-such-flag" in run.stderr


def test_usage_error_with_output_json_is_an_envelope(mlws):
    run = mlws("get", "-n", "x", "--no-such-flag", "-o", "json")
    assert run.exit_code == 2
    body = run.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["ok"] is False and body["exitCode"] == 2 and body["command"] == "mlws get"
    assert "no-such-flag" in body["error"]["message"]


def _imported_modules(*args: str) -> set[str]:
    code = (
        "import sys, json\n"
        "from toolkit.cli import main\n"
        f"main({list(args)!r})\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ("validate", SAMPLE)], ids=["help", "validate"])
def test_start_up_and_offline_commands_do_not_import_azure_or_rich(args):
    modules = _imported_modules(*args)
    assert not {m for m in modules if m.startswith(("azure", "rich"))}


def test_shell_completion_is_typers_own(mlws):
    shown = mlws("--show-completion", "bash")
    assert shown.exit_code == 0 and "_mlws_completion" in shown.stdout


@pytest.mark.parametrize("variable", ["MLWS_ARM_ENDPOINT", "MLWS_CLASSIC_ENDPOINT"])
def test_an_endpoint_without_its_scheme_is_bad_input_with_the_fix(mlws, variable):
    args = {
        "MLWS_ARM_ENDPOINT": ("get", "-n", "svc", "-g", "rg", "--subscription", "00000000-0000-0000-0000-000000000000"),
        "MLWS_CLASSIC_ENDPOINT": ("classic", "service", "list", "--workspace", "0123456789abcdef0123456789abcdef"),
    }[variable]
    run = mlws(*args, env={variable: "127.0.0.1:40797", "MLWS_WORKSPACE_TOKEN": "not-a-token"})
    assert run.exit_code == 2
    assert f"{variable} '127.0.0.1:40797': give a base URL with its scheme, e.g. http://127.0.0.1:40797" in run.stderr


def test_the_error_object_has_the_same_fields_for_every_kind_of_error(mlws, tmp_path):
    usage = mlws("get", "--no-such-flag", "-o", "json").json()["error"]
    bad_file = mlws("update", "--plan", tmp_path / "missing.json", "-o", "json").json()["error"]
    service = mlws(
        "get", "-n", "svc", "-g", "rg", "--subscription", "00000000-0000-0000-0000-000000000000", "-o", "json",
        env={"MLWS_ARM_ENDPOINT": "http://127.0.0.1:9"},  # nothing listens there: the service cannot be reached
    ).json()["error"]  # fmt: skip

    fields = {"type", "message", "problems", "status", "code", "target", "requestId", "details"}
    assert set(usage) == set(bad_file) == set(service) == fields


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_that_prints_data_takes_a_query(path):
    command = ROOT
    for name in path:
        command = command.commands[name]
    options = {opt for param in command.params for opt in param.opts}
    assert {"--output", "--query"} <= options, f"`mlws {' '.join(path)}` lacks -o or --query"


@pytest.mark.parametrize("path", GROUPS, ids=lambda path: " ".join(("mlws", *path)))
def test_help_lists_whole_summaries_not_cut_ones(mlws, path):
    shown = mlws(*path, "--help").stdout
    listed = shown.split("Commands:", 1)[1] if "Commands:" in shown else ""
    assert listed and "..." not in listed, f"`mlws {' '.join(path)} --help` cuts a summary:\n{listed}"


@pytest.mark.parametrize("path", GROUPS + COMMANDS, ids=lambda path: " ".join(("mlws", *path)))
def test_help_splits_no_word_at_a_hyphen(mlws, path):
    # At 60 columns the lists and paragraphs wrap often; a line ending in "Word-" is a word cut in two.
    shown = mlws(*path, "--help", env={"COLUMNS": "60"}).stdout
    cut = [line for line in shown.splitlines() if line.rstrip()[-2:-1].isalpha() and line.rstrip().endswith("-")]
    assert not cut, f"`mlws {' '.join(path)} --help` splits words at hyphens: {cut}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_usage_names_arguments_plainly(mlws, path):
    usage = mlws(*path, "--help").stdout.splitlines()[0]
    assert usage.startswith("Usage: mlws") and "{" not in usage, usage


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_option_and_argument_says_what_it_is(path):
    command = ROOT
    for name in path:
        command = command.commands[name]
    silent = [param.opts[0] for param in command.params if not getattr(param, "hidden", False) and not param.help]
    assert not silent, f"`mlws {' '.join(path)}`: no help for {', '.join(silent)}"
