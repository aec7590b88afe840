"""The README's `sh` blocks run as written, each in a fresh copy of the repository on this machine's local services
(`make services-start`: Azurite and the emulator), with the exit codes the README states: `# exit N` on a
command, else 0.

The copy holds what the blocks use (the Makefile, scripts, definitions, mlws.yaml) and links to what this
checkout installed (.venv, node_modules), with fresh install stamps of its own, so `make` sees nothing to install
and never installs into this checkout's environment; it is a git repository, as a clone is, for `git diff`. Its
definitions name this run's Azurite port instead of 10000, so the test runs beside another Azurite.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXPECTED = re.compile(r"#\s*exit (\d+)")
COMMITTED_STORAGE = "http://127.0.0.1:10000/devstoreaccount1"


def blocks() -> list[str]:
    return BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))


def commands(block: str) -> list[tuple[str, int]]:
    """The block's commands (continuation lines joined), each with the exit code the README states."""
    found, pending = [], ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").rstrip() + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            expected = EXPECTED.search(pending)
            found.append((pending, int(expected.group(1)) if expected else 0))
            pending = ""
    return found


def script_of(block: str) -> str:
    """A bash script that runs each command and stops at the first that exits otherwise than stated."""
    lines = ["set -u", "stop() { make services-stop >/dev/null 2>&1 || true; }", "trap stop EXIT"]
    for index, (command, expected) in enumerate(commands(block)):
        said = shlex.quote(f"README command {index + 1} ({command.strip()}) should exit {expected}; it exited")
        lines += [command, f'code=$?; if [ "$code" -ne {expected} ]; then echo {said} "$code" >&2; exit 99; fi']
    return "\n".join(lines) + "\n"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def repository_copy(root: Path, port: int) -> Path:
    for name in ("Makefile", "mlws.yaml", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy2(REPO / name, root / name)  # times kept: make's stamps stay newer than these
    shutil.copytree(REPO / "scripts", root / "scripts", copy_function=shutil.copy2)
    shutil.copytree(REPO / "definitions", root / "definitions")
    for definition in (root / "definitions").rglob("*.json"):
        text = definition.read_text(encoding="utf-8").replace(
            COMMITTED_STORAGE, f"http://127.0.0.1:{port}/devstoreaccount1"
        )
        definition.write_text(text, encoding="utf-8")
    for installed in (".venv", "node_modules"):
        (root / installed).mkdir()
        for entry in (REPO / installed).iterdir():  # the programs and what they load, not the install stamp
            if entry.name != ".installed":
                (root / installed / entry.name).symlink_to(entry)
        (root / installed / ".installed").touch()  # newer than the copied pyproject.toml and package files
    git = ["git", "-c", "user.name=readme", "-c", "user.email=readme@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "a clone"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    return root


@pytest.mark.parametrize("block", blocks(), ids=[f"README sh block {n}" for n in range(1, len(blocks()) + 1)])
def test_a_readme_block_runs_as_written(block, tmp_path):
    port = free_port()
    (tmp_path / "clone").mkdir()
    root = repository_copy(tmp_path / "clone", port)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MLWS_", "AZURE_"))}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}", MLWS_BLOB_PORT=str(port))

    done = subprocess.run(
        ["bash", "-c", script_of(block)], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_every_block_the_readme_says_runs_is_found():
    found = blocks()
    assert len(found) >= 3
    assert any("mlws retrain" in block and "mlws update --plan plan.json" in block for block in found)
    assert all(commands(block) for block in found)
