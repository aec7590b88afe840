"""The retraining loop's runtime side: run a training service's BES job, read its results, swap the
new model into a predictive definition, manage jobs, and score rows through RRS.

What `mlws retrain`, `mlws job ...` and `mlws score` call. Storage credentials come from the
environment only (AZURE_STORAGE_CONNECTION_STRING); nothing here prints, exits or writes a
secret: results carry blob locations without SAS tokens.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import jsonfile, names
from toolkit.errors import BadInput, MlwsError
from toolkit.operation import Progress
from toolkit.result import Result, Shown
from toolkit.text import parse_pairs

MODEL_EXTENSION = ".ilearner"
UPLOAD_CONTAINER = "mlws-uploads"


# -- connecting to a service's runtime -----------------------------------------------------------------


@dataclass
class Service:
    """A live web service as the runtime commands need it: its definition (GET) and a runtime client."""

    target: Any  # toolkit.config.Target
    definition: dict[str, Any]
    client: Any  # toolkit.providers.new_webservice.runtime.RuntimeClient

    @property
    def input_names(self) -> list[str]:
        return list(((self.definition.get("properties") or {}).get("input") or {}).get("properties") or {})


def connect(name: str | None, resource_group: str | None, subscription: str | None) -> Service:
    """GET the service (its swaggerLocation gives the runtime base) and its primary key (listKeys)."""
    from toolkit.config import resolve_target
    from toolkit.providers.new_webservice.client import WebServices
    from toolkit.providers.new_webservice.runtime import RuntimeClient

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
    return Service(target, definition, RuntimeClient(base, key, service=f"'{target.name}'"))


# -- retrain ----------------------------------------------------------------------------------------------


@dataclass
class RetrainOptions:
    inputs: list[str] = field(default_factory=list)  # NAME=CONTAINER/BLOB.csv
    uploads: list[str] = field(default_factory=list)  # NAME=LOCAL.csv
    outputs: list[str] = field(default_factory=list)  # NAME=CONTAINER/BLOB.ilearner
    global_parameters: list[str] = field(default_factory=list)  # NAME=VALUE
    update_definition: Path | None = None
    asset: str | None = None
    keep_job: bool = False
    timeout: float | None = None


@dataclass
class DefinitionUpdate:
    file: Path
    asset: str
    previous_uri: str | None
    uri: str

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.file), "asset": self.asset, "previousUri": self.previous_uri, "uri": self.uri}


@dataclass
class RetrainResult(Result):
    service: str
    job: Any  # toolkit.providers.new_webservice.runtime.JobStatus
    seconds: float
    uploaded: dict[str, str]
    evaluation: dict[str, list[dict[str, str]]]
    definition: DefinitionUpdate | None
    job_kept: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "jobId": self.job.job_id,
            "statusCode": self.job.status,
            "seconds": round(self.seconds, 3),
            "uploaded": self.uploaded,
            "outputs": {result.name: result.location for result in self.job.results},
            "evaluation": self.evaluation,
            "definition": self.definition.to_json() if self.definition else None,
            "jobKept": self.job_kept,
        }

    def to_text(self) -> str:
        lines = [f"BES job {self.job.job_id} of {self.service}: {self.job.status} in {self.seconds:.1f}s"]
        lines += [f"  uploaded {name}: {location}" for name, location in self.uploaded.items()]
        width = max((len(result.name) for result in self.job.results), default=0)
        for result in self.job.results:
            lines.append(f"  {result.name:<{width}}  {result.location}")
            for row in self.evaluation.get(result.name, []):
                lines.append("      " + ", ".join(f"{column}: {value}" for column, value in row.items()))
        if self.definition:
            update = self.definition
            lines.append(f"{update.file}: asset {update.asset!r} now points to {update.uri}")
            lines.append(
                f"  (was {update.previous_uri}); next: mlws diff {update.file} && mlws update -f {update.file}"
            )
        lines.append(f"job {self.job.job_id} kept (mlws job show/cancel)" if self.job_kept else "job deleted")
        return "\n".join(lines)


def retrain(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    options: RetrainOptions,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RetrainResult:
    """Run the training service's BES job to the end; optionally swap the model into a definition file.

    Every input is checked before anything is uploaded or submitted; the definition file is read
    again and written (atomically) only after the job finished with exactly one .ilearner output,
    so edits made to it while the job ran are kept.
    """
    from toolkit import storage
    from toolkit.providers.new_webservice.definition import find_asset, load_file

    inputs = parse_pairs(options.inputs, "--input", "trainingData=data/train.csv")
    uploads = {
        name: Path(path) for name, path in parse_pairs(options.uploads, "--upload", "trainingData=train.csv").items()
    }
    outputs = parse_pairs(options.outputs, "--output-blob", "model=models/housing-v2.ilearner")
    parameters = parse_pairs(options.global_parameters, "--global-param", "'Label column=price'")
    both = sorted(set(inputs) & set(uploads))
    if both:
        raise BadInput(f"input {both[0]!r} is given by both --input and --upload; give one")
    contents = {}
    for input_name, path in uploads.items():
        try:
            contents[input_name] = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"--upload {input_name}={path}: cannot read the file: {exc.strerror}") from None
    if options.update_definition is not None or options.asset is not None:
        if options.update_definition is None or not options.asset:
            raise BadInput("--update-definition FILE and --asset NAME go together")
        # Checked now so that a wrong file or asset fails before any training; the file is read again
        # when the model is swapped in, so edits made to it while the job ran are kept.
        find_asset(load_file(options.update_definition).document, options.asset)
    connection = storage.connection_string_from_env(environ)
    account = storage.parse_connection_string(connection)

    service = connect(name, resource_group, subscription)
    client = service.client
    uploaded = {}
    for input_name, data in contents.items():
        location = f"{UPLOAD_CONTAINER}/{hashlib.sha256(data).hexdigest()[:16]}/{uploads[input_name].name}"
        storage.upload(account, location, data)
        inputs[input_name] = location
        uploaded[input_name] = account.url(location)
    body = {
        "Inputs": {n: {"ConnectionString": connection, "RelativeLocation": loc} for n, loc in inputs.items()},
        "Outputs": {n: {"ConnectionString": connection, "RelativeLocation": loc} for n, loc in outputs.items()},
        "GlobalParameters": parameters,
    }
    began = time.monotonic()
    job_id = client.submit(body)
    try:
        client.start(job_id)
        job = client.wait(job_id, timeout=options.timeout, progress=progress)
    except BaseException:
        if not options.keep_job:
            _delete_quietly(client, job_id)
        raise
    seconds = time.monotonic() - began
    evaluation = {result.name: _read_evaluation(result) for result in job.results if not _is_model(result.location)}
    update = None
    try:
        if options.update_definition is not None:
            update = _swap_model(options.update_definition, options.asset, job)
    finally:
        if not options.keep_job:
            _delete_quietly(client, job_id)
    return RetrainResult(f"'{service.target.name}'", job, seconds, uploaded, evaluation, update, options.keep_job)


def _is_model(location: str) -> bool:
    return location.lower().endswith(MODEL_EXTENSION)


def _delete_quietly(client, job_id: str) -> None:
    # Cleanup after the job's outcome is known: a failure here must not hide that outcome.
    with contextlib.suppress(MlwsError):
        client.delete(job_id)


def _read_evaluation(result) -> list[dict[str, str]]:
    """A small dataset output (e.g. the evaluation metrics) as rows, read through its SAS."""
    from toolkit import storage

    text = storage.download_url(result.readable_url).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))[:20]


def _swap_model(path: Path, asset: str, job) -> DefinitionUpdate:
    """Point the asset at the job's model in the file as it is now (re-read: it may have been edited while
    the job ran); all or nothing, written atomically. On failure the message names the model's location,
    so the swap can be done by hand with `mlws edit`."""
    from toolkit.providers.new_webservice.definition import apply_edits, find_asset, load_file, write

    models = [result for result in job.results if _is_model(result.location)]
    if len(models) != 1:
        raise MlwsError(
            f"job {job.job_id} wrote {len(models)} {MODEL_EXTENSION} outputs, so which model goes into {path} is "
            f"unclear; {path} was not changed"
        )
    uri = models[0].location
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
    return DefinitionUpdate(path, document["properties"]["assets"][asset_id].get("name", asset_id), previous, uri)


# -- jobs --------------------------------------------------------------------------------------------------


@dataclass
class JobListing(Result):
    service: str
    jobs: list[Any]

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "jobs": [job.to_json() for job in self.jobs]}

    def to_text(self) -> str:
        if not self.jobs:
            return f"no BES jobs on {self.service}"
        return "\n".join(f"{job.job_id}  {job.status:<10}  created {job.created or '?'}" for job in self.jobs)


def show_job(*, name, resource_group, subscription, job_id: str):
    names.JOB_ID.check(job_id, "--job")  # before connect: nothing is sent for a bad id
    return connect(name, resource_group, subscription).client.status(job_id)


def list_jobs(*, name, resource_group, subscription) -> JobListing:
    service = connect(name, resource_group, subscription)
    return JobListing(f"'{service.target.name}'", service.client.list_jobs())


def cancel_job(*, name, resource_group, subscription, job_id: str) -> Shown:
    """Cancel a job that has not ended, or delete an ended one; shows its status just before."""
    names.JOB_ID.check(job_id, "--job")
    client = connect(name, resource_group, subscription).client
    before = client.status(job_id)
    client.delete(job_id)
    from toolkit.providers.new_webservice.runtime import ENDED

    action = "deleted" if before.status in ENDED else "cancelled"
    return Shown({**before.to_json(), "action": action}, f"BES job {job_id} ({before.status}): {action}")


# -- score ---------------------------------------------------------------------------------------------------


@dataclass
class ScoreResult(Result):
    service: str
    output: str
    rows: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "output": self.output, "rows": self.rows}

    def to_text(self) -> str:
        if not self.rows:
            return f"{self.service} scored no rows"
        from toolkit.text import table

        columns = list(dict.fromkeys(column for row in self.rows for column in row))
        return table(columns, [[_cell(row.get(column)) for column in columns] for row in self.rows])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def read_rows(path: Path) -> tuple[str | None, list[dict[str, Any]]]:
    """Rows to score from a CSV (header row) or JSON file: a list of objects, {"input1": [...]}, or a
    table {"ColumnNames": [...], "Values": [[...]]}. Returns (input name if the file names one, rows)."""
    label = f"--input {path}"
    text = jsonfile.read_text(path, flag="--input")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            rows = [dict(row) for row in reader]
        except csv.Error as exc:
            raise BadInput(f"{label}: not CSV at line {reader.line_num}: {exc}") from None
        if not rows:
            raise BadInput(f"{label}: no rows under the header")
        longer = next((index for index, row in enumerate(rows) if None in row), None)
        if longer is not None:  # DictReader would file the extra values under the column name None
            raise BadInput(f"{label}: row {longer + 1} has more values than the header has columns")
        return None, rows
    data = jsonfile.parse(text, source=label)
    input_name = None
    if isinstance(data, dict) and len(data) == 1 and not {"ColumnNames", "Values"} & set(data):
        input_name, data = next(iter(data.items()))
    if isinstance(data, dict) and isinstance(data.get("ColumnNames"), list) and isinstance(data.get("Values"), list):
        columns = data["ColumnNames"]
        if not all(isinstance(row, list) and len(row) == len(columns) for row in data["Values"]):
            raise BadInput(f"{label}: every row of Values needs {len(columns)} values (one per ColumnNames entry)")
        data = [dict(zip(columns, row, strict=True)) for row in data["Values"]]
    if not isinstance(data, list) or not data or not all(isinstance(row, dict) for row in data):
        raise BadInput(
            f"{label}: expected a non-empty list of row objects, e.g. "
            '[{"rooms": 3, "area_sqm": 70, "age_years": 12}], or a CSV file with a header row'
        )
    return input_name, data


def score(*, name, resource_group, subscription, rows_file: Path) -> ScoreResult:
    """Send the file's rows to the service's RRS endpoint; the scored rows of its first output."""
    input_name, rows = read_rows(rows_file)
    service = connect(name, resource_group, subscription)
    input_name = input_name or (service.input_names[0] if service.input_names else "input1")
    results = service.client.execute(input_name, rows, {})
    output, scored = next(iter(results.items()), (None, None))
    if output is None or not isinstance(scored, list):
        raise MlwsError(f"score with '{service.target.name}': the answer carries no rows")
    return ScoreResult(f"'{service.target.name}'", output, scored)
