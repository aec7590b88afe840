"""The emulator's runtime endpoints: Batch Execution (BES) and Request-Response (RRS).

Routes live under a runtime base and are authorised with one of its keys (`Authorization: Bearer <key>`).
Two kinds of service are served the same way, each a `Served` found from the request by `Runtime.serve`'s
`find`: a New web service at its swaggerLocation without /swagger.json,
`/subscriptions/{subscription without dashes}/services/{service id}`, with its service keys; and a
Classic endpoint at its ApiLocation, `/workspaces/{workspace id}/services/{endpoint id}`, with that
endpoint's keys (toolkit.emulator.classic):

    POST   {base}/jobs?api-version=2.0           submit; answers the job id as a JSON string
    POST   {base}/jobs/{id}/start?api-version=2.0
    GET    {base}/jobs/{id}?api-version=2.0      StatusCode, Results (fresh read-only SAS each time), Details
    GET    {base}/jobs?api-version=2.0           every job of the service
    DELETE {base}/jobs/{id}?api-version=2.0      cancels a job that has not ended, else deletes it
    POST   {base}/execute?api-version=2.0[&format=swagger]   score rows (RRS)

A training service (one whose output is fed by a "Train Model" module) trains for real: least
squares on its CSV input (toolkit.emulator.training), writing an `.ilearner` model and an
evaluation CSV; a "Split Data" module in its graph splits the rows into those it trains on and
those it evaluates on, by its node's parameters, each overridden by a global parameter linked to it
(the request's value, else the service's default for it). A predictive service (one with a
"... [trained model]" asset) scores with the model its asset's `locationInfo.uri` names, read with
the service's `storageAccount` (a patched Classic endpoint: with the copy of the model its PATCH
read); a BES job on it scores a CSV in batch. Jobs live in the emulator's SQLite store. A started
job does its work at once on its own thread and stays Running for `faults.job_seconds`
(PUT /_emulator/faults {"jobSeconds": 2} changes it), or as long as the work takes if that is
longer: the work is part of the job's time, not added after it. A reader past that time ends the
job itself (after a restart it does the work first), so a restarted emulator still finishes its
jobs. Errors use the envelope and codes of the Studio (classic) runtime:
{"error": {"code": <class>, "message", "details": [{"code", "message"}]}}.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from toolkit import storage
from toolkit.emulator import training
from toolkit.emulator.router import HttpError, Request, Response
from toolkit.errors import MlwsError

if TYPE_CHECKING:
    from toolkit.emulator.router import EmulatorContext, Router

BASE = "/subscriptions/{subscription}/services/{service_id}"
SAS_LIFETIME = timedelta(hours=1)
DATASET_EXTENSIONS = (".csv", ".tsv", ".arff")
MODEL_EXTENSION = ".ilearner"
LABEL_PARAMETER = "Label column"
SCORED_COLUMN = "Scored Labels"

NOT_STARTED, RUNNING, FAILED, CANCELLED, FINISHED = "NotStarted", "Running", "Failed", "Cancelled", "Finished"
ENDED = (FAILED, CANCELLED, FINISHED)

# A job's first two keys are its service's `Served.scope`.
JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS bes_jobs (
    runtime_sub TEXT NOT NULL, service_id TEXT NOT NULL, job_id TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (runtime_sub, service_id, job_id)
)
"""

# The documented error classes: (HTTP status, class message).
_CLASSES = {
    "BadArgument": (400, "Invalid argument provided."),
    "BadUserArgument": (400, "Invalid user argument provided."),
    "InvalidOperation": (400, "The request is invalid in this context."),
    "WebServicePackageError": (400, "Invalid web service package."),
    "Unauthorized": (401, "Unauthorized access."),
    "NotFound": (404, "Resource not found."),
}


def runtime_error(error_class: str, code: str, message: str) -> HttpError:
    status, class_message = _CLASSES[error_class]
    return HttpError(status, error_class, class_message, details=[{"code": code, "message": message}])


