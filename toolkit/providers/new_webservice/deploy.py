"""Deploying definitions: export, plan (file vs live), new, update, remove, add-region, and the read-back check.

Comparing a file with the live service needs the noise the service adds taken out first.
`comparable()` applies these rules, each to both sides:
  1. read-only fields go (id, name, type, createdOn, modifiedOn, provisioningState, swaggerLocation);
  2. write-only fields go (storageAccount.key and commitmentPlan, which nothing returns; the service keys too,
     unless the plan read them with listKeys to compare them);
  3. then null values and empty maps go (the serializer omits nulls, and the service answers an empty map such
     as `parameters: {}` with null, so null, {} and absent are the same);
  4. `location` compares without case and spaces ("South Central US" == "southcentralus");
  5. defaults the service fills in equal their absence: readOnly false, payloadsInBlobStorage false;
  6. an encrypted graph-parameter value (non-empty certificateThumbprint on either side) is not
     compared: the service re-encrypts what it is sent, so ciphertexts never match;
  7. property names the service returns in another case (PascalCase inside large payloads) are read
     as the definition loader reads files.
The plan's hashes are taken over these comparable forms (never over a secret), so a plan goes stale only on
real changes.

Placeholders against the live service, one rule for plans, requests and the read-back: a `${NAME}` whose
variable is set stands for its value; one whose variable is unset means "keep what is live" wherever the live
value can be read: the service keys (through listKeys) and anything GET returns whose text fits the
placeholder's template (a SAS query on an otherwise equal URI). The storage key can never be read back, so a
request that sends it needs its variable set; nothing is demanded that is not sent.

How a change is deployed: the service merges a PATCH (objects key by key; lists and values replace), so a PATCH
adds and changes but never removes an entry of an object (an asset, a parameter, a port, a column). A plan that
removes one replaces the service instead: a PUT of the whole definition (action "replace"), confirmed first.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from toolkit import jsonfile, names
from toolkit.config import Target
from toolkit.definition.diff import Change, compact
from toolkit.definition.paths import format_path, pop_at, value_at
from toolkit.definition.secrets import PLACEHOLDER, resolve_placeholders, set_variables
from toolkit.deploy import flow
from toolkit.deploy.placeholders import Resolved, resolve_against_live
from toolkit.deploy.plan import (
    UPDATE,
    Plan,
    changed_parts,
    replacement_paths,
    state_hash,
)
from toolkit.deploy.send import Checked, ReadBack, Sending, refuse_not_taken, send
from toolkit.errors import BadInput, Refused
from toolkit.operation import OperationResult, Progress, WaitOptions
from toolkit.preview import Confirm, RequestPreview, guard_creation
from toolkit.providers import provider_named
from toolkit.providers.new_webservice.client import WebServices, service_target
from toolkit.providers.new_webservice.definition import (
    KIND,
    canonical,
    credential_parameters,
    diff,
    mask_secrets,
    normalise,
    placeholder_for,
    validate,
)
from toolkit.providers.new_webservice.models import check_models
from toolkit.providers.new_webservice.schema import WRITE_ONLY_PATHS

KEYS = ("properties", "keys")
STORAGE_KEY = ("properties", "storageAccount", "key")
SERVICE_DEFAULTS = {("properties", "readOnly"): False, ("properties", "payloadsInBlobStorage"): False}
ENCRYPTED = "<encrypted by the service>"
READ_ONLY_WARNING = (
    "Your update will make web service {name} read-only: it can no longer be updated, only deleted. Continue?"
)


# --- comparing -----------------------------------------------------------------------------------------------


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def _encrypted_parameters(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(node id, parameter name) of every graph-node parameter whose value the service encrypted."""
    nodes = value_at(document, ("properties", "package", "nodes")) or {}
    found = set()
    for node_id, node in nodes.items() if isinstance(nodes, dict) else ():
        parameters = node.get("parameters") if isinstance(node, dict) else None
        for name, parameter in parameters.items() if isinstance(parameters, dict) else ():
            if isinstance(parameter, dict) and parameter.get("certificateThumbprint"):
                found.add((node_id, name))
    return found


