"""Fixtures for the commitment-plan tests: a replay of the recorded cmdlet traffic, and the emulator's environment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.service.replay import Recording, ReplayServer

PLANS_API = "2016-05-01-preview"
# Variables that would otherwise choose a resource group, location or mlws.yaml entry behind the test's back.
AMBIENT = ("MLWS_RESOURCE_GROUP", "MLWS_LOCATION", "MLWS_ENVIRONMENT")


def is_plan_traffic(uri: str) -> bool:
    """The cmdlets' own requests; the harness's resource-group calls are not replayed."""
    return "/providers/microsoft.machinelearning/commitmentplans" in urlsplit(uri).path.lower()


def plan_parts(entry) -> tuple[str, str, str]:
    """Subscription, resource group and plan name of a recorded commitment-plan URI."""
    segments = urlsplit(entry["RequestUri"]).path.split("/")
    return segments[2], segments[4], segments[8]


@pytest.fixture
def plan_replay(reference, monkeypatch, tmp_path):
    """Start a ReplayServer answering a recording's commitment-plan requests; mlws is pointed at it."""
    started: list[ReplayServer] = []

    def start(recording_name: str) -> ReplayServer:
        recording = Recording.load(reference / "powershell" / f"{recording_name}.json", replayed=is_plan_traffic)
        server = ReplayServer(recording)
        server.__enter__()
        started.append(server)
        subscription, _, _ = plan_parts(server.recording.first("PUT"))
        for variable in AMBIENT:
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv("MLWS_ARM_ENDPOINT", server.url)
        monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", subscription)
        monkeypatch.chdir(tmp_path)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


@dataclass
class PlanSpace:
    """A unique resource group on an emulator, with mlws pointed at it."""

    emulator: object
    group: str

    def plan_id(self, name: str) -> str:
        return (
            f"/subscriptions/{self.emulator.subscription}/resourceGroups/{self.group}"
            f"/providers/Microsoft.MachineLearning/commitmentPlans/{name}"
        )


def point_mlws_at(emulator, monkeypatch, tmp_path) -> PlanSpace:
    for variable in AMBIENT:
        monkeypatch.delenv(variable, raising=False)
    for variable, value in emulator.env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)
    return PlanSpace(emulator, f"rg-plans-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def space(emulator, monkeypatch, tmp_path) -> PlanSpace:
    """The shared emulator (page size 10), a fresh resource group."""
    return point_mlws_at(emulator, monkeypatch, tmp_path)


@pytest.fixture
def paged_space(start_emulator, monkeypatch, tmp_path) -> PlanSpace:
    """An emulator of its own with two items per page, so lists span several pages."""
    return point_mlws_at(start_emulator(page_size=2), monkeypatch, tmp_path)
