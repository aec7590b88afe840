"""The Classic retraining path as one command (`mlws classic retrain`): the training web service's BES job on one
of its endpoints, then the predictive endpoint's trained-model resource patched with the job's model, then the
wait until the endpoint serves it; or, with --update-definition, the model written into the endpoint's file for
review instead of patched. Also BES jobs and RRS scoring on any Classic endpoint (`mlws classic job|score`).

Everything the patch needs is checked before the job starts: the predictive endpoint exists, is not the default
one (its model follows the web service) and has the resource; a definition file names that endpoint. The job's
SAS for the model stays in memory: it goes into the PATCH and nowhere else. Proof the endpoint serves the new
model: the resource read back shows its location; with --score, the rows scored before the patch score
differently after it (polled, with progress, until --switch-timeout).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.definition.load import load_file
from toolkit.errors import BadInput, MlwsError, OutcomeUnknown, Refused
from toolkit.operation import Progress
from toolkit.providers.classic_endpoint.client import Management
from toolkit.providers.classic_endpoint.definition import KIND, resources
from toolkit.providers.classic_endpoint.endpoints import model_location, patchable_endpoint, resource_named
from toolkit.providers.classic_endpoint.target import ClassicTarget, resolve_classic_target
from toolkit.result import Shown
from toolkit.retraining import (
    DefinitionUpdate,
    JobListing,
    RetrainOptions,
    RetrainResult,
    RuntimeService,
    ScoreResult,
    read_rows,
    run_training_job,
    the_model,
)
from toolkit.runtime import JobStatus, RuntimeClient

SWITCH_TIMEOUT = 120.0  # seconds; the service documents about 30 s
SWITCH_POLL = 1.0


def runtime_of(management: Management) -> RuntimeService:
    """An endpoint's runtime: its ApiLocation with its own key, and its input names (from its API document)."""
    endpoint = management.endpoint()
    api, key = endpoint.get("ApiLocation"), endpoint.get("PrimaryKey") or endpoint.get("SecondaryKey")
    if not api or not key:
        raise MlwsError(f"{management.target.describe()} has no ApiLocation or keys, so its runtime cannot be called")
    target = management.target
    label = f"'{target.name}' of {target.service}"
    refused = "the endpoint's key was refused: check it with `mlws classic endpoint get --show`"
    jobs = f"mlws classic job {{verb}} -s {target.service} -n {target.name}"
    client = RuntimeClient(api, key, service=label, refused=refused, jobs=jobs)
    return RuntimeService(label, management.input_names(), client)


def _endpoint(workspace, location, service, name, flags: tuple[str, str] = ("-s/--service", "-n/--name")) -> Management:
    """An endpoint's management client; `flags` name where its service and name were given, for messages."""
    target = resolve_classic_target(
        workspace=workspace, location=location, service=service, name=name, require=("service", "name"), flags=flags
    )
    return Management.connect(target)


@dataclass
class EndpointPatch:
    """The predictive endpoint pointed at the new model, read back, and (with rows to score) seen serving it."""

    target: ClassicTarget
    resource: str
    previous: str
    location: str
    scored: list[str] = field(default_factory=list)  # how the rows scored before and after, when asked
    json_key = "endpoint"

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target.to_json(),
            "resource": self.resource,
            "previousLocation": self.previous,
            "location": self.location,
            "verified": True,
            "servesNewModel": bool(self.scored),
        }

    def lines(self) -> list[str]:
        lines = [
            f"{self.target.describe()}: {self.resource!r} now points to {self.location} (was {self.previous})",
            f"verified: the endpoint shows the new location (read back from '{self.target.name}')",
        ]
        if self.scored:
            lines += ["verified: the endpoint serves the new model (the rows score differently):", *self.scored]
        else:
            lines.append("the endpoint starts using it within about 30 s (--score ROWS proves it)")
        return lines


