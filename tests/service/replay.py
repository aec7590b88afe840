"""A local HTTP server that answers with recorded cmdlet traffic (reference/powershell/Test*.json).

Recordings group requests by URL, not by time, so answers are queued per method + URL and dequeued
in order. The recorded host is rewritten to this server in headers and bodies. Only the
Microsoft.MachineLearning web-service traffic is replayed by default (not the test harness's resource
groups, storage accounts or commitment plans); `Recording.load(path, replayed=...)` picks other traffic.
A GET asked again once its recorded answers are used up gets the last one again (reads are repeatable).
Long-running-operation answers carry `Retry-After: 0` so the client under test polls at once instead
of sleeping through the recorded durations.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
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
        self.queues: dict[tuple, deque] = defaultdict(deque)
        self.last_answers: dict[tuple, dict[str, Any]] = {}
        for entry in self.recording.entries:
            self.queues[request_key(entry["RequestMethod"], entry["RequestUri"])].append(entry)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                key = request_key(self.command, self.path)
                queue = server.queues.get(key)
                entry = queue.popleft() if queue else None
                if entry is None and self.command == "GET":  # a GET read again: the service answers as before
                    entry = server.last_answers.get(key)
                elif entry is not None:
                    server.last_answers[key] = entry
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

    @property
    def unanswered(self) -> list[tuple]:
        """Recorded requests mlws never sent."""
        return [key for key, queue in self.queues.items() for _ in queue]

    @property
    def unmatched(self) -> list[Exchange]:
        """Requests mlws sent that the recording does not have."""
        return [e for e in self.exchanges if e.recorded is None]
