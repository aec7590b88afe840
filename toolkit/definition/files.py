"""What the offline commands do with definition files: validate, import, edit, normalize, diff.

Each function returns a report object with `to_json()`, `to_text()` and `exit_code`; none prints or exits.
Several files are all read (and checked) before any is written, so a bad file leaves every file as it was.
A metrics record beside a definition (X.metrics.json, toolkit.evaluation) is no definition, but a glob of an
environment's folder takes it in: validate checks it as a record, normalize writes (or --check compares) its
canonical form; the other commands refuse it, naming what it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import evaluation, jsonfile
from toolkit.definition.canonical import canonical, dumps, write, write_text
from toolkit.definition.diff import Diff, diff
from toolkit.definition.edit import Assignment, apply_edits
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.load import Loaded, Normalisation, load_text
from toolkit.definition.secrets import (
    Secret,
    mask_secrets,
    placeholders,
    redact_secrets,
    resolve_placeholders,
    set_variables,
)
from toolkit.definition.validate import validate
from toolkit.errors import BadInput, ExitCode, Problem
from toolkit.result import Result


@dataclass
class FileCheck:
    path: str
    problems: list[Problem] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)
    record: bool = False  # a metrics record, not a definition

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": not self.problems,
            "metricsRecord": self.record,
            "problems": [problem.to_json() for problem in self.problems],
            "normalised": [note.to_json() for note in self.normalisations],
        }


@dataclass
class ValidationReport(Result):
    files: list[FileCheck]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.BAD_INPUT if any(f.problems for f in self.files) else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.exit_code == ExitCode.OK, "files": [f.to_json() for f in self.files]}

    def to_text(self) -> str:
        lines: list[str] = []
        for check in self.files:
            count = len(check.problems)
            state = f"{count} problem{'s' if count != 1 else ''}" if count else "ok"
            lines.append(f"{check.path}: {state}" + (" (metrics record)" if check.record else ""))
            lines.extend(f"  - {problem}" for problem in check.problems)
            lines.extend(_summarise(check.normalisations))
        bad = sum(1 for check in self.files if check.problems)
        lines.append(f"{len(self.files) - bad} of {len(self.files)} file(s) valid")
        return "\n".join(lines)


EXAMPLES_PER_KIND = 3


def _summarise(notes: list[Normalisation]) -> list[str]:
    """One line per kind of normalisation with a few examples; -o json lists every one."""
    by_kind: dict[str, list[Normalisation]] = {}
    for note in notes:
        by_kind.setdefault(note.kind, []).append(note)
    lines = []
    for kind, kind_notes in by_kind.items():
        lines.append(f"  normalised on reading: {len(kind_notes)} x {kind}, e.g.")
        lines.extend(f"    {note}" for note in kind_notes[:EXAMPLES_PER_KIND])
        if len(kind_notes) > EXAMPLES_PER_KIND:
            lines.append(f"    ... {len(kind_notes) - EXAMPLES_PER_KIND} more (all with -o json)")
    return lines


def load_of_a_kind(path: Path, kinds: Sequence[DefinitionKind]) -> tuple[Loaded, DefinitionKind]:
    """Read a definition file as the first of `kinds` it is one of (the first kind when it is none of them, so
    that its problems are named in that kind's terms); BadInput for a metrics record."""
    if evaluation.is_metrics_file(Path(path)):
        raise BadInput(f"{path}: a metrics record (retraining writes it beside a definition), not a definition; "
                       "`mlws validate` and `mlws normalize` check it")  # fmt: skip
    text = jsonfile.read_text(path, missing=kinds[0].missing_message)
    kind = kinds[0]
    if len(kinds) > 1 and text.strip():
        document = jsonfile.parse(text, source=str(path))
        kind = next((candidate for candidate in kinds if candidate.recognises(document)), kinds[0])
    return load_text(text, kind, source=str(path)), kind


def validate_files(paths: list[Path], kinds: Sequence[DefinitionKind]) -> ValidationReport:
    """Check each file offline (schema, the kind's rules, secrets); unreadable files are problems of that file."""
    checks: list[FileCheck] = []
    for path in paths:
        if evaluation.is_metrics_file(Path(path)):
            checks.append(FileCheck(str(path), _record_problems(Path(path)), record=True))
            continue
        try:
            loaded, kind = load_of_a_kind(path, kinds)
        except BadInput as exc:
            checks.append(FileCheck(str(path), [Problem("", exc.message.removeprefix(f"{path}: "))]))
            continue
        problems = validate(loaded.document, kind, source_text=loaded.text)
        checks.append(FileCheck(str(path), problems, loaded.normalisations))
    return ValidationReport(checks)


def canonical_record(path: Path) -> str:
    """The canonical text of the metrics record in `path` (evaluation.Record.text); BadInput when it does not read
    as a record, or holds anything the canonical form would drop or change."""
    record = evaluation.read_record(path)
    if record is None:
        raise BadInput(f"{path}: no such file")
    given, kept = jsonfile.read(path, expect=dict), record.to_json()
    problems = [
        Problem(key, "not part of a metrics record", "remove it") if key not in kept
        else Problem(key, f"{json.dumps(given[key])} is not what a record holds here (kept: {json.dumps(kept[key])})")
        for key in given
        if key not in kept or given[key] != kept[key]
    ]  # fmt: skip
    if problems:
        raise BadInput(f"{path}: the metrics record holds what it cannot keep", problems=problems)
    return record.text()


def _record_problems(path: Path) -> list[Problem]:
    try:
        canonical_record(path)
    except BadInput as exc:
        return exc.problems or [Problem("", exc.message.removeprefix(f"{path}: "))]
    return []


@dataclass
class Imported(Result):
    """A valid definition and what sending it needs: `masked` is the body for display (set variables as ***)."""

    source: str
    masked: dict[str, Any]
    text: str  # `masked` in canonical form
    normalisations: list[Normalisation]
    variables: list[str]  # every placeholder variable: `new` or a whole replacement sends them all
    unset: list[str]  # those not set in the environment now
    exit_code: ExitCode = ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "body": self.masked,
            "variables": self.variables,
            "unset": self.unset,
            "normalised": [note.to_json() for note in self.normalisations],
        }

    def to_text(self) -> str:
        text = self.text.rstrip("\n")
        if self.unset:
            text += (
                f"\nnot set now: {', '.join(self.unset)} (`mlws new`, `update --whole` and a replacement send them; "
                "an update sends only what it changes)"
            )
        return text


