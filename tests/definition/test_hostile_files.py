"""Hostile input files: every reader refuses them the same way (exit 2, the file and flag named, the place said),
and no command writes NaN, Infinity or nulls, or leaves temp files behind after a kill."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.definition.conftest import PREDICT, read_json, write_json
from toolkit import jsonfile
from toolkit.errors import BadInput
from toolkit.providers.new_webservice.definition import diff

PREDICT_TEXT = PREDICT.read_text(encoding="utf-8")
MODEL = "Housing Price [trained model]"


def with_second_properties() -> tuple[str, int, int]:
    """The sample with a second "properties" member at the end; (text, line of the first, line of the second)."""
    head = PREDICT_TEXT.rstrip().removesuffix("}").rstrip()
    text = head + ',\n  "properties": {\n    "packageType": "Graph"\n  }\n}\n'
    first = PREDICT_TEXT[: PREDICT_TEXT.index('"properties"')].count("\n") + 1
    second = text[: text.rindex('"properties"')].count("\n") + 1
    return text, first, second


def replacing(old: str, new: str) -> bytes:
    assert PREDICT_TEXT.count(old) == 1
    return PREDICT_TEXT.replace(old, new).encode("utf-8")


DUPLICATE, FIRST, SECOND = with_second_properties()
CONCURRENCY = '"maxConcurrentCalls": 4'
# name -> (file bytes, what the message must say besides the file's name)
HOSTILE = {
    "duplicate key": (DUPLICATE.encode("utf-8"), f"properties: given twice, at lines {FIRST} and {SECOND}"),
    "NaN": (replacing(CONCURRENCY, '"maxConcurrentCalls": NaN'), "realtimeConfiguration.maxConcurrentCalls: NaN"),
    "Infinity": (replacing(CONCURRENCY, '"maxConcurrentCalls": Infinity'), "maxConcurrentCalls: Infinity"),
    "-Infinity": (replacing('"title": "Housing Price"', '"title": -Infinity'), "properties.title: -Infinity"),
    "1e999": (replacing(CONCURRENCY, '"maxConcurrentCalls": 1e999'), "maxConcurrentCalls: 1e999 is out of range"),
    "5000-digit integer": (
        replacing(CONCURRENCY, '"maxConcurrentCalls": ' + "7" * 5000),
        "maxConcurrentCalls: an integer of 5000 digits",
    ),
    "nesting 201 deep": (
        replacing('"globalParameters": {}', '"globalParameters": {"x": ' + "[" * 201 + "]" * 201 + "}"),
        "nested deeper than 200 levels",
    ),
    "nesting 950 deep": (
        replacing('"globalParameters": {}', '"globalParameters": {"x": ' + "[" * 950 + "]" * 950 + "}"),
        "nested deeper than 200 levels",
    ),
    "unpaired surrogate": (replacing('"title": "Housing Price"', '"title": "\\ud800"'), "unpaired surrogate \\ud800"),
    "not UTF-8": (
        PREDICT_TEXT.encode("utf-8").replace(b"Housing Price", b"Housing \xff Price", 1),
        f"not UTF-8 text: byte 0xff at byte offset {PREDICT_TEXT.encode().index(b'Housing Price') + 8} (line 5)",
    ),
    "UTF-16": (b"\xff\xfe" + PREDICT_TEXT.encode("utf-16-le"), "UTF-16 text"),
}


HEX = "0123456789abcdef0123456789abcdef"
CLASSIC_ENDPOINT = ("--workspace", HEX, "-s", HEX, "-n", "rentalloc001")
CLASSIC_RETRAIN = (*CLASSIC_ENDPOINT, "--training-service", HEX)


def readers(file: Path, workdir: Path) -> dict[str, tuple[list, str]]:
    """Every command that reads a user's JSON file, with FILE in it: (arguments, the flag the message names)."""
    out = workdir / "out.json"
    return {
        "validate": (["validate", file], ""),
        "import": (["import", file], ""),
        "normalize": (["normalize", file], ""),
        "diff": (["diff", file, PREDICT], ""),
        "edit": (["edit", file, "--set", "properties.title=X", "-f", out], ""),
        "edit --patch": (["edit", PREDICT, "--patch", file, "-f", out], "--patch "),
        "update --plan": (["update", "--plan", file], "--plan "),
        "score --input": (["score", "--input", file, "-n", "svc", "-g", "rg"], "--input "),
        "retrain --update-definition": (["retrain", "-n", "svc", "--update-definition", file, "--asset", MODEL], ""),
        "classic diff": (["classic", "diff", file], ""),
        "classic update -f": (["classic", "update", "-f", file], ""),
        "classic score --input": (["classic", "score", "--input", file, *CLASSIC_ENDPOINT], "--input "),
        "classic retrain --score": (["classic", "retrain", "--score", file, *CLASSIC_RETRAIN], "--score "),
        "classic retrain --update-definition": (
            ["classic", "retrain", "--update-definition", file, *CLASSIC_RETRAIN],
            "",
        ),
    }


