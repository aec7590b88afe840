"""Deploying definitions: export, plan (file vs live), new, update, remove, add-region, and the read-back check.

Comparing a file with the live service needs the noise the service adds taken out first.
`comparable()` applies these rules, each to both sides:
  1. read-only fields go (id, name, type, createdOn, modifiedOn, provisioningState, swaggerLocation);
  2. write-only fields go (keys, storageAccount.key, commitmentPlan): GET never returns them;
  3. null values and empty maps go (the serializer omits nulls, and the service answers an empty map
     such as `parameters: {}` with null, so null, {} and absent are the same);
  4. `location` compares without case and spaces ("South Central US" == "southcentralus");
  5. defaults the service fills in equal their absence: readOnly false, payloadsInBlobStorage false;
  6. an encrypted graph-parameter value (non-empty certificateThumbprint on either side) is not
     compared: the service re-encrypts what it is sent, so ciphertexts never match;
  7. property names the service returns in another case (PascalCase inside large payloads) are read
     as the definition loader reads files.
The plan's hashes are taken over these comparable forms, so a plan goes stale only on real changes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from toolkit import jsonfile
from toolkit.classic.preview import RequestPreview
from toolkit.classic.webservices import (
    API_VERSION,
    OperationResult,
    Progress,
    WaitOptions,
    WebServices,
    service_target,
)
from toolkit.config import Target
from toolkit.definition import canonical, diff, dumps, load_file, mask_secrets, normalise, redact_secrets, validate
from toolkit.definition.canonical import write_text
from toolkit.definition.diff import compact
from toolkit.definition.schema import WRITE_ONLY_PATHS
from toolkit.definition.secrets import placeholder_for, placeholders, resolve_placeholders
from toolkit.errors import BadInput, ExitCode, Refused

PLAN_VERSION = 1
CREATE, UPDATE = "create", "update"  # what applying a plan does
SERVICE_DEFAULTS = {("properties", "readOnly"): False, ("properties", "payloadsInBlobStorage"): False}
ENCRYPTED = "<encrypted by the service>"
READ_ONLY_WARNING = (
    "Your update will make web service {name} read-only: it can no longer be updated, only deleted. Continue?"
)

Confirm = Callable[[str], None]


# --- comparing -----------------------------------------------------------------------------------------------


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def _pop(document: dict[str, Any], path: tuple[str, ...]) -> None:
    parent = document
    for name in path[:-1]:
        parent = parent.get(name)
        if not isinstance(parent, dict):
            return
    parent.pop(path[-1], None)


def _get(document: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(document, dict) or name not in document:
            return None
        document = document[name]
    return document


def _encrypted_parameters(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(node id, parameter name) of every graph-node parameter whose value the service encrypted."""
    nodes = _get(document, ("properties", "package", "nodes")) or {}
    found = set()
    for node_id, node in nodes.items() if isinstance(nodes, dict) else ():
        for name, parameter in ((node or {}).get("parameters") or {}).items():
            if isinstance(parameter, dict) and parameter.get("certificateThumbprint"):
                found.add((node_id, name))
    return found