def import_definition(
    path: Path | None,
    kinds: Sequence[DefinitionKind],
    *,
    text: str | None = None,
    env: Mapping[str, str],
    resolve: bool = False,
) -> Imported:
    """Import-AzMlWebService: parse and validate (BadInput on any problem), and report the placeholders' variables.

    resolve=True demands every variable (BadInput naming each unset one and its paths), as `mlws new` does.
    """
    if path is None and text is None:
        raise BadInput("give a definition FILE or --json-string")
    if path is not None and text is not None:
        raise BadInput("give a definition FILE or --json-string, not both")
    if path is not None:
        loaded, kind = load_of_a_kind(path, kinds)
    else:
        kind = next((candidate for candidate in kinds if candidate.recognises(_parsed(text or ""))), kinds[0])
        loaded = load_text(text or "", kind)
    problems = validate(loaded.document, kind, source_text=loaded.text)
    if problems:
        raise BadInput(f"{loaded.source}: the definition is not valid", problems=problems)
    body = canonical(loaded.document, kind)
    if resolve:
        resolve_placeholders(body, env)
    variables = placeholders(body)
    env = set_variables(env)
    shown = {name: "***" for name in variables if name in env}
    masked = mask_secrets(resolve_placeholders(body, shown), kind) if shown else body
    unset = [name for name in variables if name not in env]
    return Imported(loaded.source, masked, dumps(masked, kind), loaded.normalisations, variables, unset)


@dataclass
class EditResult(Result):
    source: str
    target: str
    changes: Diff

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "written": self.target, **self.changes.to_json()}

    def to_text(self) -> str:
        return f"{self.changes.to_text()}\nwritten: {self.target}"


