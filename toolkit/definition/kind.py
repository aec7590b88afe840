"""What the definition core needs of one kind of service's files: each provider defines one `DefinitionKind`.

The core (load, canonical write, validate, secrets, diff, edit) works on plain JSON and asks the kind for what
differs between kinds: the schema tree, what reading an empty file says, the fields the service never returns,
where secrets sit and what their placeholders are called, which values the service encrypts, the rules beyond
the schema, and the kind's own edits (a web service's trained-model swap).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.definition.paths import Segment
from toolkit.definition.spec import Obj
from toolkit.errors import Problem

Path = tuple[Segment, ...]


def _nothing(*_args: Any) -> list:
    return []


@dataclass(frozen=True, eq=False)
class DefinitionKind:
    name: str  # what a file of this kind is, in messages: "web service definition"
    schema: Obj
    empty_message: str  # what reading an empty file says
    missing_message: str  # what reading a file that does not exist says
    write_only: tuple[tuple[str, ...], ...] = ()  # fields the service never returns on a read
    # Whole-value secrets at fixed places, with the placeholder variable mlws writes for each: path -> (NAME, what).
    fixed_secrets: Mapping[Path, tuple[str, str]] = field(default_factory=dict)
    # More whole-value secrets of a document, found by its content: [(path, what)] (e.g. credential parameters).
    secret_places: Callable[[Any], list[tuple[Path, str]]] = _nothing
    # The same for a value seen alone (its path is all that is known): what it is, or None.
    secret_at: Callable[[Path], str | None] = lambda _path: None
    # An object that holds a value the service encrypted (ciphertext round-trips; it is no secret of the file).
    encrypted: Callable[[Any], bool] = lambda _value: False
    checks: Callable[[dict[str, Any]], list[Problem]] = _nothing  # rules beyond the schema
    # The kind's `mlws edit --asset NAME --uri URI`: changes the document in place; None when it has none.
    swap_model: Callable[[dict[str, Any], str, str], None] | None = None
    # Whether a parsed file is one of this kind (toolkit.definition.files picks the first kind that says yes).
    recognises: Callable[[Any], bool] = lambda _document: True