READERS = list(readers(Path("f"), Path("w")))


@pytest.mark.parametrize("content", list(HOSTILE))
@pytest.mark.parametrize("reader", READERS)
def test_every_reader_refuses_hostile_json_naming_file_and_place(mlws, tmp_path, reader, content):
    data, detail = HOSTILE[content]
    file = tmp_path / "hostile.json"
    file.write_bytes(data)
    args, flag = readers(file, tmp_path)[reader]
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}

    run = mlws(*args, env={"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000"})

    shown = run.stdout + run.stderr
    assert run.exit_code == 2, shown
    assert f"{flag}{file}" in shown and detail in shown, shown
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_names_a_directory_or_a_missing_file(mlws, tmp_path, reader):
    for given, detail in ((tmp_path, "is a directory"), (tmp_path / "missing.json", "does not exist")):
        args, flag = readers(given, tmp_path)[reader]
        run = mlws(*args, env={"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000"})

        shown = run.stdout + run.stderr
        assert run.exit_code == 2, shown
        assert f"{flag}{given}:" in shown, shown
        # definitions keep the cmdlet's own words for a missing file; other files say "no such file"
        assert detail in shown or (detail == "does not exist" and "no such file" in shown), shown


def unreadable_file(folder: Path) -> Path:
    file = folder / "secret.json"
    file.write_bytes(PREDICT.read_bytes())
    file.chmod(0)
    try:
        file.read_bytes()
    except PermissionError:
        return file
    # root reads any file, but not a write-only sysctl
    for candidate in (Path("/proc/sys/vm/compact_memory"), Path("/proc/sys/vm/drop_caches")):
        try:
            candidate.read_bytes()
        except PermissionError:
            return candidate
        except OSError:
            continue
    pytest.skip("no file here that this user cannot read")


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_names_a_file_it_may_not_read(mlws, tmp_path, reader):
    file = unreadable_file(tmp_path)
    args, flag = readers(file, tmp_path)[reader]

    run = mlws(*args, env={"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000"})

    shown = run.stdout + run.stderr
    assert run.exit_code == 2, shown
    # the command line's own check (click) or the reader's, whichever sees it first
    assert str(file) in shown and flag.strip() in shown, shown
    assert "permission denied" in shown or "is not readable" in shown, shown


def test_the_reader_itself_says_permission_denied(tmp_path):
    file = unreadable_file(tmp_path)

    with pytest.raises(BadInput) as refused:
        jsonfile.read(file, flag="--assets", expect=dict)

    assert refused.value.message == f"--assets {file}: permission denied"


def test_a_byte_order_mark_is_accepted(mlws, tmp_path):
    file = tmp_path / "bom.json"
    file.write_bytes(b"\xef\xbb\xbf" + PREDICT.read_bytes())

    assert mlws("validate", file).exit_code == 0
    assert mlws("diff", file, PREDICT, "--exit-code").exit_code == 0
    assert mlws("normalize", file).exit_code == 0
    assert file.read_bytes() == PREDICT.read_bytes()  # rewritten without the mark


def test_a_second_properties_object_is_not_silently_dropped(mlws, tmp_path):
    file = tmp_path / "service.json"
    file.write_text(DUPLICATE, encoding="utf-8")

    normalized = mlws("normalize", file)
    validated = mlws("validate", file)

    assert normalized.exit_code == 2 and validated.exit_code == 2
    assert f"properties: given twice, at lines {FIRST} and {SECOND}" in normalized.stderr
    assert f"lines {FIRST} and {SECOND}" in validated.stdout
    assert file.read_text(encoding="utf-8") == DUPLICATE


