"""Fixtures of the Classic tests: a seeded Classic workspace (tests/fixtures/classic_world.py) and `mlws classic`
run with its workspace, token and the emulator in the environment."""

from __future__ import annotations

import pytest

from tests.fixtures.classic_world import seed
from tests.retrain import housing_data


@pytest.fixture
def world(emulator, azurite):
    return seed(emulator, azurite)


@pytest.fixture
def classic(mlws, world):
    """`mlws classic ARGS` with the workspace, its token and the emulator in the environment."""
    env = {
        "MLWS_CLASSIC_ENDPOINT": world.emulator.url,
        "MLWS_WORKSPACE_ID": world.workspace,
        "MLWS_WORKSPACE_TOKEN": world.tokens[0],
    }

    def run(*args: str, **kwargs):
        return mlws("classic", *args, env={**env, **kwargs.pop("env", {})}, **kwargs)

    return run


@pytest.fixture
def training_data(tmp_path):
    """Housing data v2 as a local CSV, for --upload."""
    path = tmp_path / "housing-v2.csv"
    path.write_text(housing_data.csv_text("v2"), encoding="utf-8")
    return path