@dataclass(frozen=True)
class Served:
    """What one runtime base serves: a New web service, or a Classic endpoint."""

    scope: tuple[str, str]  # keys its BES jobs: (subscription without dashes, service id) or (workspace, endpoint id)
    properties: dict[str, Any]  # the graph definition it runs, secrets included (storageAccount.key)
    keys: frozenset[str]  # the bearer keys it accepts
    model: bytes | None = None  # the trained model it scores with, when not the blob its asset names (a copy)


Find = Callable[[Request], Served | None]


def register(router: Router, context: EmulatorContext) -> Runtime:
    """Add the New web services' BES and RRS routes to the emulator's router; the runtime, for other kinds."""
    runtime = Runtime(context)
    threading.Thread(target=_warm_up, daemon=True, name="runtime-warm-up").start()
    runtime.serve(router, BASE, lambda request: _new_web_service(context, request))
    return runtime


def _new_web_service(context: EmulatorContext, request: Request) -> Served | None:
    service = context.store.find_runtime_service(request.params["subscription"], request.params["service_id"])
    if service is None:
        return None
    keys = field(service.properties, "keys") or {}
    valid = frozenset({field(keys, "primary"), field(keys, "secondary")} - {None, ""})
    return Served((service.runtime_subscription, service.service_id), service.properties, valid)


def _authorised(service: Served | None, request: Request) -> Served:
    if service is None:
        raise runtime_error("NotFound", "WebServiceNotFound", f"No web service answers at {request.path}.")
    if request.bearer_token() not in service.keys:
        raise runtime_error("Unauthorized", "ScoreRequestUnauthorized", "Invalid credentials provided.")
    return service


def _warm_up() -> None:
    """Import the storage SDK and numpy in the background at start-up: a fresh emulator would otherwise
    spend ~0.3 s on them inside its first job submission, a cold start the real service does not have."""
    import azure.storage.blob  # noqa: F401
    import numpy  # noqa: F401


def field(mapping: Any, name: Any, default: Any = None) -> Any:
    """Case-insensitive lookup: stored definitions keep the spelling sent (the cmdlets send PascalCase)."""
    if not isinstance(mapping, Mapping) or not isinstance(name, str):
        return default
    if name in mapping:
        return mapping[name]
    lowered = name.lower()
    return next((value for key, value in mapping.items() if str(key).lower() == lowered), default)


