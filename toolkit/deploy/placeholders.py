"""Placeholders against the live service, one rule for plans, requests and the read-back.

A `${NAME}` whose variable is set stands for its value; one whose variable is unset means "keep what is live"
wherever the live value can be read: anything the read returns whose text fits the placeholder's template (a
SAS query on an otherwise equal URI), and an encrypted value with what marks it encrypted (a web service's
certificate thumbprint), so the service's own ciphertext stands for a credential. Nothing is demanded that is
not sent: `Resolved.demand` names what a request body still holds unresolved.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.definition.canonical import canonical
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.load import normalise
from toolkit.definition.paths import Segment, format_path
from toolkit.definition.secrets import PLACEHOLDER
from toolkit.errors import BadInput


def _template(text: str) -> re.Pattern[str]:
    """A pattern matching any value of `text` whatever its placeholders stand for."""
    parts = PLACEHOLDER.split(text)  # literal, name, literal, name, ..., literal
    return re.compile("".join(re.escape(part) if i % 2 == 0 else ".*?" for i, part in enumerate(parts)), re.DOTALL)


@dataclass
class Resolved:
    """A definition with its placeholders worked out against the live service. `document` may hold secrets in
    clear: it is sent or compared, never shown or saved."""

    document: dict[str, Any]
    kept: list[str] = field(default_factory=list)  # variables not set whose live value stands in (sorted)
    unresolved: dict[str, list[str]] = field(default_factory=dict)  # variable -> paths still holding it

    def missing(self, body: dict[str, Any]) -> dict[str, list[str]]:
        """The unset variables whose placeholders are still in a request body, with their paths."""
        text = json.dumps(body, ensure_ascii=False)
        return {name: paths for name, paths in self.unresolved.items() if f"${{{name}}}" in text}

    def demand(self, body: dict[str, Any], why: str) -> None:
        """BadInput naming every variable a request body still needs (`why` says why it is sent)."""
        missing = self.missing(body)
        if missing:
            details = "; ".join(f"{name} ({', '.join(paths)})" for name, paths in sorted(missing.items()))
            raise BadInput(f"set {', '.join(sorted(missing))} before deploying: {why}, and it holds {details}")


def resolve_against_live(
    desired: dict[str, Any], live: dict[str, Any] | None, env: Mapping[str, str], kind: DefinitionKind
) -> Resolved:
    """Placeholders resolved from `env`, else taken from the live value they fit (module docstring)."""
    kept: set[str] = set()
    unresolved: dict[str, list[str]] = {}

    def walk(value: Any, other: Any, segments: tuple[Segment, ...]) -> Any:
        if _keeps_encrypted(value, other, env, kind):
            kept.update(name for name in PLACEHOLDER.findall(value["value"]) if name not in env)
            return copy.deepcopy(other)
        if isinstance(value, dict):
            return {
                k: walk(v, other.get(k) if isinstance(other, dict) else None, (*segments, k)) for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v, other[i] if isinstance(other, list) and i < len(other) else None, (*segments, i))
                    for i, v in enumerate(value)]  # fmt: skip
        if not isinstance(value, str) or "${" not in value:
            return value
        names = PLACEHOLDER.findall(value)
        unset = [name for name in names if name not in env]
        if not unset:
            return PLACEHOLDER.sub(lambda match: env[match.group(1)], value)
        if isinstance(other, str) and _template(value).fullmatch(other):
            kept.update(unset)
            return other
        for name in unset:
            unresolved.setdefault(name, []).append(format_path(segments))
        return value

    live_view = canonical(normalise(live, kind)[0], kind) if live else None
    document = walk(canonical(normalise(desired, kind)[0], kind), live_view, ())
    return Resolved(document, sorted(kept - unresolved.keys()), unresolved)


def _keeps_encrypted(value: Any, other: Any, env: Mapping[str, str], kind: DefinitionKind) -> bool:
    """An encrypted value whose file counterpart is a placeholder not set: keeping what is live is keeping the
    ciphertext with what marks it (sending the ciphertext as a plain value would store it as the credential)."""
    if not (isinstance(value, dict) and kind.encrypted(other)):
        return False
    text = value.get("value")
    return isinstance(text, str) and any(name not in env for name in PLACEHOLDER.findall(text))
