"""An environment's definitions as one batch: `mlws plan ENV`, `mlws deploy ENV`, `mlws drift ENV`.

An environment is a folder `definitions/ENV/` of the repository (the folder holding mlws.yaml, else the working
directory): the New web services' files in it and the Classic endpoints' under `classic/` (any file below it, read
as the kind it is). `plan` writes one plan per definition into `.mlws/plans/ENV/` (the old ones removed first, so
a plan of a deleted definition is never applied); `deploy` applies exactly those plans, each removed once applied,
a stale one refused and kept; `drift` compares each file with its live service. Every definition gets its row
(service, kind, action, result) and the batch one exit code, the worst of its rows.

A batch runs `parallel` definitions at once, each on a worker thread of its own with its own clients (so its own
azure-core pipeline and connection); rows keep the order of the definitions whatever order they finish in. What
the threads share is made for it: one status line (toolkit.batch, under a lock), ARM's per-subscription
budget (toolkit.arm.client.Pacer), and no question: a deploy applies reviewed plans, so nothing is asked from a
worker thread. A plan is removed only once its apply returned, so a deploy interrupted anyhow (kill -9 included)
is resumed by running it again: the plans applied before are gone, one whose change took but was not seen to
(killed while waiting) is reported "already applied" (the live service already matches it), the rest are applied.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.batch import DEFAULT_PARALLEL, check_parallel, run_batch
from toolkit.config import DEFINITIONS_DIR, find_config
from toolkit.definition.secrets import set_variables
from toolkit.deploy.plan import read_plan
from toolkit.deploy.send import Sending
from toolkit.errors import BadInput, ExitCode, MlwsError
from toolkit.evaluation import is_metrics_file
from toolkit.operation import Progress, WaitOptions
from toolkit.preview import Confirm
from toolkit.result import Result
from toolkit.text import table

PLANS_DIR = Path(".mlws") / "plans"
TEMPLATE_SUFFIX = ".template.json"  # a fleet's template (toolkit.fleet): no service itself
# How bad each exit code is, for the batch's one code: an error outranks a refusal, which outranks changes.
SEVERITY = {ExitCode.OK: 0, ExitCode.CHANGES: 1, ExitCode.REFUSED: 2, ExitCode.UNKNOWN: 3, ExitCode.ERROR: 4,
            ExitCode.BAD_INPUT: 5}  # fmt: skip


@dataclass
class Row:
    service: str  # the definition's path below definitions/ENV/
    kind: str
    action: str  # create, update, replace, no change; or what was tried when it failed
    result: str
    exit_code: int = ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "kind": self.kind, "action": self.action, "result": self.result,
                "exitCode": int(self.exit_code)}  # fmt: skip


@dataclass
class EnvironmentResult(Result):
    verb: str
    environment: str
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    not_applied: list[str] = field(default_factory=list)  # plans a deploy stopped before starting

    @property
    def exit_code(self) -> int:
        return max((row.exit_code for row in self.rows), key=lambda code: SEVERITY.get(code, 4), default=ExitCode.OK)

    def to_json(self) -> dict[str, Any]:
        return {"verb": self.verb, "environment": self.environment, "services": [row.to_json() for row in self.rows],
                "notApplied": self.not_applied}  # fmt: skip

    # The table's columns, and what the rows a failure stopped before starting were not: a kind of batch sets both.
    COLUMNS = ("service", "kind", "action", "result")
    NOT_DONE = "not applied"

    def cells(self) -> list[list[str]]:
        return [[row.service, row.kind, row.action, row.result] for row in self.rows]

    @property
    def notes(self) -> list[str]:
        stopped = f"stopped at the first failure; {self.NOT_DONE}: {', '.join(self.not_applied)} (--keep-going)"
        return [note for note in (self.note, stopped if self.not_applied else "") if note]

    def to_text(self) -> str:
        return "\n".join([table([column.upper() for column in self.COLUMNS], self.cells()), *self.notes])

    def to_markdown(self) -> str:
        from toolkit.text import markdown_table

        rows = [[f"`{first}`", *rest] for first, *rest in self.cells()]
        lines = [f"### mlws {self.verb} {self.environment}", "", markdown_table(list(self.COLUMNS), rows)]
        return "\n".join([*lines, "", *self.notes] if self.notes else lines)


def repository_root() -> Path:
    config = find_config(Path.cwd())
    return config.parent if config is not None else Path.cwd()


def environment_folder(environment: str, root: Path) -> Path:
    if not environment or "/" in environment or "\\" in environment or environment.startswith("."):
        raise BadInput(f"environment {environment!r}: give the name of a folder of {DEFINITIONS_DIR}/")
    return root / DEFINITIONS_DIR / environment


def _files_in(folder: Path) -> list[Path]:
    """The service definitions below `folder`: not hidden files, fleet templates or metrics records."""
    files = folder.rglob("*.json") if folder.is_dir() else []
    return sorted(path for path in files if not path.name.startswith(".") and not _beside_a_definition(path))


def _beside_a_definition(path: Path) -> bool:
    return path.name.endswith(TEMPLATE_SUFFIX) or is_metrics_file(path)


def definitions_of(environment: str, root: Path) -> list[Path]:
    """The definition files of an environment, in a stable order; BadInput when it has none."""
    folder = environment_folder(environment, root)
    files = _files_in(folder)
    if not files:
        raise BadInput(f"no definitions in {folder} (an environment is a folder of {DEFINITIONS_DIR}/)")
    return files


def _label(file: Path, environment: str, root: Path) -> str:
    return file.relative_to(root / DEFINITIONS_DIR / environment).with_suffix("").as_posix()


def _plan_file(label: str, plans: Path) -> Path:
    return plans / (label.replace("/", "-") + ".json")


def _refuse_shared_plan_files(labels: list[str], plans: Path) -> None:
    """BadInput when two definitions would write one plan file (`classic/x` and `classic-x`): one plan would be
    lost, and with it a change nobody reviewed missing from the deploy."""
    seen: dict[Path, str] = {}
    for label in labels:
        other = seen.setdefault(_plan_file(label, plans), label)
        if other != label:
            raise BadInput(
                f"definitions {other} and {label} would share the plan file {_plan_file(label, plans).name}: "
                "rename one of them (nothing was planned)"
            )


def _failed(label: str, kind: str, action: str, error: MlwsError) -> Row:
    return Row(label, kind, action, f"error: {error.message}", error.exit_code)


def compare_environment(
    environment: str,
    *,
    save: bool,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] = os.environ,
    progress: Progress | None = None,
) -> EnvironmentResult:
    """`mlws plan ENV` (save=True: the plans into .mlws/plans/ENV/) and `mlws drift ENV` (save=False), `parallel`
    definitions at once."""
    from toolkit.deploy import flow
    from toolkit.providers import provider_for_file

    check_parallel(parallel)
    root = repository_root()
    files = definitions_of(environment, root)
    plans = root / PLANS_DIR / environment
    labels = [_label(file, environment, root) for file in files]
    if save:
        _refuse_shared_plan_files(labels, plans)
        plans.mkdir(parents=True, exist_ok=True)
        for old in plans.glob("*.json"):  # a plan of a definition deleted since must not be applied later
            old.unlink()
    result = EnvironmentResult("plan" if save else "drift", environment)
    variables = set_variables(env)

    def compare(index: int, news: Progress | None) -> tuple[Row, bool]:
        file, label, kind = files[index], labels[index], "?"
        try:
            provider = provider_for_file(file)
            kind = provider.name
            out = _plan_file(label, plans) if save else None
            planned = flow.plan_against_live(provider, file, where={}, env=variables, out=out, progress=news)
        except MlwsError as error:
            return _failed(label, kind, "plan", error), True
        if not planned.has_changes:  # its plan is kept: deploying it says so, a pipeline's deploy step still runs
            return Row(label, kind, "no change", "in sync"), False
        changes = f"{len(planned.changes)} change{'s' if len(planned.changes) != 1 else ''}"
        return Row(label, kind, planned.action, changes + (" (planned)" if save else ""), ExitCode.CHANGES), False

    result.rows, _ = run_batch(
        labels, compare, verb=result.verb, parallel=parallel, stop_at_failure=False, progress=progress
    )
    saved = sum(1 for row in result.rows if row.action != "plan")  # a failed plan saved no file
    if save and saved:
        counted = f"{saved} plan{'s' if saved != 1 else ''} in {plans.relative_to(root)}/"
        result.note = f"{counted}: review them, then `mlws deploy {environment}` applies them"
    elif save:
        result.note = "no plan was saved: every definition failed to plan (see each row)"
    return result


def _reviewed(question: str, *, unattended: bool = False) -> None:
    """The confirmation of a deploy: its plans were reviewed, so nothing is asked (and never from a worker)."""


def deploy_environment(
    environment: str,
    *,
    keep_going: bool,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] = os.environ,
    progress: Progress | None = None,
) -> EnvironmentResult:
    """`mlws deploy ENV`: apply the reviewed plans of .mlws/plans/ENV/, `parallel` at once, each removed once
    applied; a stale one is refused (exit 4) and kept. The first failure stops starting the rest unless
    `keep_going` (those already running finish); the note names the plans not applied."""
    from toolkit.deploy import flow
    from toolkit.providers import provider_named

    check_parallel(parallel)
    root = repository_root()
    plans = sorted((root / PLANS_DIR / environment).glob("*.json"))
    if not plans:
        raise BadInput(f"no plans in {PLANS_DIR / environment}/: run `mlws plan {environment}` and review them first")
    variables = set_variables(env)
    result = EnvironmentResult("deploy", environment)

    def deploy(index: int, news: Progress | None) -> tuple[Row, bool]:
        path = plans[index]
        label, kind, action = path.stem, "?", "apply"
        try:
            saved = read_plan(path)
            kind, action = saved["provider"], saved["action"]
            how = Sending(_reviewed, False, WaitOptions(progress=news), variables)
            applied = flow.update_from_plan(path, how, provider_named)
        except MlwsError as error:
            return _failed(label, kind, action, error), True
        path.unlink()  # applied: the next deploy needs a new, reviewed plan
        if applied.changes:
            outcome = "verified" if applied.verified else "applied"
        else:  # nothing sent: the live service matches; a plan with changes then took before (a deploy cut short)
            outcome = "already applied" if saved["changes"] else "no change"
        return Row(label, kind, action, outcome, applied.exit_code), False

    labels = [path.stem for path in plans]
    result.rows, result.not_applied = run_batch(
        labels, deploy, verb="deploy", parallel=parallel, stop_at_failure=not keep_going, progress=progress
    )
    return result


def export_environment(environment: str, services: list[str], *, confirm: Confirm) -> EnvironmentResult:
    """`mlws export ENV [SERVICE...]`: each definition of the environment (or the ones named: `housing-predict`,
    `classic/rentalloc001`) written again from its live service; a name with no file yet is a New web service of
    that name, exported to definitions/ENV/NAME.json. An unchanged service leaves its file as it is."""
    from toolkit.deploy import flow
    from toolkit.providers import provider_for_file, provider_named

    root = repository_root()
    folder = environment_folder(environment, root)
    if not services:
        chosen = {_label(file, environment, root): file for file in definitions_of(environment, root)}
    else:
        known = {_label(file, environment, root): file for file in _files_in(folder)}
        chosen = {}
        for service in services:
            if not service or service.startswith(".") or "/" in service.removeprefix("classic/"):
                raise BadInput(f"service {service!r}: give a definition's name below {folder}")
            chosen[service] = known.get(service, folder / f"{service}.json")
    result = EnvironmentResult("export", environment)
    for label, file in chosen.items():
        kind = "?"
        try:
            provider = provider_for_file(file) if file.is_file() else provider_named("new_webservice")
            kind = provider.name
            exported = flow.export(provider, provider.connect(provider.target(file=file)), file, confirm)
        except MlwsError as error:
            result.rows.append(_failed(label, kind, "export", error))
            continue
        result.rows.append(Row(label, kind, "export", "written" if exported.written else "unchanged"))
    return result