class Runtime:
    def __init__(self, context: EmulatorContext) -> None:
        self.context = context
        self._job_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._work_done: dict[str, threading.Event] = {}  # job id -> set once its work is done (this process)
        self._models: dict[str, tuple[str, training.LinearModel]] = {}  # uri -> (etag, model)
        with context.store.transaction() as db:
            db.execute(JOBS_SCHEMA)

    def serve(self, router: Router, base: str, find: Find) -> None:
        """Add the BES and RRS routes under `base`; `find` gives the service a request names (None: none)."""

        def authorised(handler: Callable[[Served, Request], Response]) -> Callable[[Request], Response]:
            return lambda request: handler(_authorised(find(request), request), request)

        router.add("POST", base + "/jobs", authorised(self.submit))
        router.add("GET", base + "/jobs", authorised(self.list_jobs))
        router.add("GET", base + "/jobs/{job_id}", authorised(self.job_status))
        router.add("POST", base + "/jobs/{job_id}/start", authorised(self.start))
        router.add("DELETE", base + "/jobs/{job_id}", authorised(self.delete))
        router.add("POST", base + "/execute", authorised(self.execute))

    # -- storage of jobs -----------------------------------------------------------------------------

    def _load_job(self, service: Served, job_id: str) -> dict[str, Any]:
        with self.context.store.transaction() as db:
            row = db.execute(
                "SELECT doc FROM bes_jobs WHERE runtime_sub=? AND service_id=? AND job_id=?",
                (*service.scope, job_id.lower()),
            ).fetchone()
        if row is None:
            raise runtime_error("NotFound", "JobNotFound", f"Job {job_id} was not found for this web service.")
        return json.loads(row[0])

    def _save_job(self, service: Served, job: dict[str, Any]) -> None:
        with self.context.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO bes_jobs VALUES (?, ?, ?, ?)",
                (*service.scope, job["id"], json.dumps(job)),
            )

    def _job_lock(self, job_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._job_locks.setdefault(job_id, threading.Lock())

    # -- BES -----------------------------------------------------------------------------------------

    def submit(self, service: Served, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise runtime_error("BadArgument", "RequestBodyInvalid", "The request body must be a JSON object.")
        plan = _plan_job(service, body)
        job = {
            "id": uuid.uuid4().hex,
            "status": NOT_STARTED,
            "createdAt": _now(),
            "startedAt": None,
            "endedAt": None,
            "runAfter": None,
            "details": None,
            **plan,
        }
        self._save_job(service, job)
        return Response(200, job["id"])

    def start(self, service: Served, request: Request) -> Response:
        job_id = request.params["job_id"].lower()
        seconds = self.context.faults.job_seconds
        with self._job_lock(job_id), self.context.store.transaction():
            job = self._load_job(service, job_id)
            if job["status"] != NOT_STARTED:
                raise runtime_error(
                    "InvalidOperation",
                    "CannotStartJob",
                    f"The job cannot be started because it is in {job['status']} state.",
                )
            job.update(status=RUNNING, startedAt=_now(), runAfter=time.time() + seconds)
            self._save_job(service, job)
        threading.Thread(target=self._run, args=(service, job_id), daemon=True, name=f"bes-{job_id}").start()
        return Response(200)

    def job_status(self, service: Served, request: Request) -> Response:
        job = self._current(service, request.params["job_id"])
        return Response(200, self._status_body(job))

    def list_jobs(self, service: Served, request: Request) -> Response:
        with self.context.store.transaction() as db:
            rows = db.execute(
                "SELECT job_id FROM bes_jobs WHERE runtime_sub=? AND service_id=?",
                service.scope,
            ).fetchall()
        jobs = sorted((self._current(service, job_id) for (job_id,) in rows), key=lambda job: job["createdAt"])
        return Response(200, [{"Id": job["id"], **_timestamps(job), "StatusCode": job["status"]} for job in jobs])

    def delete(self, service: Served, request: Request) -> Response:
        job_id = request.params["job_id"].lower()
        with self._job_lock(job_id), self.context.store.transaction() as db:
            job = self._load_job(service, job_id)
            if job["status"] in ENDED:
                db.execute(
                    "DELETE FROM bes_jobs WHERE runtime_sub=? AND service_id=? AND job_id=?",
                    (*service.scope, job_id),
                )
            else:
                job.update(status=CANCELLED, endedAt=_now(), details="The job was cancelled.")
                self._save_job(service, job)
        return Response(200)

    def _current(self, service: Served, job_id: str) -> dict[str, Any]:
        """The job as of now: a Running job past its time ends here if its thread has not ended it yet
        (after a restart, this reader does its work first)."""
        job = self._load_job(service, job_id)
        if job["status"] == RUNNING and time.time() >= job["runAfter"]:
            self._do_work(service, job["id"])
            self._end(service, job["id"])
            job = self._load_job(service, job_id)
        return job

    def _run(self, service: Served, job_id: str) -> None:
        """A started job's thread: the work happens while the job is Running, which lasts `job_seconds`
        (or as long as the work, if that is longer); then the job ends with the work's outcome."""
        self._do_work(service, job_id)
        try:
            run_after = self._load_job(service, job_id)["runAfter"]
        except HttpError:
            return  # deleted meanwhile
        time.sleep(max(0.0, run_after - time.time()))
        self._end(service, job_id)

    def _do_work(self, service: Served, job_id: str) -> None:
        """Do the job's work once and record its outcome in the job (its status changes at the end).

        Not under the job's lock, so a cancel never waits for the work; other callers wait for it."""
        with self._locks_guard:
            done = self._work_done.get(job_id)
            mine = done is None
            if mine:
                done = self._work_done[job_id] = threading.Event()
        if not mine:
            done.wait()
            return
        try:
            job = self._load_job(service, job_id)
            if job["status"] != RUNNING or "outcome" in job:
                return
            outcome = self._outcome(service, job)
            with self._job_lock(job_id), self.context.store.transaction():
                latest = self._load_job(service, job_id)
                if latest["status"] == RUNNING:  # a cancel that came in meanwhile wins
                    latest["outcome"] = outcome
                    self._save_job(service, latest)
        except HttpError:
            return  # deleted meanwhile
        finally:
            done.set()

    def _outcome(self, service: Served, job: dict[str, Any]) -> dict[str, Any]:
        try:
            self._work(service, job)
        except (HttpError, training.TrainingError, training.ScoringError, MlwsError, ValueError) as exc:
            return {"status": FAILED, "details": _job_failure(exc)}
        return {"status": FINISHED, "details": None}

    def _end(self, service: Served, job_id: str) -> None:
        """A Running job whose time is up and whose work is done takes the work's outcome as its status."""
        with self._job_lock(job_id), self.context.store.transaction():
            try:
                job = self._load_job(service, job_id)
            except HttpError:
                return
            if job["status"] == RUNNING and "outcome" in job and time.time() >= job["runAfter"]:
                job.update(endedAt=_now(), **job.pop("outcome"))
                self._save_job(service, job)

    def _work(self, service: Served, job: dict[str, Any]) -> None:
        (input_name, input_ref), *_ = job["inputs"].items()
        location = input_ref["RelativeLocation"]
        data, _etag = storage.download(_account(input_ref), location)
        outputs = job["outputs"]
        if job["kind"] == "training":
            label = field(job["globalParameters"], LABEL_PARAMETER) or _parameter_default(service, LABEL_PARAMETER)
            model, evaluation = training.train(data, location, str(label), _split_step(service, job))
            for ref in outputs.values():
                content = model.to_bytes() if ref["model"] else evaluation
                storage.upload(_account(ref), ref["RelativeLocation"], content)
        else:
            columns, rows = training.read_table(data, location)
            records = [dict(zip(columns, row, strict=True)) for row in rows]
            scores = self._model(service).predict(records)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow([*columns, SCORED_COLUMN])
            writer.writerows([*row, repr(score)] for row, score in zip(rows, scores, strict=True))
            for ref in outputs.values():
                storage.upload(_account(ref), ref["RelativeLocation"], buffer.getvalue().encode("utf-8"))

    def _status_body(self, job: dict[str, Any]) -> dict[str, Any]:
        results = None
        if job["status"] == FINISHED:
            results = {}
            for name, ref in job["outputs"].items():
                account = _account(ref)
                results[name] = {
                    "ConnectionString": None,
                    "RelativeLocation": ref["RelativeLocation"].lstrip("/"),
                    "BaseLocation": account.base_location,
                    "SasBlobToken": storage.read_sas(account, ref["RelativeLocation"], SAS_LIFETIME),
                }
        return {"StatusCode": job["status"], "Results": results, "Details": job["details"], **_timestamps(job)}

    # -- RRS -----------------------------------------------------------------------------------------

    def execute(self, service: Served, request: Request) -> Response:
        swagger = request.query.get("format", "").lower() == "swagger"
        body = request.json()
        input_names = _names(service, "input")
        output_names = _names(service, "output") or ["output1"]
        inputs = field(body, "Inputs")
        if not isinstance(inputs, Mapping) or not inputs:
            raise runtime_error("BadArgument", "RequestBodyInvalid", "The request body needs an 'Inputs' object.")
        name, table = next(iter(inputs.items()))
        if input_names and name not in input_names:
            raise runtime_error(
                "BadUserArgument",
                "InputMismatchError",
                f"Input {name!r} is not an input of this service: {input_names}.",
            )
        columns, rows = _rows(table)
        try:
            scores = self._model(service).predict([dict(zip(columns, row, strict=True)) for row in rows])
        except training.ScoringError as exc:
            raise runtime_error("BadUserArgument", "InputParseError", str(exc)) from None
        out_columns = [*columns, SCORED_COLUMN]
        if swagger:
            scored = [
                {**dict(zip(columns, row, strict=True)), SCORED_COLUMN: score}
                for row, score in zip(rows, scores, strict=True)
            ]
            return Response(200, {"Results": {output_names[0]: scored}})
        value = {
            "ColumnNames": out_columns,
            "ColumnTypes": [*(_column_type(service, name, column) for column in columns), "Double"],
            "Values": [[*(str(cell) for cell in row), repr(score)] for row, score in zip(rows, scores, strict=True)],
        }
        return Response(200, {"Results": {output_names[0]: {"type": "table", "value": value}}})

    def _model(self, service: Served) -> training.LinearModel:
        """The service's copy of its model, else the model its trained-model asset names (cached by URI and etag)."""
        uri = _trained_model_uri(service)
        if service.model is not None:  # checked to be a model when it was copied
            return training.LinearModel.from_bytes(service.model)
        shown = uri.split("?", 1)[0]
        account_info = field(service.properties, "storageAccount") or {}
        try:
            account, location = storage.account_for_url(
                shown, field(account_info, "name") or "", field(account_info, "key") or None
            )
            etag = storage.etag(account, location)
            cached = self._models.get(uri)
            if cached is not None and cached[0] == etag:
                return cached[1]
            data, etag = storage.download(account, location)
            model = training.LinearModel.from_bytes(data)
        except storage.BlobNotFound:
            raise runtime_error(
                "NotFound", "ModelPackageNotFound", f"The trained model {shown} was not found."
            ) from None
        except storage.StorageUnavailable as exc:
            # What the real RRS answers when its model's storage does not answer is not documented; the emulator
            # says it as a package error (the service's definition names storage it cannot reach), at once.
            raise runtime_error(
                "WebServicePackageError",
                "ModelPackageNotReachable",
                f"The trained model {shown} is not reachable: {exc}",
            ) from None
        except (MlwsError, ValueError) as exc:
            raise runtime_error(
                "WebServicePackageError", "ModelPackageInvalid", f"The trained model {shown} cannot be read: {exc}"
            ) from None
        self._models[uri] = (etag, model)
        return model


# -- planning a job from the request and the service definition --------------------------------------


def _plan_job(service: Served, body: dict[str, Any]) -> dict[str, Any]:
    """Validate a BatchExecutionRequest against the service; the job's inputs, outputs and kind."""
    properties = service.properties
    input_names, output_names = _names(service, "input"), _names(service, "output")
    model_outputs = _model_outputs(properties)
    kind = "training" if model_outputs else "scoring"
    if kind == "scoring":
        _trained_model_uri(service)  # a scoring job needs the model asset

    inputs = field(body, "Inputs") or {}
    if field(body, "Input") is not None:
        if inputs:
            raise runtime_error("BadArgument", "DuplicateInputInBatchCall", "Use either 'Input' or 'Inputs', not both.")
        inputs = {input_names[0] if input_names else "input1": field(body, "Input")}
    outputs = field(body, "Outputs") or {}
    parameters = field(body, "GlobalParameters") or {}
    for part, value in (("Inputs", inputs), ("Outputs", outputs), ("GlobalParameters", parameters)):
        if not isinstance(value, Mapping):
            raise runtime_error("BadArgument", "RequestBodyInvalid", f"'{part}' must be a JSON object.")

    missing = [name for name in input_names if name not in inputs]
    if missing or not inputs:
        raise runtime_error(
            "BadArgument",
            "BatchJobInputsNotSpecified",
            f"These required inputs were not given: {missing or ['input1']}.",
        )
    extra = [name for name in inputs if name not in input_names]
    if extra:
        raise runtime_error(
            "BadArgument",
            "BatchJobInputsTooManySpecified",
            f"Unknown inputs {extra}; this service accepts {input_names}.",
        )
    unknown = [name for name in outputs if name not in output_names]
    if unknown:
        raise runtime_error(
            "BadArgument", "InvalidOutputOverrideName", f"Unknown outputs {unknown}; this service has {output_names}."
        )

    checked_inputs = {name: _blob_reference(name, ref) for name, ref in inputs.items()}
    for name, ref in checked_inputs.items():
        _check_extension(name, ref["RelativeLocation"], DATASET_EXTENSIONS)
    first_input = next(iter(checked_inputs.values()))
    checked_outputs = {}
    for name in output_names:
        is_model = name in model_outputs
        ref = (
            _blob_reference(name, outputs[name])
            if name in outputs
            else {**first_input, "RelativeLocation": _default_output(first_input, name, is_model)}
        )
        _check_extension(name, ref["RelativeLocation"], (MODEL_EXTENSION,) if is_model else DATASET_EXTENSIONS)
        checked_outputs[name] = {**ref, "model": is_model}
    if kind == "training":
        label = field(parameters, LABEL_PARAMETER) or _parameter_default(service, LABEL_PARAMETER)
        if not label:
            raise runtime_error(
                "BadArgument",
                "MissingRequiredGlobalParameters",
                f"The global parameter {LABEL_PARAMETER!r} is required.",
            )
    # Storage is asked last: a request that is wrong in itself fails without touching it.
    for name, ref in checked_inputs.items():
        try:
            storage.etag(_account(ref), ref["RelativeLocation"])
        except MlwsError as exc:
            raise runtime_error(
                "BadArgument",
                "BlobNotFound",
                f"Cannot read input {name!r} from blob {ref['RelativeLocation']}: {exc.message}",
            ) from None

    return {"kind": kind, "inputs": checked_inputs, "outputs": checked_outputs, "globalParameters": dict(parameters)}


def _blob_reference(name: str, ref: Any) -> dict[str, Any]:
    """A BES blob reference: ConnectionString + RelativeLocation, or BaseLocation + SasBlobToken + RelativeLocation."""
    if not isinstance(ref, Mapping) or not isinstance(field(ref, "RelativeLocation"), str):
        raise runtime_error("BadArgument", "RequestBodyInvalid", f"{name!r} needs a RelativeLocation.")
    reference = {"RelativeLocation": field(ref, "RelativeLocation")}
    if field(ref, "ConnectionString"):
        reference["ConnectionString"] = field(ref, "ConnectionString")
    elif field(ref, "BaseLocation") and field(ref, "SasBlobToken"):
        reference.update(BaseLocation=field(ref, "BaseLocation"), SasBlobToken=field(ref, "SasBlobToken"))
    else:
        raise runtime_error(
            "BadArgument",
            "RequestBodyInvalid",
            f"{name!r} needs a ConnectionString, or a BaseLocation and a SasBlobToken.",
        )
    try:
        _account(reference)
        storage.split_location(reference["RelativeLocation"])
    except MlwsError as exc:
        raise runtime_error("BadArgument", "RequestBodyInvalid", f"{name!r}: {exc.message}") from None
    return reference


def _account(ref: Mapping[str, Any]) -> storage.Account:
    if ref.get("ConnectionString"):
        return storage.parse_connection_string(ref["ConnectionString"])
    base = ref["BaseLocation"].rstrip("/")
    return storage.Account(
        name=storage.account_name_of(base), blob_endpoint=base, sas_token=ref["SasBlobToken"].lstrip("?")
    )


def _check_extension(name: str, location: str, allowed: tuple[str, ...]) -> None:
    if not location.lower().endswith(allowed):
        raise runtime_error(
            "BadArgument",
            "InvalidBlobExtension",
            f"The blob {location} of {name!r} must end with {' or '.join(allowed)}.",
        )


def _default_output(first_input: Mapping[str, Any], name: str, is_model: bool) -> str:
    # Without an override the real service writes to its workspace storage; the emulator has none,
    # so it writes next to the first input.
    container, _ = storage.split_location(first_input["RelativeLocation"])
    return f"{container}/{uuid.uuid4().hex}/{name}{MODEL_EXTENSION if is_model else '.csv'}"


def _names(service: Served, which: str) -> list[str]:
    return list(field(field(service.properties, which), "properties") or {})


def _model_outputs(properties: Mapping[str, Any]) -> set[str]:
    """Outputs fed by a "Train Model" module: their blobs must be .ilearner models."""
    package = field(properties, "package") or {}
    nodes = field(package, "nodes") or {}
    assets = field(properties, "assets") or {}
    found = set()
    for edge in field(package, "edges") or []:
        target = field(nodes, field(edge, "targetNodeId"))
        source = field(nodes, field(edge, "sourceNodeId"))
        output_id = field(target, "outputId")
        asset = field(assets, field(source, "assetId"))
        if output_id and "train model" in str(field(asset, "name", "")).lower():
            found.add(output_id)
    return found


def trained_models(properties: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, locationInfo.uri) of each "... [trained model]" asset of a definition, in its order."""
    found = []
    for asset in (field(properties, "assets") or {}).values():
        name = str(field(asset, "name", ""))
        uri = field(field(asset, "locationInfo"), "uri")
        if name.lower().endswith("[trained model]") and uri:
            found.append((name, str(uri)))
    return found


def _trained_model_uri(service: Served) -> str:
    models = trained_models(service.properties)
    if models:
        return models[0][1]
    raise runtime_error(
        "WebServicePackageError",
        "ModelPackageNotFound",
        "This web service has no '[trained model]' asset to score with (a training service runs through BES only).",
    )


SPLIT_MODULE = "split data"


def _split_step(service: Served, job: Mapping[str, Any]) -> training.Split | None:
    """The graph's Split Data step (found by its module's name), None without one; TrainingError for several."""
    properties = service.properties
    package = field(properties, "package") or {}
    assets = field(properties, "assets") or {}
    nodes = field(package, "nodes") or {}
    splits = [
        (node_id, node)
        for node_id, node in nodes.items()
        if str(field(field(assets, field(node, "assetId")), "name", "")).strip().lower() == SPLIT_MODULE
    ]
    if not splits:
        return None
    if len(splits) > 1:
        raise training.TrainingError(f"the graph has {len(splits)} Split Data steps; the emulator follows one only")
    (node_id, node), *_ = splits
    given = field(node, "parameters") or {}
    parameters = {
        str(key): field(value, "value") if isinstance(value, Mapping) else value for key, value in given.items()
    }
    for name, graph_parameter in (field(package, "graphParameters") or {}).items():
        links = field(graph_parameter, "links") or []
        for key in [field(link, "parameterKey") for link in links if field(link, "nodeId") == node_id]:
            value = field(job["globalParameters"], name)
            value = _parameter_default(service, name) if value is None else value
            if value is not None and isinstance(key, str):
                parameters[next((known for known in parameters if known.lower() == key.lower()), key)] = value
    return training.Split.from_parameters(parameters)


def _parameter_default(service: Served, name: str) -> Any:
    value = field(field(service.properties, "parameters"), name)
    return field(value, "value") if isinstance(value, Mapping) else value


def _column_type(service: Served, input_name: str, column: str) -> str:
    spec = field(field(field(field(service.properties, "input"), "properties"), input_name), "properties")
    declared = field(field(spec, column), "format") or field(field(spec, column), "type")
    return str(declared) if declared else "String"


def _rows(table: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a table-format ({ColumnNames, Values}) or swagger-format ([{col: v}]) input."""
    if isinstance(table, list):
        if not all(isinstance(row, Mapping) for row in table):
            raise runtime_error("BadUserArgument", "InputParseError", "Swagger-format rows must be JSON objects.")
        columns = list(dict.fromkeys(key for row in table for key in row))
        return columns, [[row.get(column) for column in columns] for row in table]
    columns, values = field(table, "ColumnNames"), field(table, "Values")
    if not isinstance(columns, list) or not isinstance(values, list):
        raise runtime_error(
            "BadUserArgument", "InputParseError", "A table input needs 'ColumnNames' and 'Values' lists."
        )
    for number, row in enumerate(values, start=1):
        if not isinstance(row, list) or len(row) != len(columns):
            raise runtime_error(
                "BadUserArgument", "InputParseError", f"Row {number} does not have {len(columns)} values."
            )
    return [str(column) for column in columns], values


def _job_failure(exc: Exception) -> str:
    if isinstance(exc, HttpError) and exc.details:  # the specific message, not the error class's
        return str(exc.details[0].get("message") or exc.message)
    return getattr(exc, "message", None) or str(exc)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _timestamps(job: Mapping[str, Any]) -> dict[str, Any]:
    return {"CreatedAt": job["createdAt"], "StartTime": job["startedAt"], "EndTime": job["endedAt"]}
