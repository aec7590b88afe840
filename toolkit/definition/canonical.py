"""The canonical file form: what `export`, `edit` and `normalize` write.

UTF-8, 2-space indent, non-ASCII kept, trailing newline, and a deterministic key order: known properties in
the order the real service returns them (`packageType` first under `properties`), unknown properties after them
sorted by name, user-data maps (assets, nodes, columns...) in their own order. Read-only fields (id, name, type,
createdOn, modifiedOn, provisioningState, swaggerLocation) are dropped. Files are replaced atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from toolkit.definition import schema
from toolkit.errors import BadInput


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """The document with read-only fields dropped and keys in canonical order (a new dict)."""
    return _order(document, schema.WEB_SERVICE)


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(canonical(document), indent=2, ensure_ascii=False) + "\n"


def write(path: Path | str, document: dict[str, Any]) -> None:
    """Write the canonical form; on any failure the previous file is left as it was."""
    write_text(Path(path), dumps(document))


def write_text(path: Path, text: str) -> None:
    """Write atomically (temp file + rename): never half-written; an unwritable path is bad input (exit 2)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput(f"{path}: directory {directory} does not exist")
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a file")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise BadInput(f"{path}: cannot write in {directory}: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates 0600; keep the old file's mode, else the usual mode of a file in a repository
        os.chmod(temp_name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp_name, path)
    except BaseException as exc:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from exc
        raise


def _order(value: Any, spec: schema.Spec) -> Any:
    if isinstance(spec, schema.Obj):
        if not isinstance(value, dict):
            return value
        result = {
            name: _order(value[name], field)
            for name, field in spec.fields.items()
            if name in value and name not in spec.read_only
        }
        for name in sorted(set(value) - spec.fields.keys()):
            result[name] = value[name]
        return result
    if isinstance(spec, schema.MapOf):
        if not isinstance(value, dict):
            return value
        return {key: _order(item, spec.value) for key, item in value.items()}
    if isinstance(spec, schema.ListOf):
        if not isinstance(value, list):
            return value
        return [_order(item, spec.item) for item in value]
    return value
