"""The emulator's state in SQLite: web services, operations, regional copies, plans, associations, and the
emulator's own secrets (the key its credential ciphertexts are made with).

One connection guarded by one re-entrant lock: every request's reads and writes run inside
`transaction()`, so concurrent requests see whole resources and a crash mid-request leaves none
half-written (SQLite rolls the open transaction back). WAL journal: a reader never waits on disk.
Resources are keyed case-insensitively (ARM names are), and documents keep the spelling sent.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import BadInput

SCHEMA = """
CREATE TABLE IF NOT EXISTS webservices (
    sub_key TEXT NOT NULL, rg_key TEXT NOT NULL, name_key TEXT NOT NULL,
    runtime_sub TEXT NOT NULL, service_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (sub_key, rg_key, name_key)
);
CREATE UNIQUE INDEX IF NOT EXISTS webservices_runtime ON webservices (runtime_sub, service_id);
CREATE TABLE IF NOT EXISTS operations (
    op_id TEXT PRIMARY KEY, doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS regional_copies (
    sub_key TEXT NOT NULL, rg_key TEXT NOT NULL, name_key TEXT NOT NULL, region TEXT NOT NULL,
    op_id TEXT NOT NULL,
    PRIMARY KEY (sub_key, rg_key, name_key, region)
);
CREATE TABLE IF NOT EXISTS plans (
    sub_key TEXT NOT NULL, rg_key TEXT NOT NULL, name_key TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (sub_key, rg_key, name_key)
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY, value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS associations (
    sub_key TEXT NOT NULL, rg_key TEXT NOT NULL, plan_key TEXT NOT NULL, name_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (sub_key, rg_key, plan_key, name_key)
);
"""


def _key(value: str) -> str:
    return value.lower()


@dataclass
class StoredService:
    """A web service as stored: the full definition, secrets included (never sent by ARM GETs)."""

    subscription: str
    resource_group: str
    name: str
    service_id: str  # 32 hex digits: the runtime (BES/RRS) address and swaggerLocation segment
    location: str
    tags: dict[str, str]
    properties: dict[str, Any]  # as last written, with keys, storageAccount.key, commitmentPlan
    created: float  # epoch seconds
    modified: float
    op_id: str  # the last operation on it: its state is the service's provisioningState

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.MachineLearning/webServices/{self.name}"
        )

    @property
    def runtime_subscription(self) -> str:
        return self.subscription.replace("-", "").lower()

    def runtime_path(self) -> str:
        """The runtime base path: `/subscriptions/{sub without dashes}/services/{service id}`."""
        return f"/subscriptions/{self.runtime_subscription}/services/{self.service_id}"

    def to_doc(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription,
            "resourceGroup": self.resource_group,
            "name": self.name,
            "serviceId": self.service_id,
            "location": self.location,
            "tags": self.tags,
            "properties": self.properties,
            "created": self.created,
            "modified": self.modified,
            "opId": self.op_id,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> StoredService:
        return cls(
            doc["subscription"], doc["resourceGroup"], doc["name"], doc["serviceId"], doc["location"],
            doc["tags"], doc["properties"], doc["created"], doc["modified"], doc["opId"],
        )  # fmt: skip


class Store:
    """SQLite persistence. Use `with store.transaction():` around every read-modify-write."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise BadInput(f"{self.path}: cannot open the emulator state file ({exc}); give another --db") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise BadInput(f"{self.path}: not an emulator state file ({exc}); give another --db") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the store for a group of reads and writes; the outermost one commits or rolls back."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._db
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def secret(self, name: str, size: int) -> bytes:
        """The emulator's own secret `name` (`size` random bytes made on first use), kept across restarts."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM secrets WHERE name=?", (name,)).fetchone()
            if row is None:
                row = (secrets.token_bytes(size),)
                db.execute("INSERT INTO secrets VALUES (?, ?)", (name, row[0]))
        return bytes(row[0])

    # -- web services -------------------------------------------------------------------------

    def get_service(self, subscription: str, resource_group: str, name: str) -> StoredService | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT doc FROM webservices WHERE sub_key=? AND rg_key=? AND name_key=?",
                (_key(subscription), _key(resource_group), _key(name)),
            ).fetchone()
        return StoredService.from_doc(json.loads(row[0])) if row else None

    def find_runtime_service(self, runtime_subscription: str, service_id: str) -> StoredService | None:
        """The service behind a runtime URL `/subscriptions/{sub without dashes}/services/{id}`."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT doc FROM webservices WHERE runtime_sub=? AND service_id=?",
                (runtime_subscription.replace("-", "").lower(), service_id.lower()),
            ).fetchone()
        return StoredService.from_doc(json.loads(row[0])) if row else None

    def save_service(self, service: StoredService) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO webservices VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _key(service.subscription), _key(service.resource_group), _key(service.name),
                    service.runtime_subscription, service.service_id, json.dumps(service.to_doc()),
                ),
            )  # fmt: skip

    def delete_service(self, service: StoredService) -> None:
        keys = (_key(service.subscription), _key(service.resource_group), _key(service.name))
        with self.transaction() as db:
            db.execute("DELETE FROM webservices WHERE sub_key=? AND rg_key=? AND name_key=?", keys)
            db.execute("DELETE FROM regional_copies WHERE sub_key=? AND rg_key=? AND name_key=?", keys)

    def list_services(
        self, subscription: str, resource_group: str | None, after: tuple[str, str] | None, limit: int
    ) -> list[StoredService]:
        """One page in (resource group, name) order, starting after the `(rg, name)` key given."""
        docs = self._page("webservices", subscription, resource_group, after, limit)
        return [StoredService.from_doc(doc) for doc in docs]

    def _page(
        self, table: str, subscription: str, resource_group: str | None, after: tuple[str, str] | None, limit: int
    ) -> list[dict[str, Any]]:
        """Documents of a (subscription, rg, name)-keyed table, one page in (rg, name) order after `after`."""
        sql = f"SELECT doc FROM {table} WHERE sub_key=?"  # table is one of ours, never user input
        args: list[Any] = [_key(subscription)]
        if resource_group is not None:
            sql += " AND rg_key=?"
            args.append(_key(resource_group))
        if after is not None:
            sql += " AND (rg_key, name_key) > (?, ?)"
            args += [_key(after[0]), _key(after[1])]
        sql += " ORDER BY rg_key, name_key LIMIT ?"
        args.append(limit)
        with self.transaction() as db:
            return [json.loads(row[0]) for row in db.execute(sql, args).fetchall()]

    # -- long-running operations ------------------------------------------------------------------

    def save_operation(self, op_id: str, doc: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO operations VALUES (?, ?)", (op_id, json.dumps(doc)))

    def get_operation(self, op_id: str) -> dict[str, Any] | None:
        with self.transaction() as db:
            row = db.execute("SELECT doc FROM operations WHERE op_id=?", (op_id.lower(),)).fetchone()
        return json.loads(row[0]) if row else None

    def save_regional_copy(self, service: StoredService, region: str, op_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO regional_copies VALUES (?, ?, ?, ?, ?)",
                (_key(service.subscription), _key(service.resource_group), _key(service.name), region, op_id),
            )

    def regional_copy_operations(self, service: StoredService, region: str) -> list[str]:
        with self.transaction() as db:
            rows = db.execute(
                "SELECT op_id FROM regional_copies WHERE sub_key=? AND rg_key=? AND name_key=? AND region=?",
                (_key(service.subscription), _key(service.resource_group), _key(service.name), region),
            ).fetchall()
        return [row[0] for row in rows]

    # -- commitment plans and associations ----------------------------------------------------------

    def get_plan(self, subscription: str, resource_group: str, name: str) -> dict[str, Any] | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT doc FROM plans WHERE sub_key=? AND rg_key=? AND name_key=?",
                (_key(subscription), _key(resource_group), _key(name)),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def save_plan(self, subscription: str, resource_group: str, name: str, doc: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO plans VALUES (?, ?, ?, ?)",
                (_key(subscription), _key(resource_group), _key(name), json.dumps(doc)),
            )

    def delete_plan(self, subscription: str, resource_group: str, name: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM plans WHERE sub_key=? AND rg_key=? AND name_key=?",
                (_key(subscription), _key(resource_group), _key(name)),
            )

    def list_plans(
        self, subscription: str, resource_group: str | None, after: tuple[str, str] | None, limit: int
    ) -> list[dict[str, Any]]:
        return self._page("plans", subscription, resource_group, after, limit)

    def get_association(self, subscription: str, resource_group: str, plan: str, name: str) -> dict[str, Any] | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT doc FROM associations WHERE sub_key=? AND rg_key=? AND plan_key=? AND name_key=?",
                (_key(subscription), _key(resource_group), _key(plan), _key(name)),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def find_association_of(self, associated_resource_id: str) -> dict[str, Any] | None:
        with self.transaction() as db:
            for (doc,) in db.execute("SELECT doc FROM associations"):
                association = json.loads(doc)
                if association["associatedResourceId"].lower() == associated_resource_id.lower():
                    return association
        return None

    def save_association(self, doc: dict[str, Any]) -> None:
        """`doc` carries its own coordinates: subscription, resourceGroup, plan, name."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO associations VALUES (?, ?, ?, ?, ?)",
                (_key(doc["subscription"]), _key(doc["resourceGroup"]), _key(doc["plan"]), _key(doc["name"]),
                 json.dumps(doc)),
            )  # fmt: skip

    def delete_association(self, doc: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM associations WHERE sub_key=? AND rg_key=? AND plan_key=? AND name_key=?",
                (_key(doc["subscription"]), _key(doc["resourceGroup"]), _key(doc["plan"]), _key(doc["name"])),
            )

    def list_associations(
        self, subscription: str, resource_group: str, plan: str, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        sql = "SELECT doc FROM associations WHERE sub_key=? AND rg_key=? AND plan_key=?"
        args: list[Any] = [_key(subscription), _key(resource_group), _key(plan)]
        if after is not None:
            sql += " AND name_key > ?"
            args.append(_key(after))
        sql += " ORDER BY name_key LIMIT ?"
        args.append(limit)
        with self.transaction() as db:
            return [json.loads(row[0]) for row in db.execute(sql, args).fetchall()]
