"""Structural diff of two definitions of one kind, keyed by JSON path, with secrets masked.

Both sides are compared in canonical form (read-only fields dropped). Objects are compared key by key, arrays
index by index; a changed type or a value added or removed is one change at its path. A changed secret shows as
"(secret changed)" and never shows its value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toolkit.definition.canonical import canonical
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.paths import Segment, format_path
from toolkit.definition.secrets import find_secrets, mask_secrets
from toolkit.result import Result

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_SYMBOL = {ADDED: "+", REMOVED: "-", CHANGED: "~"}
_MISSING = object()


@dataclass(frozen=True)
class Change:
    segments: tuple[Segment, ...]
    kind: str  # added, removed, changed
    before: Any = None  # masked; None when added
    after: Any = None  # masked; None when removed
    secret: bool = False

    @property
    def path(self) -> str:
        return format_path(self.segments)

    def to_json(self) -> dict[str, Any]:
        body = {"path": self.path, "kind": self.kind, "before": self.before, "after": self.after}
        if self.secret:
            body["secret"] = True
        return body

    def to_text(self) -> str:
        if self.secret:
            return f"{_SYMBOL[self.kind]} {self.path}: (secret {self.kind})"
        if self.kind == ADDED:
            return f"+ {self.path}: {compact(self.after)}"
        if self.kind == REMOVED:
            return f"- {self.path}: {compact(self.before)}"
        return f"~ {self.path}: {compact(self.before)} -> {compact(self.after)}"


@dataclass
class Diff(Result):
    changes: list[Change]
    left: str = ""
    right: str = ""

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        if not self.changes:
            return "No changes."
        counts = [(kind, sum(1 for c in self.changes if c.kind == kind)) for kind in (CHANGED, ADDED, REMOVED)]
        parts = ", ".join(f"{count} {kind}" for kind, count in counts if count)
        noun = "change" if len(self.changes) == 1 else "changes"
        return f"{len(self.changes)} {noun}: {parts}"

    def to_text(self) -> str:
        header = f"--- {self.left}\n+++ {self.right}\n" if self.left or self.right else ""
        return header + "\n".join([self.summary(), *(f"  {change.to_text()}" for change in self.changes)])

    def to_json(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "hasChanges": self.has_changes,
            "summary": self.summary(),
            "changes": [change.to_json() for change in self.changes],
        }


def diff(
    before: dict[str, Any], after: dict[str, Any], kind: DefinitionKind, *, left: str = "", right: str = ""
) -> Diff:
    """Changes that turn `before` into `after` (definitions of `kind`), in document order."""
    old, new = canonical(before, kind), canonical(after, kind)
    changes: list[Change] = []
    _compare(old, new, (), changes, kind)
    return Diff(changes, left, right)


def compact(value: Any, limit: int = 80) -> str:
    """A one-line rendering; long values keep their start and end (where model versions usually differ)."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if len(text) <= limit:
        return text
    head = limit // 3
    return f"{text[:head]}…{text[-(limit - head - 1) :]}"


def _compare(old: Any, new: Any, segments: tuple[Segment, ...], changes: list[Change], kind: DefinitionKind) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            _compare(old.get(key, _MISSING), new.get(key, _MISSING), (*segments, key), changes, kind)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            left = old[index] if index < len(old) else _MISSING
            right = new[index] if index < len(new) else _MISSING
            _compare(left, right, (*segments, index), changes, kind)
    elif old is _MISSING:
        changes.append(_change(segments, ADDED, None, new, kind))
    elif new is _MISSING:
        changes.append(_change(segments, REMOVED, old, None, kind))
    elif not _same(old, new):
        changes.append(_change(segments, CHANGED, old, new, kind))


def _same(old: Any, new: Any) -> bool:
    """Equal leaves of the same JSON kind (1 and 1.0 and true differ). NaN, which files cannot hold but a service
    answer parsed leniently can, equals NaN here: NaN != NaN would show a change that no update can remove."""
    return type(old) is type(new) and (old == new or (old != old and new != new))


def _change(segments: tuple[Segment, ...], what: str, before: Any, after: Any, kind: DefinitionKind) -> Change:
    secret = any(find_secrets(side, kind, segments) for side in (before, after) if side is not None)
    return Change(segments, what, mask_secrets(before, kind, segments), mask_secrets(after, kind, segments), secret)
