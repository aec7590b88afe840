"""Batch Execution (BES) and Request-Response (RRS) clients of a Studio web service, New or Classic.

The provider finds the runtime's base URL and key: a New web service's swaggerLocation without
`/swagger.json` and a key from listKeys; a Classic endpoint's ApiLocation and its own key. Calls carry
the key (`Authorization: Bearer <key>`) and `api-version=2.0`. Every call goes through one azure-core
PipelineClient and the retry decision ARM calls use (toolkit.arm.client.send_retrying): GETs and
DELETEs are sent again after a transient failure, a POST (submit, start, score) never is, so a submit
never creates two jobs; under --debug one redacted log line per request.
SAS tokens in job results stay in memory: what this module returns for display is the blob's
location without its token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolkit import names
from toolkit.errors import MlwsError, ServiceError
from toolkit.keyed import KeyedClient
from toolkit.operation import Progress
from toolkit.result import Result

API_VERSION = "2.0"
ENDED = ("Finished", "Failed", "Cancelled")
# Numeric codes some clients and service versions use for StatusCode (C# enum order).
STATUS_NAMES = {"0": "NotStarted", "1": "Running", "2": "Failed", "3": "Cancelled", "4": "Finished"}

# Wait this share of the time already spent (at least MIN_POLL, at most MAX_POLL) before polling again:
# a job's end is seen at most ~5 % late (0.1 s for a short one), for ~50 polls in the first 10 s and
# ~140 in 5 minutes: small GETs.
MIN_POLL = 0.1
MAX_POLL = 5.0
POLL_GROWTH = 0.05


class JobFailed(MlwsError):
    """A BES job ended Failed or Cancelled; `details` is the service's text."""

    def __init__(self, message: str, job_id: str, status: str, details: str | None) -> None:
        super().__init__(message)
        self.job_id, self.status, self.details = job_id, status, details

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "jobId": self.job_id, "statusCode": self.status, "details": self.details}


class JobTimedOut(MlwsError):
    """The wait ran out; the job was cancelled (or kept, when asked to)."""


@dataclass
class BlobResult:
    """One output of a finished job. `sas_token` is for reading it now; never print or store it."""

    name: str
    base_location: str
    relative_location: str
    sas_token: str | None = field(default=None, repr=False)

    @property
    def location(self) -> str:
        """BaseLocation + RelativeLocation: the blob URI without any SAS (what a definition stores)."""
        return self.base_location.rstrip("/") + "/" + self.relative_location.lstrip("/")

    @property
    def readable_url(self) -> str:
        return self.location + (self.sas_token or "")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "location": self.location}


