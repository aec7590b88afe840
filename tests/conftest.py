"""Fixtures shared by every test: run mlws in-process, find the reference material.

Service fixtures (the emulator on a free loopback port, Azurite) live in their own
conftest modules next to the tests that need them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.cli import main

pytest_plugins = ["tests.fixtures.emulator", "tests.fixtures.azurite"]

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "tests" / "data" / "reference"  # recorded traffic and spec examples: see its README.md


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def mlws(capsys, monkeypatch):
    """Run `mlws ARGS...` in this process through the real error boundary; returns a Run."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture(scope="session")
def reference() -> Path:
    """tests/data/reference: the cmdlets' recorded traffic and definitions and the spec's examples, as data."""
    return REFERENCE
