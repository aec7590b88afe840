"""Scheduled retraining as Azure Data Factory runs it: a pipeline file and `mlws pipeline run FILE`.

Data Factory retrains with two activities, AzureMLBatchExecution (the training service's BES job) and then
AzureMLUpdateResource (the new model into the predictive service); a pipeline file states the same job, plus the
gate between them and what to do with a promoted model:

    version: 1
    training:                               # the BES job (with `definition:`; a fleet's instances have their own)
      service: housing-training             # New: the training web service; Classic: its id, and `endpoint:`
      uploads: {trainingData: ../../data/housing-v2.csv}   # NAME: LOCAL FILE, relative to this file; or
      inputs: {}                            # NAME: CONTAINER/BLOB already in storage
      outputs: {model: models/housing.ilearner, evaluation: models/housing-evaluation.csv}
      globalParameters: {Label column: price}
    gate:                                   # as `mlws retrain --promote-if / --promote-if-better`
      promoteIf: ["Coefficient of Determination >= 0.9"]
      promoteIfBetter: ["Root Mean Squared Error"]
    update:
      definition: housing-predict.json      # the definition the model goes into (any kind), relative to this file;
      # fleet: rental.yaml                  # or every instance of a fleet, each trained on its own data
      trainedModel: Housing Price [trained model]   # its trained-model asset (Classic: resource); default: the only one
      mode: review                          # review: write the definition and its metrics record, and stop;
                                            # live: also deploy them (a plan, then that plan applied)
    timeoutSeconds: 7200                    # each BES job's

A pipeline file lives in an environment's folder, `definitions/ENV/NAME.pipeline.yaml`. A run has an id (`--run`,
default today's UTC date, YYYYMMDD: one run a day), and each run writes its own blobs: the run id goes before each
output's extension (models/housing.ilearner -> models/housing.20261202.ilearner), so a model is never overwritten
by a later run and a rerun can tell its own model from an earlier one's.

A run is resumable and idempotent. Its state, `.mlws/pipelines/ENV/NAME/RUN.json`, records each job's id as soon
as the service issues it and each unit's outcome once known. Run again after a crash, a run waits for its recorded
jobs (training anew only those the service no longer has) and does not redo what ended; a run that ended does
nothing and reports what it did. A pipeline file edited since its run began is refused (exit 4): give a new --run.
The exit code is the worst unit's: 4 when a gate refused a model, as with `mlws retrain`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from toolkit.batch import DEFAULT_PARALLEL
from toolkit.config import DEFINITIONS_DIR
from toolkit.environments import EnvironmentResult, Row, repository_root
from toolkit.errors import BadInput, ExitCode, MlwsError, Problem, Refused
from toolkit.operation import Progress
from toolkit.retraining import RetrainOptions, RetrainResult, Training, check_run, outputs_of_run

VERSION = 1
PIPELINE_SUFFIX = ".pipeline.yaml"
STATE_DIR = Path(".mlws") / "pipelines"
MODES = ("review", "live")

PIPELINE_KEYS = {"version", "training", "gate", "update", "timeoutSeconds"}
GATE_KEYS = {"promoteIf", "promoteIfBetter"}
UPDATE_KEYS = {"definition", "fleet", "trainedModel", "mode"}

# What ended, for good: a rerun leaves these units alone. A failed unit is tried again.
PROMOTED, REFUSED, FAILED = "promoted", "refused", "failed"


@dataclass(frozen=True)
class Unit:
    """One BES job and the definition its model goes into: the pipeline's one, or one instance of its fleet."""

    label: str  # the definition below definitions/ENV/, as the environment verbs name it
    file: Path
    kind: str  # its provider's name


@dataclass(frozen=True)
class Pipeline:
    path: Path
    environment: str
    name: str
    units: tuple[Unit, ...]
    training: Training | None  # the pipeline's own job (a definition); None for a fleet
    fleet: Any  # toolkit.fleet.Fleet, or None
    trained_model: str | None
    promote_if: tuple[str, ...]
    promote_if_better: tuple[str, ...]
    mode: str
    timeout: float | None
    fingerprint: str  # of the file's bytes: a run goes on only with the pipeline it began with


