"""A local HTTP server that answers with recorded cmdlet traffic (reference/powershell/Test*.json).

Recordings group requests by URL, not by time, so answers are picked per method + URL, in recorded
order: a write (PUT, PATCH, POST, DELETE) takes the next answer; a GET of an operation's status takes the
next one too (the last one again once they are used up); a GET of a resource answers the same as the last
GET of it until the resource (or a path below it) is written to, then takes the next one: reading twice
shows one state, as the service would. The recorded host is rewritten to this server in headers
and bodies. Only the Microsoft.MachineLearning web-service traffic is replayed by default (not the test
harness's resource groups, storage accounts or commitment plans); `Recording.load(path, replayed=...)`
picks other traffic.
Long-running-operation answers carry `Retry-After: 0` so the client under test polls at once instead
of sleeping through the recorded durations.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDED_HOST = "https://management.azure.com"
SKIPPED_HEADERS = {"content-length", "transfer-encoding", "date", "connection"}


def request_key(method: str, uri: str) -> tuple[str, str, tuple]:
    parts = urlsplit(uri)
    return method.upper(), parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def is_web_service_traffic(uri: str) -> bool:
    """The cmdlets' web-service requests and operation polls (not the harness's resource groups or storage)."""
    path = urlsplit(uri).path.lower()
    return "/providers/microsoft.machinelearning/webservices" in path or "/operationsstatus/" in path


@dataclass
class Exchange:
    """One request mlws sent, and the recorded entry that answered it (None when nothing matched)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    recorded: dict[str, Any] | None

    @property
    def recorded_body(self) -> Any:
        text = (self.recorded or {}).get("RequestBody") or ""
        return json.loads(text) if text.strip() else None


@dataclass
class Recording:
    path: Path
    entries: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path, replayed: Callable[[str], bool] = is_web_service_traffic) -> Recording:
        """The recorded entries whose request URI `replayed` accepts."""
        entries = json.loads(path.read_text(encoding="utf-8"))["Entries"]
        return cls(path, [e for e in entries if replayed(e["RequestUri"])])

    def first(self, method: str, suffix: str = "") -> dict[str, Any]:
        return next(
            e for e in self.entries if e["RequestMethod"] == method and urlsplit(e["RequestUri"]).path.endswith(suffix)
        )

    def all(self, method: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["RequestMethod"] == method]


@dataclass
class ReplayServer:
    recording: Recording
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.answers: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        self.served: set[int] = set()  # ids of the recorded entries given as answers
        self.writes: list[str] = []  # paths written to, in order
        self.last_read: dict[tuple, tuple[int, dict[str, Any]]] = {}  # GET key -> (writes then, answer)
        for entry in self.recording.entries:
            self.answers[request_key(entry["RequestMethod"], entry["RequestUri"])].append(entry)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                entry = server.pick(self.command, self.path)
                parts = urlsplit(self.path)
                server.exchanges.append(
                    Exchange(
                        self.command,
                        parts.path,
                        dict(parse_qsl(parts.query)),
                        {k.lower(): v for k, v in self.headers.items()},
                        json.loads(raw) if raw.strip() else None,
                        entry,
                    )
                )
                if entry is None:
                    body = json.dumps({"error": {"code": "NotRecorded", "message": "no recorded answer"}}).encode()
                    self.send_response(501)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = (entry.get("ResponseBody") or "").replace(RECORDED_HOST, server.url).encode("utf-8")
                self.send_response(entry["StatusCode"])
                headers = entry.get("ResponseHeaders") or {}
                for name, values in headers.items():
                    if name.lower() not in SKIPPED_HEADERS:
                        for value in values:
                            self.send_header(name, value.replace(RECORDED_HOST, server.url))
                if "Azure-AsyncOperation" in headers or "/operationsStatus/" in parts.path:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def pick(self, method: str, uri: str) -> dict[str, Any] | None:
        """The recorded answer to a request (module docstring), None when the recording has none."""
        key, path = request_key(method, uri), urlsplit(uri).path
        entries = self.answers.get(key, [])
        fresh = [entry for entry in entries if id(entry) not in self.served]
        if method != "GET":
            self.writes.append(path)
        elif "/operationsstatus/" not in path.lower() and key in self.last_read:
            read_at, entry = self.last_read[key]
            if not any(done == path or done.startswith(path + "/") for done in self.writes[read_at:]):
                return entry
        entry = fresh[0] if fresh else (entries[-1] if entries and method == "GET" else None)
        if entry is not None:
            self.served.add(id(entry))
            if method == "GET":
                self.last_read[key] = (len(self.writes), entry)
        return entry

    @property
    def unanswered(self) -> list[tuple]:
        """Recorded requests mlws never sent."""
        return [key for key, entries in self.answers.items() for entry in entries if id(entry) not in self.served]

    @property
    def unmatched(self) -> list[Exchange]:
        """Requests mlws sent that the recording does not have."""
        return [e for e in self.exchanges if e.recorded is None]
