"""Classic endpoint definitions in git, on the deploy flow every kind shares (toolkit.deploy.flow): export an
endpoint, plan a file against it (`mlws classic diff`), update it from the file or a reviewed plan, create it.

What a file manages: the settings it gives (an omitted one is left as it is: the management API cannot unset a
setting) and the trained models of the resources it lists, by name. A change becomes one PATCH of the changed
settings and resources (the service merges resources by name); creating adds the endpoint (PUT) and then
patches its models. PreventUpdate is set only when an endpoint is added: changing it is refused (remove and add
the endpoint). The default endpoint's trained model follows its web service and cannot be patched. The SAS a
model is read with is write-only: never compared, listed as not verifiable once sent.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from toolkit.definition.canonical import canonical
from toolkit.definition.diff import Change, diff
from toolkit.definition.load import load_file, normalise
from toolkit.definition.secrets import mask_secrets, set_variables
from toolkit.definition.validate import validate
from toolkit.deploy import flow
from toolkit.deploy.placeholders import Resolved, resolve_against_live
from toolkit.deploy.plan import state_hash
from toolkit.deploy.send import Checked, ReadBack, Sending, refuse_not_taken
from toolkit.errors import BadInput, MlwsError, Refused
from toolkit.operation import OperationResult, Progress, WaitOptions
from toolkit.preview import Confirm, RequestPreview
from toolkit.providers.classic_endpoint.client import Management, masked_keys
from toolkit.providers.classic_endpoint.definition import KIND, resources
from toolkit.providers.classic_endpoint.models import SWITCH_NOTE, normal_location
from toolkit.providers.classic_endpoint.target import DEFAULT_ENDPOINT, ClassicTarget, resolve_classic_target

SETTINGS = ("Description", "ThrottleLevel", "MaxConcurrentCalls", "DiagnosticsTraceLevel", "PreventUpdate")
ADDED_ONLY = ("PreventUpdate",)  # what only adding the endpoint sets


@dataclass
class Done:
    """The management API answers at once: nothing to wait for."""

    status_url: None = None


class EndpointService:
    """One endpoint as the deploy flow sends changes to it (its LiveService)."""

    def __init__(self, management: Management) -> None:
        self.management = management
        self.target = management.target

    def get(self) -> dict[str, Any]:
        return self.management.endpoint()

    def find(self) -> dict[str, Any] | None:
        return self.management.find_endpoint()

    def preview(self, method: str, body: Any) -> RequestPreview:
        steps = "PUT, then PATCH of its trained models" if method == "PUT" and "Resources" in body else method
        url = self.management.client.base_url + self.target.endpoint_path
        return RequestPreview(method, url, mask_secrets(body, KIND), note=f"would send: {steps}")

    def begin_put(self, body: dict[str, Any]) -> Done:
        """Add the endpoint, then patch its models: a failure of the patch leaves an endpoint that exists (on the
        web service's current model), and the message says so and how to finish."""
        settings = {key: value for key, value in body.items() if key != "Resources"}
        if body.get("Resources"):
            self._check_resource_names(body["Resources"])
        self.management.add(settings)
        if body.get("Resources"):
            try:
                self.management.patch({"Resources": body["Resources"]})
            except MlwsError as error:
                raise MlwsError(
                    f"{self.target.describe()} was ADDED (with the web service's current model), but setting its "
                    f"trained model failed: {error.message}. Fix the file and run `mlws classic update -f FILE` "
                    "to finish"
                ) from error
        return Done()

    def _check_resource_names(self, wanted: list[dict[str, Any]]) -> None:
        """A new endpoint has the resources of its web service (its default endpoint's): the file must name
        those, checked before the endpoint is added."""
        default = replace(self.target, name=DEFAULT_ENDPOINT)
        names = [str(r.get("Name")) for r in resources(Management(default, self.management.client).endpoint())]
        unknown = [str(r.get("Name")) for r in wanted if r.get("Name") not in names]
        if unknown:
            listed = ", ".join(map(repr, names)) or "none"
            raise BadInput(
                f"the web service's endpoints have no resource {', '.join(map(repr, unknown))} (they have {listed}); "
                "nothing was sent"
            )

    def begin_patch(self, body: dict[str, Any]) -> Done:
        self.management.patch(body)
        return Done()

    def finish(self, operation: Done, wait: WaitOptions, action: str) -> None:
        return None


@dataclass
class LiveEndpoint:
    resource: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return self.resource


def comparable(document: dict[str, Any], managed: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a file and the live endpoint are compared on: the settings the file (`managed`) gives, and its
    resources by name, each Location as base + relative (a base URL with or without its trailing slash is the
    same account; the SAS is write-only)."""
    managed = document if managed is None else managed
    shaped = normalise(document, KIND)[0]
    # Name and WebServiceId say which endpoint it is (the target, checked against the file), not how it is.
    result: dict[str, Any] = {key: shaped.get(key) for key in SETTINGS if key in managed}
    wanted = {resource.get("Name") for resource in resources(managed)}
    models = {}
    for resource in resources(shaped):
        if resource.get("Name") in wanted:
            location = normal_location(resource["Location"]) if isinstance(resource.get("Location"), dict) else {}
            models[resource["Name"]] = {
                "Kind": resource.get("Kind") or "TrainedModel",
                "Location": {key: location.get(key) for key in ("BaseLocation", "RelativeLocation")},
            }
    if wanted:
        result["Resources"] = models
    return {key: value for key, value in result.items() if value is not None}


def _sent(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource as a request carries it: its Location in the form the service reads (models.normal_location)."""
    sent = copy.deepcopy(resource)
    if isinstance(sent.get("Location"), dict):
        sent["Location"] = normal_location(sent["Location"])
    return sent


class ClassicEndpointProvider(flow.Provider):
    name = "classic_endpoint"
    noun = "Classic"  # messages say "Classic endpoint 'x' of web service Y" (the target says "endpoint ...")
    kind = KIND
    target_fields = ("workspace", "location", "service", "name")
    commands = "mlws classic"

    def create_command(self, file: Path) -> None:
        return None  # a plan creates it (`mlws classic diff FILE --out PLAN`, then `mlws update --plan PLAN`)

    def target(self, *, file, workspace=None, location=None, service=None, name=None) -> ClassicTarget:
        """The file says which endpoint it is (WebServiceId, Name); flags may repeat it, not contradict it."""
        document = load_file(file, KIND).document if file is not None else {}
        written = {key: document.get(key) if isinstance(document, dict) else None for key in ("WebServiceId", "Name")}
        target = resolve_classic_target(
            file=file,
            workspace=workspace,
            location=location,
            service=service or written["WebServiceId"],
            name=name or written["Name"],
            require=("service", "name"),
        )
        for flag, given, key in (("-s/--service", service, "WebServiceId"), ("-n/--name", name, "Name")):
            if given and written[key] and given.lower() != str(written[key]).lower():
                raise BadInput(f"{flag} {given!r} is not the file's {key} {written[key]!r}: the file names it")
        return target

    def connect(self, target: ClassicTarget) -> EndpointService:
        return EndpointService(Management.connect(target))

    def load_desired(self, path: Path) -> dict[str, Any]:
        from toolkit.providers import load_as

        document = load_as(path, KIND).document
        problems = validate(document, KIND)
        if problems:
            raise BadInput(f"{path}: not a valid {KIND.name}", problems=problems)
        return document

    def read_live(self, service: EndpointService, desired: dict[str, Any], env: Mapping[str, str]) -> Any:
        found = service.find()
        return None if found is None else LiveEndpoint(found)

    def compare(self, desired: dict[str, Any], live: LiveEndpoint) -> list[Change]:
        changes = diff(comparable(live.resource, desired), comparable(desired), KIND).changes
        for change in changes:
            top = str(change.segments[0])
            if top in ADDED_ONLY:
                raise Refused(
                    f"{top} is set only when an endpoint is added: to change it, add the endpoint again with "
                    "`mlws classic endpoint add --force` (new keys); nothing was sent"
                )
            if top == "Resources" and live.resource.get("Name") == DEFAULT_ENDPOINT:
                raise Refused(
                    "the default endpoint's trained model follows its web service and cannot be patched; put the "
                    "model on an endpoint of its own (`mlws classic endpoint add`); nothing was sent"
                )
            if top == "Resources" and len(change.segments) == 2 and change.kind == "added":
                named = ", ".join(repr(r.get("Name")) for r in resources(live.resource))
                has = f"its resources are named {named}" if named else "it has none: is it a training service's?"
                raise BadInput(f"the endpoint has no resource {change.segments[1]!r}: {has}")
        return changes

    def desired_hash(self, desired: dict[str, Any]) -> str:
        return state_hash(canonical(desired, KIND))  # the SAS placeholders included: they are part of the file

    def live_hash(self, live: LiveEndpoint) -> str:
        return state_hash(comparable(live.resource, {**live.resource}))

    def request_body(self, action: str, resolved: Resolved, live: LiveEndpoint, changes: list[Change]) -> dict:
        if action == flow.REPLACE:  # compare never reports a removal: this would be a bug
            raise Refused("a Classic endpoint cannot be replaced by an update")
        document = canonical(resolved.document, KIND)
        tops = {str(change.segments[0]) for change in changes}
        body = {key: document[key] for key in SETTINGS if key in tops and key in document}
        names = {str(change.segments[1]) for change in changes if change.segments[0] == "Resources"}
        if names:
            body["Resources"] = [_sent(r) for r in resources(document) if r.get("Name") in names]
        return body

    def creation_body(self, resolved: dict[str, Any], target: ClassicTarget) -> dict[str, Any]:
        document = canonical(resolved, KIND)
        body = {key: document[key] for key in SETTINGS if key in document}
        if resources(document):
            body["Resources"] = [_sent(r) for r in resources(document)]
        return body

    def checks(self, body: dict[str, Any], live: dict[str, Any] | None, how: Sending):
        from toolkit.providers.classic_endpoint.models import check_model

        def look() -> Checked:
            if how.skip_checks:
                return Checked()
            found = [check_model(resource["Location"]) for resource in body.get("Resources") or []]
            return Checked([f"trained model found: {url}" for url in found], {"modelsChecked": found})

        return look

    def read_back(self, service: EndpointService, desired, body, env, *, creating: bool = False) -> ReadBack:
        live = service.management.read_back("the change")
        if live is None:
            raise Refused(f"the service accepted the change, but {service.target.describe()} is gone")
        resolved = resolve_against_live(desired, live, env, KIND)
        refuse_not_taken(
            service.target, self.noun, [c.path for c in self.compare(resolved.document, LiveEndpoint(live))]
        )
        sent = resources(body)
        unverifiable = [
            f"Resources[{r['Name']!r}].Location.SasBlobToken (sent; the service never returns it)"
            for r in sent
            if (r.get("Location") or {}).get("SasBlobToken")
        ]
        return ReadBack(masked_keys(live), True, unverifiable=unverifiable, notes=[SWITCH_NOTE] if sent else [])

    def exported(self, live: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        """The endpoint as a file: the SAS of each resource (which no read returns) kept as the file being replaced
        writes it, so an unchanged endpoint exports the same file."""
        document = normalise(live, KIND)[0]
        written = {r.get("Name"): (r.get("Location") or {}).get("SasBlobToken") for r in resources(existing)}
        for resource in resources(document):
            location = resource.get("Location")
            if isinstance(location, dict) and written.get(resource.get("Name")):
                location["SasBlobToken"] = written[resource["Name"]]
        return document


PROVIDER = ClassicEndpointProvider()


def _how(confirm: Confirm, what_if: bool, skip_model_check: bool, env: Mapping[str, str]) -> Sending:
    return Sending(confirm, what_if, WaitOptions(), set_variables(env), skip_model_check)


def export_endpoint(
    *,
    workspace: str | None,
    location: str | None,
    service: str | None,
    name: str | None,
    file: Path | None,
    confirm: Confirm,
) -> flow.ExportResult:
    """An endpoint as a canonical, secret-free definition file (no keys; a SAS only as its placeholder)."""
    target = resolve_classic_target(
        file=file, workspace=workspace, location=location, service=service, name=name, require=("service", "name")
    )
    return flow.export(PROVIDER, PROVIDER.connect(target), file, confirm)


def plan_endpoint(
    file: Path,
    *,
    workspace: str | None,
    location: str | None,
    service: str | None,
    name: str | None,
    out: Path | None = None,
    progress: Progress | None = None,
    env: Mapping[str, str] = os.environ,
):
    """What `mlws classic update -f FILE` would change, saved to `out` for `mlws update --plan`."""
    where = {"workspace": workspace, "location": location, "service": service, "name": name}
    return flow.plan_against_live(PROVIDER, Path(file), where=where, env=set_variables(env), out=out, progress=progress)


def update_endpoint(
    *,
    file: Path | None,
    plan: Path | None,
    workspace: str | None,
    location: str | None,
    confirm: Confirm,
    what_if: bool,
    skip_model_check: bool = False,
    env: Mapping[str, str] = os.environ,
) -> OperationResult | RequestPreview:
    """Deploy an endpoint's file (what differs, one PATCH; asked first on a terminal) or a reviewed plan."""
    from toolkit.providers import provider_named

    if (file is None) == (plan is None):
        raise BadInput("classic update: give one of -f FILE or --plan PLAN")
    if plan is not None and (workspace or location):
        raise BadInput("classic update --plan: the plan records where it deploys; --workspace and -l go with -f")
    how = _how(confirm, what_if, skip_model_check, env)
    if plan is not None:
        return flow.update_from_plan(plan, how, provider_named)
    desired = PROVIDER.load_desired(file)
    service = PROVIDER.connect(PROVIDER.target(file=file, workspace=workspace, location=location))
    return flow.update_from_file(PROVIDER, service, file, desired, how)