def comparable(document: dict[str, Any], encrypted: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The document with the service's noise taken out (rules in the module docstring)."""
    result = _drop_empty(canonical(normalise(document)[0]))
    for path in WRITE_ONLY_PATHS:
        _pop(result, path)
    if isinstance(result.get("location"), str):
        result["location"] = result["location"].replace(" ", "").lower()
    for path, default in SERVICE_DEFAULTS.items():
        if _get(result, path) == default:
            _pop(result, path)
    nodes = _get(result, ("properties", "package", "nodes")) or {}
    for node_id, name in encrypted if encrypted is not None else _encrypted_parameters(document):
        parameter = _get(nodes, (node_id, "parameters", name))
        if isinstance(parameter, dict):
            nodes[node_id]["parameters"][name] = {"value": ENCRYPTED}
    return result


def comparable_pair(desired: dict[str, Any], live: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    encrypted = _encrypted_parameters(desired) | _encrypted_parameters(live)
    return comparable(desired, encrypted), comparable(live, encrypted)


def state_hash(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _leaves(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    return [(path, value)]


def _format(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def not_taken(intent: dict[str, Any], live: dict[str, Any], *, exact: bool) -> list[str]:
    """Paths where the live service differs from what was sent (exact: the whole definition must match)."""
    wanted, actual = comparable_pair(intent, live)
    if exact:
        return [change.path for change in diff(actual, wanted).changes]
    return [_format(path) for path, value in _leaves(wanted) if path and _get(actual, path) != value]


def _check_took(services: WebServices, intent: dict[str, Any], live: dict[str, Any], *, exact: bool) -> None:
    missing = not_taken(intent, live, exact=exact)
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise Refused(
            f"the service accepted the request but reading it back shows these did not take: {shown} "
            f"(web service {services.target.describe()})"
        )


# --- what-if -------------------------------------------------------------------------------------------------


def _preview(services: WebServices, method: str, body: Any, suffix: str = "", params=None) -> RequestPreview:
    url = services.client.url(services.path(suffix=suffix), API_VERSION, params)
    return RequestPreview(method, url, None if body is None else mask_secrets(body))


# --- export --------------------------------------------------------------------------------------------------


STORAGE_KEY = ("properties", "storageAccount", "key")


def _existing_definition(file: Path) -> dict[str, Any] | None:
    """The file export is about to replace, read as definitions are; None when it is missing or not one."""
    if not file.is_file():
        return None
    try:
        document = load_file(file).document
    except BadInput:  # not a definition (it is replaced only after the overwrite prompt)
        return None
    return document if isinstance(document, dict) else None


def with_write_only(document: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """The exported document plus the write-only fields GET never returns (keys, storageAccount.key, commitmentPlan).

    They are carried over from the file being replaced, as written there, so exporting an unchanged service gives
    the same file; a storage account still without a key gets the storage-key placeholder, so the file creates a
    service that can read its model. Literal secrets carried over are turned into placeholders by the redaction
    that follows (export_service), like every other secret.
    """
    result = copy.deepcopy(document)
    for path in WRITE_ONLY_PATHS:
        value = _get(existing, path) if existing is not None else None
        parent = _get(result, path[:-1])
        if value is not None and isinstance(parent, dict) and path[-1] not in parent:
            parent[path[-1]] = copy.deepcopy(value)
    storage = _get(result, ("properties", "storageAccount"))
    if isinstance(storage, dict) and storage.get("name") and not storage.get("key"):
        storage["key"] = placeholder_for(STORAGE_KEY)
    return result


@dataclass
class ExportResult:
    text: str
    file: Path | None
    written: bool
    placeholders: list[str] = field(default_factory=list)  # variables the file needs to deploy
    exit_code: int = ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file) if self.file else None,
            "written": self.written,
            "placeholders": self.placeholders,
            "definition": json.loads(self.text),
        }

    def to_text(self) -> str:
        if self.file is None:
            return self.text.rstrip("\n")
        state = "written" if self.written else "unchanged"
        lines = [f"{self.file}: {state}"]
        if self.placeholders:
            lines.append("set before deploying: " + ", ".join(self.placeholders))
        return "\n".join(lines)


def export_service(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    file: Path | None,
    confirm: Confirm,
    debug: bool = False,
) -> ExportResult:
    """Export-AzMlWebService: the live service as a canonical, secret-free file (or text for stdout)."""
    target = service_target(name, resource_group, subscription, file=file)
    if file is not None and file.is_dir():
        raise BadInput(f"{file}: is a directory; give a file path with -f")
    live = WebServices.connect(target, debug=debug).get()
    existing = _existing_definition(file) if file is not None else None
    document, _ = redact_secrets(canonical(with_write_only(normalise(live)[0], existing)))
    text = dumps(document)
    needed = placeholders(document)
    if file is None:
        return ExportResult(text, None, written=False, placeholders=needed)
    if file.exists():
        if file.read_bytes() == text.encode("utf-8"):
            return ExportResult(text, file, written=False, placeholders=needed)
        confirm(f"{file} exists and differs from the live service. Overwrite it?")
    write_text(file, text)
    return ExportResult(text, file, written=True, placeholders=needed)


# --- plan ----------------------------------------------------------------------------------------------------


def _load_desired(path: Path) -> dict[str, Any]:
    document = load_file(path).document
    problems = validate(document, secrets=True)
    if problems:
        raise BadInput(f"{path}: not a valid definition ({len(problems)} problem(s))", problems=problems)
    return document


def _resolve(document: dict[str, Any]) -> dict[str, Any]:
    return resolve_placeholders(document, os.environ)


def _changed_keys(changes) -> list[tuple[str, ...]]:
    """Top-level parts a minimal PATCH must carry: ("tags",), ("location",) or ("properties", NAME)."""
    keys: list[tuple[str, ...]] = []
    for change in changes:
        segments = tuple(str(s) for s in change.segments)
        key = segments[:2] if segments[0] == "properties" and len(segments) > 1 else segments[:1]
        if key not in keys:
            keys.append(key)
    return keys


def minimal_patch(desired: dict[str, Any], keys: list[tuple[str, ...]]) -> dict[str, Any]:
    """A PATCH body with only the changed parts, each whole (maps such as assets are sent whole, as the cmdlet does)."""
    properties: dict[str, Any] = {"packageType": desired.get("properties", {}).get("packageType", "Graph")}
    body: dict[str, Any] = {}
    for key in keys:
        if key[0] == "properties":
            properties[key[1]] = copy.deepcopy(_get(desired, key))
        else:  # tags: a file without tags clears them
            body[key[0]] = copy.deepcopy(desired.get(key[0], {}))
    return {"properties": properties, **body}


@dataclass
class Plan:
    """What `update -f FILE` would send: the changes file -> live, and the hashes that make it safe to apply later.

    action "create": the service does not exist; the changes are the whole definition, applying the plan creates
    it as `mlws new` does, and the plan is stale as soon as the service exists.
    """

    target: Target
    file: Path
    changes: list[Any]  # toolkit.definition.Change, secrets masked
    live_hash: str | None  # None: the service did not exist
    desired_hash: str
    action: str = UPDATE
    exit_code: int = ExitCode.OK

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def patch_keys(self) -> list[tuple[str, ...]]:
        return _changed_keys(self.changes) if self.action == UPDATE else []

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "action": self.action,
            "target": {k: v for k, v in self.target.to_json().items() if k not in ("endpoint", "config_file")},
            "endpoint": self.target.endpoint,
            "file": str(self.file),
            "hasChanges": self.has_changes,
            "changes": [change.to_json() for change in self.changes],
            "patch": [".".join(key) for key in self.patch_keys],
            "liveHash": self.live_hash,
            "desiredHash": self.desired_hash,
        }

    def to_text(self) -> str:
        body = "\n".join(f"  {change.to_text()}" for change in self.changes)
        if self.action == CREATE:
            return (
                f"--- live {self.target.describe()}: does not exist\n+++ {self.file}\n"
                f"service does not exist: `mlws update --plan` creates it (PUT of the whole definition)\n{body}"
            )
        header = f"--- live {self.target.describe()}\n+++ {self.file}\n"
        if not self.changes:
            return header + "No changes."
        noun = "change" if len(self.changes) == 1 else "changes"
        return f"{header}{len(self.changes)} {noun}; update would send: {', '.join(self.to_json()['patch'])}\n{body}"

    def save(self, path: Path) -> None:
        write_text(Path(path), json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")


def _plan(services: WebServices, path: Path, desired: dict[str, Any], live: dict[str, Any]) -> Plan:
    wanted, actual = comparable_pair(desired, live)
    if placeholders(wanted):  # placeholders outside write-only fields (e.g. a SAS in a URI) must be compared resolved
        wanted, actual = comparable_pair(_resolve(desired), live)
    changes = diff(actual, wanted, ignore_write_only=True).changes
    if any(change.segments[:1] == ("location",) for change in changes):
        raise Refused(
            f"{path}: location {desired.get('location')!r} differs from the live service's "
            f"{live.get('location')!r}; a web service cannot move: create a new one with `mlws new`"
        )
    return Plan(services.target, path, changes, state_hash(actual), state_hash(comparable(desired)))


def plan_against_live(
    path: Path,
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    progress: Progress | None = None,
    debug: bool = False,
) -> Plan:
    """The changes `update -f path` would make to the live service (used by `mlws diff FILE`)."""
    path = Path(path)
    desired = _load_desired(path)
    target = service_target(name, resource_group, subscription, file=path)
    services = WebServices.connect(target, debug=debug)
    if progress is not None:
        progress(f"reading web service {target.describe()}")
    live = services.find()
    if live is None:
        return _creation_plan(_creation_target(target, desired), path, desired)
    return _plan(services, path, desired, live)


def _creation_plan(target: Target, path: Path, desired: dict[str, Any]) -> Plan:
    changes = creation_changes(desired, target)
    return Plan(target, path, changes, None, state_hash(comparable(desired)), action=CREATE)


# --- new -----------------------------------------------------------------------------------------------------


def _creation_target(target: Target, desired: dict[str, Any]) -> Target:
    """Where a new service goes: the location from flags, environment or mlws.yaml, else the file's."""
    if not target.location and desired.get("location"):
        target = replace(target, location=desired["location"])
    return target.require("location")


def creation_changes(desired: dict[str, Any], target: Target) -> list[Any]:
    """Creating shows as the whole definition added (placeholders unresolved, secrets masked)."""
    return diff({}, canonical({**desired, "location": target.location})).changes


def _create(services: WebServices, desired: dict[str, Any], *, what_if: bool, wait: WaitOptions, action: str):
    """PUT the definition with its placeholders resolved, wait, read back and compare: `new` and create plans."""
    body = canonical({**_resolve(desired), "location": services.target.location})
    if what_if:
        return _preview(services, "PUT", body)
    shown = [change.to_text() for change in creation_changes(desired, services.target)]
    operation = services.begin_put(body)
    if wait.no_wait:
        return OperationResult(action, services.target, operation.status_url, waited=False, changes=shown)
    status = services.finish(operation, wait, action)
    live = services.get()
    _check_took(services, body, live, exact=True)
    return OperationResult(
        action,
        services.target,
        operation.status_url,
        waited=True,
        status=status,
        resource=live,
        changes=shown,
        verified=True,
    )


def new_service(
    *,
    file: Path,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    location: str | None,
    force: bool,
    confirm: Confirm,
    what_if: bool,
    wait: WaitOptions,
    debug: bool = False,
) -> OperationResult | RequestPreview:
    """New-AzMlWebService: PUT the definition. Without --force an existing service is never replaced."""
    desired = _load_desired(file)
    target = _creation_target(service_target(name, resource_group, subscription, file=file, location=location), desired)
    _resolve(desired)  # an unset placeholder variable is bad input before anything is sent
    services = WebServices.connect(target, debug=debug)
    if force:
        # --force is the cmdlet's behaviour: no existence check, PUT creates or replaces.
        if not what_if:
            confirm(f"Create or REPLACE web service {target.describe()}? An existing service is overwritten whole.")
    elif services.find() is not None:
        raise Refused(
            f"web service {target.describe()} already exists; `mlws new` would replace it whole. "
            "Use `mlws update -f` to change it, or pass --force to overwrite"
        )
    return _create(services, desired, what_if=what_if, wait=wait, action="new")


# --- update --------------------------------------------------------------------------------------------------


@dataclass
class PropertyUpdates:
    """Update-AzMlWebService's individual properties. Never adds "readOnly": false (the cmdlet's footgun)."""

    title: str | None = None
    description: str | None = None
    read_only: bool = False
    primary_key: str | None = None
    primary_key_env: str | None = None
    secondary_key: str | None = None
    secondary_key_env: str | None = None
    storage_account_key: str | None = None
    storage_account_key_env: str | None = None
    diagnostics_level: str | None = None
    max_concurrent_calls: int | None = None
    assets: Path | None = None
    input_spec: Path | None = None
    output_spec: Path | None = None
    parameters: Path | None = None
    package: Path | None = None

    def given(self) -> list[str]:
        return [name for name, value in vars(self).items() if value not in (None, False)]

    def body(self) -> dict[str, Any]:
        properties: dict[str, Any] = {"packageType": "Graph"}
        for name, key in (("title", "title"), ("description", "description")):
            if getattr(self, name) is not None:
                properties[key] = getattr(self, name)
        keys = {
            kind: value
            for kind, value in (
                ("primary", _secret(self.primary_key, self.primary_key_env, "--primary-key")),
                ("secondary", _secret(self.secondary_key, self.secondary_key_env, "--secondary-key")),
            )
            if value is not None
        }
        if keys:
            properties["keys"] = keys
        if self.read_only:
            properties["readOnly"] = True
        storage_key = _secret(self.storage_account_key, self.storage_account_key_env, "--storage-account-key")
        if storage_key is not None:
            properties["storageAccount"] = {"key": storage_key}
        if self.diagnostics_level is not None:
            properties["diagnostics"] = {"level": self.diagnostics_level}
        if self.max_concurrent_calls is not None:
            properties["realtimeConfiguration"] = {"maxConcurrentCalls": self.max_concurrent_calls}
        for name, key in (
            ("assets", "assets"),
            ("input_spec", "input"),
            ("output_spec", "output"),
            ("parameters", "parameters"),
            ("package", "package"),
        ):
            if getattr(self, name) is not None:
                properties[key] = read_json_option(getattr(self, name), "--" + name.replace("_", "-"), dict)
        body = {"properties": properties}
        problems = validate(body, secrets=False)
        if problems:
            raise BadInput("the requested properties are not valid", problems=problems)
        return body


def _secret(value: str | None, variable: str | None, option: str) -> str | None:
    if value is not None and variable is not None:
        raise BadInput(f"give {option} or {option}-env, not both")
    if variable is None:
        return value
    if variable not in os.environ:
        raise BadInput(f"{option}-env {variable}: environment variable {variable} is not set")
    return os.environ[variable]


def read_json_option(path: Path, option: str, expected: type) -> Any:
    """The JSON value of a property-flag file, which must be of the `expected` kind (dict: a JSON object)."""
    return jsonfile.read(path, flag=option, expect=expected)


def _read_plan(path: Path) -> dict[str, Any]:
    plan = jsonfile.read(path, flag="--plan")
    not_a_plan = f"--plan {path}: not a plan written by `mlws diff --out` (version {PLAN_VERSION})"
    if (
        not isinstance(plan, dict)
        or plan.get("version") != PLAN_VERSION
        or "liveHash" not in plan
        or plan.setdefault("action", UPDATE) not in (CREATE, UPDATE)
    ):
        raise BadInput(not_a_plan)
    # What applying the plan reads from it, checked before anything is used or sent.
    kinds = {"file": str, "target": dict, "desiredHash": str, "liveHash": (str, type(None))}
    wrong = [key for key, kind in kinds.items() if not isinstance(plan.get(key), kind)]
    target = plan.get("target")
    if isinstance(target, dict):
        wrong += [f"target.{key}" for key, value in target.items() if not isinstance(value, str | None)]
    if wrong:
        raise BadInput(f"{not_a_plan}: {', '.join(wrong)} missing or of the wrong kind")
    return plan


def update_service(
    *,
    file: Path | None,
    whole: bool,
    plan: Path | None,
    changes: PropertyUpdates,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    confirm: Confirm,
    what_if: bool,
    wait: WaitOptions,
    debug: bool = False,
) -> OperationResult | RequestPreview:
    """Update-AzMlWebService: PATCH from a file (what differs, or --whole), a saved plan, or individual properties."""
    given = changes.given()
    modes = [m for m, on in (("-f FILE", file is not None), ("--plan", plan is not None), ("properties", given)) if on]
    if not modes:
        raise BadInput(
            "update: nothing to change. Give -f FILE, --plan PLAN, or a property such as --title "
            "(Update-AzMlWebService without -ServiceUpdates silently changes nothing; mlws refuses)"
        )
    if len(modes) > 1:
        raise BadInput(f"update: give only one of -f FILE, --plan PLAN, or property flags (got {', '.join(modes)})")
    if whole and file is None:
        raise BadInput("update: --whole goes with -f FILE")
    if plan is not None:
        return _update_from_plan(plan, confirm=confirm, what_if=what_if, wait=wait, debug=debug)
    services = WebServices.connect(service_target(name, resource_group, subscription, file=file), debug=debug)
    if file is None:
        body = changes.body()
        shown = _sent_parts(body, skip=("packageType",))  # packageType goes with every PATCH, asked for or not
        return _patch(services, body, body, shown, confirm, what_if, wait, exact=False)
    desired = _load_desired(file)
    if whole:
        body = canonical(_resolve(desired))
        return _patch(services, body, desired, _sent_parts(body), confirm, what_if, wait, exact=True)
    current = _plan(services, file, desired, services.get())
    return _apply_plan(services, current, desired, confirm, what_if, wait)


def _apply_plan(services, current: Plan, desired, confirm, what_if, wait) -> OperationResult | RequestPreview:
    if not current.has_changes:
        return OperationResult("update: no changes", services.target, None, waited=True)
    body = minimal_patch(_resolve(desired), current.patch_keys)
    shown = [change.to_text() for change in current.changes]
    return _patch(services, body, desired, shown, confirm, what_if, wait, exact=True)


def _update_from_plan(path: Path, *, confirm, what_if, wait, debug) -> OperationResult | RequestPreview:
    saved = _read_plan(path)
    file = Path(saved["file"])
    recorded = saved["target"]
    target = service_target(
        recorded.get("name"),
        recorded.get("resource_group"),
        recorded.get("subscription"),
        file=file,
        location=recorded.get("location"),
    )
    if saved.get("endpoint") != target.endpoint:
        raise Refused(f"the plan {path} was made against {saved.get('endpoint')}, not {target.endpoint}")
    desired = _load_desired(file)
    if state_hash(comparable(desired)) != saved["desiredHash"]:
        raise Refused(f"{file} changed since the plan {path} was made; run `mlws diff {file} --out {path}` again")
    if saved["action"] == CREATE:
        target = _creation_target(target, desired)
    services = WebServices.connect(target, debug=debug)
    if saved["action"] == CREATE:
        if services.find() is not None:
            raise Refused(
                f"web service {target.describe()} exists now but did not when the plan {path} was made; "
                f"nothing was sent. Review with `mlws diff {file}` and plan again"
            )
        return _create(services, desired, what_if=what_if, wait=wait, action="create")
    current = _plan(services, file, desired, services.get())
    if current.live_hash != saved["liveHash"]:
        raise Refused(
            f"web service {target.describe()} changed since the plan {path} was made; nothing was sent. "
            f"Review with `mlws diff {file}` and plan again"
        )
    return _apply_plan(services, current, desired, confirm, what_if, wait)


def _sent_parts(body: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    """One line per top-level part of a PATCH body that is not a plan's (--whole, property flags), secrets masked."""
    masked = mask_secrets(body)
    parts = [(f"properties.{key}", value) for key, value in masked.get("properties", {}).items() if key not in skip]
    parts += [(key, value) for key, value in masked.items() if key != "properties"]
    return [f"sent {path}: {compact(value)}" for path, value in parts]


def _patch(services, body, intent, shown: list[str], confirm, what_if, wait, *, exact: bool):
    """PATCH, wait, read back: `intent` must show in the live service (all of it when exact, else what was sent)."""
    if _get(body, ("properties", "readOnly")) is True and not what_if:
        confirm(READ_ONLY_WARNING.format(name=services.target.describe()))
    if what_if:
        return _preview(services, "PATCH", body)
    operation = services.begin_patch(body)
    if wait.no_wait:
        return OperationResult("update", services.target, operation.status_url, waited=False, changes=shown)
    status = services.finish(operation, wait, "update")
    live = services.get()
    _check_took(services, intent if exact else body, live, exact=exact)
    return OperationResult(
        "update",
        services.target,
        operation.status_url,
        waited=True,
        status=status,
        resource=live,
        changes=shown,
        verified=True,
    )


# --- remove, add-region --------------------------------------------------------------------------------------


def remove_service(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    confirm: Confirm,
    what_if: bool,
    wait: WaitOptions,
    debug: bool = False,
) -> OperationResult | RequestPreview:
    """Remove-AzMlWebService: DELETE and wait (deleting a missing service succeeds, as in Azure)."""
    target = service_target(name, resource_group, subscription)
    services = WebServices.connect(target, debug=debug)
    if what_if:
        return _preview(services, "DELETE", None)
    confirm(f"Remove web service {target.describe()}? This cannot be undone.")
    operation = services.begin_delete()
    if wait.no_wait:
        return OperationResult("remove", target, operation.status_url, waited=False)
    status = services.finish(operation, wait, "remove")
    return OperationResult("remove", target, operation.status_url, waited=True, status=status)


def add_region(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    region: str,
    what_if: bool,
    wait: WaitOptions,
    debug: bool = False,
) -> OperationResult | RequestPreview:
    """Add-AzMlWebServiceRegionalProperty: POST CreateRegionalBlob, wait, then GET ?region= (the result)."""
    if not region:
        raise BadInput("no region: pass --region")
    target = service_target(name, resource_group, subscription)
    services = WebServices.connect(target, debug=debug)
    if what_if:
        return _preview(services, "POST", None, suffix="/CreateRegionalBlob", params={"region": region})
    operation = services.begin_regional_blob(region)
    if wait.no_wait:
        return OperationResult("add-region", target, operation.status_url, waited=False)
    status = services.finish(operation, wait, "add-region")
    regional = services.get(region=region)
    return OperationResult("add-region", target, operation.status_url, waited=True, status=status, resource=regional)