@dataclass
class JobStatus(Result):
    job_id: str
    status: str
    results: list[BlobResult]
    details: str | None
    created: str | None = None
    started: str | None = None
    ended: str | None = None

    @classmethod
    def from_body(cls, job_id: str, body: dict[str, Any]) -> JobStatus:
        status = str(body.get("StatusCode", ""))
        results = [
            BlobResult(
                name,
                str(ref.get("BaseLocation") or ""),
                str(ref.get("RelativeLocation") or ""),
                ref.get("SasBlobToken"),
            )
            for name, ref in (body.get("Results") or {}).items()
            if isinstance(ref, dict)
        ]
        return cls(
            job_id=job_id,
            status=STATUS_NAMES.get(status, status),
            results=results,
            details=body.get("Details"),
            created=body.get("CreatedAt"),
            started=body.get("StartTime"),
            ended=body.get("EndTime"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "statusCode": self.status,
            "created": self.created,
            "started": self.started,
            "ended": self.ended,
            "details": self.details,
            "results": {result.name: result.location for result in self.results},
        }

    def to_text(self) -> str:
        lines = [f"BES job {self.job_id}: {self.status}"]
        times = (("created", self.created), ("started", self.started), ("ended", self.ended))
        lines += [f"  {label}: {value}" for label, value in (*times, ("details", self.details)) if value]
        lines += [f"  {result.name}: {result.location}" for result in self.results]
        return "\n".join(lines)


class RuntimeClient:
    """BES and RRS of one web service, at `base_url` with `key`."""

    def __init__(
        self, base_url: str, key: str, *, service: str = "web service", refused: str = "", jobs: str = "mlws job {verb}"
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.service = service  # how messages name the service
        self.jobs = jobs  # the command that manages its jobs, for messages: {verb} is list, show --job ID, ...
        refused = refused or "the web service key was refused: check the service's keys with `mlws keys`"
        self._client = KeyedClient(self.base_url, key, query={"api-version": API_VERSION}, refused=refused)

    def _call(self, method: str, path: str, action: str, **options: Any) -> Any:
        return self._client.call(method, path, action, **options).body

    # -- BES ------------------------------------------------------------------------------------------

    def submit(self, request: dict[str, Any]) -> str:
        """Submit a BatchExecutionRequest (not started); the job id."""
        job_id = self._call(
            "POST",
            "/jobs",
            f"submit a BES job to {self.service}",
            body=request,
            if_unsure=f"the job may or may not have been created: check with `{self.jobs.format(verb='list')}`",
        )
        if not isinstance(job_id, str) or not names.JOB_ID.pattern.fullmatch(job_id):
            raise ServiceError(f"submit a BES job to {self.service}: the service answered no job id it issues")
        return job_id

    @staticmethod
    def _job_path(job_id: str, suffix: str = "") -> str:
        return f"/jobs/{names.segment(names.JOB_ID, job_id)}{suffix}"

    def start(self, job_id: str) -> None:
        self._call(
            "POST",
            self._job_path(job_id, "/start"),
            f"start BES job {job_id}",
            if_unsure=(
                f"the job may or may not have started: check with `{self.jobs.format(verb=f'show --job {job_id}')}`"
            ),
        )

    def status(self, job_id: str) -> JobStatus:
        body = self._call("GET", self._job_path(job_id), f"get BES job {job_id}")
        return JobStatus.from_body(job_id, body if isinstance(body, dict) else {})

    def list_jobs(self) -> list[JobStatus]:
        body = self._call("GET", "/jobs", f"list BES jobs of {self.service}")
        return [JobStatus.from_body(str(item.get("Id")), item) for item in body or [] if isinstance(item, dict)]

    def delete(self, job_id: str) -> None:
        """Cancel a job that has not ended, or delete an ended one."""
        self._call("DELETE", self._job_path(job_id), f"delete BES job {job_id}")

    def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> JobStatus:
        """Poll until the job ends; JobFailed when it failed or was cancelled, JobTimedOut past `timeout`."""
        started = time.monotonic()
        while True:
            status = self.status(job_id)
            elapsed = time.monotonic() - started
            if progress is not None:
                progress(f"BES job {job_id}: {status.status} ({elapsed:.0f}s)")
            if status.status == "Finished":
                return status
            if status.status in ENDED:
                reason = f": {status.details}" if status.details else ""
                raise JobFailed(
                    f"BES job {job_id} of {self.service} ended {status.status}{reason}",
                    job_id,
                    status.status,
                    status.details,
                )
            if timeout is not None and elapsed >= timeout:
                raise JobTimedOut(f"BES job {job_id} of {self.service} was still {status.status} after {timeout:g}s")
            delay = min(MAX_POLL, max(MIN_POLL, elapsed * POLL_GROWTH))
            if timeout is not None:
                delay = min(delay, max(0.0, timeout - elapsed))
            sleep(delay)

    # -- RRS ------------------------------------------------------------------------------------------

    def execute(self, input_name: str, rows: list[dict[str, Any]], global_parameters: dict[str, Any]) -> Any:
        """Score rows (swagger format); the `Results` object of the answer."""
        body = {"Inputs": {input_name: rows}, "GlobalParameters": global_parameters}
        answer = self._call(
            "POST",
            "/execute",
            f"score with {self.service}",
            body=body,
            params={"format": "swagger"},
            if_unsure="scoring changes nothing, so running the command again is safe",
            changes_nothing=True,
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("Results"), dict):
            raise ServiceError(f"score with {self.service}: the answer has no Results")
        return answer["Results"]
