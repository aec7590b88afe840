"""The emulator's HTTP server: ARM provider + runtime on one loopback port, state in SQLite.

Why the standard library's ThreadingHTTPServer: no dependency; it starts in milliseconds inside a
test process; one daemon thread per connection holds concurrent HTTP/1.1 keep-alive clients well on
2 cores (requests are short and SQLite work is microseconds); and it gives direct access to each
socket, so fault injection can drop a connection without answering. Accepted sockets get
TCP_NODELAY (small JSON answers must not wait for Nagle) and the listen backlog is large.

Loopback only: a host that is not a loopback address is refused.

Bad HTTP is answered, never dropped: an unparseable request line, a bad or doubled Content-Length, a broken
chunked body (chunked bodies are decoded), a body over Resource Manager's 4 MB, headers too long or an unknown
method each get a status line and a JSON ARM error, and the connection is closed.

Injected 500/503 answers and dropped connections hit every route (ARM and runtime) except the
admin endpoints below; failed and slow operations apply to ARM long-running operations.

Admin endpoints (no token, never faulted, not throttled):
    GET  /_emulator/health    -> {"status": "ok", "url": ...}
    GET  /_emulator/faults    -> {"errorRate", "dropRate", "failRate", "opSeconds", "jobSeconds", "patchSeconds",
                                  "seed"}
    PUT  /_emulator/faults    body: any of those keys; changes them now (a seed restarts the generator)
    GET  /_emulator/throttle  -> {"reads", "writes", "windowSeconds"}  (null budget = not enforced)
    PUT  /_emulator/throttle  body: any of those keys; also starts a fresh window
    PUT  /_emulator/classic/workspaces/{ws}[/webservices/{id}]   seed Classic workspaces and web services
                              (toolkit/emulator/classic.py)

Use in-process:
    with Emulator(EmulatorConfig(db=tmp_path / "state.db")) as emulator:
        emulator.url  # http://127.0.0.1:PORT; MLWS_ARM_ENDPOINT for mlws
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from toolkit.emulator import arm, plans
from toolkit.emulator.conventions import json_object
from toolkit.emulator.faults import (
    Faults,
    FaultSettings,
    SettingError,
    Throttle,
    ThrottleSettings,
    check_count,
)
from toolkit.emulator.router import CaseInsensitiveDict, EmulatorContext, HttpError, Request, Response, Router
from toolkit.emulator.store import Store
from toolkit.errors import BadInput
from toolkit.names import is_loopback_host

log = logging.getLogger("toolkit.emulator")
ADMIN_PREFIX = "/_emulator/"
# Resource Manager refuses request bodies over 4 MB (its documented request limit); the service keeps definitions
# over 3 MB in blob storage (reference notes), which the emulator does not emulate.
MAX_BODY_BYTES = 4 * 2**20
MAX_CHUNK_LINE = 4096  # a chunk-size or trailer line; real ones are a few bytes
DIGITS = re.compile(r"[0-9]+")
HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")


@dataclass(frozen=True)
class EmulatorConfig:
    """The emulator's settings, checked when made: BadInput naming the `mlws emulator serve` option (the field
    name with dashes, e.g. `--read-budget`) of the first setting outside its rule, so nothing starts with
    nonsense limits and the library and the CLI refuse the same things."""

    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port, chosen at start
    db: Path | str = ":memory:"  # a file keeps the state across restarts
    op_seconds: float = 0.2  # how long long-running operations stay Provisioning
    job_seconds: float = 0.2  # how long a started BES job runs
    # How long a Classic endpoint keeps its old trained model after a PATCH (the real one took about 30 s).
    patch_seconds: float = 0.2
    token: str | None = None  # the one bearer token accepted; None = any non-empty token
    read_budget: int | None = None  # ARM reads per subscription per window; None = not enforced
    write_budget: int | None = None
    throttle_window: float = 3600.0
    error_rate: float = 0.0  # fraction of requests answered 500/503
    drop_rate: float = 0.0  # fraction of connections dropped without an answer
    fail_rate: float = 0.0  # fraction of long-running operations that end Failed
    seed: int | None = None  # makes the injected faults repeatable
    page_size: int = 10  # items per page of list operations

    def __post_init__(self) -> None:
        try:
            if not is_loopback_host(self.host):
                raise SettingError("host", "must be a loopback address (127.0.0.1, ::1 or localhost)", self.host)
            check_count("port", self.port, minimum=0, maximum=65535)
            check_count("page_size", self.page_size, minimum=1)
            if self.token is not None and not self.token.strip():
                raise SettingError("token", "must not be empty (leave it out to accept any token)", "", secret=True)
            if str(self.db) != ":memory:" and Path(self.db).is_dir():
                raise SettingError("db", "must name a state file, not a directory", str(self.db))
            self.fault_settings().validate()
            self.throttle_settings().validate()
        except SettingError as error:
            raise BadInput(error.named(option_of(CONFIG_FIELDS.get(error.setting, error.setting)))) from None

    def fault_settings(self) -> FaultSettings:
        return FaultSettings(
            error_rate=self.error_rate,
            drop_rate=self.drop_rate,
            fail_rate=self.fail_rate,
            op_seconds=self.op_seconds,
            job_seconds=self.job_seconds,
            patch_seconds=self.patch_seconds,
            seed=self.seed,
        )

    def throttle_settings(self) -> ThrottleSettings:
        return ThrottleSettings(self.read_budget, self.write_budget, self.throttle_window)


# The config field behind each throttle setting (fault settings share the config's field names).
CONFIG_FIELDS = {"reads": "read_budget", "writes": "write_budget", "window_seconds": "throttle_window"}


def option_of(field: str) -> str:
    """The `mlws emulator serve` option of a config field: `read_budget` -> `--read-budget`."""
    return "--" + field.replace("_", "-")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: Emulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed mid-answer (the client went away): logged, never printed to stderr."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 300  # an idle keep-alive connection is closed after this many seconds

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("%s " + format, self.address_string(), *args)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # "GET /path": a request line without a version
            self.send_error(HTTPStatus.BAD_REQUEST, "The request line needs a method, a path and HTTP/1.x.")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (request line, header size, unknown method) as JSON ARM errors."""
        status = HTTPStatus(code)
        # A request line that named no version leaves HTTP/0.9 here, which would send the body without a status line.
        self.request_version = self.protocol_version
        self.close_connection = True
        error = HttpError(code, status.phrase.title().replace(" ", ""), message or status.description)
        self.write(self.server.app.finish(error.response(), CaseInsensitiveDict()))

    def write(self, response: Response) -> None:
        payload = response.payload()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def handle_any(self) -> None:
        parts = urlsplit(self.path)
        headers = CaseInsensitiveDict(self.headers.items())
        try:
            body = self.read_body()
        except HttpError as error:
            self.close_connection = True  # what is left of the body is still on the wire
            self.write(self.server.app.finish(error.response(), headers))
            return
        request = Request(
            method=self.command,
            path=parts.path,
            query=CaseInsensitiveDict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            body=body,
        )
        response = self.server.app.respond(request)
        if response is None:  # injected fault: drop the connection without answering
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.write(response)

    def read_body(self) -> bytes:
        """The request body (Content-Length or chunked); HttpError 400, 413 or 501 when it cannot be read."""
        codings = [c.strip().lower() for v in self.headers.get_all("Transfer-Encoding", []) for c in v.split(",")]
        lengths = [value.strip() for value in self.headers.get_all("Content-Length", [])]
        if codings and lengths:  # RFC 9112 §6.3: a request smuggling pattern, refused rather than guessed at
            raise HttpError(400, "InvalidRequestHeaders", "Send Content-Length or Transfer-Encoding, not both.")
        if codings:
            if codings != ["chunked"]:
                raise HttpError(
                    501,
                    "UnsupportedTransferEncoding",
                    f"Transfer-Encoding {', '.join(codings)!r} is not supported: send chunked or Content-Length.",
                )
            return self.read_chunks()
        if not lengths:
            return b""
        if len(set(lengths)) > 1 or not DIGITS.fullmatch(lengths[0]):
            raise HttpError(
                400,
                "InvalidContentLength",
                f"Content-Length must be one whole number of bytes, got {', '.join(map(repr, lengths))}.",
            )
        length = int(lengths[0])
        if length > MAX_BODY_BYTES:
            raise too_large()
        body = self.rfile.read(length)
        if len(body) < length:
            raise HttpError(400, "IncompleteBody", f"The body ended after {len(body)} of {length} bytes.")
        return body

    def read_chunks(self) -> bytes:
        """A chunked body decoded into one (RFC 9112 §7.1); chunk extensions and trailers are read and ignored."""
        body = bytearray()
        while True:
            size_text = self.chunk_line().split(b";", 1)[0].strip()
            if not HEX_DIGITS.fullmatch(size_text):
                raise bad_chunks(f"a chunk size must be hexadecimal, got {size_text[:40]!r}")
            size = int(size_text, 16)
            if size == 0:
                break
            if len(body) + size > MAX_BODY_BYTES:
                raise too_large()
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.read(2) != b"\r\n":
                raise bad_chunks("a chunk ended before its declared size, or without CRLF")
            body += chunk
        while self.chunk_line().strip():  # trailer fields, up to the empty line
            pass
        return bytes(body)

    def chunk_line(self) -> bytes:
        line = self.rfile.readline(MAX_CHUNK_LINE + 1)
        if len(line) > MAX_CHUNK_LINE or not line.endswith(b"\n"):
            raise bad_chunks("a chunk size or trailer line is too long, or the body ended early")
        return line

    do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = handle_any


