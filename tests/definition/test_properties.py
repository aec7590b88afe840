"""Property tests: the canonical writer is stable, and a failing edit leaves the file byte-identical."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.definition.conftest import PREDICT
from toolkit.definition.files import edit_file
from toolkit.errors import BadInput
from toolkit.providers import KINDS
from toolkit.providers.new_webservice.definition import canonical, dumps, load_file, load_text, validate, write
from toolkit.providers.new_webservice.schema import ASSET_TYPES, COLUMN_FORMATS, COLUMN_TYPES, DIAGNOSTIC_LEVELS

names = st.text(min_size=1, max_size=10)  # user-data keys: any text, dots, spaces, brackets, non-ASCII
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3), max_leaves=8
)
columns = st.dictionaries(
    names,
    st.fixed_dictionaries(
        {"type": st.sampled_from(COLUMN_TYPES)},
        optional={"format": st.sampled_from(COLUMN_FORMATS), "x-ms-isnullable": st.booleans()},
    ),
    min_size=1,
    max_size=4,
)


def table(cols: dict) -> dict:
    return {"title": "", "description": "", "type": "object", "properties": cols}


@st.composite
def definitions(draw) -> dict:
    asset_ids = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    assets = {
        asset_id: {
            "name": draw(names),
            "type": draw(st.sampled_from(ASSET_TYPES)),
            "locationInfo": {"uri": "aml://module/" + draw(st.text("0123456789abcdef", min_size=4, max_size=32))},
        }
        for asset_id in asset_ids
    }
    node_ids = draw(st.lists(names, min_size=len(asset_ids) + 2, max_size=len(asset_ids) + 2, unique=True))
    nodes = {node_ids[0]: {"inputId": "input1"}, node_ids[1]: {"outputId": "output1"}}
    for node_id, asset_id in zip(node_ids[2:], asset_ids, strict=True):
        parameters = draw(st.dictionaries(names, st.fixed_dictionaries({"value": json_values}), max_size=3))
        nodes[node_id] = {"assetId": asset_id, "parameters": parameters}
    edge = st.fixed_dictionaries(
        {"sourceNodeId": st.sampled_from(node_ids), "targetNodeId": st.sampled_from(node_ids)},
        optional={"sourcePortId": names, "targetPortId": names},
    )
    properties = {
        "title": draw(st.text(max_size=20)),
        "readOnly": draw(st.booleans()),
        "realtimeConfiguration": {"maxConcurrentCalls": draw(st.integers(4, 200))},
        "diagnostics": {"level": draw(st.sampled_from(DIAGNOSTIC_LEVELS))},
        "assets": assets,
        "input": table({"input1": table(draw(columns))}),
        "output": table({"output1": table(draw(columns))}),
        "parameters": {},
        "package": {"nodes": nodes, "edges": draw(st.lists(edge, max_size=6)), "graphParameters": {}},
        **draw(st.dictionaries(st.text("xyzXYZ_", min_size=3, max_size=6), json_values, max_size=2)),  # unknown
        "packageType": "Graph",
    }
    document = {"properties": dict(draw(st.permutations(list(properties.items()))))}
    if draw(st.booleans()):
        document["location"] = draw(st.sampled_from(["South Central US", "West Europe"]))
    if draw(st.booleans()):
        document["tags"] = draw(st.dictionaries(names, st.text(max_size=8), max_size=3))
    return document


@settings(max_examples=60, deadline=None)
@given(definitions())
def test_canonical_write_is_stable_and_lossless(document):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "service.json"
        write(path, document)
        first = path.read_bytes()
        reloaded = load_file(path).document
        write(path, reloaded)

        assert path.read_bytes() == first
    assert reloaded == canonical(document)
    assert dumps(load_text(first.decode("utf-8")).document) == first.decode("utf-8")
    assert first.endswith(b"\n") and not first.endswith(b"\n\n")
    assert validate(reloaded) == []


failing_operations = st.sampled_from(
    [
        {"op": "test", "path": "/properties/title", "value": "not the title"},
        {"op": "remove", "path": "/properties/nonexistent"},
        {"op": "replace", "path": "/properties/assets/asset9/name", "value": "x"},
        {"op": "move", "from": "/nowhere", "path": "/properties/title"},
        {"op": "add", "path": "/properties/package/edges/99", "value": {}},
        {"op": "replace", "path": "/properties/realtimeConfiguration/maxConcurrentCalls", "value": 1000},
        {"op": "frobnicate", "path": "/properties/title"},
    ]
)
good_operations = st.sampled_from(
    [
        {"op": "replace", "path": "/properties/title", "value": "Housing Price v2"},
        {"op": "add", "path": "/tags/owner", "value": "ops"},
        {"op": "remove", "path": "/properties/exampleRequest"},
        {"op": "replace", "path": "/properties/realtimeConfiguration/maxConcurrentCalls", "value": 16},
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(good_operations, max_size=3), failing_operations)
def test_a_failing_patch_leaves_the_file_byte_identical(good, failing):
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "housing-predict.json"
        shutil.copyfile(PREDICT, target)
        patch = Path(directory) / "patch.json"
        patch.write_text(json.dumps([*good, failing]), encoding="utf-8")

        with pytest.raises(BadInput):
            edit_file(target, KINDS, patch_file=patch, in_place=True)

        assert target.read_bytes() == PREDICT.read_bytes()
        assert sorted(p.name for p in Path(directory).iterdir()) == ["housing-predict.json", "patch.json"]