def read_pipeline(path: Path | str) -> Pipeline:
    """The pipeline file read and checked (its definition or fleet too, and its gates); BadInput listing every
    problem, before anything is sent."""
    from toolkit import evaluation
    from toolkit.fleet import read_fleet, read_training
    from toolkit.providers import provider_for_file
    from toolkit.yamlfile import read_yaml

    path = Path(path)
    if not path.name.endswith(PIPELINE_SUFFIX):
        raise BadInput(f"{path}: a pipeline file is named NAME{PIPELINE_SUFFIX}")
    folder = path.parent
    if folder.resolve().parent.name != DEFINITIONS_DIR:
        raise BadInput(f"{path}: a pipeline file lives in an environment's folder, {DEFINITIONS_DIR}/ENV/")
    data = read_yaml(path, "pipeline file")
    if not isinstance(data, dict):
        raise BadInput(f"{path}: a pipeline file is a mapping with version, update and (for a definition) training")
    problems: list[Problem] = []

    def problem(where: str, message: str, fix: str | None = None) -> None:
        problems.append(Problem(where, message, fix))

    _check_keys(data, "", PIPELINE_KEYS, {"version", "update"}, problem)
    if data.get("version") != VERSION or isinstance(data.get("version"), bool):
        problem("version", f"this mlws reads pipeline files of version {VERSION}", f"version: {VERSION}")
    update = data.get("update")
    if not isinstance(update, dict):
        problem("update", "give the definition (or fleet) the model goes into: update: {definition: FILE}")
        raise _refused(path, problems)
    _check_keys(update, "update", UPDATE_KEYS, {"mode"}, problem)
    mode = update.get("mode")
    if mode not in MODES:
        problem("update.mode", f"{mode!r} is not a mode", "review (write the definition and stop) or live (deploy)")
    gate = data.get("gate") if data.get("gate") is not None else {}
    if not isinstance(gate, dict):
        problem("gate", "give a mapping: promoteIf and promoteIfBetter, each a list")
        gate = {}
    _check_keys(gate, "gate", GATE_KEYS, set(), problem)
    promote_if = _strings(gate.get("promoteIf"), "gate.promoteIf", problem)
    promote_if_better = _strings(gate.get("promoteIfBetter"), "gate.promoteIfBetter", problem)
    timeout = data.get("timeoutSeconds")
    seconds = isinstance(timeout, int | float) and not isinstance(timeout, bool) and 0 < timeout < math.inf
    if timeout is not None and not seconds:  # NaN and infinity too
        problem("timeoutSeconds", f"{timeout!r} is not a number of seconds above 0")
    trained_model = update.get("trainedModel")
    if trained_model is not None and not isinstance(trained_model, str):
        problem("update.trainedModel", "give the trained-model asset's (Classic: resource's) name")
    if problems:
        raise _refused(path, problems)
    evaluation.parse_gates(list(promote_if), list(promote_if_better))  # BadInput naming the bad gate

    if ("definition" in update) == ("fleet" in update):
        raise _refused(path, [Problem("update", "give one of definition (one service) or fleet (its instances)")])
    environment = folder.resolve().name
    if "fleet" in update:
        if data.get("training") is not None:
            problem("training", "a fleet's instances train on their own training sections", "leave training out")
        if trained_model is not None:
            problem("update.trainedModel", "a fleet names its trained model itself", "leave it out (fleet file)")
        if problems:
            raise _refused(path, problems)
        fleet = read_fleet(_relative_file(update["fleet"], folder, "update.fleet", path))
        units = tuple(Unit(instance.label, instance.file, fleet.rules.provider) for instance in fleet.instances)
        training = None
    else:
        fleet = None
        definition = _relative_file(update["definition"], folder, "update.definition", path)
        if not definition.is_file():
            raise BadInput(f"{path}: update.definition: {definition} does not exist")
        if not definition.resolve().is_relative_to(folder.resolve()):  # `..`, a symlink: not this environment's
            raise BadInput(f"{path}: update.definition: {definition} is not in the pipeline's environment, "
                           f"{folder}/ (a pipeline updates the definitions of its own environment)")  # fmt: skip
        label = definition.resolve().relative_to(folder.resolve()).with_suffix("").as_posix()
        units = (Unit(label, definition, provider_for_file(definition).name),)
        training = read_training(data.get("training"), "training", definition, path)
    # Of the pipeline file and the fleet it runs (not of the definitions: the run itself changes them).
    fingerprint = hashlib.sha256(b"".join(source.read_bytes() for source in _sources(path, fleet))).hexdigest()
    name = path.name.removesuffix(PIPELINE_SUFFIX)
    return Pipeline(path, environment, name, units, training, fleet, trained_model, tuple(promote_if),
                    tuple(promote_if_better), mode, float(timeout) if timeout else None, fingerprint)  # fmt: skip


