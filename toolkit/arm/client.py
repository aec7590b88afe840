"""ArmClient: every Resource Manager call goes through one azure-mgmt-core ARMPipelineClient.

The pipeline adds x-ms-client-request-id, `User-Agent: mlws/<version>`, bearer auth and one redacted debug line
per request and response on the `mlws.http` logger (no bodies: they may carry keys). The library installs no
handler: `mlws --debug` shows that log on stderr (toolkit.cli.app.start).

Retries are decided here, once, for ARM and for the BES/RRS runtime (`send_retrying`): an idempotent
request (GET, HEAD, PUT, PATCH, DELETE: mlws's PUTs and PATCHes carry whole desired states or minimal
patches, so sending one twice gives the same state) is sent again after 408/5xx or a refused, dropped
or timed-out connection, at most RETRY_TOTAL times, with back-off honouring Retry-After. A POST (BES
submit and start, RRS score, CreateRegionalBlob, moving an association) is not sent again after those:
it may have done its work before its answer was lost; its message says so.

A 429 is different: the request was refused before any work was done, so it is sent again whatever its
method (a POST too), after the Retry-After it names, for as long as the request's throttle budget lasts
(THROTTLE_BUDGET seconds of waiting; for a status poll or a read-back, what its Outage has left), not
RETRY_TOTAL times: a throttled batch waits the window out rather than fail. A Retry-After beyond what the
budget has left is the answer at once (with the wait it asked for in the message). ARM requests also go through their
subscription's `Pacer`, shared by every client and thread of the process, which holds requests back
before the budget ARM reports (x-ms-ratelimit-remaining-subscription-reads/-writes) runs out and while a
429's Retry-After lasts, so many threads do not all run into 429s.

Long-running operations are one type, `Operation` (see its docstring): started by `begin`, followed through
its Azure-AsyncOperation status URL (how Microsoft.MachineLearning answers PUT, PATCH, DELETE and POST) or the
Location of a 202 (how Microsoft.MachineLearningServices answers PATCH and DELETE), resumable from that URL.
Polling starts after ~1 s and then waits a tenth of the time already spent (at least 0.5 s, at most 10 s), so
it never overshoots the end by more than ~10 %; a percentComplete that predicts an earlier end shortens the
wait, and the Retry-After of every answer always wins. The cmdlets poll every 5 s, which doubles a 5 s operation.

A change the service accepted is never reported as failed because the service then stopped
answering: polling, and every read the same client makes after a change (the read-back), ride
through refused or dropped connections, 408/429 and 5xx until --timeout, or for OUTAGE_BUDGET
seconds of outage in all. Giving up then is "outcome unknown" (exit 5) with how to resume or check.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from azure.core.exceptions import AzureError, ClientAuthenticationError, ServiceRequestError
from azure.core.pipeline.policies import (
    ContentDecodePolicy,
    HeadersPolicy,
    ProxyPolicy,
    RequestIdPolicy,
    SansIOHTTPPolicy,
    UserAgentPolicy,
)
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMAutoResourceProviderRegistrationPolicy, ARMChallengeAuthenticationPolicy

from toolkit import __version__
from toolkit.arm import HTTP_LOGGER
from toolkit.arm.credential import credential_for, is_loopback, token_scope
from toolkit.arm.errors import (
    AnswerLost,
    OperationFailed,
    OperationOutcomeUnknown,
    ServiceUnreachable,
    error_from_response,
    info_from,
    one_line,
    parse_error_body,
)
from toolkit.errors import OutcomeUnknown, ServiceError, ServiceErrorInfo
from toolkit.redact import redact

HTTP_LOG = logging.getLogger(HTTP_LOGGER)

RETRIED_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_TOTAL = 4  # re-sends of one idempotent request: at once, then after 0.5, 1 and 2 s
RETRY_BACKOFF = 0.5  # seconds before the second re-send, doubled for each next one
RETRY_BACKOFF_MAX = 10
RETRY_AFTER_MAX = 60  # seconds: a 408/5xx asking for a longer wait fails at once instead of hanging silently
# Seconds one request waits for throttling in all (429s and its subscription's pacer) before a 429 is its answer:
# ARM's windows refill within a minute or so; this outlasts a few of them.
THROTTLE_BUDGET = 180
# Polling and reads after an accepted change ride through this many seconds of outage in all (no --timeout):
# long enough for a service restart or a failover, short enough that a script learns the outcome is unknown.
OUTAGE_BUDGET = 180
CONNECTION_TIMEOUT = 10
READ_TIMEOUT = 120

FIRST_POLL = 1.0
MIN_POLL = 0.5
MAX_POLL = 10.0
POLL_GROWTH = 0.1  # wait this share of the time already spent
PREDICTED_END_POLL = 0.1  # near the end percentComplete predicts, poll this often (not more: 10 a second at most)

UNSURE = "it may or may not have taken effect: check before sending it again"  # a POST whose answer was lost
DONE = {"succeeded": "Succeeded", "failed": "Failed", "canceled": "Canceled", "cancelled": "Canceled"}


@dataclass
class ArmResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any
    request_id: str | None
    url: str


def poll_delay(elapsed: float, percent: float | None, retry_after: float | None) -> float:
    """Seconds to wait before the next status poll (see the module docstring)."""
    if retry_after is not None:
        return retry_after
    delay = min(MAX_POLL, max(MIN_POLL, elapsed * POLL_GROWTH))
    if percent is not None and 0 < percent < 1 and elapsed > 0:
        predicted_remaining = elapsed * (1 - percent) / percent
        delay = min(delay, max(PREDICTED_END_POLL, predicted_remaining))
    return delay


def retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _percent(status_body: dict[str, Any], headers: dict[str, str]) -> float | None:
    """Progress as a fraction: the status body says 0..1 (0.6, 1.0 recorded), the header 0..100."""
    for value, scale in (
        (status_body.get("percentComplete"), 1),
        (headers.get("azure-asyncoperationpercentcomplete"), 100),
    ):
        try:
            return min(1.0, float(value) / scale)
        except (TypeError, ValueError):
            continue
    return None


def backoff(retry: int, retry_after_seconds: float | None = None) -> float:
    """Seconds to wait before the `retry`-th re-send (1, 2, ...): the service's Retry-After, else none before
    the first (a lost connection or a one-off error is most often gone at once), then doubling."""
    if retry_after_seconds is not None:
        return retry_after_seconds
    return 0.0 if retry == 1 else min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2 ** (retry - 2))


@dataclass
class Sent:
    """The answer to a request (any status) and how many times it was re-sent to get it (`throttled` of them after
    a 429)."""

    response: HttpResponse
    text: str
    retries: int
    throttled: int = 0


def retry_note(method: str, status: int | None, retries: int, if_unsure: str | None = None) -> str:
    """What was done about a failed request, for the end of its message: " (after 4 retries)",
    " (not retried: POST; the job may or may not have been created: ...)", or "" for an answer
    that is no reason to retry (a 400 says what is wrong; sending it again changes nothing)."""
    if status is not None and status not in RETRIED_STATUSES:
        return ""
    # A 429 was refused before any work was done, so it is re-sent whatever the method; a 5xx or a lost answer
    # may come after the work.
    if method.upper() in RETRIED_METHODS or status == 429:
        return f" (after {retries} {'retry' if retries == 1 else 'retries'})" if retries else ""
    return f" (not retried: {method.upper()}" + (f"; {if_unsure}" if if_unsure else "") + ")"


def send_retrying(
    pipeline,
    request: HttpRequest,
    *,
    action: str,
    where: str,
    if_unsure: str | None = None,
    retries: int = RETRY_TOTAL,
    changes_nothing: bool = False,
    pacer: Pacer | None = None,
    deadline: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    **options: Any,
) -> Sent:
    """Send `request` through an azure-core pipeline (which must hold no retry policy of its own): the one place
    where mlws decides to send a request again (see the module docstring).

    Returns the last answer, whatever its status; raises ServiceUnreachable when none came (the message says
    how often it was tried), ClientAuthenticationError when no token could be had. `if_unsure` says, for a
    POST, what may have happened when its answer was lost; such a POST is outcome unknown (AnswerLost, exit 5)
    unless it `changes_nothing` (scoring). `retries` bounds the re-sends after a failure; throttling (429s and
    the `pacer`'s holds) is waited out until `deadline` (time.monotonic(); default THROTTLE_BUDGET from now).
    """
    method = request.method.upper()
    retryable = method in RETRIED_METHODS
    deadline = time.monotonic() + THROTTLE_BUDGET if deadline is None else deadline
    retried = throttled = 0
    while True:
        try:
            with pacer.sending(method, deadline) if pacer is not None else contextlib.nullcontext() as turn:
                response = pipeline.send_request(request, **options)
                text = response.text()
                headers = {k.lower(): v for k, v in response.headers.items()}
                if turn is not None:
                    turn.answered(response.status_code, headers)
        except ClientAuthenticationError:
            raise
        except AzureError as exc:
            reason = redact(str(exc).splitlines()[0])
            if not retryable or retried >= retries:
                never_sent = isinstance(exc, ServiceRequestError)
                if never_sent and not retryable:
                    note = f" (not retried: {method}; it was not sent)"  # refused: the request never left
                else:
                    note = retry_note(method, None, retried + throttled, if_unsure)
                # A POST that went out and got no answer may have done its work: outcome unknown, not a failure.
                lost = AnswerLost if not (retryable or never_sent or changes_nothing) else ServiceUnreachable
                raise lost(
                    f"{action}: no answer from {where}{note}: {reason}", ServiceErrorInfo(code=type(exc).__name__)
                ) from exc
            wait = backoff(retried + 1)
        else:
            asked = retry_after(headers)
            if response.status_code == 429:
                wait = backoff(throttled + 1, asked)
                if time.monotonic() + wait > deadline:  # the budget cannot wait that long: the 429 is the answer
                    return Sent(response, text, retried + throttled, throttled)
                throttled += 1
                HTTP_LOG.debug(
                    "throttled (HTTP 429, Retry-After %s): re-send %d in %.1fs: %s %s",
                    "none" if asked is None else f"{asked:g}", throttled, wait, method, redact(request.url),
                )  # fmt: skip
                sleep(wait)
                continue
            wait = backoff(retried + 1, asked)
            final = response.status_code not in RETRIED_STATUSES or wait > RETRY_AFTER_MAX
            if final or not retryable or retried >= retries:
                return Sent(response, text, retried + throttled, throttled)
            reason = f"HTTP {response.status_code}"
        retried += 1
        HTTP_LOG.debug(
            "retry %d of %d in %.1fs (%s): %s %s", retried, retries, wait, reason, method, redact(request.url)
        )
        sleep(wait)


@dataclass
class _Budget:
    """What a pacer knows of one of ARM's budgets (reads or writes) of a subscription."""

    remaining: int | None = None  # as the answer to the latest request sent reported it; None: not reported yet
    reported_by: int = 0  # the number of the request whose answer set `remaining`
    sent: int = 0  # requests sent so far (numbering them)
    in_flight: int = 0  # requests sent and not answered yet: each may spend one more
    resume_at: float = 0.0  # the clock time a 429's Retry-After asked every request to wait until


@dataclass
class Turn:
    """One request on its way through a pacer: `answered` tells it what came back."""

    number: int  # in the order sent: the answer to a later request knows more of the budget
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def answered(self, status: int, headers: dict[str, str]) -> None:
        self.status, self.headers = status, headers


class Pacer:
    """ARM's request budgets of one subscription as its answers report them, shared by every client and thread of
    the process (`pacer_for`), so a batch slows down before a budget is spent instead of running into 429s.

    ARM counts reads (GET, HEAD) and writes apart and reports what is left of each in every answer
    (x-ms-ratelimit-remaining-subscription-reads / -writes). A request waits while
    - a 429 of its kind asked to wait (Retry-After): every request of that kind waits until then, not only the
      one refused; a wait past the request's `deadline` is not waited (it is sent, and its 429 is its answer);
    - what is left, as last reported less the requests on their way, is nothing while others are on their way:
      until one of them answers, which reports what is left. So no more requests are on their way than the budget
      has room for: a low budget is spent one request at a time, and an empty one sends one request, whose 429
      says when the window refills.
    It never waits on a guess: with nothing on its way a request goes, so a report gone stale (the window
    refilled since) costs one round trip, never a wait.
    """

    def __init__(
        self, name: str, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.name = name  # in the debug log
        self._clock, self._sleep = clock, sleep
        self._budgets = {"reads": _Budget(), "writes": _Budget()}
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def sending(self, method: str, deadline: float) -> Iterator[Turn]:
        """Wait for the request's turn; then the `Turn` to tell what came back (no answer: nothing reported)."""
        kind = "reads" if method.upper() in ("GET", "HEAD") else "writes"
        budget = self._budgets[kind]
        with self._changed:
            self._wait_turn(kind, budget, deadline)
            budget.in_flight += 1
            budget.sent += 1
            turn = Turn(budget.sent)
        try:
            yield turn
        finally:
            with self._changed:
                budget.in_flight -= 1
                self._learn(kind, budget, turn)
                self._changed.notify_all()

    def _wait_turn(self, kind: str, budget: _Budget, deadline: float) -> None:
        """Called holding the lock; returns holding it."""
        told = False  # the wait for an answer is logged once
        while True:
            now = self._clock()
            if now < budget.resume_at <= deadline:
                wait = budget.resume_at - now
                HTTP_LOG.debug("pacing %s of %s: waiting %.1fs (a 429's Retry-After)", kind, self.name, wait)
                self._changed.release()
                try:
                    self._sleep(wait)
                finally:
                    self._changed.acquire()
                continue
            spent = budget.remaining is not None and budget.remaining - budget.in_flight <= 0
            if not spent or budget.in_flight == 0 or now >= deadline:
                return
            if not told:
                HTTP_LOG.debug(
                    "pacing %s of %s: %d left, %d on their way: waiting for an answer",
                    kind, self.name, budget.remaining, budget.in_flight,
                )  # fmt: skip
                told = True
            self._changed.wait(timeout=deadline - now)

    def _learn(self, kind: str, budget: _Budget, turn: Turn) -> None:
        if turn.status is None:
            return
        reported = turn.headers.get(f"x-ms-ratelimit-remaining-subscription-{kind}", "").strip()
        if turn.status == 429:
            reported = "0"
        if reported.isdigit() and turn.number >= budget.reported_by:  # an earlier request's answer is older news
            budget.remaining, budget.reported_by = int(reported), turn.number
        if turn.status == 429:
            asked = retry_after(turn.headers)
            if asked is not None:
                budget.resume_at = max(budget.resume_at, self._clock() + asked)


SUBSCRIPTION_IN_PATH = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_pacers: dict[tuple[str, str], Pacer] = {}
_pacers_lock = threading.Lock()


def pacer_for(url: str, subscription: str) -> Pacer:
    """The one pacer of the subscription a URL names (else `subscription`) at that endpoint, for the process."""
    parts = urlsplit(url)
    named = SUBSCRIPTION_IN_PATH.match(parts.path)
    key = (f"{parts.scheme}://{parts.netloc}".lower(), (named.group(1) if named else subscription).lower())
    with _pacers_lock:
        if key not in _pacers:
            _pacers[key] = Pacer(f"subscription {key[1]} at {key[0]}")
        return _pacers[key]


class _OutageTooLong(Exception):
    """Raised by ArmClient._read_through when the service stayed unreachable past the outage budget."""

    def __init__(self, failure: ServiceError, seconds: float, tries: int) -> None:
        super().__init__(failure.message)
        self.failure, self.seconds, self.tries = failure, seconds, tries


class Outage:
    """Reads riding through a service that does not answer: until `deadline` (time.monotonic(), from --timeout),
    else until OUTAGE_BUDGET seconds of outage in all. One per wait (or per client, for read-backs)."""

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline
        self.spent = 0.0  # seconds of earlier outages
        self.since: float | None = None  # when the current outage began
        self.failures = 0  # consecutive failed reads of the current outage

    def recovered(self) -> None:
        if self.since is not None:
            self.spent += time.monotonic() - self.since
        self.since, self.failures = None, 0

    def next_try(self, retry_after_seconds: float | None) -> float | None:
        """Seconds to wait before reading again after one more failure, or None when the time is up."""
        now = time.monotonic()
        self.since = now if self.since is None else self.since
        self.failures += 1
        wait = backoff(self.failures, retry_after_seconds)
        left = self.deadline - now if self.deadline is not None else OUTAGE_BUDGET - self.seconds
        if left <= 0 or (retry_after_seconds is not None and retry_after_seconds > left):
            return None
        return min(wait, left)

    @property
    def seconds(self) -> float:
        return self.spent + (time.monotonic() - self.since if self.since is not None else 0.0)

    def limit(self) -> float:
        """When this budget would end (time.monotonic()): its deadline, else when the outage budget is spent."""
        return self.deadline if self.deadline is not None else time.monotonic() + OUTAGE_BUDGET - self.seconds


class RedactedHttpLog(SansIOHTTPPolicy):
    """One line per request/response on the mlws.http logger: redacted URL, ids, timing; no bodies."""

    def on_request(self, request):
        http = request.http_request
        request.context["mlws_start"] = time.monotonic()
        HTTP_LOG.debug(
            "-> %s %s (client request id %s)", http.method, redact(http.url), http.headers.get("x-ms-client-request-id")
        )

    def on_response(self, request, response):
        http = response.http_response
        elapsed = time.monotonic() - request.context.get("mlws_start", time.monotonic())
        HTTP_LOG.debug(
            "<- %s %s %.2fs (request id %s)",
            http.status_code,
            redact(request.http_request.url),
            elapsed,
            http.headers.get("x-ms-request-id"),
        )


class ArmClient:
    def __init__(self, endpoint: str, subscription: str, *, credential=None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.subscription = subscription
        credential = credential or credential_for(self.endpoint)
        policies = [
            RequestIdPolicy(),  # x-ms-client-request-id, one per call, kept across re-sends (same request)
            HeadersPolicy({"Accept": "application/json", "accept-language": "en-US"}),
            UserAgentPolicy(base_user_agent=f"mlws/{__version__}"),
            ProxyPolicy(),
            ContentDecodePolicy(),
            ARMAutoResourceProviderRegistrationPolicy(),
            # No retry policy: send_retrying decides (azure-core's retries any method on a Retry-After).
            ARMChallengeAuthenticationPolicy(credential, token_scope(self.endpoint)),
            RedactedHttpLog(),
        ]
        self._pipeline = ARMPipelineClient(base_url=self.endpoint, policies=policies)
        self._accepted: str | None = None  # the action of the last change the service accepted, if any
        self._read_back = Outage()  # the outage budget of reads after that change

    @classmethod
    def for_target(cls, target) -> ArmClient:
        target.require("subscription")
        return cls(target.endpoint, target.subscription)

    def url(self, path_or_url: str, api_version: str | None = None, params: dict[str, str] | None = None) -> str:
        url = path_or_url if "://" in path_or_url else f"{self.endpoint}{path_or_url}"
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        names = {k.lower() for k, _ in query}
        extra = dict(params or {})
        if api_version and "api-version" not in names:
            extra["api-version"] = api_version
        query += [(k, v) for k, v in extra.items() if k.lower() not in names]
        return urlunsplit(parts._replace(query=urlencode(query, safe="$/:")))

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        api_version: str | None = None,
        params: dict[str, str] | None = None,
        body: Any = None,
        action: str | None = None,
        if_unsure: str = UNSURE,
    ) -> ArmResponse:
        """One call; raises RequestRejected (400), ResourceNotFound (404), ServiceError (other >= 400),
        ServiceUnreachable (no answer), or OutcomeUnknown for a read after an accepted change that the service
        left unanswered past the outage budget. `if_unsure` ends the message of a POST whose answer was lost."""
        url = self.url(path_or_url, api_version, params)
        action = action or f"{method} {urlsplit(url).path}"
        if method == "GET" and self._accepted is not None:
            try:
                return self._read_through(url, action, self._read_back)
            except _OutageTooLong as outage:
                raise OutcomeUnknown(
                    f"{self._accepted}: the service accepted the change, then gave no answer for {outage.seconds:.0f}s "
                    f"({outage.tries} tries) while mlws read the result ({outage.failure.message}); whether it took "
                    "is unknown: check with `mlws get` or `mlws diff` before running the command again"
                ) from outage.failure
        response, raw, retries = self._exchange(method, url, body, action, if_unsure, RETRY_TOTAL)
        if response.status >= 400:
            raise self._error(response, raw, action, retry_note(method, response.status, retries, if_unsure))
        if method != "GET":
            self._accepted = action
        return response

    def _exchange(
        self,
        method: str,
        url: str,
        body: Any,
        action: str,
        if_unsure: str | None,
        retries: int,
        deadline: float | None = None,
    ) -> tuple[ArmResponse, str, int]:
        """The answer (any status), its text and how many re-sends it took; raises when there was none.
        Throttling is waited out until `deadline` (see send_retrying)."""
        if urlsplit(url).scheme != "https" and not is_loopback(url):
            raise ServiceError(f"{action}: refusing to send an access token over plain http to {urlsplit(url).netloc}")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = json.dumps(body).encode("utf-8") if body is not None else None
        try:
            sent = send_retrying(
                self._pipeline,
                HttpRequest(method, url, headers=headers, content=data),
                action=action,
                where=urlsplit(url).netloc,
                if_unsure=if_unsure,
                retries=retries,
                pacer=pacer_for(url, self.subscription),
                deadline=deadline,
                enforce_https=not is_loopback(url),
                connection_timeout=CONNECTION_TIMEOUT,
                read_timeout=READ_TIMEOUT,
            )
        except ClientAuthenticationError as exc:
            raise ServiceError(
                f"{action}: could not get an Azure token ({redact(str(exc).splitlines()[0])}); "
                "sign in with `az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET",
                ServiceErrorInfo(code="AuthenticationFailed"),
            ) from exc
        response_headers = {k.lower(): v for k, v in sent.response.headers.items()}
        try:
            parsed = json.loads(sent.text) if sent.text.strip() else None
        except ValueError:
            parsed = None
        response = ArmResponse(
            sent.response.status_code, response_headers, parsed, response_headers.get("x-ms-request-id"), url
        )
        return response, sent.text, sent.retries

    @staticmethod
    def _error(response: ArmResponse, raw: str, action: str, note: str) -> ServiceError:
        error = error_from_response(response.status, response.body, raw, response.request_id, action)
        wait = retry_after(response.headers)
        if response.status == 429 and wait is not None:
            error.message += f" (throttled: the service asks to wait {wait:g} s before retrying)"
        error.message += note
        return error

    def _read_through(
        self,
        url: str,
        action: str,
        outage: Outage,
        *,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ArmResponse:
        """GET `url`, riding through refused/dropped connections, 408/429 and 5xx while `outage` allows; other
        errors raise at once, an outage past its budget raises _OutageTooLong."""
        while True:
            try:
                response, raw, _ = self._exchange("GET", url, None, action, None, 0, outage.limit())
                failure = self._error(response, raw, action, "") if response.status in RETRIED_STATUSES else None
            except ServiceUnreachable as exc:
                response, failure = None, exc
            if failure is None:
                outage.recovered()
                if response.status >= 400:
                    raise self._error(response, raw, action, "")
                return response
            wait = outage.next_try(retry_after(response.headers) if response is not None else None)
            if wait is None:
                raise _OutageTooLong(failure, outage.seconds, outage.failures)
            HTTP_LOG.debug(
                "no answer to GET %s (%d in a row, %.1fs): trying again in %.1fs",
                redact(url),
                outage.failures,
                outage.seconds,
                wait,
            )
            if progress is not None:
                progress(f"{action}: the service is not answering ({outage.seconds:.0f}s); trying again")
            sleep(wait)

    def list_all(self, path: str, *, api_version: str, params: dict[str, str] | None = None) -> list[dict]:
        """Every item of a pageable list, following nextLink to the end."""
        items: list[dict] = []
        seen: set[str] = set()
        next_url: str | None = self.url(path, api_version, params)
        while next_url:
            if next_url in seen:
                raise ServiceError(f"list {urlsplit(path).path}: the service returned the same page link twice")
            seen.add(next_url)
            body = self.send("GET", next_url, api_version=api_version).body or {}
            items.extend(body.get("value") or [])
            next_url = body.get("nextLink")
        return items

    def begin(
        self,
        method: str,
        path: str,
        *,
        api_version: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        action: str | None = None,
        if_unsure: str = UNSURE,
    ) -> Operation:
        """Send the request that starts a long-running operation; the Operation to wait on."""
        response = self.send(
            method, path, api_version=api_version, params=params, body=body, action=action, if_unsure=if_unsure
        )
        status_url = response.headers.get("azure-asyncoperation")
        # Only a 202's Location follows an operation: on a 201 it names the resource created (RFC 9110).
        location = response.headers.get("location") if response.status == 202 else None
        first_delay = retry_after(response.headers)
        return Operation(
            self,
            action or f"{method} {urlsplit(response.url).path}",
            status_url or location,
            by_location=status_url is None and location is not None,
            method=method,
            url=response.url,
            location=location,
            response=response,
            first_delay=FIRST_POLL if first_delay is None else first_delay,
        )

    def resume(self, url: str, action: str = "operation") -> Operation:
        """The operation behind a URL that `begin` gave (--no-wait, a timeout), to wait on from now.

        A Microsoft.MachineLearning status URL (`/operationsStatus/`) is read as Azure-AsyncOperation; any other as a
        Location, which also reads a status body when it answers one (see Operation._outcome)."""
        by_location = "/operationsstatus/" not in urlsplit(url).path.lower()
        return Operation(self, action, url, by_location=by_location, first_delay=0)


class Operation:
    """A long-running operation, as the Azure SDK guidelines and the ARM RPC describe it: started by
    `ArmClient.begin`, or resumed from its URL by `ArmClient.resume`. `wait()` follows it to its end; `result()`
    then gives its final state.

    The answer that started it says how to follow it. Its `Azure-AsyncOperation` URL answers 200 with a status body
    (`status`, or the spec's `provisioningState`: Succeeded, Failed or Canceled once ended; `percentComplete`), and
    wins over a `Location` beside it. Else the `Location` of a 202 answers 202 while the operation runs, then 200 or
    201 with the result, or 204; an error answer there is the operation's failure. With neither, the first answer
    was final (`status_url` None). The Retry-After of every answer sets the next delay.

    `status_url` is the URL polled, the one `mlws operation wait` resumes from; `request_id` is the starting
    request's, named in failures (as the cmdlets do).
    """

    def __init__(
        self,
        client: ArmClient,
        action: str,
        status_url: str | None,
        *,
        by_location: bool,
        first_delay: float,
        method: str | None = None,
        url: str | None = None,
        location: str | None = None,
        response: ArmResponse | None = None,
    ) -> None:
        self.client, self.action, self.status_url, self.by_location = client, action, status_url, by_location
        self.method, self.url, self.location, self.response = method, url, location, response
        self.first_delay = first_delay
        self.request_id = response.request_id if response is not None else None
        self._ended: ArmResponse | None = None  # the answer that said the operation ended

    def wait(
        self,
        *,
        timeout: float | None = None,
        progress: Callable[[str], None] | None = None,
        action: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Any:
        """Follow the operation to its end; the body of the answer that said so: the last status body, or what the
        Location answered (None for a 204, or when there was nothing to wait for).

        Failed/Canceled raise OperationFailed. Polling rides through an unanswering service; past `timeout` seconds
        (or, without one, past OUTAGE_BUDGET seconds of outage) it raises OperationOutcomeUnknown naming the URL to
        resume with: the operation goes on. `action` names the operation in messages (default: the one begun).
        """
        if self.status_url is None:
            return None
        if self._ended is None:
            self._ended = self._poll(timeout, progress, action or self.action, sleep)
        return self._ended.body

    def result(
        self,
        *,
        timeout: float | None = None,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Any:
        """Wait, then the final state, as the guidelines give it per method (no final-state-via is declared for
        Microsoft.MachineLearning): what a Location finally answered; after an Azure-AsyncOperation, a GET of the
        resource for PUT and PATCH, of the Location beside it for POST, nothing for DELETE, and the last status
        for a POST without a Location (CreateRegionalBlob) or an operation resumed from its status URL."""
        ended = self.wait(timeout=timeout, progress=progress, sleep=sleep)
        if self.status_url is None:
            return self.response.body
        if self.by_location:
            return ended
        if self.method in ("PUT", "PATCH"):
            return self.client.send("GET", self.url, action=self.action).body
        if self.method == "POST" and self.location:
            return self.client.send("GET", self.location, action=self.action).body
        return None if self.method == "DELETE" else ended

    def _poll(
        self, timeout: float | None, progress: Callable[[str], None] | None, action: str, sleep: Callable[[float], None]
    ) -> ArmResponse:
        started = time.monotonic()
        deadline = None if timeout is None else started + timeout
        outage = Outage(deadline)
        delay = self.first_delay
        while True:
            if deadline is not None and time.monotonic() + delay > deadline:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OperationOutcomeUnknown(
                        f"{action}: still running after {timeout:g}s; it goes on in the service. {self._resume}",
                        self.status_url,
                    )
                delay = remaining
            sleep(delay)
            response = self._read(action, outage, progress, sleep)
            body = response.body if isinstance(response.body, dict) else {}
            outcome = self._outcome(response)
            percent = _percent(body, response.headers)
            if progress is not None:
                shown = f" {percent:.0%}" if percent is not None else ""
                state = _named_state(body) or outcome or "waiting"
                progress(f"{action}: {state}{shown} ({time.monotonic() - started:.0f}s)")
            if outcome == "Succeeded":
                return response
            if outcome in ("Failed", "Canceled"):
                info = info_from(parse_error_body(body), status=response.status, request_id=self.request_id)
                info.code = info.code or outcome
                info.message = info.message or f"the operation ended {outcome}"
                raise OperationFailed(one_line(info, f"{action} {outcome.lower()}"), info)
            if self.by_location:
                self.status_url = response.headers.get("location") or self.status_url  # a 202 may move it on
            delay = poll_delay(time.monotonic() - started, percent, retry_after(response.headers))

    @property
    def _resume(self) -> str:
        return f"Resume with: mlws operation wait '{self.status_url}'"

    def _read(
        self, action: str, outage: Outage, progress: Callable[[str], None] | None, sleep: Callable[[float], None]
    ) -> ArmResponse:
        """GET the status URL, riding through an outage."""
        try:
            return self.client._read_through(
                self.status_url, f"{action}: status", outage, progress=progress, sleep=sleep
            )
        except _OutageTooLong as gave_up:
            raise OperationOutcomeUnknown(
                f"{action}: the service gave no answer for {gave_up.seconds:.0f}s ({gave_up.tries} tries) while "
                f"mlws waited ({gave_up.failure.message}); the operation may have ended or may go on. {self._resume}",
                self.status_url,
            ) from gave_up.failure
        except ServiceError as answered:
            if not self.by_location or answered.info.status is None:
                raise
            # A Location answers the error of the operation that failed (ARM RPC): the operation failed, not the poll.
            info = answered.info
            info.request_id = self.request_id or info.request_id
            raise OperationFailed(one_line(info, f"{action} failed"), info) from answered

    def _outcome(self, response: ArmResponse) -> str | None:
        """Succeeded, Failed or Canceled once the operation ended, else None."""
        if self.by_location and response.status == 202:
            return None
        state = _named_state(response.body)
        if state:
            return DONE.get(state.lower())
        # A Location's answer other than 202 is the end. One with a status body is read as a status: the
        # Microsoft.MachineLearning Location (`/operationresults/`) answers 200 with the status body all along.
        return "Succeeded" if self.by_location else None


def _named_state(body: Any) -> str:
    """The state a status body names (`status`, or the spec's `provisioningState`), or ""."""
    if not isinstance(body, dict):
        return ""
    state = body.get("status") or body.get("provisioningState")
    return state if isinstance(state, str) else ""