def too_large() -> HttpError:
    return HttpError(
        413,
        "RequestContentTooLarge",
        f"The request body is larger than {MAX_BODY_BYTES // 2**20} MB, the most Resource Manager accepts.",
    )


def bad_chunks(reason: str) -> HttpError:
    return HttpError(400, "InvalidChunkedEncoding", f"The chunked request body is malformed: {reason}.")


class Emulator:
    """The local Microsoft.MachineLearning provider; `start()` serves it from a background thread."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.faults = Faults(self.config.fault_settings())
        self.throttle = Throttle(self.config.throttle_settings())
        self.router = Router()
        self.url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.store: Store | None = None

    def start(self) -> Emulator:
        self.store = Store(self.config.db)
        try:
            self._server = _Server((self.config.host, self.config.port), _Handler, self)
        except OSError as exc:
            self.store.close()
            raise BadInput(f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}") from None
        host, port = self._server.server_address[:2]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{self.config.host}:{port}"
        context = EmulatorContext(store=self.store, config=self.config, faults=self.faults, base_url=self.url)
        self._register(context)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def _register(self, context: EmulatorContext) -> None:
        from toolkit.emulator import classic, runtime

        router = self.router
        router.add("GET", "/_emulator/health", lambda request: Response(200, {"status": "ok", "url": self.url}))
        router.add("GET", "/_emulator/faults", lambda request: Response(200, self.faults.to_json()))
        router.add("PUT", "/_emulator/faults", self._set_faults)
        router.add("GET", "/_emulator/throttle", lambda request: Response(200, self.throttle.to_json()))
        router.add("PUT", "/_emulator/throttle", self._set_throttle)
        arm.register(router, context, plans.register(router, context))
        classic.register(router, context, runtime.register(router, context))

    def _set_faults(self, request: Request) -> Response:
        self.faults.update(json_object(request))
        return Response(200, self.faults.to_json())

    def _set_throttle(self, request: Request) -> Response:
        self.throttle.update(json_object(request))
        return Response(200, self.throttle.to_json())

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._server.connections_lock:
            for connection in list(self._server.connections):
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- one request ---------------------------------------------------------------------------------

    def respond(self, request: Request) -> Response | None:
        """The answer to one request, or None to drop the connection (an injected fault)."""
        rate_limits: dict[str, str] = {}
        try:
            if not request.path.startswith(ADMIN_PREFIX):
                fault = self.faults.request_fault()
                if fault == "drop":
                    return None
                if fault is not None:
                    raise injected_error(int(fault))
            route = self.router.match(request)
            if route.arm:
                self._authorise(request)
                if "subscription" in request.params:
                    rate_limits = self.throttle.spend(request.params["subscription"], write=request.method != "GET")
            response = route.handler(request)
        except HttpError as error:
            response = error.response()
        except Exception:  # a bug: answer like ARM and keep serving; the trace goes to the log
            log.exception("emulator error on %s %s", request.method, request.path)
            response = HttpError(500, "InternalServerError", "The emulator failed to handle the request.").response()
        response.headers = {**rate_limits, **response.headers}
        return self.finish(response, request.headers)

    def finish(self, response: Response, request_headers: Mapping[str, str]) -> Response:
        """`response` with the headers every ARM answer carries (JSON Content-Type only when there is a body).

        Every header value must be printable ASCII (HTTP sends them as Latin-1 at best, and a value that cannot
        be encoded would drop the connection mid-answer): handlers encode what they put in one at the source,
        and a value that still is not is a bug, answered 500 instead.
        """
        bad = [name for name, value in response.headers.items() if not (is_header_text(name) and is_header_text(value))]
        if bad:
            log.error("emulator bug: header %s is not printable ASCII; answering 500", bad[0])
            response = HttpError(500, "InternalServerError", "The emulator built an invalid header.").response()
        headers = {
            "x-ms-request-id": str(uuid.uuid4()),
            "x-ms-correlation-request-id": correlation_id(request_headers),
            "Cache-Control": "no-cache",
            "Pragma": "no-cache",
            "Expires": "-1",
        }
        if response.body not in (None, b""):  # as recorded: an empty answer (DELETE 202) has no Content-Type
            headers["Content-Type"] = "application/json; charset=utf-8"
        response.headers = {**headers, **response.headers}
        return response

    def _authorise(self, request: Request) -> None:
        token = request.bearer_token()
        if not token:
            raise HttpError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or empty.",
                headers={"WWW-Authenticate": 'Bearer authorization_uri="", error="invalid_token"'},
            )
        if self.config.token is not None and token != self.config.token:
            raise HttpError(401, "InvalidAuthenticationToken", "The access token is invalid.")


def is_header_text(value: str) -> bool:
    return value.isascii() and value.isprintable()


def correlation_id(request_headers: Mapping[str, str]) -> str:
    """The client's correlation (or client request) id echoed as ARM does, when it is safe to echo; else a new one."""
    for name in ("x-ms-correlation-request-id", "x-ms-client-request-id"):
        value = request_headers.get(name, "")
        if value and len(value) <= 256 and is_header_text(value):
            return value
    return str(uuid.uuid4())


def injected_error(status: int) -> HttpError:
    if status == 503:
        return HttpError(503, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).",
                         headers={"Retry-After": "1"})  # fmt: skip
    return HttpError(500, "InternalServerError", "The server encountered an internal error (injected fault).")


def serve_foreground(config: EmulatorConfig, on_ready: Callable[[Emulator], None]) -> None:
    """Run the emulator in the foreground until SIGINT or SIGTERM; `on_ready` is told where it listens."""
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Emulator(config) as emulator:
            on_ready(emulator)
            stopping.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