def _sources(path: Path, fleet: Any) -> list[Path]:
    """The files a run is of: the pipeline file, and its fleet file."""
    return [path, *([fleet.path] if fleet is not None else [])]


def _check_keys(value: dict[str, Any], where: str, allowed: set[str], required: set[str], problem) -> None:
    for key in sorted(set(value) - allowed, key=str):
        problem(f"{where}.{key}" if where else str(key), "is not a key of a pipeline file", f"known: {sorted(allowed)}")
    for key in sorted(required - set(value)):
        problem(f"{where}.{key}" if where else key, "is missing")


def _strings(value: Any, where: str, problem) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problem(where, "give a list of strings")
        return []
    return value


def _relative_file(value: Any, folder: Path, where: str, path: Path) -> Path:
    if not isinstance(value, str) or not value or Path(value).is_absolute():
        raise BadInput(f"{path}: {where}: give a file relative to the pipeline file")
    return folder / value


def _refused(path: Path, problems: list[Problem]) -> BadInput:
    count = len(problems)
    return BadInput(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was run", problems=problems)


# -- a run's state ------------------------------------------------------------------------------------------------


class RunState:
    """What a run has done, saved after every change (atomically, under a lock: units run on several threads):
    each unit's job id and outcome."""

    def __init__(self, file: Path, pipeline: Pipeline, run: str, units: dict[str, dict[str, Any]]) -> None:
        self.file, self.run = file, run
        self._head = {"pipeline": pipeline.path.as_posix(), "run": run, "fingerprint": pipeline.fingerprint}
        self._units = units
        self._lock = threading.Lock()

    @classmethod
    def load(cls, file: Path, pipeline: Pipeline, run: str) -> RunState:
        from toolkit import jsonfile

        if not file.is_file():
            return cls(file, pipeline, run, {})
        saved = jsonfile.read(file, expect=dict)
        if saved.get("fingerprint") != pipeline.fingerprint:
            raise Refused(
                f"{' or '.join(map(str, _sources(pipeline.path, pipeline.fleet)))} changed since run {run} began "
                f"({file}); nothing was run: "
                f"give a new --run to run the pipeline as it is now"
            )
        units = saved.get("units")
        return cls(file, pipeline, run, {str(k): dict(v) for k, v in units.items()} if isinstance(units, dict) else {})

    def of(self, label: str) -> dict[str, Any]:
        """A copy of what is recorded of one unit."""
        with self._lock:
            return dict(self._units.get(label, {}))

    def record(self, label: str, *, drop: tuple[str, ...] = (), **fields: Any) -> None:
        from toolkit.definition.canonical import write_text

        with self._lock:
            unit = self._units.setdefault(label, {})
            for key in drop:
                unit.pop(key, None)
            unit.update(fields)
            text = json.dumps({**self._head, "units": self._units}, indent=2, sort_keys=True) + "\n"
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_text(self.file, text)


@dataclass
class UnitJournal:
    """The JobJournal (toolkit.retraining) of one unit: its job id saved the moment the service issues it."""

    state: RunState
    label: str

    def recorded_job(self) -> str | None:
        return self.state.of(self.label).get("job")

    def job_submitted(self, job_id: str) -> None:
        self.state.record(self.label, job=job_id)


# -- the run ------------------------------------------------------------------------------------------------------


@dataclass
class PipelineRow(Row):
    model: str = ""
    job: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "jobId": self.job or None, "model": self.model or None}


@dataclass
class PipelineResult(EnvironmentResult):
    run: str = ""
    state: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "run": self.run, "state": self.state}


def default_run() -> str:
    return time.strftime("%Y%m%d", time.gmtime())


