"""Read definitions as tolerantly as Import-AzMlWebService does, and say what was normalised.

Tolerated (each reported with its JSON path): property names in any case (`Assets`, `LocationInfo`, `Uri` ->
`assets`, `locationInfo`, `uri`), booleans written as strings (`"readOnly": "false"`), and web-service parameters
written as plain values (older api-versions: `"parameters": {"x": "v"}` -> `{"x": {"value": "v"}}`). Keys that are
user data (asset ids, node ids, column and parameter names, tags) keep their spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit import jsonfile
from toolkit.definition import spec as schema
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.paths import Chain, chain_path
from toolkit.errors import BadInput


@dataclass(frozen=True)
class Normalisation:
    """One thing the loader changed to reach the canonical shape."""

    path: str
    action: str
    kind: str  # one of KINDS: lets a report summarise hundreds of renames in one line

    def __str__(self) -> str:
        return f"{self.path}: {self.action}"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "action": self.action, "kind": self.kind}


PROPERTY_CASE, STRING_BOOLEAN, PLAIN_VALUE = "property name case", "boolean given as a string", "plain parameter value"


@dataclass
class Loaded:
    document: dict[str, Any]
    normalisations: list[Normalisation]
    source: str  # the file name, or <string>
    text: str  # the JSON it was parsed from


def load_text(text: str, kind: DefinitionKind, *, source: str = "<string>") -> Loaded:
    """Parse a definition of `kind`; BadInput for empty text, JSON the strict reader refuses (toolkit.jsonfile)
    or a non-object."""
    if not text.strip():
        raise BadInput(f"{source}: {kind.empty_message}" if source != "<string>" else kind.empty_message)
    raw = jsonfile.parse(text, source=source)
    if not isinstance(raw, dict):
        raise BadInput(f"{source}: a {kind.name} is a JSON object, got {jsonfile.type_name(raw)}")
    document, notes = normalise(raw, kind)
    return Loaded(document, notes, source, text)


def load_file(path: Path | str, kind: DefinitionKind) -> Loaded:
    text = jsonfile.read_text(path, missing=kind.missing_message)
    return load_text(text, kind, source=str(path))


def normalise(document: dict[str, Any], kind: DefinitionKind) -> tuple[dict[str, Any], list[Normalisation]]:
    """The canonical shape of an already parsed definition (new containers where the schema reaches; the input
    is not changed)."""
    notes: list[Normalisation] = []
    return _normalise(document, kind.schema, None, notes), notes


def _normalise(value: Any, spec: schema.Spec, chain: Chain, notes: list[Normalisation]) -> Any:
    kind = type(spec)
    if kind is schema.Obj:
        if spec.wrap is not None and value is not None and not isinstance(value, dict):
            notes.append(
                Normalisation(
                    chain_path(chain), f'plain value read as {{"{spec.wrap}": ...}} (older api-version)', PLAIN_VALUE
                )
            )
            return {spec.wrap: value}
        if not isinstance(value, dict):
            return value
        result: dict[str, Any] = {}
        fields, by_lower = spec.fields, spec.by_lower
        for key, item in value.items():
            name = key if key in fields else by_lower.get(key.lower(), key)
            if name != key:
                notes.append(
                    Normalisation(chain_path((chain, key)), f"property name {key!r} read as {name!r}", PROPERTY_CASE)
                )
                if name in result or name in value:
                    raise BadInput(f"{chain_path((chain, name))}: given twice (as {key!r} and in another spelling)")
            field = fields.get(name)
            if field is None or (type(field) is schema.Value and field.kind != "boolean"):
                result[name] = item  # nothing to normalise in an unknown property or a non-boolean leaf
            else:
                result[name] = _normalise(item, field, (chain, name), notes)
        return result
    if kind is schema.MapOf:
        if not isinstance(value, dict) or spec.value is schema.ANY:
            return value
        return {key: _normalise(item, spec.value, (chain, key), notes) for key, item in value.items()}
    if kind is schema.ListOf:
        if not isinstance(value, list) or spec.item is schema.ANY:
            return value
        return [_normalise(item, spec.item, (chain, index), notes) for index, item in enumerate(value)]
    if spec.kind == "boolean" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        notes.append(Normalisation(chain_path(chain), f"string {value!r} read as boolean", STRING_BOOLEAN))
        return value.strip().lower() == "true"
    return value
