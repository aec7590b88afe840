"""The Classic endpoint in a fleet (toolkit.fleet.KindRules): its file under definitions/ENV/classic/, the name in
it; an instance's description; its trained model a resource's BaseLocation and RelativeLocation; retrained through
an endpoint of a training web service in the file's workspace (`mlws classic retrain --update-definition`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from toolkit.definition.kind import Path as JsonPath
from toolkit.definition.load import load_file
from toolkit.fleet import KindRules
from toolkit.operation import Progress
from toolkit.providers.classic_endpoint.definition import KIND, resources
from toolkit.providers.classic_endpoint.target import DEFAULT_ENDPOINT, ENDPOINT_NAME, WEB_SERVICE_ID
from toolkit.retraining import RetrainOptions, RetrainResult, Training


def trained_models(document: dict[str, Any]) -> list[str]:
    return [str(resource.get("Name")) for resource in resources(document)]


def model_places(document: dict[str, Any], trained: str) -> dict[str | None, JsonPath]:
    index = trained_models(document).index(trained)
    return {part: ("Resources", index, "Location", part) for part in ("BaseLocation", "RelativeLocation")}


def retrain(
    file: Path,
    training: Training,
    trained_model: str,
    options: RetrainOptions,
    environ: Mapping[str, str],
    progress: Progress | None,
) -> RetrainResult:
    from toolkit.providers.classic_endpoint.retrain import retrain
    from toolkit.providers.classic_endpoint.target import resolve_classic_target

    document = load_file(file, KIND).document  # the endpoint it is the file of (retrain checks the two agree)
    where = resolve_classic_target(file=file, require=())  # the workspace and region of its environment
    return retrain(
        workspace=where.workspace, location=where.location, training_service=training.service,
        training_endpoint=training.endpoint or DEFAULT_ENDPOINT, service=str(document.get("WebServiceId") or ""),
        name=str(document.get("Name") or ""), resource=trained_model,
        options=replace(options, update_definition=file), environ=environ, progress=progress,
    )  # fmt: skip


RULES = KindRules(
    provider="classic_endpoint",
    kind=KIND,
    folder=("classic",),
    name_rule=ENDPOINT_NAME,
    reserved=(DEFAULT_ENDPOINT,),  # the web service's own endpoint: its model follows the service
    name_place=("Name",),
    fields={"description": ("Description",)},
    tags=None,
    training_service=WEB_SERVICE_ID,
    training_endpoint=ENDPOINT_NAME,
    trained_models=trained_models,
    model_places=model_places,
    retrain=retrain,
)
