"""A tiny kind of service, written only against the seam, to prove a second kind needs no shared module changed.

"Gadgets" live at /subscriptions/S/resourceGroups/G/providers/Example.Gadgets/gadgets/NAME on a small fake
Resource Manager (stdlib HTTP on 127.0.0.1): PUT replaces, PATCH merges objects key by key, GET never returns
the write-only `properties.secret`. A gadget definition is {location, tags, properties: {colour, size, labels,
secret}}. Everything below is provider code: its kind for the definition core, its client, its rules for the
deploy flow.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolkit.arm.client import ArmClient
from toolkit.config import Target, resolve_target
from toolkit.definition.canonical import canonical
from toolkit.definition.diff import Change, diff
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.load import load_file, normalise
from toolkit.definition.spec import STRING, MapOf, Obj, Value
from toolkit.definition.validate import validate
from toolkit.deploy import flow
from toolkit.deploy.placeholders import resolve_against_live
from toolkit.deploy.plan import changed_parts, state_hash
from toolkit.deploy.send import LiveService, ReadBack, refuse_not_taken
from toolkit.errors import BadInput
from toolkit.preview import RequestPreview

API_VERSION = "2026-01-01"
SECRET = ("properties", "secret")

KIND = DefinitionKind(
    name="gadget definition",
    schema=Obj(
        {
            "id": STRING,
            "name": STRING,
            "location": STRING,
            "tags": MapOf(STRING),
            "properties": Obj(
                {"colour": STRING, "size": Value("integer", minimum=1), "labels": MapOf(STRING), "secret": STRING},
                required=("colour",),
            ),
        },
        required=("properties",),
        read_only=frozenset({"id", "name"}),
    ),
    empty_message="The gadget definition is empty.",
    missing_message="no such gadget definition file",
    write_only=(SECRET,),
    fixed_secrets={SECRET: ("GADGET_SECRET", "gadget secret")},
    recognises=lambda document: isinstance(document, dict) and "colour" in (document.get("properties") or {}),
)


class FakeGadgets:
    """The fake Resource Manager holding gadgets; `requests` lists "METHOD PATH" as received."""

    def __init__(self) -> None:
        self.gadgets: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                path = urlsplit(self.path).path
                fake.requests.append(f"{self.command} {path}")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else None
                status, answer = fake.handle(self.command, path, body)
                data = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_PATCH = answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        stored = self.gadgets.get(path)
        if method == "GET":
            if stored is None:
                return 404, {"error": {"code": "NotFound", "message": "no such gadget"}}
            properties = {k: v for k, v in stored["properties"].items() if k != "secret"}
            return 200, {**stored, "id": path, "name": path.rsplit("/", 1)[1], "properties": properties}
        if method == "PUT":
            self.gadgets[path] = {k: body[k] for k in ("location", "tags", "properties") if k in body}
            return 200, None
        if stored is None:
            return 404, {"error": {"code": "NotFound", "message": "no such gadget"}}
        self.gadgets[path] = _merge(stored, body)
        return 200, None

    def __enter__(self) -> FakeGadgets:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _merge(base: Any, patch: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    return {**base, **{key: _merge(base.get(key), value) for key, value in patch.items()}}


class Gadgets:
    """The provider's client for one gadget: the LiveService the deploy flow sends changes to."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = ArmClient(target.endpoint, target.subscription)
        self.path = (
            f"/subscriptions/{target.subscription}/resourceGroups/{target.resource_group}"
            f"/providers/Example.Gadgets/gadgets/{target.name}"
        )

    def find(self) -> dict[str, Any] | None:
        from toolkit.arm.errors import ResourceNotFound

        try:
            return self.get()
        except ResourceNotFound:
            return None

    def get(self) -> dict[str, Any]:
        return self.client.send("GET", self.path, api_version=API_VERSION).body

    def preview(self, method: str, body: Any) -> RequestPreview:
        return RequestPreview(method, self.client.url(self.path, API_VERSION), body)

    def begin_put(self, body: dict[str, Any]):
        return self.client.begin("PUT", self.path, api_version=API_VERSION, body=body, action="put gadget")

    def begin_patch(self, body: dict[str, Any]):
        return self.client.begin("PATCH", self.path, api_version=API_VERSION, body=body, action="patch gadget")

    def finish(self, operation, wait, action: str) -> dict[str, Any] | None:
        return operation.wait(timeout=wait.timeout, progress=wait.progress, action=action)


@dataclass
class LiveGadget:
    resource: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return self.resource


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    result = canonical(normalise(document, KIND)[0], KIND)
    result.get("properties", {}).pop("secret", None)  # write-only: nothing returns it
    return result


class GadgetProvider(flow.Provider):
    name = "gadget"
    noun = "gadget"
    kind = KIND
    target_fields = ("subscription", "resource_group", "name", "location")

    def target(self, *, file, name=None, resource_group=None, subscription=None, location=None) -> Target:
        return resolve_target(
            file=file, name=name, resource_group=resource_group, subscription=subscription,
            require=("subscription", "resource_group", "name"),
        )  # fmt: skip

    def connect(self, target: Target) -> LiveService:
        return Gadgets(target)

    def load_desired(self, path: Path) -> dict[str, Any]:
        document = load_file(path, KIND).document
        problems = validate(document, KIND)
        if problems:
            raise BadInput(f"{path}: not a valid gadget definition", problems=problems)
        return document

    def read_live(self, service: Gadgets, desired: dict[str, Any], env: Mapping[str, str]) -> LiveGadget | None:
        found = service.find()
        return None if found is None else LiveGadget(found)

    def compare(self, desired: dict[str, Any], live: LiveGadget) -> list[Change]:
        return diff(comparable(live.resource), comparable(desired), KIND).changes

    def desired_hash(self, desired: dict[str, Any]) -> str:
        return state_hash([comparable(desired), desired.get("properties", {}).get("secret")])

    def live_hash(self, live: LiveGadget) -> str:
        return state_hash(comparable(live.resource))

    def request_body(self, action: str, resolved, live: LiveGadget, changes: list[Change]) -> dict[str, Any]:
        document = canonical(resolved.document, KIND)
        if action == flow.REPLACE:
            return document
        body: dict[str, Any] = {"properties": {}}
        for part in changed_parts(changes):
            if part[0] == "properties":
                body["properties"][part[1]] = document["properties"].get(part[1])
            else:
                body[part[0]] = document.get(part[0], {})
        return body

    def creation_body(self, resolved: dict[str, Any], target: Target) -> dict[str, Any]:
        return canonical(resolved, KIND)

    def read_back(self, service: Gadgets, desired, body, env, *, creating: bool = False) -> ReadBack:
        live = service.get()
        resolved = resolve_against_live(desired, live, env, KIND)
        refuse_not_taken(service.target, self.noun, [c.path for c in self.compare(resolved.document, LiveGadget(live))])
        sent_secret = bool((body.get("properties") or {}).get("secret"))
        return ReadBack(live, True, unverifiable=["properties.secret (sent, write-only)"] if sent_secret else [])


PROVIDER = GadgetProvider()
