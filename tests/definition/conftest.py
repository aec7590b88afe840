"""Helpers for the definition tests: copies of the sample definitions to edit freely."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO

SAMPLES = REPO / "definitions" / "dev"
PREDICT = SAMPLES / "housing-predict.json"
TRAINING = SAMPLES / "housing-training.json"
POWERSHELL_DEFINITIONS = ("GraphWebServiceDefinition_Dogfood.json", "GraphWebServiceDefinition_Prod.json")


@pytest.fixture
def predict_copy(tmp_path: Path) -> Path:
    """A copy of the predictive sample definition in tmp_path (definitions/ is never modified by tests)."""
    target = tmp_path / "housing-predict.json"
    shutil.copyfile(PREDICT, target)
    return target


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path
