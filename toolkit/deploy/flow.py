"""The deploy flow every kind of service shares: plan a file against its live service, apply a plan (now or from
its file, only while nothing it was made from changed), create a service, each read back and verified.

A kind of service takes part through a `Provider` (its rules: which target a file deploys to, how to read the live
service, what of it is noise, how a change becomes a request, what it checks before sending and how it reads the
result back); the flow knows none of them. Placeholders follow one rule (toolkit.deploy.placeholders); a PATCH is
a merge, so a change that removes an entry of an object is a replacement (toolkit.deploy.plan).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.config import Target
from toolkit.definition.canonical import canonical, dumps, write_text
from toolkit.definition.diff import Change, diff
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.load import load_file, normalise
from toolkit.definition.paths import value_at
from toolkit.definition.secrets import placeholders, redact_secrets, resolve_placeholders
from toolkit.deploy.placeholders import Resolved, resolve_against_live
from toolkit.deploy.plan import (
    CREATE,
    REPLACE,
    UPDATE,
    Plan,
    read_plan,
    replacement_paths,
    values_fingerprint,
)
from toolkit.deploy.send import Checked, LiveService, ReadBack, Sending, send
from toolkit.errors import BadInput, ExitCode, Refused
from toolkit.operation import OperationResult, Progress
from toolkit.preview import Confirm, RequestPreview
from toolkit.result import Result


class Provider:
    """A kind of service as the deploy flow sees it. Subclasses give the rules; the defaults suit a kind with
    nothing to check before sending, nothing irreversible and nothing to read besides the resource."""

    name: str  # the registry's name for it, written into plan files (toolkit.providers)
    noun: str  # what one service is called in messages: "web service"
    kind: DefinitionKind
    # What says where a service is, beside its file: the flags' names as `target` takes them, and the fields a
    # plan file records of its target (e.g. subscription, resource_group, name, location).
    target_fields: tuple[str, ...]
    commands: str = "mlws"  # how its commands start, for the messages: "mlws", "mlws classic"

    def target(self, *, file: Path | None, **where: str | None) -> Target:
        """Where the file deploys: `where` holds the values given for `target_fields` (None: not given)."""
        raise NotImplementedError

    def create_command(self, file: Path) -> str | None:
        """The command that creates the service a file describes, if it has one (else a plan creates it)."""
        return f"{self.commands} new -f {file}"

    def creation_target(self, target: Target, desired: dict[str, Any]) -> Target:
        """Where a new service goes (e.g. its location from the file when no flag gave one)."""
        return target

    def connect(self, target: Target) -> LiveService:
        raise NotImplementedError

    def load_desired(self, path: Path) -> dict[str, Any]:
        """The definition file, valid and secret-free, else BadInput."""
        raise NotImplementedError

    def read_live(self, service: LiveService, desired: dict[str, Any], env: Mapping[str, str]) -> Any:
        """The live state (an object with `resource` and `document()`), or None when the service does not exist."""
        raise NotImplementedError

    def compare(self, desired: dict[str, Any], live: Any) -> list[Change]:
        """What differs, the service's noise taken out; Refused for a change no update can make (a move)."""
        raise NotImplementedError

    def desired_hash(self, desired: dict[str, Any]) -> str:
        raise NotImplementedError

    def live_hash(self, live: Any) -> str:
        raise NotImplementedError

    def for_replacement(self, service: LiveService, live: Any) -> Any:
        """The live state a replacement needs (e.g. the keys it must carry so the service keeps them)."""
        return live

    def request_body(self, action: str, resolved: Resolved, live: Any, changes: list[Change]) -> dict[str, Any]:
        """What applying a plan sends: the changed parts (update, a PATCH) or the whole definition (replace)."""
        raise NotImplementedError

    def creation_body(self, resolved: dict[str, Any], target: Target) -> dict[str, Any]:
        raise NotImplementedError

    def not_compared(self, resolved: dict[str, Any]) -> list[str]:
        """Paths the comparison cannot see (values the service answers encrypted)."""
        return []

    def read_back(self, service: LiveService, desired: dict[str, Any], body: dict[str, Any], env: Mapping[str, str],
                  *, creating: bool = False) -> ReadBack:  # fmt: skip
        raise NotImplementedError

    def checks(self, body: dict[str, Any], live: dict[str, Any] | None, how: Sending) -> Callable[[], Checked]:
        return Checked

    def danger(self, service: LiveService, body: dict[str, Any]) -> str | None:
        return None

    def exported(self, live: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        """What export writes of the live service (before secrets move to placeholders); `existing` is the file
        it replaces, whose write-only fields are kept as written there."""
        return carry_write_only(normalise(live, self.kind)[0], existing, self.kind)


def carry_write_only(document: dict[str, Any], existing: dict[str, Any] | None, kind: DefinitionKind) -> dict:
    """`document` plus the write-only fields no read returns, carried over as written in `existing` (the file being
    replaced), so exporting an unchanged service gives the same file. Literal secrets carried over become
    placeholders in the redaction export does next, like every other secret."""
    result = copy.deepcopy(document)
    for path in kind.write_only:
        value, parent = value_at(existing, path), value_at(result, path[:-1])
        if value is not None and isinstance(parent, dict) and path[-1] not in parent:
            parent[path[-1]] = copy.deepcopy(value)
    return result


@dataclass
class ExportResult(Result):
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


def export(provider: Provider, service: LiveService, file: Path | None, confirm: Confirm) -> ExportResult:
    """The live service as a canonical, secret-free file (or text for stdout): byte for byte the same file when
    nothing changed, and a different existing file is only replaced after `confirm`."""
    if file is not None and file.is_dir():
        raise BadInput(f"{file}: is a directory; give a file path with -f")
    live = service.get()
    existing = _existing_definition(provider, file) if file is not None else None
    document, _ = redact_secrets(canonical(provider.exported(live, existing), provider.kind), provider.kind)
    text = dumps(document, provider.kind)
    needed = placeholders(document)
    if file is None:
        return ExportResult(text, None, written=False, placeholders=needed)
    if file.exists():
        if file.read_bytes() == text.encode("utf-8"):
            return ExportResult(text, file, written=False, placeholders=needed)
        confirm(f"{file} exists and differs from the live service. Overwrite it?")
    write_text(file, text)
    return ExportResult(text, file, written=True, placeholders=needed)


def _existing_definition(provider: Provider, file: Path) -> dict[str, Any] | None:
    """The file export is about to replace, read as definitions are; None when it is missing or not one."""
    if not file.is_file():
        return None
    try:
        document = load_file(file, provider.kind).document
    except BadInput:  # not a definition (it is replaced only after the overwrite prompt)
        return None
    return document if isinstance(document, dict) else None


@dataclass
class Planned:
    """A plan with what applying it needs in memory (never saved: `resolved` and `live` may hold secrets)."""

    plan: Plan
    resolved: Resolved
    live: Any
    body: dict[str, Any]


def plan(
    provider: Provider, service: LiveService, path: Path, desired: dict[str, Any], live: Any, env: Mapping[str, str]
) -> Planned:
    """The plan of `desired` against the live state, with the request applying it would send."""
    resolved = resolve_against_live(desired, live.document(), env, provider.kind)
    changes = provider.compare(resolved.document, live)
    because = replacement_paths(changes)
    action = REPLACE if because else UPDATE
    if action == REPLACE:
        live = provider.for_replacement(service, live)
        resolved = resolve_against_live(desired, live.document(), env, provider.kind)
    body = provider.request_body(action, resolved, live, changes)
    salt = os.urandom(16)
    result = Plan(
        service.target,
        path,
        changes,
        provider.live_hash(live),
        provider.desired_hash(desired),
        action=action,
        replace_because=because,
        needs=sorted(resolved.missing(body)) if changes else [],
        kept=resolved.kept,
        not_compared=provider.not_compared(resolved.document),
        values_salt=salt.hex(),
        values_hash=values_fingerprint(desired, env, salt),
        provider=provider.name,
    )
    return Planned(result, resolved, live, body)


def creation_changes(provider: Provider, desired: dict[str, Any], target: Target) -> list[Change]:
    """Creating shows as the whole definition added (placeholders unresolved, secrets masked)."""
    return diff({}, provider.creation_body(desired, target), provider.kind).changes


def creation_plan(provider: Provider, target: Target, path: Path, desired: dict[str, Any], env) -> Plan:
    missing = [name for name in placeholders(desired) if name not in env]
    salt = os.urandom(16)
    return Plan(
        target, path, creation_changes(provider, desired, target), None, provider.desired_hash(desired), CREATE,
        needs=missing, values_salt=salt.hex(), values_hash=values_fingerprint(desired, env, salt),
        provider=provider.name,
    )  # fmt: skip


def plan_against_live(
    provider: Provider,
    path: Path,
    *,
    where: Mapping[str, str | None],
    env: Mapping[str, str],
    out: Path | None = None,
    progress: Progress | None = None,
) -> Plan:
    """The changes `update -f path` would make to the live service (`mlws diff FILE`), saved to `out` if given."""
    if out is not None and Path(out).resolve() == path.resolve():
        raise BadInput(f"--out {out} is the definition itself; save the plan beside it, e.g. --out plan.json")
    desired = provider.load_desired(path)
    target = provider.target(file=path, **where)
    service = provider.connect(target)
    if progress is not None:
        progress(f"reading {provider.noun} {target.describe()}")
    live = provider.read_live(service, desired, env)
    if live is None:
        result = creation_plan(provider, provider.creation_target(target, desired), path, desired, env)
    else:
        result = plan(provider, service, path, desired, live, env).plan
    if out is not None:
        result.save(out)
    return result


def create(provider: Provider, service: LiveService, desired: dict[str, Any], how: Sending, *, action: str):
    """PUT the definition with every placeholder resolved, wait, read back and compare: `new` and create plans."""
    body = provider.creation_body(resolve_placeholders(desired, how.env), service.target)
    return send(
        service,
        "PUT",
        body,
        how,
        action=action,
        shown=[change.to_text() for change in creation_changes(provider, desired, service.target)],
        before=provider.checks(body, None, how),
        danger=provider.danger(service, body),
        read_back=lambda: provider.read_back(service, desired, body, how.env, creating=True),
        question=None,
    )


def apply(
    provider: Provider, service: LiveService, planned: Planned, desired: dict[str, Any], how: Sending, *, reviewed: bool
) -> OperationResult | RequestPreview:
    """Send what a plan says (a reviewed plan is not asked about again), read back, verify."""
    result, body = planned.plan, planned.body
    if not result.has_changes:
        return OperationResult("update: no changes", service.target, None, waited=True)
    replacing = result.action == REPLACE
    removed = ", ".join(result.replace_because)
    if replacing:
        why = f"the update replaces the whole service (a PATCH cannot remove {removed})"
        question = (
            f"REPLACE {provider.noun} {service.target.describe()} with the whole definition of {result.file} "
            f"(a PATCH cannot remove {removed}):"
        )
    else:
        why = f"the update sends {', '.join('.'.join(key) for key in result.patch_keys)}"
        question = f"Update {provider.noun} {service.target.describe()}:"
    planned.resolved.demand(body, why)
    return send(
        service,
        "PUT" if replacing else "PATCH",
        body,
        how,
        action="replace" if replacing else "update",
        shown=[change.to_text() for change in result.changes],
        before=provider.checks(body, planned.live.resource, how),
        danger=provider.danger(service, body),
        read_back=lambda: provider.read_back(service, desired, body, how.env),
        question=None if reviewed else question,
    )


def update_from_file(
    provider: Provider, service: LiveService, file: Path, desired: dict[str, Any], how: Sending
) -> OperationResult | RequestPreview:
    """`update -f FILE`: plan against the live service and apply at once (asking first)."""
    live = provider.read_live(service, desired, how.env)
    if live is None:
        create = provider.create_command(file)
        by_plan = f"review `{provider.commands} diff {file} --out plan.json` and apply `mlws update --plan plan.json`"
        raise Refused(
            f"{provider.noun} {service.target.describe()} does not exist; nothing was sent. To create it, "
            + (f"run `{create}`, or {by_plan}" if create else by_plan)
        )
    return apply(provider, service, plan(provider, service, file, desired, live, how.env), desired, how, reviewed=False)


def update_from_plan(
    path: Path, how: Sending, providers: Callable[[str], Provider]
) -> OperationResult | RequestPreview:
    """`update --plan PLAN`: apply exactly what was reviewed, refusing (exit 4, nothing sent) when the live
    service, the file or what its placeholders stand for changed since the plan was made. A plan whose effect is
    live already (applied by a run cut short before it saw the end) sends nothing and says so."""
    saved = read_plan(path)
    provider = providers(saved["provider"])
    file = Path(saved["file"])
    recorded = saved["target"]
    target = provider.target(file=file, **{field: recorded.get(field) for field in provider.target_fields})
    if saved.get("endpoint") != target.endpoint:
        raise Refused(f"the plan {path} was made against {saved.get('endpoint')}, not {target.endpoint}")
    desired = provider.load_desired(file)
    if provider.desired_hash(desired) != saved["desiredHash"]:
        raise Refused(
            f"{file} changed since the plan {path} was made; run `{provider.commands} diff {file} --out {path}` again"
        )
    values = saved["placeholderValues"]
    if values_fingerprint(desired, how.env, bytes.fromhex(values["salt"])) != values["hash"]:
        names = ", ".join(placeholders(desired))
        raise Refused(
            f"the values of {file}'s placeholder variables ({names}) differ from when the plan {path} was made "
            f"(set, unset or changed since the review); nothing was sent. Plan again with "
            f"`{provider.commands} diff {file} --out`"
        )
    if saved["action"] == CREATE:
        target = provider.creation_target(target, desired)
    service = provider.connect(target)
    live = provider.read_live(service, desired, how.env)
    noun = provider.noun
    if saved["action"] == CREATE:
        if live is not None:
            if not plan(provider, service, file, desired, live, how.env).plan.has_changes:  # created by a run cut short
                matches = f"create: no changes (the live service already matches {file})"
                return OperationResult(matches, target, None, waited=True)
            raise Refused(
                f"{noun} {target.describe()} exists now but did not when the plan {path} was made; "
                f"nothing was sent. Review with `{provider.commands} diff {file}` and plan again"
            )
        return create(provider, service, desired, how, action="create")
    if live is None:
        raise Refused(
            f"{noun} {target.describe()} existed when the plan {path} was made and does not now; "
            f"nothing was sent. Review with `{provider.commands} diff {file}` and plan again"
        )
    planned = plan(provider, service, file, desired, live, how.env)
    if not planned.plan.has_changes:
        return OperationResult(f"update: no changes (the live service already matches {file})", target, None, True)
    if planned.plan.live_hash != saved["liveHash"]:
        raise Refused(
            f"{noun} {target.describe()} changed since the plan {path} was made; nothing was sent. "
            f"Review with `{provider.commands} diff {file}` and plan again"
        )
    if planned.plan.to_json()["changes"] != saved["changes"] or planned.plan.action != saved["action"]:
        raise Refused(
            f"the plan {path} no longer describes what {file} would change (its placeholders' variables differ "
            f"from when it was made, e.g. a key being rotated); nothing was sent. Plan again with "
            f"`{provider.commands} diff {file}`"
        )
    return apply(provider, service, planned, desired, how, reviewed=True)