def edit_file(
    path: Path,
    kinds: Sequence[DefinitionKind],
    *,
    asset: str | None = None,
    uri: str | None = None,
    sets: list[str] | None = None,
    patch_file: Path | None = None,
    in_place: bool = False,
    out: Path | None = None,
) -> EditResult:
    """Edit a definition file into itself (-i) or into OUT; all or nothing (the target is written atomically)."""
    if in_place == (out is not None):
        raise BadInput("say where to write: -i (in place) or -f OUT, one of them")
    loaded, kind = load_of_a_kind(path, kinds)
    patch = None if patch_file is None else jsonfile.read(patch_file, flag="--patch", expect=list)
    assignments = [Assignment.parse(text) for text in sets or []]
    edited = apply_edits(loaded.document, kind, asset=asset, uri=uri, assignments=assignments or None, patch=patch)
    target = Path(out) if out is not None else Path(path)
    write(target, edited, kind)
    return EditResult(str(path), str(target), diff(loaded.document, edited, kind))


@dataclass
class FileNormalisation:
    path: str
    changed: bool
    moved: list[Secret]
    normalisations: list[Normalisation]
    variables: list[str]
    record: bool = False  # a metrics record, not a definition

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "metricsRecord": self.record,
            "secretsMoved": [secret.to_json() for secret in self.moved],
            "normalised": [note.to_json() for note in self.normalisations],
            "variables": self.variables,
        }


@dataclass
class NormalizeReport(Result):
    files: list[FileNormalisation]
    check: bool

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.CHANGES if self.check and any(f.changed for f in self.files) else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "changed": [f.path for f in self.files if f.changed],
            "files": [f.to_json() for f in self.files],
            "variables": self.variables,
        }

    @property
    def variables(self) -> list[str]:
        return sorted({name for f in self.files for name in f.variables})

    def to_text(self) -> str:
        lines: list[str] = []
        for item in self.files:
            state = "already canonical" if not item.changed else "would be rewritten" if self.check else "rewritten"
            lines.append(f"{item.path}: {state}" + (" (metrics record)" if item.record else ""))
            lines.extend(
                f"  secret {secret.path} {'would move' if self.check else 'moved'} to ${{{secret.variable}}}"
                for secret in item.moved
            )
        if self.variables:
            lines.append("Set these environment variables for import/new/update: " + ", ".join(self.variables))
        changed = sum(1 for item in self.files if item.changed)
        verb = "would change" if self.check else "changed"
        lines.append(f"{changed} of {len(self.files)} file(s) {verb}")
        return "\n".join(lines)


def normalize_files(paths: list[Path], kinds: Sequence[DefinitionKind], *, check: bool = False) -> NormalizeReport:
    """Rewrite files in canonical form with secrets moved to placeholders; with check=True only report."""
    planned: list[tuple[Path, str, FileNormalisation]] = []
    for path in paths:
        if evaluation.is_metrics_file(Path(path)):
            text = canonical_record(Path(path))
            changed = Path(path).read_bytes() != text.encode("utf-8")
            planned.append((Path(path), text, FileNormalisation(str(path), changed, [], [], [], record=True)))
            continue
        loaded, kind = load_of_a_kind(path, kinds)  # every file is read before any is written
        redacted, moved = redact_secrets(loaded.document, kind)
        text = dumps(redacted, kind)
        changed = Path(path).read_bytes() != text.encode("utf-8")
        planned.append(
            (
                Path(path),
                text,
                FileNormalisation(str(path), changed, moved, loaded.normalisations, placeholders(redacted)),
            )
        )
    if not check:
        for path, text, item in planned:
            if item.changed:
                write_text(path, text)
    return NormalizeReport([item for _path, _text, item in planned], check)


def diff_files(left: Path, right: Path, kinds: Sequence[DefinitionKind]) -> Diff:
    """The structural diff of two definition files of one kind (read-only fields ignored, secrets masked)."""
    (before, kind), (after, other) = load_of_a_kind(left, kinds), load_of_a_kind(right, kinds)
    if other is not kind:
        raise BadInput(f"{left} is a {kind.name} and {right} a {other.name}: only files of one kind compare")
    return diff(before.document, after.document, kind, left=str(left), right=str(right))


def _parsed(text: str) -> Any:
    """`text` as JSON for choosing its kind, None when it is not (reading it later says why)."""
    try:
        return jsonfile.parse(text, source="--json-string") if text.strip() else None
    except BadInput:
        return None
