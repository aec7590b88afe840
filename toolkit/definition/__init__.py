"""Definition files, offline and for any kind of service: load (tolerant), canonical write, validate, secrets,
edit, diff.

Everything works on plain dicts (lossless JSON), never touches the network, and knows no provider: each function
takes the `DefinitionKind` (toolkit.definition.kind) of the file, which its provider defines, and providers bind
these functions to their kind. The API:

    loaded = load_file(path, kind)          # or load_text(text, kind); .document, .normalisations
    problems = validate(loaded.document, kind)   # list[Problem], each with a JSON path
    write(path, document, kind)             # canonical, atomic; dumps(document, kind) gives the text
    secrets = find_secrets(document, kind)  # redact_secrets / mask_secrets / resolve_placeholders
    edited = apply_edits(document, kind, assignments=[Assignment.parse("properties.title=x")])
    changes = diff(before, after, kind).changes

The file-level operations behind the offline commands (validate_files, import_definition, edit_file,
normalize_files, diff_files) live in toolkit.definition.files.
"""

from toolkit.definition.canonical import canonical, dumps, write
from toolkit.definition.diff import Change, Diff, diff
from toolkit.definition.edit import Assignment, apply_edits
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.load import Loaded, Normalisation, load_file, load_text, normalise
from toolkit.definition.secrets import (
    Secret,
    find_secrets,
    mask_secrets,
    placeholders,
    redact_secrets,
    resolve_placeholders,
)
from toolkit.definition.validate import validate

__all__ = [
    "Assignment",
    "Change",
    "DefinitionKind",
    "Diff",
    "Loaded",
    "Normalisation",
    "Secret",
    "apply_edits",
    "canonical",
    "diff",
    "dumps",
    "find_secrets",
    "load_file",
    "load_text",
    "mask_secrets",
    "normalise",
    "placeholders",
    "redact_secrets",
    "resolve_placeholders",
    "validate",
    "write",
]
