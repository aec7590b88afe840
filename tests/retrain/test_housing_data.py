"""scripts/housing_data.py: the one source of the housing datasets, as a script (demo) and as a module (tests)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from tests.retrain import SCRIPTS, housing_data


def test_the_script_writes_the_dataset_the_module_gives(tmp_path):
    out = tmp_path / "v1.csv"
    done = subprocess.run([sys.executable, str(SCRIPTS / "housing_data.py"), "v1", str(out)], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == housing_data.csv_text("v1")
    table = list(csv.reader(out.open()))
    assert tuple(table[0]) == housing_data.COLUMNS and len(table) == 1 + housing_data.DEFAULT_ROWS


def test_the_versions_differ_and_an_unknown_one_is_refused(tmp_path):
    assert housing_data.rows("v1") != housing_data.rows("v2")
    # Deterministic: another process (with other hash seeds) writes the rows this one gives.
    again = tmp_path / "v2.csv"
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "housing_data.py"), "v2", str(again), "--rows", "5"],
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert done.returncode == 0, done.stderr
    assert again.read_text() == housing_data.csv_text("v2", 5)
    out = tmp_path / "v9.csv"
    done = subprocess.run([sys.executable, str(SCRIPTS / "housing_data.py"), "v9", str(out)], capture_output=True)
    assert done.returncode == 2 and b"v9" in done.stderr and not out.exists()
