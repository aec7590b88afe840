"""The canonical file form: what `export`, `edit` and `normalize` write.

UTF-8, 2-space indent, non-ASCII kept, trailing newline, and a deterministic key order: known properties in
the order the real service returns them (`packageType` first under `properties`), unknown properties after them
sorted by name, user-data maps (assets, nodes, columns...) in their own order. Read-only fields (id, name, type,
createdOn, modifiedOn, provisioningState, swaggerLocation) are dropped, and so are nulls where the schema knows the
member (an object's known property, an entry of a typed map): the cmdlets' serializer omits null properties, so
neither a file nor a request body built from canonical() carries one. NaN and Infinity are never written (JSON has
neither). Files are replaced atomically.
"""

from __future__ import annotations

import glob
import json
import math
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from toolkit.definition import spec as schema
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.paths import Segment, format_path
from toolkit.errors import BadInput


def canonical(document: dict[str, Any], kind: DefinitionKind) -> dict[str, Any]:
    """The document with read-only fields and schema-known nulls dropped, keys in canonical order (a new dict)."""
    return _order(document, kind.schema)


def dumps(document: dict[str, Any], kind: DefinitionKind) -> str:
    """The canonical text; BadInput naming the path of a NaN or an infinity (JSON has neither)."""
    ordered = canonical(document, kind)
    try:
        return json.dumps(ordered, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        found = _non_finite(ordered)
        if found is None:
            raise
        segments, value = found
        raise BadInput(
            f"{format_path(segments)}: {json.dumps(value)} cannot be written: JSON numbers are finite "
            "(nothing was written)"
        ) from None


def write(path: Path | str, document: dict[str, Any], kind: DefinitionKind) -> None:
    """Write the canonical form; on any failure the previous file is left as it was."""
    write_text(Path(path), dumps(document, kind))


# The temp files of write_text: .<target>.<random>.<writer pid>.tmp (the pid was added later: an older mlws wrote
# .<target>.<random>.tmp). A killed writer (kill -9, power loss) leaves its temp file behind; the next write of the
# same target removes those whose writer is known dead, and any older than STALE_AFTER: writing takes seconds at
# most, so such a file is no write in progress, whoever made it (another host on a shared disk, a reused pid).
STALE_AFTER = 10 * 60  # seconds


def write_text(path: Path, text: str) -> None:
    """Write atomically (temp file + rename): never half-written; an unwritable path is bad input (exit 2)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput(f"{path}: directory {directory} does not exist")
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a file")
    _remove_stale_temp_files(directory, path.name)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{os.getpid()}.tmp", dir=directory)
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


def _remove_stale_temp_files(directory: Path, name: str) -> None:
    """Best effort: a temp file that cannot be removed (permissions) is left for its owner."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]+(?:\.(\d+))?\.tmp")
    now = time.time()
    for candidate in directory.glob(f".{glob.escape(name)}.*.tmp"):
        match = pattern.fullmatch(candidate.name)
        if match is None:
            continue
        try:
            stale = now - candidate.stat().st_mtime > STALE_AFTER or (
                match.group(1) is not None and not _running(int(match.group(1)))
            )
            if stale:
                candidate.unlink()
        except OSError:
            continue


def _running(pid: int) -> bool:
    """Whether process `pid` runs on this machine; True when that cannot be known."""
    if os.name != "posix" or pid == os.getpid() or pid <= 0:  # os.kill(pid, 0) terminates on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: it runs, as another user
        return True
    return True


def _non_finite(value: Any) -> tuple[tuple[Segment, ...], float] | None:
    """The first NaN or infinity in document order, with its path (iterative: no depth limit)."""
    stack: list[tuple[tuple[Segment, ...], Any]] = [((), value)]
    while stack:
        segments, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return segments, item
        if isinstance(item, dict):
            stack.extend(((*segments, key), child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*segments, index), child) for index, child in reversed(list(enumerate(item))))
    return None


def _order(value: Any, spec: schema.Spec) -> Any:
    if isinstance(spec, schema.Obj):
        if not isinstance(value, dict):
            return value
        result = {
            name: _order(value[name], field)
            for name, field in spec.fields.items()
            if value.get(name) is not None and name not in spec.read_only
        }
        for name in sorted(set(value) - spec.fields.keys()):  # unknown: kept as given, null or not
            result[name] = value[name]
        return result
    if isinstance(spec, schema.MapOf):
        if not isinstance(value, dict):
            return value
        # A null entry of a typed map (an asset, a node, a tag) holds nothing; in an any-typed map (exampleRequest
        # inputs, globalParameters) null is a value like any other and is kept.
        keep_null = spec.value is schema.ANY
        return {key: _order(item, spec.value) for key, item in value.items() if item is not None or keep_null}
    if isinstance(spec, schema.ListOf):
        if not isinstance(value, list):
            return value
        return [_order(item, spec.item) for item in value]
    return value