def test_a_key_given_twice_deep_inside_is_named_by_its_path(mlws, tmp_path):
    text = PREDICT_TEXT.replace('"rooms": {', '"rooms": {"type": "String", ', 1)
    file = tmp_path / "service.json"
    file.write_text(text, encoding="utf-8")

    run = mlws("validate", file)

    line = text[: text.index('"rooms": {')].count("\n") + 1
    assert run.exit_code == 2
    assert f"properties.input.properties.input1.properties.rooms.type: given twice, at lines {line} and" in run.stdout


def test_set_refuses_values_json_cannot_hold_and_leaves_the_file(mlws, tmp_path):
    file = tmp_path / "service.json"
    shutil.copyfile(PREDICT, file)

    for value in ("1e999", "-1e999", "NaN", "Infinity", "9" * 5000, '{"a": 1, "a": 2}'):
        run = mlws("edit", file, "--set", f"properties.exampleRequest.globalParameters.x={value}", "-i")

        assert run.exit_code == 2, (value, run.stderr)
        assert "--set properties.exampleRequest.globalParameters.x" in run.stderr
        assert file.read_bytes() == PREDICT.read_bytes()
    # a value that is not JSON at all is still a string
    assert mlws("edit", file, "--set", "properties.title=Housing v2", "-i").exit_code == 0
    assert read_json(file)["properties"]["title"] == "Housing v2"


def test_a_patch_cannot_write_infinity_either(mlws, tmp_path):
    file = tmp_path / "service.json"
    shutil.copyfile(PREDICT, file)
    patch = tmp_path / "patch.json"
    patch.write_text('[{"op": "add", "path": "/properties/exampleRequest/globalParameters/x", "value": 1e999}]')

    run = mlws("edit", file, "--patch", patch, "-i")

    assert run.exit_code == 2
    assert f"--patch {patch}: [0].value: 1e999 is out of range" in run.stderr
    assert file.read_bytes() == PREDICT.read_bytes()


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": "/properties/nothing/here"},
        {"op": "test", "path": "/properties/storageAccount/key", "value": "a guess"},
        {"op": "copy", "from": "/properties/nothing/here", "path": "/properties/title"},
    ],
)
def test_a_failing_patch_never_quotes_the_document(mlws, tmp_path, operation):
    document = read_json(PREDICT)
    document["properties"]["storageAccount"]["key"] = "c2VjcmV0LXN0b3JhZ2Uta2V5"  # before normalize moves it
    file = write_json(tmp_path / "service.json", document)
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps([operation]), encoding="utf-8")

    run = mlws("edit", file, "--patch", patch, "-f", tmp_path / "out.json")

    assert run.exit_code == 2
    assert "patch operation [0]" in run.stderr
    assert "c2VjcmV0LXN0b3JhZ2Uta2V5" not in run.stderr and "devstoreaccount1" not in run.stderr


def test_a_patch_file_must_hold_an_array(mlws, tmp_path):
    patch = tmp_path / "patch.json"
    patch.write_text('{"op": "replace", "path": "/properties/title", "value": "x"}')

    run = mlws("edit", PREDICT, "--patch", patch, "-f", tmp_path / "out.json")

    assert run.exit_code == 2
    assert f"--patch {patch}: expected a JSON array, got a JSON object" in run.stderr
    assert not (tmp_path / "out.json").exists()


