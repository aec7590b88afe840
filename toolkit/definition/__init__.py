"""Definition files, offline: load (tolerant), canonical write, validate, secrets, edit, diff.

Everything works on plain dicts (lossless JSON) and never touches the network. The public API:

    loaded = load_file(path)            # or load_text(text); .document, .normalisations
    problems = validate(loaded.document)     # list[Problem], each with a JSON path
    write(path, document)               # canonical, atomic; dumps(document) gives the text
    secrets = find_secrets(document)    # redact_secrets / mask_secrets / resolve_placeholders
    edited = apply_edits(document, asset="X [trained model]", uri="https://...")
    changes = diff(before, after, ignore_write_only=True).changes

The file-level operations behind the offline commands (validate_files, import_definition, edit_file,
normalize_files, diff_files) live in toolkit.definition.files.
"""

from toolkit.definition.canonical import canonical, dumps, write
from toolkit.definition.diff import Change, Diff, diff
from toolkit.definition.edit import Assignment, apply_edits, find_asset
from toolkit.definition.files import diff_files, edit_file, import_definition, normalize_files, validate_files
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
    "Diff",
    "Loaded",
    "Normalisation",
    "Secret",
    "apply_edits",
    "canonical",
    "diff",
    "diff_files",
    "dumps",
    "edit_file",
    "find_asset",
    "find_secrets",
    "import_definition",
    "load_file",
    "load_text",
    "mask_secrets",
    "normalise",
    "normalize_files",
    "placeholders",
    "redact_secrets",
    "resolve_placeholders",
    "validate",
    "validate_files",
    "write",
]
