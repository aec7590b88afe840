"""JSON paths as users see them: `properties.package.edges[3].targetNodeId`.

One syntax for problems, diffs and `mlws edit --set`: dotted keys, `[n]` for list indices, and
`["..."]` (a JSON string) for keys holding anything but letters, digits, `_` and `-`
(e.g. `properties.package.nodes.node1.parameters["Account Key"].value`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolkit.errors import BadInput

Segment = str | int
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")


def format_path(segments: tuple[Segment, ...] | list[Segment]) -> str:
    parts: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _PLAIN_KEY.fullmatch(segment):
            parts.append(f".{segment}" if parts else segment)
        else:
            parts.append(f"[{json.dumps(segment, ensure_ascii=False)}]")
    return "".join(parts)


def join(path: str, segment: Segment) -> str:
    """Append one segment to an already formatted path."""
    if isinstance(segment, int):
        return f"{path}[{segment}]"
    if _PLAIN_KEY.fullmatch(segment):
        return f"{path}.{segment}" if path else segment
    return f"{path}[{json.dumps(segment, ensure_ascii=False)}]"


def value_at(document: Any, segments: tuple[Segment, ...] | list[Segment]) -> Any:
    """The value at a path of a JSON document, None where the path does not reach."""
    for segment in segments:
        if isinstance(document, dict):
            document = document.get(segment)
        elif isinstance(document, list) and isinstance(segment, int) and -len(document) <= segment < len(document):
            document = document[segment]
        else:
            return None
    return document


def pop_at(document: Any, segments: tuple[Segment, ...]) -> None:
    """Remove the member at a path of a JSON document, if the path reaches it."""
    parent = value_at(document, segments[:-1])
    if isinstance(parent, dict):
        parent.pop(segments[-1], None)


# While walking big documents the path is kept as a chain (parent_chain, segment), root None, and only
# formatted when a problem or a normalisation needs it.
Chain = tuple[Any, Segment] | None


def chain_path(chain: Chain) -> str:
    segments: list[Segment] = []
    while chain is not None:
        chain, segment = chain
        segments.append(segment)
    return format_path(segments[::-1])


def parse_path(text: str) -> list[Segment]:
    """The inverse of format_path; BadInput naming the position of a syntax error."""
    segments, end = scan_path(text)
    if end != len(text):
        raise BadInput(f"path {text!r}: unexpected {text[end]!r} at character {end + 1}")
    return segments


def scan_path(text: str) -> tuple[list[Segment], int]:
    """Read a path from the start of `text`; stop at the first character that cannot continue it (e.g. `=`)."""
    segments: list[Segment] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "[":
            segment, pos = _scan_bracket(text, pos)
            segments.append(segment)
        elif char == "." and segments:
            match = _PLAIN_KEY.match(text, pos + 1)
            if not match:
                raise BadInput(f"path {text!r}: expected a key after '.' at character {pos + 1}")
            segments.append(match.group())
            pos = match.end()
        elif not segments:
            match = _PLAIN_KEY.match(text, pos)
            if not match:
                break
            segments.append(match.group())
            pos = match.end()
        else:
            break
    if not segments:
        raise BadInput(f"path {text!r}: expected a path such as properties.title")
    return segments, pos


def _scan_bracket(text: str, pos: int) -> tuple[Segment, int]:
    close = text.find("]", pos)
    if text.startswith('["', pos):
        decoder = json.JSONDecoder()
        try:
            key, end = decoder.raw_decode(text, pos + 1)
        except json.JSONDecodeError:
            key, end = None, -1
        if isinstance(key, str) and text.startswith("]", end):
            return key, end + 1
        raise BadInput(f'path {text!r}: expected ["key"] at character {pos + 1}')
    inner = text[pos + 1 : close] if close > 0 else ""
    if not inner.isdigit():
        raise BadInput(f'path {text!r}: expected [index] or ["key"] at character {pos + 1}')
    return int(inner), close + 1
