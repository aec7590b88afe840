"""Retraining tests. The housing data they train on comes from scripts/housing_data.py (one source for the
tests, the demo and the benchmark), loaded here by its path: scripts/ is not a package."""

import importlib.util
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load_script(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


housing_data = _load_script("housing_data")
