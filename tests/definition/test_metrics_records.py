"""A metrics record committed beside its definition (X.metrics.json) is taken in by the README's globs,
`mlws validate definitions/dev/*.json` and `mlws normalize --check definitions/dev/*.json`: validate checks it as a
record, normalize keeps it in its canonical form (2-space JSON, keys in the record's order, a trailing newline);
a broken one is named like a broken definition, and the commands for definitions refuse it."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.definition.conftest import SAMPLES

RECORD = {
    "format": "mlws-metrics",
    "version": 1,
    "model": "http://127.0.0.1:10000/devstoreaccount1/models/housing-v2.ilearner",
    "job": "539d0bc2fde945b6ac986b851d0000f0",
    "rows": 40,
    "evaluatedOn": "held-out rows",
    "metrics": {
        "Mean Absolute Error": 3641.64,
        "Root Mean Squared Error": 4820.54,
        "Coefficient of Determination": 0.99899,
    },  # fmt: skip
}
CANONICAL = json.dumps(RECORD, indent=2) + "\n"


@pytest.fixture
def folder(tmp_path):
    """definitions/dev as the repository has it, with the predictive service's record beside it."""
    folder = tmp_path / "definitions" / "dev"
    shutil.copytree(SAMPLES, folder)
    (folder / "housing-predict.metrics.json").write_text(CANONICAL, encoding="utf-8")
    return folder


def files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def glob(folder) -> list[str]:
    """What the shell makes of definitions/dev/*.json."""
    return [str(path) for path in sorted(folder.glob("*.json"))]


def test_the_readme_globs_take_a_committed_record_as_a_record(folder, mlws):
    validated = mlws("validate", *glob(folder), "-o", "json")
    checked = mlws("normalize", "--check", *glob(folder))

    assert validated.exit_code == 0, validated.stdout + validated.stderr
    entries = {entry["path"].rsplit("/", 1)[1]: entry for entry in validated.json()["result"]["files"]}
    assert sorted(entries) == ["housing-predict.json", "housing-predict.metrics.json", "housing-training.json"]
    assert entries["housing-predict.metrics.json"]["ok"] and entries["housing-predict.metrics.json"]["metricsRecord"]
    assert not entries["housing-predict.json"]["metricsRecord"]
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    assert "housing-predict.metrics.json: already canonical (metrics record)" in checked.stdout


def test_normalize_writes_a_hand_edited_record_back_in_canonical_form(folder, mlws):
    record = folder / "housing-predict.metrics.json"
    reordered = {key: RECORD[key] for key in reversed(list(RECORD))}
    record.write_text(json.dumps(reordered), encoding="utf-8")  # one line, keys reversed
    before = files(folder)

    checked = mlws("normalize", "--check", *glob(folder))
    unchanged = files(folder)
    written = mlws("normalize", *glob(folder))

    assert checked.exit_code == 3 and "housing-predict.metrics.json: would be rewritten" in checked.stdout
    assert unchanged == before
    assert written.exit_code == 0, written.stdout + written.stderr
    assert record.read_text(encoding="utf-8") == CANONICAL
    assert {name: data for name, data in files(folder).items() if name != record.name} == {
        name: data for name, data in before.items() if name != record.name
    }


BROKEN = {
    "another format": ({"format": "other"}, "not an mlws-metrics v1 record"),
    "a version that is true": ({"version": True}, "not an mlws-metrics v1 record"),
    "an unknown metric": ({"metrics": {"Accuracy": 0.9}}, "unknown metrics 'Accuracy'"),
    "a metric that is no number": ({"metrics": {"Mean Absolute Error": "3641"}}, "metrics.Mean Absolute Error is not"),
    "a key normalize would drop": ({"note": "by hand"}, "note: not part of a metrics record"),
    "a value normalize would change": (
        {"evaluatedOn": 40},
        "evaluatedOn: 40 is not what a record holds here (kept: null)",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_record_is_named_by_validate_and_normalize_writes_nothing(folder, mlws, case):
    change, message = BROKEN[case]
    (folder / "housing-predict.metrics.json").write_text(json.dumps({**RECORD, **change}, indent=2), encoding="utf-8")
    before = files(folder)

    validated = mlws("validate", *glob(folder))
    normalized = mlws("normalize", *glob(folder))

    assert validated.exit_code == 2, validated.stdout
    assert "housing-predict.metrics.json: 1 problem (metrics record)" in validated.stdout
    assert message in validated.stdout, validated.stdout
    assert "2 of 3 file(s) valid" in validated.stdout
    assert normalized.exit_code == 2 and message in normalized.stderr, normalized.stderr
    assert files(folder) == before


def test_the_commands_for_one_definition_refuse_a_record(folder, mlws):
    record = folder / "housing-predict.metrics.json"

    edited = mlws("edit", record, "-i", "--set", "job=x")
    compared = mlws("diff", folder / "housing-predict.json", record)

    for refused in (edited, compared):
        assert refused.exit_code == 2
        assert f"{record}: a metrics record (retraining writes it beside a definition), not a definition" in (
            refused.stderr
        )
    assert record.read_text(encoding="utf-8") == CANONICAL
