"""Fuzzing the offline commands with hostile definition files: nothing crashes, nothing is lost without a word.

Each example starts from definitions/dev/housing-predict.json and changes it: values of other kinds at any depth,
keys given twice, NaN and infinities, integers beyond what Python reads, nesting beyond the reader's bound, bytes
that are not UTF-8. The generator knows which of its changes the reader must refuse, so the expected exit codes
are not taken from the code under test.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.definition.conftest import PREDICT
from toolkit.jsonfile import MAX_DEPTH

MODEL = "Housing Price [trained model]"
V1 = "http://127.0.0.1:10000/devstoreaccount1/models/housing-v1.ilearner"


@dataclass(frozen=True)
class Pairs:
    """An object written with these members in this order, duplicates included."""

    items: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Literal:
    """JSON text written as it is: NaN, Infinity, 1e999, a 5000-digit integer, deep nesting."""

    text: str


def render(value: Any, indent: int = 0) -> str:
    """JSON text in the canonical layout (2-space indent), with Pairs and Literal written as they ask."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Literal):
        return value.text
    if isinstance(value, dict | Pairs):
        items = value.items if isinstance(value, Pairs) else tuple(value.items())
        if not items:
            return "{}"
        members = [f"{inner}{json.dumps(key, ensure_ascii=False)}: {render(item, indent + 1)}" for key, item in items]
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{render(item, indent + 1)}" for item in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


