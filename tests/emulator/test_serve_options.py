"""`mlws emulator serve` refuses nonsense settings with exit 2 naming the option, before anything starts."""

from __future__ import annotations

import pytest

from toolkit.emulator import EmulatorConfig
from toolkit.errors import BadInput

pytestmark = pytest.mark.timeout(30)  # a setting that is not refused starts serving: fail instead of waiting


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "-1"], "--port"),
        (["--throttle-window", "0"], "--throttle-window"),
        (["--throttle-window", "-3"], "--throttle-window"),
        (["--read-budget", "-5"], "--read-budget"),
        (["--write-budget", "-1"], "--write-budget"),
        (["--op-seconds", "-1"], "--op-seconds"),
        (["--op-seconds", "inf"], "--op-seconds"),
        (["--job-seconds", "-0.5"], "--job-seconds"),
        (["--error-rate", "1.5"], "--error-rate"),
        (["--error-rate", "nan"], "--error-rate"),
        (["--drop-rate", "-0.1"], "--drop-rate"),
        (["--fail-rate", "2"], "--fail-rate"),
        (["--page-size", "0"], "--page-size"),
        (["--host", "0.0.0.0"], "--host"),
    ],
)
def test_a_nonsense_setting_is_exit_2_naming_the_option_and_nothing_starts(mlws, tmp_path, args, option):
    db = tmp_path / "state" / "emulator.db"

    run = mlws("emulator", "serve", "--db", db, *args)

    assert run.exit_code == 2, run.stderr
    assert option in run.stderr and args[1] in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert not db.parent.exists()  # no state file made: nothing started


def test_a_directory_as_the_state_file_is_exit_2(mlws, tmp_path):
    run = mlws("emulator", "serve", "--db", tmp_path, "--port", "0")
    assert run.exit_code == 2 and "--db" in run.stderr and "directory" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_state_file_under_a_file_is_exit_2(mlws, tmp_path):
    (tmp_path / "plain").write_text("not a directory\n")
    run = mlws("emulator", "serve", "--db", tmp_path / "plain" / "emulator.db", "--port", "0")
    assert run.exit_code == 2 and "--db" in run.stderr and "Traceback" not in run.stderr
    assert (tmp_path / "plain").read_text() == "not a directory\n"


def test_an_empty_token_is_refused_without_showing_it(mlws, tmp_path):
    run = mlws("emulator", "serve", "--db", tmp_path / "s.db", "--token", " ")
    assert run.exit_code == 2 and "--token" in run.stderr


def test_the_library_applies_the_same_rules(tmp_path):
    with pytest.raises(BadInput, match="--port"):
        EmulatorConfig(port=70000)
    with pytest.raises(BadInput, match="--read-budget"):
        EmulatorConfig(read_budget=-5)
    config = EmulatorConfig(port=0, read_budget=0, throttle_window=0.5, error_rate=1, op_seconds=0)
    assert config.read_budget == 0 and config.error_rate == 1
