"""Edits of a definition, all or nothing: the kind's own (a web service's trained-model swap), `--set PATH=VALUE`,
RFC 6902 patches.

Each edit works on a copy; the result is normalised and must still validate, else BadInput and nothing is
returned (so nothing is written).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from toolkit import jsonfile
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.load import normalise
from toolkit.definition.paths import Segment, format_path, scan_path
from toolkit.definition.validate import validate
from toolkit.errors import BadInput

_DOCUMENT_QUOTED = re.compile(r"^(member '.*?' not found) in .*", re.DOTALL)


@dataclass(frozen=True)
class Assignment:
    """One `--set PATH=VALUE`: VALUE is JSON when it parses as JSON, else a string."""

    segments: tuple[Segment, ...]
    value: Any

    @classmethod
    def parse(cls, text: str) -> Assignment:
        segments, end = scan_path(text)
        if not text.startswith("=", end):
            raise BadInput(f'--set {text!r}: expected PATH=VALUE, e.g. properties.title="Housing v2"')
        raw = text[end + 1 :]
        return cls(tuple(segments), jsonfile.parse(raw, source=f"--set {text[:end]}", if_not_json=raw))


def apply_edits(
    document: dict[str, Any],
    kind: DefinitionKind,
    *,
    asset: str | None = None,
    uri: str | None = None,
    assignments: list[Assignment] | None = None,
    patch: list[Any] | None = None,
) -> dict[str, Any]:
    """The edited copy of `document`; BadInput (and `document` untouched) when any edit or the result is invalid."""
    kinds = [asset is not None or uri is not None, bool(assignments), patch is not None]
    if sum(kinds) != 1:
        raise BadInput("give exactly one kind of edit: --asset with --uri, --set PATH=VALUE, or --patch FILE")
    result = copy.deepcopy(document)
    if asset is not None or uri is not None:
        if asset is None or uri is None:
            raise BadInput("--asset and --uri go together: --asset NAME_OR_ID --uri URI")
        if kind.swap_model is None:
            raise BadInput(f"--asset/--uri: a {kind.name} has no trained-model asset to point elsewhere")
        kind.swap_model(result, asset, uri)
    for assignment in assignments or []:
        _assign(result, assignment)
    if patch is not None:
        result = _apply_patch(result, patch)
    if not isinstance(result, dict):
        raise BadInput("the edit replaced the whole definition with something that is not a JSON object")
    result, _notes = normalise(result, kind)
    problems = validate(result, kind)
    if problems:
        raise BadInput("the edited definition would not be valid; nothing was written", problems=problems)
    return result


def _assign(document: dict[str, Any], assignment: Assignment) -> None:
    path = format_path(assignment.segments)
    parent: Any = document
    for depth, segment in enumerate(assignment.segments[:-1]):
        if isinstance(segment, int):
            if not isinstance(parent, list) or not -len(parent) <= segment < len(parent):
                raise BadInput(f"--set {path}: {format_path(assignment.segments[: depth + 1])} does not exist")
            parent = parent[segment]
        elif isinstance(parent, dict):
            parent = parent.setdefault(segment, {})
        else:
            raise BadInput(f"--set {path}: {format_path(assignment.segments[:depth])} is not an object")
    last = assignment.segments[-1]
    if isinstance(last, int):
        if not isinstance(parent, list) or not -len(parent) <= last < len(parent):
            raise BadInput(f"--set {path}: no such array element")
    elif not isinstance(parent, dict):
        raise BadInput(f"--set {path}: {format_path(assignment.segments[:-1])} is not an object")
    parent[last] = assignment.value


def _apply_patch(document: dict[str, Any], operations: list[Any]) -> Any:
    import jsonpatch
    import jsonpointer

    if not isinstance(operations, list):
        raise BadInput("a JSON patch (RFC 6902) is an array of operations")
    for index, operation in enumerate(operations):
        where = operation.get("path") if isinstance(operation, dict) else None
        try:
            document = jsonpatch.JsonPatch([operation]).apply(document, in_place=True)
        except jsonpatch.JsonPatchTestFailed:  # its message quotes the value found, which may be a key
            raise BadInput(
                f"patch operation [{index}] ({where}): the test failed: the value there is not the tested one, "
                "or there is none"
            ) from None
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError) as exc:
            # jsonpointer ends "member 'x' not found" with the whole (sub)document, which may hold secrets
            reason = _DOCUMENT_QUOTED.sub(r"\1", str(exc))
            raise BadInput(f"patch operation [{index}] ({where}): {reason}") from None
    return document
