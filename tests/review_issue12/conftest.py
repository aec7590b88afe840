"""Shared worlds of the issue-12 review: a repository with the training and predictive services live on an
emulator of its own (tests/pipeline/test_pipeline.py's world), and helpers to read a run's state."""

from __future__ import annotations

import json

import pytest

from tests.pipeline.test_pipeline import RUN, world_of
from tests.retrain.conftest import world  # noqa: F401  (the retraining world, for mlws retrain)


@pytest.fixture
def live(tmp_path, mlws, start_emulator, azurite):
    repo, proxy = world_of(tmp_path, mlws, start_emulator, azurite)
    yield repo, proxy
    proxy.__exit__(None, None, None)


def state_file(repo, name: str = "housing", run: str = RUN):
    return repo.root / ".mlws" / "pipelines" / "fleet" / name / f"{run}.json"


def rewrite_unit(repo, label: str, keep: tuple[str, ...], **fields) -> None:
    """The run's state as a kill -9 at an earlier moment would have left it: of `label`, only `keep` and `fields`."""
    path = state_file(repo)
    state = json.loads(path.read_text(encoding="utf-8"))
    unit = state["units"][label]
    state["units"][label] = {**{key: unit[key] for key in keep if key in unit}, **fields}
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
