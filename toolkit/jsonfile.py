"""The one reader of JSON a user gives: definition files, --patch, --plan, the property-flag files, rows to score.

Strict where Python's json module is lenient, so nothing is lost or mangled without a word; each of these is
BadInput (exit 2) naming the file (and its flag) and, where it has one, the line or JSON path:
- a key given twice in one object (json.loads keeps the last value silently): both line numbers;
- NaN, Infinity, -Infinity, and numbers too large for a double (1e999): JSON has none of them;
- integers of more digits than Python converts (sys.get_int_max_str_digits(), 4300 by default);
- nesting deeper than MAX_DEPTH (deeper documents exhaust the stack of the code that walks them);
- a string holding an unpaired surrogate (`"\\ud800"`): not Unicode text, it cannot be written back as UTF-8;
- a missing file, a directory, a file that cannot be read, text that is not UTF-8 (the byte offset is named).
A UTF-8 byte-order mark is skipped: PowerShell writes one.

The fast path is json.loads with hooks that only note that something is wrong; the slow scan that finds
where runs only then.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import sys
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from toolkit.errors import BadInput

MAX_DEPTH = 200  # far beyond any definition: the swagger's examples and the recordings nest 10 levels at most
_REFUSE = object()

# A string (an unterminated one runs to the end of the text) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_UNPAIRED_SURROGATE = re.compile("[\ud800-\udfff]")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_CONSTANTS = {"true": True, "false": False, "null": None}
_NON_FINITE = ("NaN", "-Infinity", "Infinity")


def read_text(path: Path | str, *, flag: str | None = None, missing: str = "no such file") -> str:
    """The text of a UTF-8 file (byte-order mark skipped); BadInput naming the file for any reason it cannot be."""
    label = _label(path, flag)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{label}: {missing}") from None
    except IsADirectoryError:
        raise BadInput(f"{label}: is a directory, not a file") from None
    except PermissionError:
        raise BadInput(f"{label}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{label}: cannot read: {exc.strerror or exc}") from None
    return _decode(data, label)


def _decode(data: bytes, label: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF8):
        raise BadInput(f"{label}: UTF-16 text (byte-order mark {data[:2].hex()}); save it as UTF-8")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = data.count(b"\n", 0, offset) + 1
        raise BadInput(
            f"{label}: not UTF-8 text: byte 0x{data[offset]:02x} at byte offset {offset} (line {line})"
        ) from None


def read(
    path: Path | str, *, flag: str | None = None, expect: type | None = None, missing: str = "no such file"
) -> Any:
    """The JSON value in a file (read_text, then parse); `expect` (dict or list) is the kind of value it must hold."""
    return parse(read_text(path, flag=flag, missing=missing), source=_label(path, flag), expect=expect)


def parse(text: str, *, source: str, expect: type | None = None, if_not_json: Any = _REFUSE) -> Any:
    """The JSON value of `text`, refused (BadInput prefixed with `source`) for everything the module docstring lists.

    if_not_json: returned instead of refusing when `text` is not JSON at all (a syntax error), for values that
    may be JSON or a plain string (`--set PATH=VALUE`); everything else wrong with JSON is still refused.
    """
    suspect: list[bool] = []  # set by the hooks; the slow scan then says where

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            suspect.append(True)
        return result

    def constant(name: str) -> float:
        suspect.append(True)
        return float(name)

    def floating(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            suspect.append(True)
        return value

    def integer(literal: str) -> int | None:
        if len(literal) - literal.startswith("-") > sys.get_int_max_str_digits() > 0:
            suspect.append(True)
            return None
        return int(literal)

    try:
        value = json.loads(
            text, object_pairs_hook=pairs, parse_constant=constant, parse_float=floating, parse_int=integer
        )
    except json.JSONDecodeError as exc:
        if if_not_json is not _REFUSE:
            return if_not_json
        raise BadInput(f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # nested far deeper than MAX_DEPTH
        raise _too_deep(text, source) from None
    if _nesting(value) > MAX_DEPTH:
        raise _too_deep(text, source)
    if suspect:  # a hook saw what it refuses (the huge integer was read as None): never return this value
        raise BadInput(f"{source}: {_Scanner(text).first_problem()}")
    if _ESCAPED_SURROGATE.search(text):  # escaped surrogates, paired (an emoji) or not
        problem = _Scanner(text).first_problem()
        if problem is not None:
            raise BadInput(f"{source}: {problem}")
    if expect is not None and not isinstance(value, expect):
        raise BadInput(f"{source}: expected {_KIND_NAMES[expect]}, got {type_name(value)}")
    return value


def type_name(value: Any) -> str:
    """How a JSON value's kind is named in messages: "an object", "null"..."""
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    for kind, name in _KIND_NAMES.items():
        if isinstance(value, kind):
            return name
    return "a number"


