"""The kinds of service mlws manages, one package each, and the registry of them.

`new_webservice` is the New (Resource Manager, Microsoft.MachineLearning/webServices) web service with its
commitment plans, BES and RRS; `classic_endpoint` an endpoint of a Classic web service (the non-ARM management
API). A new kind is a package of its own plus one line in each table below: KIND_MODULES (the KINDS) for
the offline commands (validate, import, edit, normalize, diff of two files), which read each file as the first
kind that recognises it; PROVIDERS for the deploy flow (toolkit.deploy.flow), which finds a saved plan's provider
by the name the plan records; FLEET_RULES, for a kind that fleets (toolkit.fleet) can hold and retraining can
write a model into (`rules_for_file`): a kind without a line there is refused as a fleet's template. Providers
are imported when first needed: the offline commands never load them, and a command for one kind (`mlws get`)
never loads another kind's definition rules.
"""

from __future__ import annotations

import importlib
import sys

from toolkit.errors import BadInput

KIND_MODULES = ("toolkit.providers.new_webservice.definition", "toolkit.providers.classic_endpoint.definition")
PROVIDERS = {  # name -> the module with PROVIDER
    "new_webservice": "toolkit.providers.new_webservice.deploy",
    "classic_endpoint": "toolkit.providers.classic_endpoint.deploy",
}
FLEET_RULES = {  # provider name -> the module with RULES (toolkit.fleet.KindRules); a kind without one has no fleets
    "new_webservice": "toolkit.providers.new_webservice.fleet",
    "classic_endpoint": "toolkit.providers.classic_endpoint.fleet",
}


def __getattr__(name: str):
    """KINDS, the registered kinds in order (each module's KIND), imported on first use."""
    if name != "KINDS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    kinds = tuple(importlib.import_module(module).KIND for module in KIND_MODULES)
    globals()["KINDS"] = kinds
    return kinds


def _kinds():
    return sys.modules[__name__].KINDS  # through __getattr__ the first time; a test may replace it


def provider_named(name: str):
    """The deploy flow's Provider registered under `name`; BadInput for a name no provider has."""
    module = PROVIDERS.get(name)
    if module is None:
        known = ", ".join(sorted(PROVIDERS))
        raise BadInput(f"a plan for {name!r}, a kind of service this mlws does not know (it knows {known})")
    return importlib.import_module(module).PROVIDER


def provider_for_file(path):
    """The deploy flow's Provider of the kind a definition file is (the first registered kind when it is none)."""
    from toolkit.definition.files import load_of_a_kind

    _, kind = load_of_a_kind(path, _kinds())
    return next(provider_named(name) for name in PROVIDERS if provider_named(name).kind is kind)


def rules_for_file(path):
    """The fleet rules (toolkit.fleet.KindRules) of the kind a definition file is: how a fleet renders one and how
    a model is retrained into one (`rules_for_file(path).retrain_into(path, training, ...)`); BadInput for a kind
    whose provider has none."""
    provider = provider_for_file(path)
    module = FLEET_RULES.get(provider.name)
    if module is None:
        raise BadInput(
            f"{path} is a {provider.kind.name}: mlws has no fleet rules for that kind, so it is no fleet's template "
            f"and no model is retrained into it (kinds with them: {', '.join(FLEET_RULES)})"
        )
    return importlib.import_module(module).RULES


def load_as(path, kind):
    """The definition file at `path` read (once) as one of `kind`; BadInput when it is a definition of another
    registered kind, naming the commands that deploy it (`mlws diff` given a Classic endpoint's file points to
    `mlws classic diff`)."""
    from pathlib import Path

    from toolkit.definition.files import load_of_a_kind
    from toolkit.definition.load import load_file

    if not Path(path).is_file():
        return load_file(path, kind)  # the kind's own reader says what is wrong, in its words
    loaded, found = load_of_a_kind(path, (kind, *(other for other in _kinds() if other is not kind)))
    if found is kind:
        return loaded
    owner = next((provider_named(name) for name in PROVIDERS if provider_named(name).kind is found), None)
    commands = f": deploy it with `{owner.commands} diff` and `{owner.commands} update`" if owner is not None else ""
    raise BadInput(f"{path} is a {found.name}, not a {kind.name}{commands}")
