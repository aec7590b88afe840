"""The New web service's side of retraining: how its runtime is reached (swaggerLocation and listKeys) and
how a new model goes into its definition (the [trained model] asset's URI). The job itself, jobs and scoring
are toolkit.retraining's, for every kind of web service.

What `mlws retrain`, `mlws job ...` and `mlws score` call.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from toolkit import names, retraining
from toolkit.errors import BadInput, MlwsError
from toolkit.operation import Progress
from toolkit.result import Shown
from toolkit.retraining import (
    DefinitionUpdate,
    JobListing,
    RetrainOptions,
    RetrainResult,
    RuntimeService,
    ScoreResult,
    run_training_job,
    the_model,
)
from toolkit.runtime import JobStatus


def connect(name: str | None, resource_group: str | None, subscription: str | None) -> RuntimeService:
    """GET the service (its swaggerLocation gives the runtime base) and its primary key (listKeys)."""
    from toolkit.config import resolve_target
    from toolkit.providers.new_webservice.client import WebServices
    from toolkit.runtime import RuntimeClient

    target = resolve_target(
        name=name, resource_group=resource_group, subscription=subscription,
        require=("subscription", "resource_group", "name"),
    )  # fmt: skip
    services = WebServices.connect(target)
    definition = services.get()
    swagger = str((definition.get("properties") or {}).get("swaggerLocation") or "")
    if not swagger:
        raise MlwsError(f"web service {target.describe()} has no swaggerLocation, so its runtime URL is unknown")
    keys = services.list_keys()
    key = keys.get("primary") or keys.get("secondary")
    if not key:
        raise MlwsError(f"web service {target.describe()} returned no keys from listKeys")
    base = swagger.removesuffix("/swagger.json")
    inputs = list(((definition.get("properties") or {}).get("input") or {}).get("properties") or {})
    return RuntimeService(f"'{target.name}'", inputs, RuntimeClient(base, key, service=f"'{target.name}'"))


def retrain(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    options: RetrainOptions,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RetrainResult:
    """Run the training service's BES job to the end; optionally swap the model into a definition file,
    which is written (atomically) only after the job finished with exactly one .ilearner output."""
    from toolkit.providers.new_webservice.definition import find_asset, load_file

    swap = live_model = None
    if options.update_definition is not None or options.asset is not None:
        if options.update_definition is None or not options.asset:
            raise BadInput("--update-definition FILE and --asset NAME go together")
        # Checked now so that a wrong file or asset fails before any training.
        find_asset(load_file(options.update_definition).document, options.asset)
        path, asset = options.update_definition, options.asset

        def swap(job: JobStatus) -> DefinitionUpdate:
            return _swap_model(path, asset, job)

        def live_model() -> str | None:
            """The model the definition names now (its asset's URI without a query: a SAS is no part of it)."""
            document = load_file(path).document
            entry = document["properties"]["assets"][find_asset(document, asset)]
            uri = (entry.get("locationInfo") or {}).get("uri")
            return str(uri).split("?", 1)[0] if uri else None

    return run_training_job(
        lambda: connect(name, resource_group, subscription),
        options,
        swap=swap,
        live_model=live_model,
        environ=environ,
        progress=progress,
    )


def _swap_model(path: Path, asset: str, job: JobStatus) -> DefinitionUpdate:
    """Point the asset at the job's model in the file as it is now (re-read: it may have been edited while
    the job ran); all or nothing, written atomically. On failure the message names the model's location,
    so the swap can be done by hand with `mlws edit`."""
    from toolkit.providers.new_webservice.definition import apply_edits, find_asset, load_file, write

    uri = the_model(job, path).location
    try:
        document = load_file(path).document
        asset_id = find_asset(document, asset)
        edited = apply_edits(document, asset=asset_id, uri=uri)
        write(path, edited)
    except BadInput as exc:
        by_hand = shlex.join(["mlws", "edit", str(path), "-i", "--asset", asset, "--uri", uri])
        raise BadInput(
            f"{exc.message}; {path} was not changed and the new model is at {uri} (to swap it in: {by_hand})",
            problems=exc.problems,
        ) from exc
    previous = (document["properties"]["assets"][asset_id].get("locationInfo") or {}).get("uri") or None
    name = document["properties"]["assets"][asset_id].get("name", asset_id)
    return DefinitionUpdate(path, name, previous, uri, deploy=f"mlws diff {path} && mlws update -f {path}")


def show_job(*, name, resource_group, subscription, job_id: str) -> JobStatus:
    names.JOB_ID.check(job_id, "--job")  # before connect: nothing is sent for a bad id
    return retraining.show_job(connect(name, resource_group, subscription), job_id)


def list_jobs(*, name, resource_group, subscription) -> JobListing:
    return retraining.list_jobs(connect(name, resource_group, subscription))


def cancel_job(*, name, resource_group, subscription, job_id: str) -> Shown:
    names.JOB_ID.check(job_id, "--job")
    return retraining.cancel_job(connect(name, resource_group, subscription), job_id)


def score(*, name, resource_group, subscription, rows_file: Path) -> ScoreResult:
    return retraining.score(lambda: connect(name, resource_group, subscription), rows_file)
