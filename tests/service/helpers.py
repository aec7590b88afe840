"""Helpers for the service tests: compare JSON without printing values (they may be keys), write definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.providers.new_webservice.definition import canonical, dumps, redact_secrets


def differing_paths(left: Any, right: Any, path: str = "") -> list[str]:
    """JSON paths where two documents differ; values are never shown (recorded keys stay out of test output)."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in [*left, *(k for k in right if k not in left)]:
            if key not in left or key not in right:
                found.append(f"{path}.{key} (only on one side)")
            else:
                found.extend(differing_paths(left[key], right[key], f"{path}.{key}"))
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            p for i, (a, b) in enumerate(zip(left, right, strict=True)) for p in differing_paths(a, b, f"{path}[{i}]")
        ]
    return [] if left == right and type(left) is type(right) else [path or "(root)"]


def write_definition(body: dict[str, Any], folder: Path, environment: str, name: str) -> tuple[Path, dict[str, str]]:
    """Write `body` as definitions/<environment>/<name>.json with its secrets moved to ${ENV} placeholders.

    Returns the file and the environment that resolves the placeholders back to the original values.
    """
    redacted, moved = redact_secrets(canonical(body))
    env = {}
    for secret in moved:
        value: Any = body
        for segment in secret.segments:
            value = value[segment]
        env[secret.variable] = value.split("?", 1)[1] if secret.query_only else value
    path = folder / "definitions" / environment / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(redacted), encoding="utf-8")
    return path, env