def comparable(
    document: dict[str, Any], encrypted: set[tuple[str, str]] | None = None, *, keys: bool = False
) -> dict[str, Any]:
    """The document with the service's noise taken out (rules in the module docstring); keys=True keeps the keys."""
    result = canonical(normalise(document)[0])
    for path in WRITE_ONLY_PATHS:
        if not (keys and path == KEYS):
            pop_at(result, path)
    result = _drop_empty(result)
    if isinstance(result.get("location"), str):
        result["location"] = result["location"].replace(" ", "").lower()
    for path, default in SERVICE_DEFAULTS.items():
        if value_at(result, path) == default:
            pop_at(result, path)
    nodes = value_at(result, ("properties", "package", "nodes")) or {}
    for node_id, name in encrypted if encrypted is not None else _encrypted_parameters(document):
        parameter = value_at(nodes, (node_id, "parameters", name))
        if isinstance(parameter, dict):
            nodes[node_id]["parameters"][name] = {"value": ENCRYPTED}
    return result


def comparable_pair(
    desired: dict[str, Any], live: dict[str, Any], *, keys: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    encrypted = _encrypted_parameters(normalise(desired)[0]) | _encrypted_parameters(normalise(live)[0])
    return comparable(desired, encrypted, keys=keys), comparable(live, encrypted, keys=keys)


def desired_hash(desired: dict[str, Any]) -> str:
    """The plan's hash of the file: its comparable form and the write-only fields as written (placeholders: a
    file holds no secret), so that editing `${MLWS_STORAGE_KEY}` into another variable makes a plan stale."""
    return state_hash([comparable(desired), [[".".join(path), value_at(desired, path)] for path in WRITE_ONLY_PATHS]])


def _leaves(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    return [(path, value)]


def not_taken(sent: dict[str, Any], live: dict[str, Any], *, exact: bool) -> list[str]:
    """Paths where the live service differs from what was sent (exact: the whole definition must match).

    Write-only fields are not compared here: the service keys are checked with listKeys (`_keys_not_taken`),
    the storage key and the commitment plan cannot be read back at all.
    """
    wanted, actual = comparable_pair(sent, live)
    if exact:
        return [change.path for change in diff(actual, wanted).changes]
    return [format_path(path) for path, value in _leaves(wanted) if path and value_at(actual, path) != value]


# --- the live side ----------------------------------------------------------------------------------------------


@dataclass
class Live:
    """The live service as GET returns it, plus its keys when they were read with listKeys (never shown)."""

    resource: dict[str, Any]
    keys: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        if self.keys is None:
            return self.resource
        properties = dict(self.resource.get("properties") or {})
        properties["keys"] = {kind: value for kind, value in self.keys.items() if value}
        return {**self.resource, "properties": properties}


def _sets_keys(desired: dict[str, Any], env: Mapping[str, str]) -> bool:
    """Whether the file's service keys stand for values from the environment (a rotation to compare)."""
    keys = value_at(desired, KEYS)
    return isinstance(keys, dict) and any(
        isinstance(value, str) and value and all(name in env for name in PLACEHOLDER.findall(value))
        for value in keys.values()
    )


def _read_live(services: WebServices, desired: dict[str, Any], env: Mapping[str, str]) -> Live | None:
    found = services.find()
    if found is None:
        return None
    return Live(found, services.list_keys() if _sets_keys(desired, env) else None)


def _keys_not_taken(services: WebServices, body: dict[str, Any]) -> list[str]:
    """The service keys a request sent that listKeys does not return (compared in memory, never shown)."""
    sent = value_at(body, KEYS)
    if not isinstance(sent, dict) or not any(sent.values()):
        return []
    found = services.list_keys() or {}
    return [f"properties.keys.{kind}" for kind, value in sent.items() if value and found.get(kind) != value]


def _sent_credentials(body: dict[str, Any]) -> list[str]:
    """Paths of the credential parameters a request sends in clear (the service keeps them encrypted)."""
    return [
        format_path((*path, "value"))
        for path, parameter in credential_parameters(body)
        if isinstance(parameter, dict) and parameter.get("value") and not parameter.get("certificateThumbprint")
    ]


def _unreadable_sent(body: dict[str, Any], *, keys_read_back: bool = True) -> list[str]:
    """Write-only fields a request sent and the read-back could not compare, each with the reason."""
    found = [
        f"{'.'.join(path)} (sent, but write-only: the service never returns it)"
        for path in WRITE_ONLY_PATHS
        if path != KEYS and value_at(body, path)
    ]
    found += [f"{path} (sent; the service answers it encrypted)" for path in _sent_credentials(body)]
    if not keys_read_back and value_at(body, KEYS):
        found.append("properties.keys (sent; read back only when an update changes them: `mlws keys` shows them)")
    return found


# --- export --------------------------------------------------------------------------------------------------


def with_write_only(document: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """The exported document plus the write-only fields GET never returns (keys, storageAccount.key, commitmentPlan),
    carried over from the file being replaced; a storage account still without a key gets the storage-key
    placeholder, so the file creates a service that can read its model."""
    result = flow.carry_write_only(document, existing, KIND)
    storage = value_at(result, ("properties", "storageAccount"))
    if isinstance(storage, dict) and storage.get("name") and not storage.get("key"):
        storage["key"] = placeholder_for(STORAGE_KEY)
    return result


def export_service(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    file: Path | None,
    confirm: Confirm,
) -> flow.ExportResult:
    """Export-AzMlWebService: the live service as a canonical, secret-free file (or text for stdout)."""
    target = service_target(name, resource_group, subscription, file=file)
    return flow.export(PROVIDER, WebServices.connect(target), file, confirm)


# --- plan ----------------------------------------------------------------------------------------------------


def _load_desired(path: Path) -> dict[str, Any]:
    from toolkit.providers import load_as

    document = load_as(path, KIND).document
    problems = validate(document, secrets=True)
    if problems:
        raise BadInput(f"{path}: not a valid definition ({len(problems)} problem(s))", problems=problems)
    return document


def minimal_patch(desired: dict[str, Any], keys: list[tuple[str, ...]]) -> dict[str, Any]:
    """A PATCH body with only the changed parts, each whole (maps such as assets are sent whole, as the cmdlet does)."""
    properties: dict[str, Any] = {"packageType": desired.get("properties", {}).get("packageType", "Graph")}
    body: dict[str, Any] = {}
    for key in keys:
        if key[0] == "properties":
            properties[key[1]] = copy.deepcopy(value_at(desired, key))
        else:  # tags: a file without tags clears them
            body[key[0]] = copy.deepcopy(desired.get(key[0], {}))
    return {"properties": properties, **body}


def _request_body(action: str, resolved: Resolved, live: Live, changes: list[Change]) -> dict[str, Any]:
    """What applying a plan sends: the changed parts (PATCH), or the whole definition (PUT) keeping the live keys."""
    if action == UPDATE:
        return minimal_patch(resolved.document, changed_parts(changes))
    body = canonical({**resolved.document, "location": live.resource.get("location")})
    if not value_at(body, KEYS) and live.keys:
        body["properties"]["keys"] = {kind: value for kind, value in live.keys.items() if value}
    return body


def _read_back_file(
    services: WebServices, desired: dict[str, Any], body: dict[str, Any], env, *, keys: bool = True
) -> ReadBack:
    """After a PUT or a plan's PATCH the live service must match the whole file (placeholders as in the plan).

    keys=False (creation, --whole: requests not meant to change the keys) leaves them to `mlws keys`, as the
    cmdlets do; the recorded service traffic has no such read."""
    resource = services.get()
    resolved = resolve_against_live(desired, resource, env, KIND)
    wanted, actual = comparable_pair(resolved.document, resource)
    wrong_keys = _keys_not_taken(services, body) if keys else []
    refuse_not_taken(
        services.target, "web service", [change.path for change in diff(actual, wanted).changes] + wrong_keys
    )
    return _read_back(resource, body, keys_checked=keys and bool(value_at(body, KEYS)), verified=True, keys=keys)


def _read_back_sent(services: WebServices, body: dict[str, Any], kept: list[str]) -> ReadBack:
    """After a PATCH of individual properties, what was sent must show (the rest is the service's own: `kept`
    lists the live entries the merge left in place, said so in the result)."""
    resource = services.get()
    refuse_not_taken(
        services.target, "web service", not_taken(body, resource, exact=False) + _keys_not_taken(services, body)
    )
    compared = [path for path, _ in _leaves(comparable(body)) if path and path != ("properties", "packageType")]
    keys_checked = bool(value_at(body, KEYS))
    return _read_back(resource, body, keys_checked=keys_checked, verified=bool(compared) or keys_checked, kept=kept)


def _read_back(
    resource: dict[str, Any],
    body: dict[str, Any],
    *,
    keys_checked: bool,
    verified: bool,
    keys: bool = True,
    kept: list[str] = (),
) -> ReadBack:
    notes = [
        f"kept by the service's merge (a PATCH cannot remove them; `mlws update -f FILE` replaces the service where "
        f"a file removes entries): {', '.join(kept)}"
    ] if kept else []  # fmt: skip
    return ReadBack(
        mask_secrets(resource),
        verified,
        verified_how="the service keys with listKeys" if keys_checked else "",
        unverifiable=_unreadable_sent(body, keys_read_back=keys),
        notes=notes,
        details={"keysChecked": keys_checked, "keptByTheMerge": list(kept)},
    )


def _model_check(body: dict[str, Any], live: dict[str, Any] | None, how: Sending):
    """The check before sending: the trained models the request points the service at are there."""

    def check() -> Checked:
        found = check_models(body, live, how.env, skip=how.skip_checks)
        return Checked([f"trained model found before sending: {uri}" for uri in found], {"modelsChecked": found})

    return check


def _danger(services: WebServices, body: dict[str, Any]) -> str | None:
    if value_at(body, ("properties", "readOnly")) is True:
        return READ_ONLY_WARNING.format(name=services.target.describe())
    return None


# --- new -----------------------------------------------------------------------------------------------------


def _creation_target(target: Target, desired: dict[str, Any]) -> Target:
    """Where a new service goes: the location from flags, environment or mlws.yaml, else the file's."""
    if not target.location and desired.get("location"):
        target = replace(target, location=names.location(str(desired["location"]), "the definition's location"))
    return target.require("location")


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
    skip_model_check: bool = False,
    env: Mapping[str, str] = os.environ,
) -> OperationResult | RequestPreview:
    """New-AzMlWebService: PUT the definition. Without --force an existing service is never replaced."""
    env = set_variables(env)
    desired = _load_desired(file)
    target = _creation_target(service_target(name, resource_group, subscription, file=file, location=location), desired)
    resolve_placeholders(desired, env)  # an unset placeholder variable is bad input before anything is sent
    services = WebServices.connect(target)
    guard_creation(
        f"web service {target.describe()}",
        lambda: services.find() is not None,
        force=force,
        confirm=confirm,
        what_if=what_if,
        instead="`mlws update -f`",
    )
    return flow.create(
        PROVIDER, services, desired, Sending(confirm, what_if, wait, env, skip_model_check), action="new"
    )


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
    diagnostics_expiry: str | None = None
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
        if self.diagnostics_expiry is not None and self.diagnostics_level is None:
            raise BadInput("--diagnostics-expiry goes with --diagnostics-level (the service needs the level)")
        if self.diagnostics_level is not None:
            properties["diagnostics"] = {"level": self.diagnostics_level}
            if self.diagnostics_expiry is not None:
                properties["diagnostics"]["expiry"] = _date_time(self.diagnostics_expiry, "--diagnostics-expiry")
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
                option = "--" + name.replace("_", "-")
                properties[key] = _without_nulls(read_json_option(getattr(self, name), option, dict), option)
        return {"properties": properties}


def _date_time(text: str, option: str) -> str:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option} {text!r}: expected an ISO 8601 date-time such as 2027-01-31T00:00:00Z") from None
    if moment.tzinfo is None:
        raise BadInput(f"{option} {text!r}: give the time zone, e.g. 2027-01-31T00:00:00Z")
    return text


def _without_nulls(value: Any, option: str, path: str = "") -> Any:
    """A flag file's value, refused when it holds a null: the service ignores nulls in a PATCH, so a null would
    change nothing while looking like a removal."""
    if value is None:
        raise BadInput(
            f"{option}: {path or 'the value'} is null, which the service ignores (a PATCH cannot remove anything); "
            "to remove entries, update from a definition file (`mlws update -f`), which replaces the service"
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _without_nulls(item, option, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _without_nulls(item, option, f"{path}[{index}]")
    return value


def _secret(value: str | None, variable: str | None, option: str) -> str | None:
    if value is not None and variable is not None:
        raise BadInput(f"give {option} or {option}-env, not both")
    if variable is None:
        if value is not None and not value.strip():
            raise BadInput(f"{option}: an empty value would blank it on the service")
        return value
    if not os.environ.get(variable, "").strip():
        raise BadInput(f"{option}-env {variable}: environment variable {variable} is not set (or is empty)")
    return os.environ[variable]


def read_json_option(path: Path, option: str, expected: type) -> Any:
    """The JSON value of a property-flag file, which must be of the `expected` kind (dict: a JSON object)."""
    return jsonfile.read(path, flag=option, expect=expected)


def _merged(live: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """What the service holds after a PATCH of `body` (its merge: a property of `properties` sent as {} is removed;
    below that objects merge key by key; lists and values replace), to validate it before sending."""

    def merge(base: Any, patch: Any) -> Any:
        if not isinstance(base, dict) or not isinstance(patch, dict):
            return patch
        return {**base, **{key: merge(base.get(key), value) for key, value in patch.items()}}

    properties = dict(live.get("properties") or {})
    for name, value in body["properties"].items():
        if value == {}:
            properties.pop(name, None)
        else:
            properties[name] = merge(properties.get(name), value)
    return {**live, "properties": properties}


def kept_by_the_merge(live: dict[str, Any], body: dict[str, Any]) -> list[str]:
    """Entries of the live parts a PATCH sends that it leaves in place although the body has them not."""
    sent = body["properties"]
    before = {"properties": {name: (live.get("properties") or {}).get(name) for name in sent if sent[name] != {}}}
    after = {"properties": {name: value for name, value in sent.items() if value != {}}}
    return replacement_paths(diff(comparable(before), comparable(after)).changes)


def _check_merged(live: dict[str, Any], body: dict[str, Any]) -> None:
    """Property updates are checked as the service will hold them: a new package must fit the live assets, and
    emptying the assets must not leave the package naming them. Only problems the change makes are reported."""
    before = {str(problem) for problem in validate(canonical(normalise(live)[0]), secrets=False)}
    after = validate(canonical(normalise(_merged(live, body))[0]), secrets=False)
    problems = [problem for problem in after if str(problem) not in before]
    if problems:
        raise BadInput("the requested properties are not valid", problems=problems)


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
    skip_model_check: bool = False,
    env: Mapping[str, str] = os.environ,
) -> OperationResult | RequestPreview:
    """Update-AzMlWebService: from a file (a PATCH of what differs, or a replacement), --whole, a plan, or flags."""
    env = set_variables(env)
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
    how = Sending(confirm, what_if, wait, env, skip_model_check)
    if plan is not None:
        return flow.update_from_plan(plan, how, provider_named)
    services = WebServices.connect(service_target(name, resource_group, subscription, file=file))
    question = f"Update web service {services.target.describe()}:"
    if file is None:
        body = changes.body()
        live_resource = services.get()
        _check_merged(live_resource, body)
        kept = kept_by_the_merge(live_resource, body)
        shown = _sent_parts(body, skip=("packageType",))  # packageType goes with every PATCH, asked for or not
        return send(
            services,
            "PATCH",
            body,
            how,
            action="update",
            shown=shown,
            before=_model_check(body, live_resource, how),
            danger=_danger(services, body),
            read_back=lambda: _read_back_sent(services, body, kept),
            question=question,
        )
    desired = _load_desired(file)
    if whole:
        body = canonical(resolve_placeholders(desired, env))
        live_resource = services.get()
        removed = replacement_paths(diff(*comparable_pair(live_resource, body)).changes)
        if removed:
            raise BadInput(
                f"update --whole PATCHes the whole definition, and the service's merge cannot remove "
                f"{', '.join(removed)}; nothing was sent. `mlws update -f {file}` (without --whole) replaces the "
                "service to remove them"
            )
        return send(
            services,
            "PATCH",
            body,
            how,
            action="update",
            shown=_sent_parts(body),
            before=_model_check(body, live_resource, how),
            danger=_danger(services, body),
            read_back=lambda: _read_back_file(services, desired, body, env, keys=False),
            question=question,
        )
    return flow.update_from_file(PROVIDER, services, file, desired, how)


def _sent_parts(body: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    """One line per top-level part of a PATCH body that is not a plan's (--whole, property flags), secrets masked."""
    masked = mask_secrets(body)
    parts = [(f"properties.{key}", value) for key, value in masked.get("properties", {}).items() if key not in skip]
    parts += [(key, value) for key, value in masked.items() if key != "properties"]
    return [f"sent {path}: {compact(value)}" for path, value in parts]


# --- the provider the deploy flow drives ------------------------------------------------------------------------


class WebServiceProvider(flow.Provider):
    """New web services for the deploy flow (toolkit.deploy.flow): their targets, noise, requests and checks."""

    name = "new_webservice"
    noun = "web service"
    kind = KIND
    target_fields = ("subscription", "resource_group", "name", "location")

    def target(self, *, file, name=None, resource_group=None, subscription=None, location=None) -> Target:
        return service_target(name, resource_group, subscription, file=file, location=location)

    def creation_target(self, target: Target, desired: dict[str, Any]) -> Target:
        return _creation_target(target, desired)

    def connect(self, target: Target) -> WebServices:
        return WebServices.connect(target)

    def load_desired(self, path: Path) -> dict[str, Any]:
        return _load_desired(path)

    def read_live(self, service: WebServices, desired: dict[str, Any], env: Mapping[str, str]) -> Live | None:
        return _read_live(service, desired, env)

    def compare(self, desired: dict[str, Any], live: Live) -> list[Change]:
        wanted, actual = comparable_pair(desired, live.document(), keys=live.keys is not None)
        changes = diff(actual, wanted).changes
        if any(change.segments[:1] == ("location",) for change in changes):
            raise Refused(
                f"location {desired.get('location')!r} differs from the live service's "
                f"{live.resource.get('location')!r}; a web service cannot move: create a new one with `mlws new`"
            )
        return changes

    def desired_hash(self, desired: dict[str, Any]) -> str:
        return desired_hash(desired)

    def live_hash(self, live: Live) -> str:
        return state_hash(comparable(live.resource))

    def for_replacement(self, service: WebServices, live: Live) -> Live:
        # A PUT carries the keys, or the service would make new ones.
        return live if live.keys is not None else replace(live, keys=service.list_keys())

    def request_body(self, action: str, resolved: Resolved, live: Live, changes: list[Change]) -> dict[str, Any]:
        return _request_body(action, resolved, live, changes)

    def creation_body(self, resolved: dict[str, Any], target: Target) -> dict[str, Any]:
        return canonical({**resolved, "location": target.location})

    def not_compared(self, resolved: dict[str, Any]) -> list[str]:
        return _sent_credentials(resolved)

    def read_back(self, service, desired, body, env, *, creating: bool = False) -> ReadBack:
        return _read_back_file(service, desired, body, env, keys=not creating)

    def checks(self, body: dict[str, Any], live: dict[str, Any] | None, how: Sending):
        return _model_check(body, live, how)

    def danger(self, service: WebServices, body: dict[str, Any]) -> str | None:
        return _danger(service, body)

    def exported(self, live: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        return with_write_only(normalise(live)[0], existing)


PROVIDER = WebServiceProvider()


def plan_against_live(
    path: Path,
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    out: Path | None = None,
    progress: Progress | None = None,
    env: Mapping[str, str] = os.environ,
) -> Plan:
    """The changes `update -f path` would make to the live service (`mlws diff FILE`), saved to `out` if given."""
    where = {"name": name, "resource_group": resource_group, "subscription": subscription}
    return flow.plan_against_live(PROVIDER, Path(path), where=where, env=set_variables(env), out=out, progress=progress)


# --- remove, add-region --------------------------------------------------------------------------------------


def remove_service(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    confirm: Confirm,
    what_if: bool,
    wait: WaitOptions,
) -> OperationResult | RequestPreview:
    """Remove-AzMlWebService: DELETE and wait (deleting a missing service succeeds, as in Azure)."""
    target = service_target(name, resource_group, subscription)
    services = WebServices.connect(target)
    if what_if:
        return services.preview("DELETE", None)
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
    confirm: Confirm,
    what_if: bool,
    wait: WaitOptions,
) -> OperationResult | RequestPreview:
    """Add-AzMlWebServiceRegionalProperty: POST CreateRegionalBlob, wait, then GET ?region= (the result)."""
    if not region:
        raise BadInput("no region: pass --region")
    names.location(region, "--region")
    target = service_target(name, resource_group, subscription)
    services = WebServices.connect(target)
    if what_if:
        return services.preview("POST", None, suffix="/CreateRegionalBlob", params={"region": region})
    confirm(f"Copy the encrypted credentials of web service {target.describe()} to region {region}?", unattended=True)
    operation = services.begin_regional_blob(region)
    if wait.no_wait:
        return OperationResult("add-region", target, operation.status_url, waited=False)
    status = services.finish(operation, wait, "add-region")
    regional = services.get(region=region)
    return OperationResult(
        "add-region", target, operation.status_url, waited=True, status=status, resource=mask_secrets(regional)
    )