def retrain(
    *,
    workspace: str | None,
    location: str | None,
    training_service: str | None,
    training_endpoint: str,
    service: str | None,
    name: str | None,
    resource: str | None,
    options: RetrainOptions,
    score_rows: Path | None = None,
    switch_timeout: float = SWITCH_TIMEOUT,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RetrainResult:
    """Train on the training endpoint, then patch the predictive endpoint (or its file) with the new model."""
    if training_service is None:
        raise BadInput("no training web service: pass --training-service (its id: `mlws classic service list`)")
    if options.update_definition is not None and score_rows is not None:
        raise BadInput("--score goes with patching the endpoint, not with --update-definition (nothing is patched)")
    rows = read_rows(score_rows, flag="--score") if score_rows is not None else None
    if options.update_definition is not None:
        load_file(options.update_definition, KIND)  # a bad file is bad input before anything is sent
    training = _endpoint(
        workspace, location, training_service, training_endpoint, flags=("--training-service", "--training-endpoint")
    )
    predictive = _endpoint(workspace, location, service, name)
    if options.update_definition is not None:
        swap, live_model = _definition_swap(options.update_definition, predictive.target, resource)
    else:
        endpoint = patchable_endpoint(predictive)
        wanted = resource_named(endpoint, resource, predictive.target) if resource else _only_resource(endpoint)
        swap = _endpoint_swap(predictive, wanted, rows, switch_timeout, progress, sleep)

        def live_model() -> str:
            return model_location(_resource(predictive.endpoint(), wanted))

    return run_training_job(
        lambda: runtime_of(training), options, swap=swap, live_model=live_model, environ=environ, progress=progress
    )


def _resource(endpoint: dict[str, Any], name: str) -> dict[str, Any]:
    return next((r for r in resources(endpoint) if r.get("Name") == name), {})


def _only_resource(endpoint: dict[str, Any]) -> str:
    names = [str(r.get("Name")) for r in resources(endpoint)]
    if len(names) != 1:
        raise BadInput(f"the endpoint has resources {', '.join(map(repr, names))}: say which with --resource")
    return names[0]


def _endpoint_swap(
    predictive: Management,
    resource: str,
    rows: tuple[str | None, list[dict[str, Any]]] | None,
    switch_timeout: float,
    progress: Progress | None,
    sleep: Callable[[float], None],
) -> Callable[[JobStatus], EndpointPatch]:
    target = predictive.target

    def swap(job: JobStatus) -> EndpointPatch:
        model = the_model(job, target.describe())
        before = _score(predictive, rows) if rows is not None else None
        previous = model_location(_resource(predictive.endpoint(), resource))
        location = {"BaseLocation": model.base_location, "RelativeLocation": model.relative_location,
                    "SasBlobToken": model.sas_token}  # fmt: skip
        predictive.patch({"Resources": [{"Name": resource, "Location": location}]})
        after = predictive.read_back(f"the patch of {target.describe()}") or {}
        shown = _resource(after, resource)
        if model_location(shown) != model.location:
            raise Refused(
                f"patch {target.describe()}: the service accepted the patch but shows {resource!r} at "
                f"{model_location(shown) or '(nothing)'}, not {model.location}"
            )
        patch = EndpointPatch(target, resource, previous, model.location)
        if before is not None:
            after = _wait_for_switch(predictive, rows, before, switch_timeout, progress, sleep)
            patch.scored = [f"  before: {_values(before)}", f"  after:  {_values(after)}"]
        return patch

    return swap


def _score(predictive: Management, rows) -> list[dict[str, Any]]:
    runtime = runtime_of(predictive)
    input_name, data = rows
    name = input_name or (runtime.input_names[0] if runtime.input_names else "input1")
    results = runtime.client.execute(name, data, {})
    scored = next(iter(results.values()), None)
    if not isinstance(scored, list):
        raise MlwsError(f"score with {runtime.label}: the answer carries no rows")
    return scored


def _values(scored: list[dict[str, Any]]) -> str:
    return "; ".join(", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())
                     for row in scored[:3])  # fmt: skip


def _wait_for_switch(predictive, rows, before, timeout: float, progress, sleep) -> list[dict[str, Any]]:
    """Score until the answers differ from `before`: the endpoint then serves the new model."""
    started = time.monotonic()
    while True:
        after = _score(predictive, rows)
        if after != before:
            return after
        waited = time.monotonic() - started
        if waited >= timeout:
            raise OutcomeUnknown(
                f"{predictive.target.describe()} was patched (read back) but still scores the rows as before after "
                f"{timeout:g}s: the switch is slow, or the new model scores these rows the same. Check again with "
                "`mlws classic score`"
            )
        if progress is not None:
            progress(f"waiting for {predictive.target.describe()} to serve the new model ({waited:.0f}s)")
        sleep(min(SWITCH_POLL, max(0.0, timeout - waited)))


def _definition_swap(
    path: Path, target: ClassicTarget, resource: str | None
) -> tuple[Callable[[JobStatus], DefinitionUpdate], Callable[[], str]]:
    """Write the model into the endpoint's file (read again after the job: edits made meanwhile are kept); and the
    model the file names now."""
    from toolkit.definition.canonical import write

    def located(document: dict[str, Any]) -> dict[str, Any]:
        if str(document.get("WebServiceId", "")).lower() != target.service or document.get("Name") != target.name:
            raise BadInput(f"--update-definition {path}: it is not the file of {target.describe()}")
        listed = resources(document)
        names = [r.get("Name") for r in listed]
        wanted = resource or (names[0] if len(names) == 1 else None)
        found = next((r for r in listed if r.get("Name") == wanted), None)
        if found is None:
            raise BadInput(f"--update-definition {path}: say which of its resources with --resource ({names})")
        return found

    located(load_file(path, KIND).document)  # checked before the job runs

    def swap(job: JobStatus) -> DefinitionUpdate:
        model = the_model(job, path)
        document = load_file(path, KIND).document
        entry = located(document)
        location = entry.setdefault("Location", {})
        previous = model_location(entry)
        location["BaseLocation"], location["RelativeLocation"] = model.base_location, model.relative_location
        write(path, document, KIND)
        deploy = f"mlws classic diff {path} && mlws classic update -f {path}"
        if not location.get("SasBlobToken"):
            deploy += " (set Location.SasBlobToken to a ${PLACEHOLDER} if the service reads the blob with a SAS)"
        return DefinitionUpdate(path, str(entry.get("Name")), previous or None, model.location, deploy=deploy)

    def live_model() -> str:
        return model_location(located(load_file(path, KIND).document))

    return swap, live_model


# -- jobs and scoring on any Classic endpoint --------------------------------------------------------------------


def _runtime(workspace, location, service, name) -> RuntimeService:
    return runtime_of(_endpoint(workspace, location, service, name))


def show_job(*, workspace, location, service, name, job_id: str) -> JobStatus:
    from toolkit import names, retraining

    names.JOB_ID.check(job_id, "--job")
    return retraining.show_job(_runtime(workspace, location, service, name), job_id)


def list_jobs(*, workspace, location, service, name) -> JobListing:
    from toolkit import retraining

    return retraining.list_jobs(_runtime(workspace, location, service, name))


def cancel_job(*, workspace, location, service, name, job_id: str) -> Shown:
    from toolkit import names, retraining

    names.JOB_ID.check(job_id, "--job")
    return retraining.cancel_job(_runtime(workspace, location, service, name), job_id)


def score(*, workspace, location, service, name, rows_file: Path) -> ScoreResult:
    from toolkit import retraining

    return retraining.score(lambda: _runtime(workspace, location, service, name), rows_file)
