"""The Classic (Studio) web services' state in the emulator's SQLite store: workspaces, web services, endpoints,
and the copies of trained models that endpoints' PATCHes read.

Ids are 32 lower-case hex digits (a GUID without dashes, as the real service writes them); a web service id and an
endpoint id are unique across workspaces. Each row is one JSON document of the dataclass below, secrets included
(workspace tokens, endpoint keys, the storage key of a definition): the management API decides what is shown.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.emulator.store import Store

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS classic_workspaces (workspace_id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS classic_webservices (service_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL,"
    " doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS classic_endpoints (endpoint_id TEXT PRIMARY KEY, service_id TEXT NOT NULL,"
    " name TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (service_id, name))",
    "CREATE TABLE IF NOT EXISTS classic_models (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL)",
)
FREE, STANDARD = "Free", "Standard"


def guid(value: str) -> str | None:
    """`value` as 32 lower-case hex digits when it is a GUID (with or without dashes), else None."""
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None


@dataclass
class Workspace:
    id: str
    name: str
    tier: str  # FREE or STANDARD
    tokens: list[str]  # the authorization tokens: primary, secondary
    created: float


@dataclass
class WebService:
    id: str
    workspace_id: str
    name: str
    description: str | None
    properties: dict[str, Any]  # the graph definition, as a New web service's `properties`
    created: float
    version: float  # when it was last published: the model its default endpoint runs


@dataclass
class Endpoint:
    id: str
    service_id: str
    name: str
    description: str | None
    created: float
    keys: list[str]  # primary, secondary
    throttle_level: str
    max_concurrent_calls: int
    diagnostics_trace_level: str
    prevent_update: bool
    default: bool
    # The web service version this endpoint runs, and that version's definition; None for the default endpoint,
    # which always runs the web service's current one.
    pinned: float | None = None
    properties: dict[str, Any] | None = None
    # Trained-model resources replaced by PATCH, by name: {"Location": {...}, "at": epoch of the PATCH,
    # "models": [{"sha256", "from": epoch it scores from}]}; a resource not here is its definition's asset.
    patched: dict[str, dict[str, Any]] = field(default_factory=dict)


class ClassicState:
    """Reads and writes of the Classic tables; callers hold `store.transaction()` around read-modify-writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.transaction() as db:
            for statement in SCHEMA:
                db.execute(statement)

    def _one(self, sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
        with self.store.transaction() as db:
            row = db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def _all(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self.store.transaction() as db:
            return [json.loads(row[0]) for row in db.execute(sql, args).fetchall()]

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self.store.transaction() as db:
            db.execute(sql, args)

    def workspace(self, workspace_id: str) -> Workspace | None:
        doc = self._one("SELECT doc FROM classic_workspaces WHERE workspace_id=?", (workspace_id,))
        return Workspace(**doc) if doc else None

    def save_workspace(self, workspace: Workspace) -> None:
        self._write(
            "INSERT OR REPLACE INTO classic_workspaces VALUES (?, ?)", (workspace.id, json.dumps(asdict(workspace)))
        )

    def web_service(self, service_id: str) -> WebService | None:
        doc = self._one("SELECT doc FROM classic_webservices WHERE service_id=?", (service_id,))
        return WebService(**doc) if doc else None

    def web_services(self, workspace_id: str) -> list[WebService]:
        docs = self._all("SELECT doc FROM classic_webservices WHERE workspace_id=?", (workspace_id,))
        return sorted((WebService(**doc) for doc in docs), key=lambda service: (service.created, service.id))

    def save_web_service(self, service: WebService) -> None:
        self._write(
            "INSERT OR REPLACE INTO classic_webservices VALUES (?, ?, ?)",
            (service.id, service.workspace_id, json.dumps(asdict(service))),
        )

    def endpoint(self, service_id: str, name_or_id: str) -> Endpoint | None:
        doc = self._one(
            "SELECT doc FROM classic_endpoints WHERE service_id=? AND (name=? OR endpoint_id=?)",
            (service_id, name_or_id, name_or_id.lower()),
        )
        return Endpoint(**doc) if doc else None

    def endpoint_by_id(self, endpoint_id: str) -> Endpoint | None:
        doc = self._one("SELECT doc FROM classic_endpoints WHERE endpoint_id=?", (endpoint_id.lower(),))
        return Endpoint(**doc) if doc else None

    def endpoints(self, service_id: str) -> list[Endpoint]:
        """A web service's endpoints, the default one first, then in the order they were added."""
        docs = self._all("SELECT doc FROM classic_endpoints WHERE service_id=?", (service_id,))
        return sorted((Endpoint(**doc) for doc in docs), key=lambda e: (not e.default, e.created, e.name))

    def save_endpoint(self, endpoint: Endpoint) -> None:
        self._write(
            "INSERT OR REPLACE INTO classic_endpoints VALUES (?, ?, ?, ?)",
            (endpoint.id, endpoint.service_id, endpoint.name, json.dumps(asdict(endpoint))),
        )

    def delete_endpoint(self, endpoint: Endpoint) -> None:
        self._write("DELETE FROM classic_endpoints WHERE endpoint_id=?", (endpoint.id,))

    def save_model(self, data: bytes) -> str:
        """Keep a copy of a trained model; its sha256, which names it."""
        digest = hashlib.sha256(data).hexdigest()
        self._write("INSERT OR IGNORE INTO classic_models VALUES (?, ?)", (digest, data))
        return digest

    def model(self, digest: str) -> bytes:
        with self.store.transaction() as db:
            return bytes(db.execute("SELECT data FROM classic_models WHERE sha256=?", (digest,)).fetchone()[0])
