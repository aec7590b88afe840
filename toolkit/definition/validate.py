"""Offline checks of a (normalised) definition: its kind's schema, the kind's own rules, secrets. Every problem
names a JSON path.

One pass over the schema-known parts (and the kind's look-ups), so a 3 MB definition checks in well under a second.
"""

from __future__ import annotations

from typing import Any

from toolkit.definition import spec as schema
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.paths import Chain, chain_path
from toolkit.definition.secrets import find_secrets
from toolkit.errors import Problem

_KINDS = {"string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float)}
_REQUIRED_FIX = {"packageType": 'add "packageType": "Graph"', "level": 'add "level": "None" (or Error, All)'}


def validate(
    document: dict[str, Any], kind: DefinitionKind, *, secrets: bool = True, source_text: str | None = None
) -> list[Problem]:
    """Problems of a definition of `kind` (empty when valid).

    secrets=False skips the secret check (e.g. for a body about to be sent); source_text (the JSON the document
    was read from) makes the secret check of a big document cheaper.
    """
    problems: list[Problem] = []
    _check(document, kind.schema, None, problems)
    problems.extend(kind.checks(document))
    if secrets:
        problems.extend(secret.problem() for secret in find_secrets(document, kind, source_text=source_text))
    return problems


def _check(value: Any, spec: schema.Spec, chain: Chain, problems: list[Problem]) -> None:
    kind = type(spec)
    if kind is schema.Value:
        if spec.kind != "any":
            _check_value(value, spec, chain, problems)
    elif not isinstance(value, list if kind is schema.ListOf else dict):
        problems.append(Problem(chain_path(chain), f"expected {_container(kind)}, got {_type_name(value)}"))
    elif kind is schema.Obj:
        for name in spec.required:
            if value.get(name) is None:
                problems.append(Problem(chain_path((chain, name)), "required", _REQUIRED_FIX.get(name)))
        fields, read_only = spec.fields, spec.read_only
        for name, item in value.items():
            field = fields.get(name)
            if field is None or item is None or name in read_only:
                continue
            if type(field) is schema.Value:  # leaves inline: most of a big document
                if field.kind == "string" and field.enum is None and type(item) is str or field.kind == "any":
                    continue
                _check_value(item, field, (chain, name), problems)
            else:
                _check(item, field, (chain, name), problems)
    elif kind is schema.MapOf:
        if spec.value is not schema.ANY:
            for key, item in value.items():
                if item is None:
                    problems.append(Problem(chain_path((chain, key)), "expected a value, got null"))
                else:
                    _check(item, spec.value, (chain, key), problems)
    elif spec.item is not schema.ANY:
        for index, item in enumerate(value):
            _check(item, spec.item, (chain, index), problems)


def _check_value(value: Any, spec: schema.Value, chain: Chain, problems: list[Problem]) -> None:
    if not isinstance(value, _KINDS[spec.kind]) or (spec.kind != "boolean" and isinstance(value, bool)):
        problems.append(Problem(chain_path(chain), f"expected {_article(spec.kind)}, got {_type_name(value)}"))
        return
    if spec.enum is not None and value not in spec.enum:
        choices = ", ".join(repr(choice) for choice in spec.enum)
        problems.append(
            Problem(chain_path(chain), f"{value!r} is not one of the allowed values", f"use one of {choices}")
        )
    low = spec.minimum is not None and value < spec.minimum
    high = spec.maximum is not None and value > spec.maximum
    if low or high:
        if spec.minimum is not None and spec.maximum is not None:
            fix = f"use a whole number from {spec.minimum} to {spec.maximum}"
        else:
            fix = f"use a number of at least {spec.minimum}" if low else f"use a number of at most {spec.maximum}"
        problems.append(Problem(chain_path(chain), f"{value} is out of range", fix))


def _container(spec_type: type) -> str:
    return "an array" if spec_type is schema.ListOf else "an object"


def _article(kind: str) -> str:
    return {"integer": "a whole number"}.get(kind, f"a {kind}")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"
