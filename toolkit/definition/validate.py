"""Offline checks of a (normalised) definition: schema, graph, secrets. Every problem names a JSON path.

One pass over the schema-known parts plus set look-ups for the graph, so a 3 MB definition checks in well
under a second.
"""

from __future__ import annotations

from typing import Any

from toolkit.definition import schema
from toolkit.definition.paths import Chain, chain_path, join
from toolkit.definition.secrets import find_secrets
from toolkit.errors import Problem

_KINDS = {"string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float)}
_NODE_KINDS = ("assetId", "inputId", "outputId")
_REQUIRED_FIX = {"packageType": 'add "packageType": "Graph"', "level": 'add "level": "None" (or Error, All)'}


def validate(
    document: dict[str, Any],
    *,
    secrets: bool = True,
    require_location: bool = False,
    source_text: str | None = None,
) -> list[Problem]:
    """Problems of a definition (empty when valid).

    secrets=False skips the secret check (e.g. for a body about to be sent); require_location=True is for
    creating a service, where `location` is required (a file may leave it to mlws.yaml); source_text (the JSON
    the document was read from) makes the secret check of a big document cheaper.
    """
    problems: list[Problem] = []
    if require_location and not document.get("location"):
        problems.append(Problem("location", "required to create a web service", 'add "location": "South Central US"'))
    _check(document, schema.WEB_SERVICE, None, problems)
    properties = document.get("properties")
    if isinstance(properties, dict):
        _check_graph(properties, problems)
        _check_trained_models(properties, problems)
    if secrets:
        problems.extend(secret.problem() for secret in find_secrets(document, source_text=source_text))
    return problems


def _check(value: Any, spec: schema.Spec, chain: Chain, problems: list[Problem]) -> None:
    kind = type(spec)
    if kind is schema.Value:
        if spec.kind != "any":
            _check_value(value, spec, chain, problems)
    elif not isinstance(value, list if kind is schema.ListOf else dict):
        problems.append(Problem(chain_path(chain), f"expected {_container(kind)}, got {_type_name(value)}"))
    elif kind is schema.Obj:
        for name in spec.required:
            if value.get(name) is None:
                problems.append(Problem(chain_path((chain, name)), "required", _REQUIRED_FIX.get(name)))
        fields, read_only = spec.fields, spec.read_only
        for name, item in value.items():
            field = fields.get(name)
            if field is None or item is None or name in read_only:
                continue
            if type(field) is schema.Value:  # leaves inline: most of a big document
                if field.kind == "string" and field.enum is None and type(item) is str or field.kind == "any":
                    continue
                _check_value(item, field, (chain, name), problems)
            else:
                _check(item, field, (chain, name), problems)
    elif kind is schema.MapOf:
        if spec.value is not schema.ANY:
            for key, item in value.items():
                if item is None:
                    problems.append(Problem(chain_path((chain, key)), "expected a value, got null"))
                else:
                    _check(item, spec.value, (chain, key), problems)
    elif spec.item is not schema.ANY:
        for index, item in enumerate(value):
            _check(item, spec.item, (chain, index), problems)


def _check_value(value: Any, spec: schema.Value, chain: Chain, problems: list[Problem]) -> None:
    if not isinstance(value, _KINDS[spec.kind]) or (spec.kind != "boolean" and isinstance(value, bool)):
        problems.append(Problem(chain_path(chain), f"expected {_article(spec.kind)}, got {_type_name(value)}"))
        return
    if spec.enum is not None and value not in spec.enum:
        choices = ", ".join(repr(choice) for choice in spec.enum)
        problems.append(
            Problem(chain_path(chain), f"{value!r} is not one of the allowed values", f"use one of {choices}")
        )
    if spec.minimum is not None and not spec.minimum <= value <= spec.maximum:
        problems.append(
            Problem(
                chain_path(chain),
                f"{value} is out of range",
                f"use a whole number from {spec.minimum} to {spec.maximum}",
            )
        )


def _check_graph(properties: dict[str, Any], problems: list[Problem]) -> None:
    package = properties.get("package")
    if not isinstance(package, dict):
        return
    base = "properties.package"
    nodes = package.get("nodes") if isinstance(package.get("nodes"), dict) else {}
    targets = {
        "assetId": ("asset", _keys(properties.get("assets")), "properties.assets"),
        "inputId": ("input", _keys(_get(properties, "input", "properties")), "properties.input.properties"),
        "outputId": ("output", _keys(_get(properties, "output", "properties")), "properties.output.properties"),
    }
    for node_id, node in nodes.items():
        if not isinstance(node, dict):
            continue
        kinds = [kind for kind in _NODE_KINDS if node.get(kind) is not None]
        if len(kinds) != 1:
            has = ", ".join(kinds) if kinds else "none"
            path = join(join(base, "nodes"), node_id)
            problems.append(Problem(path, f"a node needs exactly one of assetId, inputId, outputId (has: {has})"))
        for kind in kinds:
            what, known, where = targets[kind]
            if isinstance(node[kind], str) and node[kind] not in known:
                path = join(join(base, "nodes"), node_id)
                problems.append(
                    Problem(join(path, kind), f"names {what} {node[kind]!r}, which {where} does not define")
                )
    edges = package.get("edges")
    for index, edge in enumerate(edges if isinstance(edges, list) else []):  # a non-list is a schema problem already
        if not isinstance(edge, dict):
            continue
        for end in ("sourceNodeId", "targetNodeId"):
            node_id = edge.get(end)
            if isinstance(node_id, str) and node_id not in nodes:
                problems.append(
                    Problem(f"{base}.edges[{index}].{end}", f"names node {node_id!r}, which is not in {base}.nodes")
                )
    graph_parameters = package.get("graphParameters")
    if not isinstance(graph_parameters, dict):
        return
    for name, parameter in graph_parameters.items():
        links = parameter.get("links") if isinstance(parameter, dict) else None
        for index, link in enumerate(links if isinstance(links, list) else []):
            node_id = link.get("nodeId") if isinstance(link, dict) else None
            if isinstance(node_id, str) and node_id not in nodes:
                path = f"{join(join(base, 'graphParameters'), name)}.links[{index}].nodeId"
                problems.append(Problem(path, f"names node {node_id!r}, which is not in {base}.nodes"))
    # A value in properties.parameters is for a graph parameter; a graph parameter without a value is required at
    # call time (spec). The service matches names case-insensitively (the cmdlets' test definition relies on it).
    declared = {name.lower() for name in graph_parameters}
    values = properties.get("parameters")
    for name in values if isinstance(values, dict) else {}:
        if name.lower() not in declared:
            problems.append(
                Problem(
                    join("properties.parameters", name),
                    f"a value for {name!r}, but {base}.graphParameters declares no such parameter",
                    "remove it, or declare the graph parameter with links to the node parameters it sets",
                )
            )


def is_trained_model(asset: Any) -> bool:
    """A trained model is the asset named "<experiment> [trained model]" (the name Studio gives it)."""
    return isinstance(asset, dict) and str(asset.get("name", "")).strip().lower().endswith("[trained model]")


def _check_trained_models(properties: dict[str, Any], problems: list[Problem]) -> None:
    """A trained model's location is an http(s) URI of an `.ilearner` blob (a SAS query after it is allowed)."""
    assets = properties.get("assets")
    for asset_id, asset in assets.items() if isinstance(assets, dict) else ():
        uri = _get(asset, "locationInfo", "uri") if is_trained_model(asset) else None
        if not isinstance(uri, str):
            continue
        bare = uri.split("?", 1)[0]
        if not bare.lower().startswith(("http://", "https://")) or not bare.lower().endswith(".ilearner"):
            path = join(join("properties.assets", asset_id), "locationInfo") + ".uri"
            problems.append(
                Problem(path, f"{bare!r} is not an .ilearner blob", "a trained model is an http(s) .ilearner blob URI")
            )


def _keys(value: Any) -> set[str] | dict[str, Any]:
    return value if isinstance(value, dict) else set()


def _get(value: Any, *names: str) -> Any:
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _container(spec_type: type) -> str:
    return "an array" if spec_type is schema.ListOf else "an object"


def _article(kind: str) -> str:
    return {"integer": "a whole number"}.get(kind, f"a {kind}")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"
