"""The seam shared by the ARM provider and the runtime (BES/RRS): requests, responses, a router.

Both sides register handlers on one `Router`; the server turns HTTP into a `Request`, asks the
router for the route, and writes the `Response`. Handlers never touch sockets.

    router.add("GET", "/subscriptions/{subscription}/services/{service_id}/jobs/{job_id}", handler)
    def handler(request: Request) -> Response:
        job_id = request.params["job_id"]
        return Response(200, {"StatusCode": "Finished"})

- `Request`: `method`, `path` (no query), `query` and `headers` (case-insensitive mappings, first
  value wins), `body` (bytes), `params` (the `{name}` segments of the pattern), `.json()` (raises
  `HttpError` 400 on a body that is not JSON), `.bearer_token()` (the token of
  `Authorization: Bearer ...`, or None).
- `Response(status, body=None, headers={})`: a dict or list body is sent as JSON, a str as a JSON
  string (BES answers a job id that way), bytes as they are (set Content-Type yourself), None as an
  empty body. Every answer also gets the ARM headers (request ids, rate limits, no-cache).
- `HttpError(status, code, message, details=[], headers={})`: raise it anywhere in a handler to
  answer the ARM error envelope {"error": {"code", "message", "details"}}.
- Literal path segments match case-insensitively (ARM treats `CommitmentPlans` and
  `commitmentPlans` alike); `{name}` captures one segment, URL-decoded.
- `arm=True` routes require the ARM bearer token and count against the throttling budgets; runtime
  routes (`arm=False`, the default) are authorised by their handler (web-service keys).

What `toolkit.emulator.runtime.register(router, context)` receives as `context` is an
`EmulatorContext`: `.store` (a `toolkit.emulator.store.Store`; `find_runtime_service(subscription
without dashes, 32-hex service id)` returns a `StoredService` with the full definition including
secrets, and `transaction()` gives a locked sqlite3 connection for the runtime's own tables),
`.config` (the `EmulatorConfig`), `.base_url` (e.g. `http://127.0.0.1:8123`, no trailing slash)
and `.faults` (the live fault settings: `op_seconds`, `job_seconds`, `patch_seconds`, `fail_rate`, ...).
It returns the `Runtime`, whose `serve(router, base, find)` puts the same BES and RRS routes under another
kind of runtime base (toolkit.emulator.classic: a Classic endpoint's ApiLocation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from toolkit.emulator.faults import Faults
    from toolkit.emulator.server import EmulatorConfig
    from toolkit.emulator.store import Store


class CaseInsensitiveDict(Mapping[str, str]):
    """Header and query lookups: HTTP header names and ARM query names are case-insensitive."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for key, value in items:
            self._items.setdefault(key.lower(), (key, value))

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


class HttpError(Exception):
    """An answer in the ARM error envelope; raise it from a handler."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = list(details or [])
        self.headers = dict(headers or {})

    def response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return Response(self.status, {"error": error}, dict(self.headers))


@dataclass
class Request:
    method: str
    path: str
    query: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise HttpError(
                400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {exc}."
            ) from None

    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None


@dataclass
class Response:
    status: int
    body: dict[str, Any] | list[Any] | str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: str
    handler: Handler
    arm: bool
    regex: re.Pattern[str]


@dataclass
class EmulatorContext:
    """What the runtime (helper D's `register`) gets: the store, the settings, the base URL."""

    store: Store
    config: EmulatorConfig
    faults: Faults
    base_url: str


def _compile(pattern: str) -> re.Pattern[str]:
    parts = []
    for segment in pattern.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(f"(?i:{re.escape(segment)})")
    return re.compile("^/" + "/".join(parts) + "/?$")


class Router:
    """Method + path pattern -> handler. First registered match wins."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, arm: bool = False) -> None:
        self.routes.append(Route(method.upper(), pattern, handler, arm, _compile(pattern)))

    def match(self, request: Request) -> Route:
        """The route for the request (its params filled in); HttpError 404/405 when there is none."""
        path_matched = False
        for route in self.routes:
            found = route.regex.match(request.path)
            if not found:
                continue
            path_matched = True
            if route.method == request.method:
                request.params = {name: unquote(value) for name, value in found.groupdict().items()}
                return route
        if path_matched:
            raise HttpError(405, "MethodNotAllowed", f"The method '{request.method}' is not allowed on this resource.")
        raise HttpError(404, "NotFound", f"No route for '{request.method} {request.path}' in the emulator.")
