"""Secrets in definitions: find them, move them to `${ENV_NAME}` placeholders, resolve placeholders, mask for display.

What counts as a secret (a `${ENV_NAME}` placeholder in its place is fine, an empty string is no secret):
- the whole value at the places the kind of definition names (toolkit.definition.kind: its fixed secrets, with
  their documented placeholder names, and the places it finds by content, e.g. a web service's credentials);
- anywhere: a SAS signature (`sig=`) or an `AccountKey=` in a string.
A value the kind says the service encrypted is ciphertext the service made; it round-trips untouched and is not
a secret here.

Placeholder names: a fixed secret's own (e.g. MLWS_STORAGE_KEY); any other -> MLWS_ + its JSON path below
`properties`, upper-cased, each run of other characters turned into `_` (e.g.
assets.asset1.locationInfo.credentials -> MLWS_ASSETS_ASSET1_LOCATIONINFO_CREDENTIALS). A SAS in an http(s) URI
keeps the URI readable: only the query string moves, `https://acct/c/m.ilearner?${MLWS_ASSETS_ASSET3_LOCATIONINFO_URI_SAS}`,
and the variable holds the query string without the `?`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from toolkit.definition.kind import DefinitionKind
from toolkit.definition.paths import Segment, format_path, value_at
from toolkit.errors import BadInput, Problem
from toolkit.redact import MASK, redact

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SAS = re.compile(r"(?i)(?:^|[?&;])sig=(?!\$\{)[^&;\s]")
_ACCOUNT_KEY = re.compile(r"(?i)AccountKey=(?!\$\{)[^;\s]")
FIX = "replace it with a ${%s} placeholder, e.g. run mlws normalize"


def placeholder_for(segments: tuple[Segment, ...], kind: DefinitionKind) -> str:
    """The `${NAME}` placeholder mlws writes for the secret at this path (e.g. ${MLWS_STORAGE_KEY})."""
    fixed = kind.fixed_secrets.get(tuple(segments))
    return "${%s}" % (fixed[0] if fixed else _derived_name(tuple(segments)))


@dataclass(frozen=True)
class Secret:
    segments: tuple[Segment, ...]
    kind: str  # service key, storage account key, blob credentials, SAS signature, account key
    variable: str  # the placeholder name redaction uses
    query_only: bool = False  # a SAS in an http(s) URI: only the query string is secret

    @property
    def path(self) -> str:
        return format_path(self.segments)

    def problem(self) -> Problem:
        return Problem(self.path, f"{self.kind} in the file", FIX % self.variable)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "variable": self.variable}


def find_secrets(
    value: Any, kind: DefinitionKind, base: tuple[Segment, ...] = (), *, source_text: str | None = None
) -> list[Secret]:
    """Every secret in `value`, which sits at `base` in a definition of `kind` (the root by default), by path.

    `source_text`, the JSON `value` was parsed from, saves serialising a big document to learn that no string
    in it can hold a SAS signature or an account key (then only the kind's places are looked at).
    """
    if source_text is None or "\\u" in source_text:  # an escaped "=" would hide a pattern from the text test
        source_text = json.dumps(value) if isinstance(value, dict | list) else str(value)
    lowered = source_text.lower()
    places = {} if base else dict(kind.secret_places(value))
    found: list[Secret] = []
    if base or "sig=" in lowered or "accountkey=" in lowered:
        _walk(value, base, kind, places, found)
    else:
        for segments in [*kind.fixed_secrets, *places]:
            item = value_at(value, segments)
            secret = _classify(segments, item, kind, places) if isinstance(item, str) and item else None
            if secret is not None:
                found.append(secret)
    return sorted(found, key=lambda secret: secret.path)


def redact_secrets(document: dict[str, Any], kind: DefinitionKind) -> tuple[dict[str, Any], list[Secret]]:
    """A copy with every secret replaced by its placeholder, and the secrets moved (names unique per file)."""
    secrets = find_secrets(document, kind)
    if not secrets:
        return document, []
    result = json.loads(json.dumps(document))
    taken = {name for name in placeholders(document)}
    moved: list[Secret] = []
    for secret in secrets:
        variable = _unique(secret.variable, taken)
        secret = Secret(secret.segments, secret.kind, variable, secret.query_only)
        old = value_at(result, secret.segments)
        placeholder = f"${{{variable}}}"
        new = f"{old.split('?', 1)[0]}?{placeholder}" if secret.query_only else placeholder
        _set(result, secret.segments, new)
        moved.append(secret)
    return result, moved


def mask_secrets(value: Any, kind: DefinitionKind, base: tuple[Segment, ...] = ()) -> Any:
    """A copy for display: whole-value secrets become "***", a SAS signature in a URI becomes sig=***."""
    secrets = find_secrets(value, kind, base)
    if not secrets:
        return value
    if not isinstance(value, dict | list):
        return redact(value) if secrets[0].query_only else MASK
    result = json.loads(json.dumps(value))
    for secret in secrets:
        relative = secret.segments[len(base) :]
        _set(result, relative, redact(value_at(result, relative)) if secret.query_only else MASK)
    return result


def placeholders(value: Any) -> list[str]:
    """The placeholder variable names used in `value`, sorted, each once."""
    text = json.dumps(value, ensure_ascii=False)
    return sorted(set(PLACEHOLDER.findall(text)))


def set_variables(env: Any) -> dict[str, str]:
    """The variables of `env` that stand for a value: one set to an empty string counts as not set (an exported
    but empty secret would blank a key or a credential)."""
    return {name: value for name, value in env.items() if isinstance(value, str) and value.strip()}


def resolve_placeholders(document: dict[str, Any], env: Any, *, mask: bool = False) -> dict[str, Any]:
    """Replace every `${NAME}` from `env` (a mapping). One BadInput names every unset variable and its paths.

    With mask=True the values are checked but "***" is put in their place, for showing what would be sent.
    """
    if "${" not in json.dumps(document):
        return document
    env = set_variables(env)
    missing: dict[str, list[str]] = {}
    resolved = _resolve(document, (), env, mask, missing)
    if missing:
        problems = [
            Problem(path, f"environment variable {name} is not set (or is empty)", f"export {name}=...")
            for name, paths in sorted(missing.items())
            for path in paths
        ]
        names = ", ".join(sorted(missing))
        raise BadInput(f"unset environment variable(s) for placeholders: {names}", problems=problems)
    return resolved


def _resolve(value: Any, segments: tuple[Segment, ...], env: Any, mask: bool, missing: dict[str, list[str]]) -> Any:
    if isinstance(value, dict):
        return {key: _resolve(item, (*segments, key), env, mask, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, (*segments, index), env, mask, missing) for index, item in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            missing.setdefault(name, []).append(format_path(segments))
            return match.group(0)
        return MASK if mask else env[name]

    return PLACEHOLDER.sub(substitute, value)


def _walk(value: Any, segments: tuple[Segment, ...], kind: DefinitionKind, places: dict, found: list[Secret]) -> None:
    if isinstance(value, dict):
        encrypted = kind.encrypted(value)
        for key, item in value.items():
            if not (encrypted and key == "value"):
                _walk(item, (*segments, key), kind, places, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*segments, index), kind, places, found)
    elif isinstance(value, str) and value:
        secret = _classify(segments, value, kind, places)
        if secret is not None:
            found.append(secret)


def _classify(segments: tuple[Segment, ...], value: str, kind: DefinitionKind, places: dict) -> Secret | None:
    fixed = kind.fixed_secrets.get(segments)
    what = fixed[1] if fixed else places.get(segments) or kind.secret_at(segments)
    if what and not PLACEHOLDER.search(value):
        return Secret(segments, what, fixed[0] if fixed else _derived_name(segments))
    if "=" not in value:
        return None
    if _ACCOUNT_KEY.search(value):
        return Secret(segments, "account key", _derived_name(segments))
    if _SAS.search(value):
        if value.lower().startswith(("http://", "https://")) and "?" in value:
            return Secret(segments, "SAS signature", _derived_name(segments) + "_SAS", query_only=True)
        return Secret(segments, "SAS signature", _derived_name(segments))
    return None


def _derived_name(segments: tuple[Segment, ...]) -> str:
    below = segments[1:] if segments[:1] == ("properties",) else segments
    words = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(str(s) for s in below)).strip("_").upper()
    return f"MLWS_{words}" if words else "MLWS_SECRET"


def _unique(name: str, taken: set[str]) -> str:
    candidate, counter = name, 2
    while candidate in taken:
        candidate, counter = f"{name}_{counter}", counter + 1
    taken.add(candidate)
    return candidate


def _set(document: Any, segments: tuple[Segment, ...], value: Any) -> None:
    value_at(document, segments[:-1])[segments[-1]] = value
