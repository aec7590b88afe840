"""The New web service in a fleet (toolkit.fleet.KindRules): its file directly in definitions/ENV/, named after
the service; an instance's location, title, description and tags; its trained model an asset's URI; retrained
through a training web service of the file's environment (`mlws retrain --update-definition`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from toolkit import names
from toolkit.definition.kind import Path as JsonPath
from toolkit.definition.paths import value_at
from toolkit.fleet import KindRules
from toolkit.operation import Progress
from toolkit.providers.new_webservice.definition import KIND, find_asset, is_trained_model
from toolkit.retraining import RetrainOptions, RetrainResult, Training


def trained_models(document: dict[str, Any]) -> list[str]:
    assets = value_at(document, ("properties", "assets"))
    if not isinstance(assets, dict):
        return []
    return [str(asset.get("name")) for asset in assets.values() if is_trained_model(asset)]


def model_places(document: dict[str, Any], trained: str) -> dict[str | None, JsonPath]:
    return {None: ("properties", "assets", find_asset(document, trained), "locationInfo", "uri")}


def retrain(
    file: Path,
    training: Training,
    trained_model: str,
    options: RetrainOptions,
    environ: Mapping[str, str],
    progress: Progress | None,
) -> RetrainResult:
    from toolkit.config import resolve_target
    from toolkit.providers.new_webservice.retrain import retrain

    # The training service lives where the file's service does: the environment of the file (mlws.yaml), as plan.
    target = resolve_target(
        file=file, name=training.service, require=("subscription", "resource_group", "name"),
        name_flag="training.service",
    )  # fmt: skip
    return retrain(
        name=target.name, resource_group=target.resource_group, subscription=target.subscription,
        options=replace(options, update_definition=file, asset=trained_model), environ=environ, progress=progress,
    )  # fmt: skip


RULES = KindRules(
    provider="new_webservice",
    kind=KIND,
    folder=(),
    name_rule=names.WEB_SERVICE_NAME,
    reserved=(),
    name_place=None,
    fields={
        "location": ("location",),
        "title": ("properties", "title"),
        "description": ("properties", "description"),
    },  # fmt: skip
    tags=("tags",),
    training_service=names.WEB_SERVICE_NAME,
    training_endpoint=None,
    trained_models=trained_models,
    model_places=model_places,
    retrain=retrain,
)