def run_pipeline(
    path: Path | str,
    *,
    run: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> PipelineResult:
    """`mlws pipeline run FILE`: train, judge, promote (and in live mode deploy) every unit not yet ended in this
    run, `parallel` at once; resumable after a crash, and a run that ended does nothing."""
    from toolkit.batch import check_parallel

    environ = os.environ if environ is None else environ
    check_parallel(parallel)
    pipeline = read_pipeline(path)
    run = check_run(run if run is not None else default_run())
    root = repository_root()
    state_file = root / STATE_DIR / pipeline.environment / pipeline.name / f"{run}.json"
    with _run_lock(state_file, run):
        return _run_units(pipeline, RunState.load(state_file, pipeline, run), root, parallel, environ, progress)


@contextlib.contextmanager
def _run_lock(state_file: Path, run: str) -> Iterator[None]:
    """The run held by this process alone (an exclusive lock beside its state, released when the process ends, by
    kill -9 too): two processes on one run would wait for one job, promote twice and overwrite each other's state."""
    import fcntl

    state_file.parent.mkdir(parents=True, exist_ok=True)
    with open(state_file.with_name(state_file.name + ".lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(f"run {run} is running in another process ({state_file}); nothing was run: "
                          "let it end, or give another --run") from None  # fmt: skip
        yield


def _run_units(pipeline: Pipeline, state: RunState, root: Path, parallel: int, environ, progress) -> PipelineResult:
    from toolkit.batch import run_batch

    run = state.run

    def work(index: int, told: Progress | None) -> tuple[PipelineRow, bool]:
        unit = pipeline.units[index]
        if state.of(unit.label).get("outcome") not in (PROMOTED, REFUSED):
            _train(pipeline, unit, state, run, environ, told)
        if _needs_deploy(pipeline, state.of(unit.label)):
            _deploy(unit, state, environ, told)
        return _row(unit, state.of(unit.label), pipeline.mode), False  # a unit's failure stops no other

    labels = [unit.label for unit in pipeline.units]
    rows, _ = run_batch(labels, work, verb="pipeline", parallel=parallel, stop_at_failure=False, progress=progress)
    ended = all(_ended(pipeline, state.of(label)) for label in labels)
    where = state.file.relative_to(root).as_posix()
    result = PipelineResult(f"pipeline run {pipeline.path.name}", pipeline.environment, rows, run=run, state=where)
    result.note = f"run {run} " + ("ended" if ended else "did not end: run it again to go on") + f" ({where})"
    return result


def _needs_deploy(pipeline: Pipeline, saved: dict[str, Any]) -> bool:
    return saved.get("outcome") == PROMOTED and pipeline.mode == "live" and not saved.get("deployed")


def _ended(pipeline: Pipeline, saved: dict[str, Any]) -> bool:
    return saved.get("outcome") == REFUSED or (saved.get("outcome") == PROMOTED and not _needs_deploy(pipeline, saved))


def _train(pipeline: Pipeline, unit: Unit, state: RunState, run: str, environ, progress) -> None:
    def amend(options: RetrainOptions) -> RetrainOptions:
        named = outputs_of_run(options, run)
        if state.of(unit.label).get("job") is None:  # no job of this run can have written them
            _refuse_outputs_taken(named, environ)
        return replace(named, promote_if=list(pipeline.promote_if),
                       promote_if_better=list(pipeline.promote_if_better), timeout=pipeline.timeout,
                       journal=UnitJournal(state, unit.label))  # fmt: skip

    if _promoted_before_the_kill(unit, state):
        return
    try:
        done = _retrain(pipeline, unit, amend, environ, progress)
    except MlwsError as error:
        from toolkit.runtime import JobFailed

        # A job that ended is dropped (a rerun trains anew); one cut off, say by the network, is waited for.
        ended = ("job",) if isinstance(error, JobFailed) else ()
        state.record(unit.label, drop=ended, outcome=FAILED, message=error.message, exitCode=int(error.exit_code))
        return
    model = next((r.location for r in done.job.results if r.location.lower().endswith(".ilearner")), None)
    state.record(
        unit.label,
        drop=("job",),
        outcome=REFUSED if done.refused else PROMOTED,
        message=done.refused or (done.change.lines()[0] if done.change else "promoted"),
        exitCode=int(done.exit_code),
        model=model,
        jobId=done.job.job_id,
    )


def _refuse_outputs_taken(options: RetrainOptions, environ: Mapping[str, str]) -> None:
    """Refused (nothing sent) when a blob the job would write exists before any job of this run: another run wrote
    it (another pipeline with the same outputs and run id, say dev's and prod's on the same date), and it may be a
    model some service serves, which the job would overwrite before any gate."""
    from toolkit import storage

    account = storage.parse_connection_string(storage.connection_string_from_env(environ))
    for name, _, location in (output.partition("=") for output in options.outputs):
        if storage.exists(account, location):
            raise Refused(
                f"output {name}: {account.url(location)} exists already, written by another run (of this pipeline "
                f"or another with the same outputs); nothing was sent: give a new --run, or outputs of its own"
            )


def _promoted_before_the_kill(unit: Unit, state: RunState) -> bool:
    """Whether this run's recorded job was promoted already: its metrics record, written right after the swap, names
    that job, though the run was killed before saving the outcome. Then the outcome is saved now: training again (or
    judging "better" against the very record it wrote) would make a rerun end unlike an uninterrupted run."""
    from toolkit import evaluation

    job = state.of(unit.label).get("job")
    record = evaluation.read_record(evaluation.metrics_file(unit.file)) if job else None
    if record is None or record.job != job:
        return False
    state.record(unit.label, drop=("job",), outcome=PROMOTED, message=f"{unit.file}: {record.model} promoted",
                 exitCode=int(ExitCode.OK), model=record.model, jobId=job)  # fmt: skip
    return True


def _retrain(pipeline: Pipeline, unit: Unit, amend, environ, progress) -> RetrainResult:
    if pipeline.fleet is not None:
        from toolkit.fleet import retrain_instance

        instance = next(i for i in pipeline.fleet.instances if i.label == unit.label)
        return retrain_instance(pipeline.fleet, instance, amend=amend, environ=environ, progress=progress)
    from toolkit.providers import rules_for_file

    options = amend(pipeline.training.options(environ))
    return rules_for_file(unit.file).retrain_into(unit.file, pipeline.training, pipeline.trained_model, options,
                                                  environ, progress)  # fmt: skip


def _deploy(unit: Unit, state: RunState, environ, progress) -> None:
    """The promoted definition deployed as `mlws deploy` does: a plan against live, then exactly that plan."""
    from toolkit.definition.secrets import set_variables
    from toolkit.deploy import flow
    from toolkit.deploy.send import Sending
    from toolkit.operation import WaitOptions
    from toolkit.providers import provider_for_file, provider_named

    plan_file = state.file.with_name(f"{state.run}.{unit.label.replace('/', '-')}.plan.json")
    env = set_variables(environ)
    try:
        provider = provider_for_file(unit.file)
        flow.plan_against_live(provider, unit.file, where={}, env=env, out=plan_file)
        how = Sending(_never_asked, False, WaitOptions(progress=progress), env)
        applied = flow.update_from_plan(plan_file, how, provider_named)
    except MlwsError as error:
        state.record(unit.label, deployError=error.message, exitCode=int(error.exit_code))
        return
    plan_file.unlink(missing_ok=True)
    deployed = "verified" if applied.verified else "applied"
    state.record(unit.label, drop=("deployError",), deployed=deployed, exitCode=int(applied.exit_code))


def _never_asked(question: str, *, unattended: bool = False) -> None:
    # A pipeline runs unattended and applies a plan it has just made: nothing it sends waits for an answer.
    if not unattended:
        raise Refused(f"{question} needs a person to confirm; a pipeline does not ask: deploy it with `mlws deploy`")


def _row(unit: Unit, saved: dict[str, Any], mode: str) -> PipelineRow:
    outcome = saved.get("outcome", "")
    code = ExitCode(saved.get("exitCode", ExitCode.OK))
    if outcome == PROMOTED:
        if mode == "live":
            deployed = saved.get("deployed")
            result = f"deployed ({deployed})" if deployed else f"deploy failed: {saved.get('deployError', '')}"
        else:
            result = f"{saved.get('message')} (review it, then deploy)"
    elif outcome == REFUSED:
        result = str(saved.get("message", ""))  # the gate's own words: "not promoted: ..."
    else:
        result = f"{outcome}: {saved.get('message', '')}"
    return PipelineRow(unit.label, unit.kind, outcome or "train", result, code,
                       model=saved.get("model") or "", job=saved.get("jobId") or "")  # fmt: skip
