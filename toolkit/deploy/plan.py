"""The plan: what `update -f FILE` would change on the live service, saved by `diff --out` and applied by
`update --plan` only while nothing it was made from changed (the live service, the file, what the file's
placeholders stood for). The plan file holds no secret: hashes of comparable forms, a salted scrypt fingerprint
of the placeholders' values, and the changes with secrets masked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import jsonfile
from toolkit.config import Target
from toolkit.definition.canonical import write_text
from toolkit.definition.diff import REMOVED, Change
from toolkit.definition.secrets import placeholders
from toolkit.errors import BadInput, ExitCode, ServiceError
from toolkit.result import Result

PLAN_VERSION = 2  # 2: actions update/replace/create, the variables applying needs, the change list re-checked
CREATE, UPDATE, REPLACE = "create", "update", "replace"  # what applying a plan does


def state_hash(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # ~50 ms and 16 MB a check: too slow to guess secrets offline


def values_fingerprint(desired: dict[str, Any], env: Mapping[str, str], salt: bytes) -> str:
    """What the file's placeholders stand for (set or not, and each value), hashed with a salt by scrypt: applying
    a plan with other values than those reviewed (a key rotated to another key since) is refused, while the plan
    file holds nothing that turns back into a secret."""
    values = [[name, env.get(name)] for name in placeholders(desired)]
    material = json.dumps(values, ensure_ascii=False).encode("utf-8")
    return "scrypt:" + hashlib.scrypt(material, salt=salt, **SCRYPT).hex()


def changed_parts(changes: list[Change]) -> list[tuple[str, ...]]:
    """Top-level parts a minimal PATCH must carry: ("tags",), ("location",) or ("properties", NAME)."""
    keys: list[tuple[str, ...]] = []
    for change in changes:
        segments = tuple(str(s) for s in change.segments)
        key = segments[:2] if segments[0] == "properties" and len(segments) > 1 else segments[:1]
        if key not in keys:
            keys.append(key)
    return keys


def replacement_paths(changes: list[Change]) -> list[str]:
    """Removals a PATCH cannot make: an entry of an object under `properties` (a list is always sent whole)."""
    return [
        change.path
        for change in changes
        if change.kind == REMOVED
        and change.segments[:1] == ("properties",)
        and not any(isinstance(segment, int) for segment in change.segments)
    ]


@dataclass
class Plan(Result):
    """What `update -f FILE` would do: the changes file -> live, and the hashes that make it safe to apply later.

    action "update": a PATCH of the changed parts; "replace": the changes remove entries a PATCH cannot remove, so
    the whole definition is PUT (`replace_because` lists them); "create": the service does not exist, the changes
    are the whole definition and applying creates it as `mlws new` does (stale as soon as the service exists).
    """

    target: Target
    file: Path
    changes: list[Change]  # secrets masked
    live_hash: str | None  # None: the service did not exist
    desired_hash: str
    action: str = UPDATE
    replace_because: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)  # variables applying sends, unset when planned
    kept: list[str] = field(default_factory=list)  # variables unset whose live values are kept
    not_compared: list[str] = field(default_factory=list)  # credentials set from the environment: never compared
    values_salt: str = ""  # hex; with values_hash: what the placeholders stood for (values_fingerprint)
    values_hash: str = ""
    provider: str = ""  # the registry's name of the kind of service (toolkit.providers)
    saved_to: Path | None = None  # where `diff --out` saved it
    exit_code: int = ExitCode.OK

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def patch_keys(self) -> list[tuple[str, ...]]:
        return changed_parts(self.changes) if self.action == UPDATE else []

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "provider": self.provider,
            "action": self.action,
            "target": {k: v for k, v in self.target.to_json().items() if k not in ("endpoint", "config_file")},
            "endpoint": self.target.endpoint,
            "file": str(self.file),
            "hasChanges": self.has_changes,
            "changes": [change.to_json() for change in self.changes],
            "patch": [".".join(key) for key in self.patch_keys],
            "replaceBecause": self.replace_because,
            "needs": self.needs,
            "keptFromLive": self.kept,
            "notCompared": self.not_compared,
            "liveHash": self.live_hash,
            "desiredHash": self.desired_hash,
            "placeholderValues": {"salt": self.values_salt, "hash": self.values_hash},
        }

    def _how(self) -> str:
        if self.action == CREATE:
            return "service does not exist: `mlws update --plan` creates it from the whole definition"
        noun = "change" if len(self.changes) == 1 else "changes"
        if self.action == REPLACE:
            return (
                f"{len(self.changes)} {noun}; the service must be REPLACED (a PUT of the whole definition): "
                f"a PATCH merges and cannot remove {', '.join(self.replace_because)}"
            )
        return f"{len(self.changes)} {noun}; update would send: {', '.join(self.to_json()['patch'])}"

    def to_markdown(self) -> str:
        return f"```diff\n{self.to_text()}\n```"  # + and - lines coloured in a pull-request comment

    def to_text(self) -> str:
        exists = "" if self.action != CREATE else ": does not exist"
        lines = [f"--- live {self.target.describe()}{exists}", f"+++ {self.file}"]
        if not self.changes:
            return "\n".join([*lines, "No changes.", *self._not_compared_lines(), *self._saved_lines()])
        lines += [self._how(), *(f"  {change.to_text()}" for change in self.changes)]
        if self.needs:
            lines.append(f"applying needs (not set now): {', '.join(self.needs)}")
        if self.kept:
            lines.append(f"kept as live (variable not set): {', '.join(self.kept)}")
        return "\n".join([*lines, *self._not_compared_lines(), *self._saved_lines()])

    def _saved_lines(self) -> list[str]:
        if self.saved_to is None:
            return []
        return [f"plan saved to {self.saved_to}: review it, then `mlws update --plan {self.saved_to}` applies it"]

    def _not_compared_lines(self) -> list[str]:
        if not self.not_compared:
            return []
        return [
            f"not compared (the service answers them encrypted; `mlws update -f {self.file} --whole` sends them): "
            f"{', '.join(self.not_compared)}"
        ]

    def save(self, path: Path) -> None:
        path = Path(path)
        try:
            text = json.dumps(self.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        except ValueError:  # only a live value can be one: files and flags are refused on reading
            raise ServiceError("the live service holds a NaN or an infinity, which a plan file cannot hold") from None
        write_text(path, text)
        self.saved_to = path


def read_plan(path: Path) -> dict[str, Any]:
    plan = jsonfile.read(path, flag="--plan")
    not_a_plan = f"--plan {path}: not a plan written by `mlws diff --out` (version {PLAN_VERSION})"
    if not isinstance(plan, dict) or "liveHash" not in plan or plan.get("action") not in (CREATE, UPDATE, REPLACE):
        raise BadInput(not_a_plan)
    if plan.get("version") != PLAN_VERSION:
        raise BadInput(
            f"--plan {path}: a version {plan.get('version')} plan; this mlws applies version {PLAN_VERSION}: "
            "plan again with `mlws diff FILE --out PLAN`"
        )
    # What applying the plan reads from it, checked before anything is used or sent.
    kinds = {
        "provider": str, "file": str, "target": dict, "desiredHash": str, "liveHash": (str, type(None)),
        "changes": list, "placeholderValues": dict,
    }  # fmt: skip
    wrong = [key for key, kind in kinds.items() if not isinstance(plan.get(key), kind)]
    target = plan.get("target")
    if isinstance(target, dict):
        wrong += [f"target.{key}" for key, value in target.items() if not isinstance(value, str | None)]
    values = plan.get("placeholderValues")
    if isinstance(values, dict) and not (
        isinstance(values.get("hash"), str) and isinstance(values.get("salt"), str) and _is_hex(values["salt"])
    ):
        wrong.append("placeholderValues")
    if wrong:
        raise BadInput(f"{not_a_plan}: {', '.join(wrong)} missing or of the wrong kind")
    return plan


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True