def test_nulls_are_not_written_where_the_schema_knows_the_member(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["exampleRequest"]["globalParameters"] = None
    document["properties"]["exampleRequest"]["inputs"]["input1"][0][1] = None  # a null cell of a row: data
    document["properties"]["description"] = None
    document["properties"]["assets"]["asset2"]["outputPorts"] = None
    document["properties"]["parameters"] = {"unset": None}
    document["properties"]["zzUnknown"] = None  # not the schema's: kept as given
    file = write_json(tmp_path / "service.json", document)

    assert mlws("normalize", file).exit_code == 0

    written = read_json(file)["properties"]
    assert "globalParameters" not in written["exampleRequest"]
    assert written["exampleRequest"]["inputs"]["input1"][0][1] is None
    assert "description" not in written and "outputPorts" not in written["assets"]["asset2"]
    assert written["parameters"] == {}
    assert written["zzUnknown"] is None
    assert mlws("normalize", "--check", file).exit_code == 0


def test_diff_of_documents_holding_nan_shows_no_change():
    # files cannot hold NaN any more, but a service answer parsed leniently can (the comparison with live)
    left = json.loads('{"properties": {"packageType": "Graph", "zz": [NaN, 1.5]}}')
    right = json.loads('{"properties": {"packageType": "Graph", "zz": [NaN, 1.5]}}')

    assert diff(left, right).changes == []
    assert [c.path for c in diff(left, {"properties": {"packageType": "Graph", "zz": [1.0, 1.5]}}).changes] == [
        "properties.zz[0]"
    ]


def test_edit_asset_on_an_asset_that_is_not_an_object_is_bad_input(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["assets"]["asset2"] = 2.5
    file = write_json(tmp_path / "service.json", document)
    before = file.read_bytes()

    run = mlws("edit", file, "--asset", "asset2", "--uri", "http://127.0.0.1:10000/m/v1.ilearner", "-i")

    assert run.exit_code == 2, run.stderr
    assert "properties.assets.asset2 is a number, not an asset object" in run.stderr
    assert file.read_bytes() == before


@pytest.mark.parametrize("properties", [None, 3.5, "text", []])
def test_edit_asset_without_a_properties_object_lists_no_assets(mlws, tmp_path, properties):
    file = write_json(tmp_path / "service.json", {"location": "West Europe", "properties": properties})

    run = mlws("edit", file, "--asset", MODEL, "--uri", "http://127.0.0.1:10000/m/v1.ilearner", "-i")

    assert run.exit_code == 2, run.stderr
    assert f"no asset has the id or name {MODEL!r}" in run.stderr


def test_edges_that_are_not_an_array_are_a_problem_not_a_crash(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["package"]["edges"] = 5
    file = write_json(tmp_path / "service.json", document)

    run = mlws("validate", file)

    assert run.exit_code == 2, run.stderr
    assert "properties.package.edges: expected an array, got a whole number" in run.stdout


WRITER = """
import os, sys, time
from pathlib import Path
from toolkit.definition.canonical import write_text

def held(source, target):  # the temp file is complete: stop here, as a kill -9 late in normalize would find it
    print("written", flush=True)
    time.sleep(60)

os.replace = held
write_text(Path(sys.argv[1]), "x" * 100_000)
"""


def test_temp_files_of_a_killed_writer_are_removed_by_the_next_write(mlws, tmp_path):
    file = tmp_path / "n.json"
    shutil.copyfile(PREDICT, file)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(file)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert writer.stdout.readline().strip() == "written"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    leftovers = [path.name for path in tmp_path.iterdir() if path.name != "n.json"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".n.json.") and leftovers[0].endswith(".tmp")
    # a temp file of another target, and one whose writer may still be running, are not this write's to remove
    other = tmp_path / ".n.json.backup.abcd1234.tmp"
    other.write_text("keep")
    running = tmp_path / f".n.json.abcd1234.{os.getpid()}.tmp"
    running.write_text("keep")

    run = mlws("edit", file, "--set", "properties.title=After the kill", "-i")

    assert run.exit_code == 0, run.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["n.json", other.name, running.name])
    assert read_json(file)["properties"]["title"] == "After the kill"


def test_old_temp_files_are_removed_whoever_wrote_them(mlws, tmp_path):
    file = tmp_path / "n.json"
    shutil.copyfile(PREDICT, file)
    old = tmp_path / ".n.json.k2j9x_1q.tmp"  # the naming before the writer's pid was part of it
    old.write_text("x" * 1000)
    fresh = tmp_path / ".n.json.z8y7w6v5.tmp"
    fresh.write_text("x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert mlws("normalize", file).exit_code == 0
    assert mlws("edit", file, "--set", "properties.title=X", "-i").exit_code == 0

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["n.json", fresh.name])


def test_gitignore_ignores_the_writers_temp_files(tmp_path):
    # git's own matching, in a repository of the project's .gitignore alone (the suite may run outside a clone)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copyfile(REPO / ".gitignore", tmp_path / ".gitignore")

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=tmp_path).returncode == 0

    assert ignored("definitions/dev/.housing-predict.json.k2j9x_1q.4242.tmp")
    assert ignored(".plan.json.k2j9x_1q.tmp")
    assert not ignored("definitions/dev/housing-predict.json")