_KIND_NAMES = {dict: "a JSON object", list: "a JSON array", str: "a string"}


def _label(path: Path | str, flag: str | None) -> str:
    return f"{flag} {path}" if flag else str(path)


def _nesting(value: Any) -> int:
    """How deep containers nest in a parsed value, counted level by level (no recursion), up to MAX_DEPTH + 1."""
    level, depth = [value], 0
    while depth <= MAX_DEPTH:
        containers = [item for item in level if type(item) is dict or type(item) is list]
        if not containers:
            break
        depth += 1
        level = [
            item for container in containers for item in (container.values() if type(container) is dict else container)
        ]
    return depth


def _too_deep(text: str, source: str) -> BadInput:
    """The error for text nested deeper than MAX_DEPTH, naming the line where it goes too deep."""
    depth, line = 0, None
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                break
        elif token == "]" or token == "}":
            depth -= 1
    where = f" (line {line})" if line is not None else ""
    return BadInput(f"{source}: nested deeper than {MAX_DEPTH} levels{where}")


class _Scanner:
    """Walks JSON text that json.loads took, keeping positions and paths, to name the first thing refused.

    Recursion is bounded: parse has already refused text nested deeper than MAX_DEPTH.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def first_problem(self) -> str | None:
        try:
            self._value(self._skip(0), ())
        except _Found as found:
            return str(found)
        return None

    def _skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()

    def _line(self, pos: int) -> int:  # only for the message: counting for every key would be quadratic
        return self.text.count("\n", 0, pos) + 1

    def _value(self, pos: int, path: tuple) -> int:
        text = self.text
        char = text[pos : pos + 1]
        if char == "{":
            return self._object(pos + 1, path)
        if char == "[":
            return self._array(pos + 1, path)
        if char == '"':
            return self._string(pos, path)[1]
        for name in _NON_FINITE:
            if text.startswith(name, pos):
                raise _Found(path, f"{name} is not a JSON number (JSON numbers are finite); quote it for a string")
        for name in _CONSTANTS:
            if text.startswith(name, pos):
                return pos + len(name)
        match = _NUMBER.match(text, pos)
        literal = match.group()
        if match.group(1) is None and match.group(2) is None:
            digits = len(literal) - literal.startswith("-")
            if digits > sys.get_int_max_str_digits() > 0:
                raise _Found(path, f"an integer of {digits} digits (at most {sys.get_int_max_str_digits()} are read)")
        elif not math.isfinite(float(literal)):
            shown = literal if len(literal) <= 20 else literal[:8] + "…" + literal[-8:]
            raise _Found(path, f"{shown} is out of range for a JSON number (at most about 1.8e308)")
        return match.end()

    def _string(self, pos: int, path: tuple) -> tuple[str, int]:
        value, end = scanstring(self.text, pos + 1, True)
        surrogate = _UNPAIRED_SURROGATE.search(value)
        if surrogate:
            code = f"\\u{ord(surrogate.group()):04x}"
            raise _Found(path, f"a string with an unpaired surrogate {code} (line {self._line(pos)}): not Unicode text")
        return value, end

    def _object(self, pos: int, path: tuple) -> int:
        text = self.text
        seen: dict[str, int] = {}  # key -> where it starts
        pos = self._skip(pos)
        if text.startswith("}", pos):
            return pos + 1
        while True:
            key_start = pos
            key, pos = self._string(pos, path)
            if key in seen:
                raise _Found(
                    (*path, key),
                    f"given twice, at lines {self._line(seen[key])} and {self._line(key_start)} (JSON keys must be "
                    "unique: the second would silently replace the first)",
                )
            seen[key] = key_start
            pos = self._skip(self._skip(pos) + 1)  # the ":"
            pos = self._skip(self._value(pos, (*path, key)))
            if text.startswith("}", pos):
                return pos + 1
            pos = self._skip(pos + 1)  # the ","

    def _array(self, pos: int, path: tuple) -> int:
        text = self.text
        pos = self._skip(pos)
        if text.startswith("]", pos):
            return pos + 1
        index = 0
        while True:
            pos = self._skip(self._value(pos, (*path, index)))
            if text.startswith("]", pos):
                return pos + 1
            pos, index = self._skip(pos + 1), index + 1


class _Found(Exception):
    """The first refused thing: stops the scan."""

    def __init__(self, path: tuple, message: str) -> None:
        # Imported here: toolkit.definition's package imports this module (through its loader).
        from toolkit.definition.paths import format_path

        super().__init__(f"{format_path(path)}: {message}" if path else message)