# Keys made of letters no property name of the schema is spelled with only, so added keys never collide with one.
new_keys = st.text("xz_0123456789", min_size=1, max_size=6)
plain_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(new_keys, inner, max_size=3),
    max_leaves=6,
)
REFUSED = (
    Literal("NaN"),
    Literal("Infinity"),
    Literal("-Infinity"),
    Literal("1e999"),
    Literal("-2.5E+400"),
    Literal("9" * 4301),
    Literal("-" + "1" * 5000),
    Literal("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)),
    Literal('{"x":' * 1000 + "1" + "}" * 1000),
    Literal('"\\udc00 unpaired"'),
)
# Just inside the bounds: 4300 digits, the largest double, nesting that stays under MAX_DEPTH wherever it lands.
ACCEPTED = (
    Literal("9" * 4300),
    Literal("1.7976931348623157e308"),
    Literal("[" * (MAX_DEPTH - 20) + "]" * (MAX_DEPTH - 20)),
)


def refused_in(value: Any) -> bool:
    """Whether the document holds something the reader must refuse: a refused literal, or a key given twice."""
    if isinstance(value, Literal):
        return value in REFUSED
    if isinstance(value, Pairs):
        return True  # made only to hold a key twice
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(refused_in(item) for item in items)


def containers(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every object and array in a parsed document, the root first."""
    found = [path] if isinstance(value, dict | list) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.extend(containers(item, (*path, key)))
    return found


def at(document: Any, path: tuple) -> Any:
    for segment in path:
        document = document[segment]
    return document


def place(draw, document: Any) -> tuple[tuple, Any, Any] | None:
    """A random member or item of a random object or array: (container path, container, key); None if none."""
    places = [where for where in containers(document) if at(document, where)]
    if not places:
        return None
    where = draw(st.sampled_from(places))
    parent = at(document, where)
    key = draw(st.sampled_from(list(parent) if isinstance(parent, dict) else list(range(len(parent)))))
    if not where and key == "properties":
        key = draw(st.sampled_from(list(parent)))  # keep most changes inside properties, where the schema is
    return where, parent, key


def with_key_twice(draw, document: Any) -> Any:
    """The document with one of its objects holding a key twice (the same value or another)."""
    objects = [where for where in containers(document) if isinstance(at(document, where), dict) and at(document, where)]
    where = draw(st.sampled_from(objects))
    parent = at(document, where)
    key = draw(st.sampled_from(list(parent)))
    items = list(parent.items())
    items.insert(draw(st.integers(0, len(items))), (key, parent[key] if draw(st.booleans()) else draw(plain_values)))
    if not where:
        return Pairs(tuple(items))
    at(document, where[:-1])[where[-1]] = Pairs(tuple(items))
    return document


# What a file gets after its random edits: nothing more, a key twice, bytes that are not UTF-8, or one of REFUSED.
HOSTILITIES = ("key twice", "not UTF-8", *range(len(REFUSED)))


@st.composite
def hostile_files(draw, hostility: str | int | None = None) -> tuple[bytes, bool]:
    """(file bytes, whether the reader must refuse them): random edits at random depths, then the hostility."""
    document = json.loads(PREDICT.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "replace", "add", "remove", "accepted"]))
        found = place(draw, document)
        if found is None:
            break
        where, parent, key = found
        if action == "add" and isinstance(parent, dict):
            parent[draw(new_keys)] = draw(plain_values)
        elif action == "add":
            parent.insert(key, draw(plain_values))
        elif action == "remove":
            del parent[key]
        else:
            parent[key] = draw(plain_values) if action == "replace" else draw(st.sampled_from(ACCEPTED))
    if hostility == "key twice":
        document = with_key_twice(draw, document)
    elif isinstance(hostility, int) and (found := place(draw, document)) is not None:
        _where, parent, key = found
        parent[key] = REFUSED[hostility]
    refused = refused_in(document)
    data = (render(document) + "\n").encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data  # a UTF-8 byte-order mark, as PowerShell writes: accepted
    if hostility == "not UTF-8":
        offset = draw(st.integers(0, len(data)))
        data = data[:offset] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc"])) + data[offset:]
        refused = True
    return data, refused


def files_in(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure names its command and file already
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def run_offline_commands(mlws, data: bytes, refused: bool) -> None:
    """Every offline command on the file: exit 0, 2 or 3 only; refused files refused by all; failures write nothing;
    diff of the file with itself finds nothing; normalize is idempotent."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        file = folder / "service.json"
        file.write_bytes(data)
        before = files_in(folder)

        def run(*args: str):
            result = mlws(*args)
            assert result.exit_code in (0, 2, 3), f"mlws {' '.join(map(str, args))}: {result.stderr}"
            if result.exit_code != 0:
                assert files_in(folder) == before, f"mlws {' '.join(map(str, args))} failed and changed files"
            return result

        validated = run("validate", file)
        checked = run("normalize", "--check", file)
        same = run("diff", file, file, "--exit-code")
        assert files_in(folder) == before  # read-only commands, whatever their exit code
        set_title = run("edit", file, "--set", "properties.title=Fuzzed", "-f", folder / "out.json")
        (folder / "out.json").unlink(missing_ok=True)
        swapped = run("edit", file, "--asset", MODEL, "--uri", V1, "-f", folder / "out.json")
        (folder / "out.json").unlink(missing_ok=True)

        if refused:
            for result in (validated, checked, same, set_title, swapped):
                assert result.exit_code == 2
                assert str(file) in result.stdout + result.stderr
            assert run("normalize", file).exit_code == 2
            return
        assert same.exit_code == 0 and "No changes." in same.stdout
        assert checked.exit_code in (0, 3)
        assert run("normalize", file).exit_code == 0
        assert run("normalize", "--check", file).exit_code == 0  # idempotent: a second run would change nothing
        assert sorted(files_in(folder)) == ["service.json"]


@settings(FUZZ, max_examples=12)
@given(hostile_files())
def test_offline_commands_on_randomly_edited_files(mlws, case):
    data, refused = case
    assert not refused
    run_offline_commands(mlws, data, refused)


@pytest.mark.parametrize("hostility", HOSTILITIES, ids=lambda h: h if isinstance(h, str) else REFUSED[h].text[:12])
@settings(FUZZ, max_examples=3)
@given(cases=st.data())
def test_offline_commands_on_hostile_files(mlws, hostility, cases):
    data, refused = cases.draw(hostile_files(hostility))
    assert refused
    run_offline_commands(mlws, data, refused)
