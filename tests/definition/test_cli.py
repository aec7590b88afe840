"""Every offline command with -o json (the envelope), --help examples, and the offline walkthrough script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.definition.conftest import PREDICT, TRAINING

V1 = "http://127.0.0.1:10000/devstoreaccount1/models/housing-v1.ilearner"


def commands(predict_copy: Path, tmp_path: Path) -> dict[str, list]:
    return {
        "validate": ["validate", PREDICT, TRAINING],
        "import": ["import", PREDICT],
        "edit": ["edit", PREDICT, "--asset", "asset2", "--uri", V1, "-f", tmp_path / "out.json"],
        "normalize": ["normalize", predict_copy],
        "diff": ["diff", PREDICT, TRAINING],
    }


@pytest.mark.parametrize("command", ["validate", "import", "edit", "normalize", "diff"])
def test_json_envelope(mlws, predict_copy, tmp_path, command):
    run = mlws(*commands(predict_copy, tmp_path)[command], "-o", "json", env={"MLWS_STORAGE_KEY": "x"})

    assert run.exit_code == 0, run.stdout + run.stderr
    envelope = run.json()
    assert envelope["command"] == f"mlws {command}" and envelope["ok"] is True and envelope["exitCode"] == 0
    assert isinstance(envelope["result"], dict)


def test_errors_come_as_the_json_envelope_too(mlws, tmp_path):
    run = mlws("import", tmp_path / "missing.json", "-o", "json")

    assert run.exit_code == 2
    assert run.json()["ok"] is False and "does not exist" in run.json()["error"]["message"]


@pytest.mark.parametrize("command", ["validate", "import", "edit", "normalize", "diff"])
def test_help_ends_with_an_example(mlws, command):
    run = mlws(command, "--help")

    assert run.exit_code == 0
    description = run.stdout.split("Arguments:")[0].split("Options:")[0].rstrip().splitlines()
    assert description[-1].strip().startswith("Example:") and f"mlws {command} " in description[-1]


def test_offline_commands_do_not_import_azure():
    code = (
        "import sys; from toolkit.cli import main; "
        f"main(['validate', {str(PREDICT)!r}]); "
        f"main(['diff', {str(PREDICT)!r}, {str(TRAINING)!r}]); "
        "print(sorted(m for m in sys.modules if m.startswith('azure')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)

    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_offline_walkthrough_runs_and_leaves_definitions_untouched():
    before = {path: path.read_bytes() for path in (REPO / "definitions").rglob("*.json")}
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "walkthrough-offline.sh")], capture_output=True, text=True, env=env, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "~ properties.assets.asset2.locationInfo.uri" in result.stdout
    assert "1 change: 1 changed" in result.stdout
    assert {path: path.read_bytes() for path in (REPO / "definitions").rglob("*.json")} == before
