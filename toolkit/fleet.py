"""Many services from one template: a fleet file, `mlws fleet render` and `mlws fleet retrain`.

A fleet is a YAML file directly in an environment's folder, `definitions/ENV/NAME.yaml`: one template definition
(a New web service or a Classic endpoint, named `*.template.json` so that `mlws plan|deploy|drift ENV` never take
it for a service) and its instances, each a service of its own with what differs:

    version: 1
    template: rental.template.json          # relative to this file; its kind decides the instances' kind
    trainedModel: Bike Rental [trained model]   # the template's trained-model asset (Classic: resource); default:
                                                # its only one
    training:                               # shared by every instance (each may override these)
      service: rental-training              # New: the training web service's name; Classic: its id (32 hex)
      endpoint: default                     # Classic only: the training service's endpoint (default "default")
      globalParameters: {Label column: count}
    instances:
      - name: rental-001                    # the service's (Classic: the endpoint's) name
        location: West Europe               # New only
        tags: {site: "001"}                 # New only; merged over the template's tags
        title: Bike rentals, site 1         # New only
        description: Bike rentals of site 1
        model: https://acct.blob.core.windows.net/models/rental-001.ilearner
                                            # New: the asset's URI; Classic: {BaseLocation: ..., RelativeLocation: ...}
        set:                                # anything else: PATH: VALUE, paths as `mlws edit --set` writes them
          properties.realtimeConfiguration.maxConcurrentCalls: 8
          properties.parameters["Label column"].value: count
        training:                           # this instance's BES job (for `mlws fleet retrain`)
          uploads: {trainingData: data/rental-001.csv}   # NAME: LOCAL FILE, relative to this file
          inputs: {}                        # NAME: CONTAINER/BLOB.csv already in storage
          outputs: {model: models/rental-001.ilearner, evaluation: models/rental-001-evaluation.csv}
          globalParameters: {}              # merged over the fleet's by name

`render` writes each instance's canonical definition where `mlws export` puts one of its kind (New web services
at definitions/ENV/NAME.json, Classic endpoints at definitions/ENV/classic/NAME.json): the template with the
instance's values, validated as its kind. The files are the fleet's: render overwrites them, byte for byte the
same when nothing changed. Except the trained model, which is retraining's state: an instance that states no
`model` keeps the one its file names (the template's, for a new file), so `mlws fleet retrain` writes each new
model into its instance's file and the fleet file stays up to date; an instance that states one owns it, and
retrain refuses it. Refused before anything is written (exit 2): an unknown key, a name the service would refuse
or given twice (without case), a `set` path the template does not have or that a key above sets, a value that
is no JSON value (YAML dates, nulls, NaN), a secret (a key, SAS or token; `${VAR}` placeholders are fine), a key
given twice in the YAML or an anchor or alias (toolkit.yamlfile), a location other than the environment's in
mlws.yaml (where `mlws deploy` creates a service, whatever its file says). An instance removed from the fleet
leaves its file: delete it with the instance.

`retrain` runs one BES job per instance (its own inputs, outputs and global parameters; `${VAR}` in a global
parameter is read from the environment), at most `parallel` at once, through the provider's own retrain, which
writes the new model into the instance's file (for review; `mlws plan ENV` + `mlws deploy ENV` deploy them) and
records its metrics beside it (NAME.metrics.json), when it passes the gates (`mlws retrain`'s); a refused model is
its instance's row (exit 4), no failure. Every instance is checked before the first job starts. One row per
instance, one exit code for the batch. A pipeline can call `read_fleet(path)` once and
`retrain_instance(fleet, fleet.instance(name), amend=...)` for each instance.

What differs between the kinds is each provider's `KindRules` (toolkit.providers.FLEET_RULES); this module names
no provider. `toolkit.providers.rules_for_file(path).retrain_into(path, training)` retrains into any definition
file of any kind.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from toolkit import evaluation, jsonfile, names
from toolkit.config import DEFINITIONS_DIR
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.kind import Path as JsonPath
from toolkit.definition.paths import Segment, format_path, parse_path, value_at
from toolkit.environments import TEMPLATE_SUFFIX, EnvironmentResult, Row
from toolkit.errors import BadInput, ExitCode, MlwsError, Problem
from toolkit.operation import Progress
from toolkit.redact import redact
from toolkit.retraining import RetrainOptions, RetrainResult, Training, check_run, outputs_of_run
from toolkit.yamlfile import read_yaml

VERSION = 1
FLEET_SUFFIXES = (".yaml", ".yml")
CREDENTIAL_WORDS = ("key", "password", "secret", "token", "credential", "sas")  # a global parameter named so

FLEET_KEYS = {"version", "template", "trainedModel", "training", "instances"}
INSTANCE_KEYS = {"name", "location", "tags", "title", "description", "model", "set", "training"}
SHARED_TRAINING_KEYS = {"service", "endpoint", "globalParameters"}
TRAINING_KEYS = SHARED_TRAINING_KEYS | {"inputs", "uploads", "outputs"}


# -- what differs between kinds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindRules:
    """A kind of service in a fleet, as its provider gives it (toolkit.providers.FLEET_RULES): how an instance
    becomes a definition of the kind, and how a definition of the kind is retrained."""

    provider: str  # the provider's name (toolkit.providers.PROVIDERS)
    kind: DefinitionKind
    folder: tuple[str, ...]  # where its files go below definitions/ENV/ (as `mlws export` puts them)
    name_rule: names.Rule
    reserved: tuple[str, ...]  # names the kind keeps for itself
    name_place: JsonPath | None  # where the name goes in the file (None: the file name is the service's name)
    fields: Mapping[str, JsonPath]  # instance keys that are one string each in the definition
    tags: JsonPath | None
    training_service: names.Rule  # the training service's name (or id)
    training_endpoint: names.Rule | None  # the name of its endpoint that trains; None: the kind has no endpoints
    trained_models: Callable[[dict[str, Any]], list[str]]
    # Where the model named `trained` sits: {None: path} for one string, else {part: path} for a mapping.
    model_places: Callable[[dict[str, Any], str], dict[str | None, JsonPath]]
    # The provider's retrain into a valid definition file: (file, training, trained model, options, environ,
    # progress); see retrain_into.
    retrain: Callable[[Path, Training, str, RetrainOptions, Mapping[str, str], Progress | None], RetrainResult]

    def retrain_into(
        self,
        file: Path | str,
        training: Training,
        trained_model: str | None = None,
        options: RetrainOptions | None = None,
        environ: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> RetrainResult:
        """Run the BES job of `training` (its service trains) and write the new model into the definition `file` as
        its trained model `trained_model` (None: the file's only one), through the provider's own retrain: gates
        judged, the metrics recorded beside the file (RetrainOptions.metrics_record). `options` is the job as sent:
        by default `training.options(environ)`; a caller adds to that (gates, a timeout, outputs of its own); its
        update_definition and asset are the file's. BadInput before anything is sent when the file is no valid
        definition of this kind, names no such model, or no training service is given."""
        from toolkit.definition.validate import validate
        from toolkit.providers import load_as

        file = Path(file)
        environ = os.environ if environ is None else environ
        document = load_as(file, self.kind).document
        problems = validate(document, self.kind)
        if problems:
            raise BadInput(f"{file}: not a valid {self.kind.name}, so nothing was trained", problems=problems)
        known = self.trained_models(document)
        if trained_model is None and len(known) != 1:
            raise BadInput(f"{file} has {len(known)} trained models ({', '.join(map(repr, known)) or 'none'}): "
                           "name the one retraining replaces")  # fmt: skip
        trained_model = trained_model if trained_model is not None else known[0]
        if trained_model not in known:
            raise BadInput(f"{file} has no trained model {trained_model!r} (it has {', '.join(map(repr, known))})")
        if not training.service:
            raise BadInput(f"{file}: no training service to retrain it with")
        options = training.options(environ) if options is None else options
        return self.retrain(file, training, trained_model, options, environ, progress)


# -- the fleet as read ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    name: str
    file: Path  # its rendered definition
    label: str  # the file below definitions/ENV/ without .json, as the environment verbs name it
    document: dict[str, Any]  # the rendered definition
    text: str  # ... in canonical form: what render writes
    states_model: bool  # the fleet file gives its model (else retraining owns it)
    training: Training | None  # None: the instance has no BES job of its own


@dataclass(frozen=True)
class Fleet:
    path: Path
    environment: str
    template: Path
    rules: KindRules
    kind: DefinitionKind
    trained_model: str
    instances: tuple[Instance, ...]

    def instance(self, name: str) -> Instance:
        found = next((i for i in self.instances if i.name.lower() == name.lower()), None)
        if found is None:
            raise BadInput(f"{self.path}: no instance {name!r} (it has {', '.join(i.name for i in self.instances)})")
        return found


class _Problems:
    """Problems found while reading, each at its path in the fleet file (`instances[2].set["properties.x"]`)."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, where: tuple[Segment, ...], message: str, fix: str | None = None) -> None:
        self.found.append(Problem(format_path(where), message, fix))


def read_fleet(path: Path | str) -> Fleet:
    """The fleet file read, checked and every instance rendered in memory; BadInput listing every problem."""
    from toolkit.providers import load_as, rules_for_file

    path = Path(path)
    folder = path.parent
    if path.suffix.lower() not in FLEET_SUFFIXES:
        raise BadInput(f"{path}: a fleet file is YAML named *.yaml (a .json file would be read as a definition)")
    if folder.resolve().parent.name != DEFINITIONS_DIR:
        raise BadInput(f"{path}: a fleet file lives in an environment's folder, {DEFINITIONS_DIR}/ENV/NAME.yaml")
    data = read_yaml(path, "fleet file")
    problems = _Problems()
    if not isinstance(data, dict):
        raise BadInput(f"{path}: a fleet file is a mapping with version, template and instances")
    _check_keys(data, (), FLEET_KEYS, {"version", "template", "instances"}, problems)
    if "version" in data and (data["version"] != VERSION or isinstance(data["version"], bool)):
        problems.add(("version",), f"this mlws reads fleet files of version {VERSION}", f"version: {VERSION}")
    template_name = data.get("template")
    if not isinstance(template_name, str) or not template_name.endswith(TEMPLATE_SUFFIX):
        problems.add(("template",), f"give the template's file, named *{TEMPLATE_SUFFIX}, relative to the fleet file",
                     f"a *{TEMPLATE_SUFFIX} file is never deployed as a service itself")  # fmt: skip
        raise _refused(path, problems)
    if Path(template_name).is_absolute():
        problems.add(("template",), "an absolute path does not travel with the repository", "make it relative")
        raise _refused(path, problems)
    template_file = folder / template_name
    rules = rules_for_file(template_file)
    template = load_as(template_file, rules.kind).document

    trained_model = _trained_model(data.get("trainedModel"), rules, template, template_file, problems)
    shared = _training(data.get("training"), ("training",), rules, SHARED_TRAINING_KEYS, folder, problems)
    listed = data.get("instances")
    if not isinstance(listed, list) or not listed:
        problems.add(("instances",), "give a list of instances, each a mapping with its name")
        raise _refused(path, problems)
    environment = folder.resolve().name
    reading = _Reading(path, rules, rules.kind, template, trained_model, shared, problems)
    instances, seen = [], {}
    for index, item in enumerate(listed):
        where = ("instances", index)
        name = item.get("name") if isinstance(item, dict) else None
        first = seen.setdefault(name.lower(), index) if isinstance(name, str) else index
        if first != index:
            problems.add((*where, "name"), f"{name!r} is the name of instances[{first}] too",
                         "names differ without case: each instance is a service of its own")  # fmt: skip
        instance = _instance(item, where, reading)
        if instance is None:
            continue
        services = {instance.training.service if instance.training else shared.get("service")}
        if instance.name.lower() in {str(service).lower() for service in services if service}:
            problems.add((*where, "name"), f"{instance.name!r} is the training service's name: its file would be "
                         "overwritten", "rename one")  # fmt: skip
            continue
        instances.append(instance)
    _check_outputs_apart(instances, problems)
    if problems.found:
        raise _refused(path, problems)
    return Fleet(path, environment, template_file, rules, rules.kind, trained_model or "", tuple(instances))


def _refused(path: Path, problems: _Problems) -> BadInput:
    count = len(problems.found)
    return BadInput(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was written", problems=problems.found)


def _check_keys(
    value: dict[str, Any], where: tuple[Segment, ...], allowed: set[str], required: set[str], problems: _Problems
) -> None:
    import difflib

    for key in value:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"one of {', '.join(sorted(allowed))}"
            problems.add((*where, str(key)), "not a key of a fleet file here", hint)
    for key in sorted(required - set(value)):
        problems.add((*where, key), "missing")


def _json_value(value: Any, where: tuple[Segment, ...], problems: _Problems) -> bool:
    """Whether a YAML value is a JSON value (what a definition can hold); a problem for what is not."""
    if isinstance(value, bool | str | int):
        return True
    if isinstance(value, float):
        if math.isfinite(value):
            return True
        problems.add(where, f"{value} is no JSON number")
        return False
    if isinstance(value, list):
        return all([_json_value(item, (*where, index), problems) for index, item in enumerate(value)])
    if isinstance(value, dict):
        keyed = all(isinstance(key, str) for key in value)
        if not keyed:
            problems.add(where, "a mapping's keys are strings here", "quote them")
        return keyed and all([_json_value(item, (*where, key), problems) for key, item in value.items()])
    what = "null" if value is None else f"a YAML {type(value).__name__}"
    problems.add(where, f"{what} is no value a definition holds", "quote it to make it a string")
    return False


def _string(value: Any, where: tuple[Segment, ...], problems: _Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    got = "an empty one" if isinstance(value, str) else jsonfile.type_name(value)
    problems.add(where, f"give a non-empty string, not {got}", "quote it: YAML reads 001 as a number, yes as true")
    return None


def _strings(value: Any, where: tuple[Segment, ...], problems: _Problems) -> dict[str, str]:
    """A mapping of NAME: string (tags, inputs, outputs, global parameters)."""
    if not isinstance(value, dict):
        problems.add(where, "give a mapping of NAME: VALUE")
        return {}
    found = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip() or "=" in key or key != key.strip():
            problems.add(where, f"{key!r} is no name here: a non-empty string without '=' or surrounding spaces")
            continue
        text = _string(item, (*where, key), problems)
        if text is not None:
            found[key] = text
    return found


def _trained_model(given: Any, rules: KindRules, template: dict[str, Any], file: Path, problems: _Problems):
    known = rules.trained_models(template)
    if given is None:
        if len(known) == 1:
            return known[0]
        listed = ", ".join(map(repr, known)) or "none"
        problems.add(("trainedModel",), f"the template {file} has {len(known)} trained models ({listed})",
                     "name the one retraining replaces")  # fmt: skip
        return None
    name = _string(given, ("trainedModel",), problems)
    if name is not None and name not in known:
        problems.add(("trainedModel",), f"the template {file} has no trained model {name!r}",
                     f"one of {', '.join(map(repr, known)) or 'none'}")  # fmt: skip
        return None
    return name


def _training(
    value: Any, where: tuple[Segment, ...], rules: KindRules, allowed: set[str], folder: Path, problems: _Problems
) -> dict[str, Any]:
    """A training section as given (the fleet's shared one, or an instance's), checked."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(where, "give a mapping: service, inputs, uploads, outputs, globalParameters")
        return {}
    _check_keys(value, where, allowed if rules.training_endpoint else allowed - {"endpoint"}, set(), problems)
    found: dict[str, Any] = {}
    for key, rule in (("service", rules.training_service), ("endpoint", rules.training_endpoint)):
        if rule is not None and key in value and (text := _string(value[key], (*where, key), problems)) is not None:
            if rule.pattern.fullmatch(text):
                found[key] = text
            else:
                problems.add((*where, key), f"{rule.what} is {rule.text}")
    for key in ("inputs", "outputs", "globalParameters"):
        if key in value:
            found[key] = _strings(value[key], (*where, key), problems)
    if "uploads" in value:
        # An upload is sent to blob storage: one from outside the repository (absolute, `..` past its root, a
        # symlink out of it) would ship whatever file the machine running the schedule can read.
        repository = folder.resolve().parent.parent  # the file lives in definitions/ENV/
        found["uploads"] = {}
        for name, local in _strings(value["uploads"], (*where, "uploads"), problems).items():
            if Path(local).is_absolute() or not (folder / local).resolve().is_relative_to(repository):
                problems.add((*where, "uploads", name), f"{local} is outside the repository ({repository})",
                             "give a file of the repository, relative to this file")  # fmt: skip
            else:
                found["uploads"][name] = folder / local
    for name, parameter in found.get("globalParameters", {}).items():
        credential = any(word in name.lower() for word in CREDENTIAL_WORDS)
        if (credential or redact(parameter) != parameter) and not _placeholder_only(parameter):
            problems.add((*where, "globalParameters", name), "looks like a secret",
                         "give it as a ${VARIABLE} placeholder: it is read from the environment")  # fmt: skip
    for key in ("inputs", "outputs"):
        for name, location in found.get(key, {}).items():
            if redact(location) != location or "://" in location or location.startswith("/"):
                problems.add((*where, key, name), "give CONTAINER/BLOB in the storage account of "
                             "AZURE_STORAGE_CONNECTION_STRING (no URL, no SAS)")  # fmt: skip
    return found


def _placeholder_only(value: str) -> bool:
    from toolkit.definition.secrets import PLACEHOLDER

    return PLACEHOLDER.fullmatch(value.strip()) is not None


@dataclass
class _Reading:
    """What reading each instance needs of the fleet read so far."""

    path: Path
    rules: KindRules
    kind: DefinitionKind
    template: dict[str, Any]
    trained_model: str | None
    shared: dict[str, Any]  # the fleet's training section
    problems: _Problems

    @property
    def folder(self) -> Path:
        return self.path.parent


def _instance(item: Any, where: tuple[Segment, ...], reading: _Reading) -> Instance | None:
    rules, kind, template, problems = reading.rules, reading.kind, reading.template, reading.problems
    folder, trained_model = reading.folder, reading.trained_model
    if not isinstance(item, dict):
        problems.add(where, "an instance is a mapping with its name and what differs")
        return None
    before = len(problems.found)
    _check_keys(item, where, INSTANCE_KEYS, {"name"}, problems)
    name = _string(item.get("name"), (*where, "name"), problems) if "name" in item else None
    if name is None:
        return None
    if not rules.name_rule.pattern.fullmatch(name):
        problems.add((*where, "name"), f"{name!r}: {rules.name_rule.what} is {rules.name_rule.text}")
        return None
    kept_suffixes = tuple(suffix.removesuffix(".json") for suffix in (TEMPLATE_SUFFIX, evaluation.RECORD_SUFFIX))
    if name.lower() in rules.reserved or name.lower().endswith(kept_suffixes):
        problems.add((*where, "name"), f"{name!r} is a name mlws keeps for itself", "choose another")
        return None
    file = folder.joinpath(*rules.folder, f"{name}.json")
    label = "/".join((*rules.folder, name))

    assignments: dict[JsonPath, Any] = {}
    owned: dict[JsonPath, str] = {}  # what the keys above `set` set, and which key
    if rules.name_place is not None:
        assignments[rules.name_place] = name
        owned[rules.name_place] = "name"
    for key, place in rules.fields.items():
        owned[place] = key
        if key in item and (text := _string(item[key], (*where, key), problems)) is not None:
            if key == "location":
                _check_location(text, (*where, key), reading)
            assignments[place] = text
    if rules.tags is not None:
        owned[rules.tags] = "tags"
        if "tags" in item:
            tags = dict(value_at(template, rules.tags) or {})
            tags.update(_strings(item["tags"], (*where, "tags"), problems))
            assignments[rules.tags] = tags
    for key in ("location", "tags", "title", "description"):
        if key in item and key not in rules.fields and not (key == "tags" and rules.tags):
            problems.add((*where, key), f"a {kind.name} has no {key}", "leave it out, or use set:")

    places = rules.model_places(template, trained_model) if trained_model else {}
    owned.update({place: "model" for place in places.values()})
    model = _model(item.get("model"), (*where, "model"), places, problems) if "model" in item else None
    if model is None and places:
        model = _kept_model(file, kind, places, (*where, "model"), problems)
    assignments.update(model or {})

    for text, value in (item.get("set") or {}).items() if isinstance(item.get("set"), dict) else ():
        place = (*where, "set", str(text))
        if not isinstance(text, str):
            problems.add(place, "a path is a string, e.g. properties.title")
            continue
        try:
            segments = tuple(parse_path(text))
        except BadInput as error:
            problems.add(place, error.message)
            continue
        overlap = next((key for owned_place, key in owned.items() if _overlaps(segments, owned_place)), None)
        if overlap is not None:
            problems.add(place, f"the instance's {overlap!r} sets this", f"give it as {overlap}:")
        elif not _has(template, segments):
            problems.add(place, f"the template has no {format_path(segments)}",
                         "check the path: set changes what the template has")  # fmt: skip
        elif _json_value(value, place, problems):
            assignments[segments] = value
    if "set" in item and not isinstance(item["set"], dict):
        problems.add((*where, "set"), "give a mapping of PATH: VALUE")

    training = _instance_training(item.get("training"), (*where, "training"), reading)
    if len(problems.found) > before:
        return None
    document = _rendered(template, assignments, kind, where, problems)
    if document is None:
        return None
    from toolkit.definition.canonical import dumps

    return Instance(name, file, label, document, dumps(document, kind), "model" in item, training)


def _check_location(location: str, where: tuple[Segment, ...], reading: _Reading) -> None:
    """A region the service is in, and not another one than the environment's: mlws.yaml's location is where
    `mlws deploy` creates a service, whatever its file says."""
    from toolkit.config import environment_settings
    from toolkit.regions import normalise

    try:
        names.location(location, None)
    except BadInput as error:
        reading.problems.add(where, error.message)
        return
    settings = environment_settings(reading.path)
    configured = settings.values.get("location")
    if isinstance(configured, str) and normalise(configured) != normalise(location):
        entry = f"{settings.config_file}: environments.{settings.environment}.location"
        reading.problems.add(where, f"{location!r} is not the environment's location, {configured!r} ({entry}), "
                             "where `mlws deploy` creates its services",
                             "leave location out of that entry for a fleet of many regions")  # fmt: skip


def _overlaps(one: tuple[Segment, ...], other: tuple[Segment, ...]) -> bool:
    shorter = min(len(one), len(other))
    return tuple(one[:shorter]) == tuple(other[:shorter])


def _has(document: Any, segments: tuple[Segment, ...]) -> bool:
    for segment in segments:
        reaches = segment in document if isinstance(document, dict) else (
            isinstance(document, list) and isinstance(segment, int) and 0 <= segment < len(document)
        )  # fmt: skip
        if not reaches:
            return False
        document = document[segment]
    return True


def _model(value: Any, where, places: dict[str | None, JsonPath], problems: _Problems) -> dict[JsonPath, Any] | None:
    """The model as the fleet file states it: a string (New: the asset's URI), or a mapping of its parts."""
    if not places:
        return None
    if None in places:
        text = _string(value, where, problems)
        return None if text is None else {places[None]: text}
    parts = sorted(part for part in places if part)
    if not isinstance(value, dict) or sorted(value) != parts:
        problems.add(where, f"give the model as a mapping of {' and '.join(parts)}")
        return None
    found = {places[part]: _string(value[part], (*where, part), problems) for part in parts}
    return None if None in found.values() else found


def _kept_model(file: Path, kind: DefinitionKind, places, where, problems: _Problems) -> dict[JsonPath, Any] | None:
    """The model the instance's file names (retraining wrote it); None for a new file (the template's stays)."""
    from toolkit.providers import load_as

    if not file.exists():
        return None
    try:
        existing = load_as(file, kind).document
    except BadInput as error:
        problems.add(where, f"its file's model cannot be kept: {error.message}", f"fix {file}, or state the model")
        return None
    kept = {place: value_at(existing, place) for place in places.values()}
    return kept if all(isinstance(value, str) and value for value in kept.values()) else None


def _instance_training(value: Any, where: tuple[Segment, ...], reading: _Reading) -> Training | None:
    if value is None:
        return None
    own = _training(value, where, reading.rules, TRAINING_KEYS, reading.folder, reading.problems)
    return _complete_training(reading.shared, own, where, reading.problems)


def _complete_training(
    shared: dict[str, Any], own: dict[str, Any], where: tuple[Segment, ...], problems: _Problems
) -> Training:
    """A training section over the shared one (global parameters merged by name), with all a job needs."""
    merged = {**shared, **own, "globalParameters": {**shared.get("globalParameters", {}),
                                                    **own.get("globalParameters", {})}}  # fmt: skip
    if not merged.get("service"):
        problems.add((*where, "service"), "no training service", "give training.service (here or for the fleet)")
    if not merged.get("inputs") and not merged.get("uploads"):
        problems.add((*where, "uploads"), "no training data", "give uploads (local files) or inputs (blobs)")
    if not merged.get("outputs"):
        problems.add((*where, "outputs"), "no outputs: every job writes its own model",
                     "give outputs, e.g. {model: models/NAME.ilearner}")  # fmt: skip
    both = sorted(set(merged.get("inputs", {})) & set(merged.get("uploads", {})))
    for name in both:
        problems.add((*where, "inputs", name), "given as an upload too", "keep one")
    return Training(
        service=merged.get("service"),
        endpoint=merged.get("endpoint"),
        inputs=merged.get("inputs", {}),
        uploads=merged.get("uploads", {}),
        outputs=merged.get("outputs", {}),
        global_parameters=merged["globalParameters"],
    )


def read_training(value: Any, key: str, definition: Path, source: Path) -> Training:
    """A training section of another file (`key` in `source`, e.g. a pipeline's `training`) for a job whose model
    goes into `definition`, read by the same rules as a fleet's (its kind's service names, no secrets, uploads
    relative to `source`); BadInput listing every problem."""
    from toolkit.providers import rules_for_file

    problems = _Problems()
    if not isinstance(value, dict):
        problems.add((key,), "give a mapping: service, inputs or uploads, outputs, globalParameters")
        raise _refused(source, problems)
    own = _training(value, (key,), rules_for_file(definition), TRAINING_KEYS, source.parent, problems)
    training = _complete_training({}, own, (key,), problems)
    if problems.found:
        raise _refused(source, problems)
    return training


def _check_outputs_apart(instances: list[Instance], problems: _Problems) -> None:
    """Two instances writing one blob would overwrite each other's model."""
    writers: dict[str, str] = {}
    for instance in instances:
        for name, location in (instance.training.outputs if instance.training else {}).items():
            other = writers.setdefault(location.strip("/"), instance.name)
            if other != instance.name:
                problems.add(("instances",), f"{instance.name!r} and {other!r} both write {location} ({name})",
                             "give each instance outputs of its own")  # fmt: skip


def _rendered(template, assignments, kind: DefinitionKind, where, problems: _Problems) -> dict[str, Any] | None:
    """The template with the instance's values, normalised, validated as its kind (secrets included)."""
    from toolkit.definition.edit import Assignment, apply_edits
    from toolkit.definition.validate import validate

    edits = [Assignment(segments, value) for segments, value in assignments.items()]
    document = copy.deepcopy(template)
    try:  # apply_edits validates what it edits; the template as it is, validate does
        document = apply_edits(document, kind, assignments=edits) if edits else document
        found = [] if edits else validate(document, kind)
    except BadInput as error:
        found = error.problems
    if not found:
        return document
    problems.add(where, f"its definition would not be a valid {kind.name}")
    problems.found += [Problem(f"{format_path(where)}: {p.path}", p.message, p.fix) for p in found]
    return None


# -- render -----------------------------------------------------------------------------------------------------


def render_fleet(path: Path | str, *, check: bool = False) -> EnvironmentResult:
    """`mlws fleet render FILE [--check]`: every instance's definition written (or, with check, compared: exit 3
    when a file is missing or differs). Every instance is rendered and checked before any file is written."""
    fleet = read_fleet(path)
    result = EnvironmentResult("fleet render" + (" --check" if check else ""), fleet.environment)
    stale = []
    for instance in fleet.instances:
        existing = instance.file.read_bytes() if instance.file.is_file() else None
        same = existing == instance.text.encode("utf-8")
        if check:
            outcome = "up to date" if same else "missing" if existing is None else "out of date"
            code = ExitCode.OK if same else ExitCode.CHANGES
            if not same:
                stale.append(instance.label)
            result.rows.append(Row(instance.label, fleet.rules.provider, "check", outcome, code))
            continue
        if not same:
            from toolkit.definition.canonical import write_text

            instance.file.parent.mkdir(exist_ok=True)
            write_text(instance.file, instance.text)
        result.rows.append(Row(instance.label, fleet.rules.provider, "render", "unchanged" if same else "written"))
    if stale:
        result.note = f"{len(stale)} of {len(fleet.instances)} out of date: run `mlws fleet render {fleet.path}`"
    return result


# -- retrain ----------------------------------------------------------------------------------------------------


@dataclass
class RetrainRow(Row):
    """An environment row with what a BES job of an instance did."""

    job: str = ""
    status: str = ""
    model: str = ""  # the model promoted into the instance's file
    evaluation: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    gates: list[evaluation.GateCheck] = field(default_factory=list)
    metrics_file: Path | None = None  # the metrics record written beside the file

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "jobId": self.job or None, "statusCode": self.status or None,
                "model": self.model or None, "evaluation": self.evaluation,
                "gates": [check.to_json() for check in self.gates],
                "metricsFile": str(self.metrics_file) if self.metrics_file else None}  # fmt: skip


@dataclass
class FleetRetrainResult(EnvironmentResult):
    """One row per instance (instance, job, status, model, result); the batch's exit code is the worst row's."""

    COLUMNS = ("instance", "job", "status", "model", "result")
    NOT_DONE = "not retrained"

    def cells(self) -> list[list[str]]:
        return [[row.service, row.job or "-", row.status or "-", row.model or "-", row.result] for row in self.rows]


def retrain_instance(
    fleet: Fleet,
    instance: Instance,
    *,
    timeout: float | None = None,
    amend: Callable[[RetrainOptions], RetrainOptions] | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RetrainResult:
    """One instance's BES job through its provider's retrain; its new model written into its file (and its metrics
    beside it) unless a gate refuses it (the result's `refused`, exit 4). `amend` changes the job's options before it
    runs (gates, outputs, ...; the file to update stays the instance's). BadInput before anything is sent when it
    cannot be retrained (see `retrain_fleet`)."""
    environ = os.environ if environ is None else environ
    problems = _not_ready(fleet, instance, environ)
    if problems:
        raise BadInput(f"{fleet.path}: {instance.name} was not trained", problems=problems)
    options = replace(instance.training.options(environ), timeout=timeout)
    if amend is not None:
        options = amend(options)
    return fleet.rules.retrain_into(instance.file, instance.training, fleet.trained_model, options, environ, progress)


def retrain_fleet(
    path: Path | str,
    *,
    parallel: int,
    only: list[str] | None = None,
    keep_going: bool = False,
    timeout: float | None = None,
    promote_if: list[str] | None = None,
    promote_if_better: list[str] | None = None,
    run: str | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> FleetRetrainResult:
    """`mlws fleet retrain FILE`: one BES job per instance (or those of `only`), at most `parallel` at once, each new
    model written into its instance's rendered file and its metrics recorded beside it, when it passes the gates
    (`promote_if`, `promote_if_better`: as `mlws retrain` takes them, judged per instance against its own record).
    Everything is checked before the first job: the gates, the fleet, the rendered files (up to date) and their
    records, each instance's training and its local files. A refused model is its instance's row (exit 4, its file
    and record unchanged), no failure: the other jobs still start. Without `keep_going` the first failure starts no
    more jobs (those running finish). With `run`, every output blob is named for it (models/x.ilearner ->
    models/x.RUN.ilearner), so the next retrain never writes over a model that is live."""
    from toolkit import storage
    from toolkit.batch import check_parallel, run_batch

    environ = os.environ if environ is None else environ
    check_parallel(parallel)
    evaluation.parse_gates(promote_if or [], promote_if_better or [])  # a bad gate is bad input before any job

    if run is not None:
        check_run(run)

    def gated(options: RetrainOptions) -> RetrainOptions:
        named = outputs_of_run(options, run) if run is not None else options
        return replace(named, promote_if=list(promote_if or []), promote_if_better=list(promote_if_better or []))

    fleet = read_fleet(path)
    wanted = {fleet.instance(name).name for name in only or ()}
    chosen = [instance for instance in fleet.instances if not wanted or instance.name in wanted]  # in fleet order
    problems = [problem for instance in chosen for problem in _not_ready(fleet, instance, environ)]
    if problems:
        raise BadInput(f"{fleet.path}: nothing was trained", problems=problems)
    storage.connection_string_from_env(environ)  # one message for the batch, not one per job

    def retrain_one(index: int, told: Progress | None) -> tuple[RetrainRow, bool]:
        instance = chosen[index]
        try:
            done = retrain_instance(fleet, instance, timeout=timeout, amend=gated, environ=environ, progress=told)
        except MlwsError as error:
            from toolkit.runtime import JobFailed

            job, status = (error.job_id, error.status) if isinstance(error, JobFailed) else ("", "")
            return RetrainRow(instance.label, fleet.rules.provider, "retrain", f"error: {error.message}",
                              error.exit_code, job=job, status=status), True  # fmt: skip
        row = RetrainRow(instance.label, fleet.rules.provider, "retrain", f"model written to {instance.file}",
                         job=done.job.job_id, status=done.job.status, evaluation=done.evaluation,
                         gates=done.checks)  # fmt: skip
        if done.refused:  # the gate's verdict, no failure: the other jobs still start
            row.result = "refused: " + "; ".join(check.failure() for check in done.checks if not check.passed)
            row.exit_code = done.exit_code
        else:
            row.model = done.change.uri if done.change else ""
            row.metrics_file = done.metrics_file if done.metrics_written else None
        return row, False

    labels = [instance.label for instance in chosen]
    rows, skipped = run_batch(labels, retrain_one, verb="retrain", parallel=parallel, stop_at_failure=not keep_going,
                              progress=progress)  # fmt: skip
    result = FleetRetrainResult("fleet retrain", fleet.environment, rows)
    refused = [row.service for row in result.rows if row.exit_code == ExitCode.REFUSED]
    result.not_applied = skipped
    notes = [f"not promoted (their files and records unchanged): {', '.join(refused)}"] if refused else []
    result.note = "\n".join(notes)
    return result


def _not_ready(fleet: Fleet, instance: Instance, environ: Mapping[str, str]) -> list[Problem]:
    """What would fail the instance's job, or undo its model, found before anything is sent."""
    where = instance.label
    if instance.training is None:
        return [Problem(where, "has no training section", "give one, or leave the instance out with --only")]
    problems = []
    if instance.states_model:
        problems.append(Problem(where, "states its model in the fleet file: the next render would undo a retrained "
                                "one", "leave model: out, so retraining owns it"))  # fmt: skip
    if not instance.file.is_file() or instance.file.read_bytes() != instance.text.encode("utf-8"):
        problems.append(Problem(where, f"{instance.file} is missing or out of date",
                                f"run `mlws fleet render {fleet.path}` first"))  # fmt: skip
    for name, local in instance.training.uploads.items():
        if not local.is_file():
            problems.append(Problem(where, f"upload {name}: no file {local}"))
    try:
        instance.training.options(environ)
    except BadInput as error:
        problems += [Problem(f"{where}: {problem.path}", problem.message, problem.fix) for problem in error.problems]
    try:  # the record gates compare with, and promotion rewrites
        evaluation.read_record(evaluation.metrics_file(instance.file))
    except BadInput as error:
        problems.append(Problem(where, error.message, "fix or delete it"))
    return problems
