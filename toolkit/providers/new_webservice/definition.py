"""What a New web-service definition is, for the definition core: its `DefinitionKind` (schema, secrets, rules,
the trained-model swap), and the core's functions bound to it, which the rest of the provider calls.

Secrets (placeholder names documented in the README): keys.primary -> MLWS_PRIMARY_KEY, keys.secondary ->
MLWS_SECONDARY_KEY, storageAccount.key -> MLWS_STORAGE_KEY, payloadsLocation.credentials ->
MLWS_PAYLOADS_CREDENTIALS; an asset's locationInfo.credentials; and the plain value of a credential parameter: a
graph-node parameter linked from a graph parameter of type `Credential`, the global `properties.parameters` value
of such a graph parameter, and a node parameter named "Account Key" (the credential of the Reader / Import Data
module in the recorded definitions). A parameter with a non-empty `certificateThumbprint` holds ciphertext the
service made: no secret of the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit import jsonfile
from toolkit.definition import load, secrets
from toolkit.definition.canonical import canonical as _canonical
from toolkit.definition.canonical import dumps as _dumps
from toolkit.definition.canonical import write as _write
from toolkit.definition.diff import Diff
from toolkit.definition.diff import diff as _diff
from toolkit.definition.edit import apply_edits as _apply_edits
from toolkit.definition.kind import DefinitionKind
from toolkit.definition.kind import Path as JsonPath
from toolkit.definition.paths import Segment, format_path, join, value_at
from toolkit.definition.validate import validate as _validate
from toolkit.errors import BadInput, Problem
from toolkit.providers.new_webservice.schema import WEB_SERVICE, WRITE_ONLY_PATHS

CREDENTIAL_PARAMETER_NAMES = frozenset({"account key"})  # compared without case
_NODE_KINDS = ("assetId", "inputId", "outputId")
FIXED_SECRETS = {
    ("properties", "keys", "primary"): ("MLWS_PRIMARY_KEY", "service key"),
    ("properties", "keys", "secondary"): ("MLWS_SECONDARY_KEY", "service key"),
    ("properties", "storageAccount", "key"): ("MLWS_STORAGE_KEY", "storage account key"),
    ("properties", "payloadsLocation", "credentials"): ("MLWS_PAYLOADS_CREDENTIALS", "blob credentials"),
}


def encrypted(value: Any) -> bool:
    """A web-service parameter whose value the service encrypted (it carries the certificate's thumbprint)."""
    return isinstance(value, dict) and bool(value.get("certificateThumbprint"))


def credential_parameters(document: Any) -> list[tuple[JsonPath, Any]]:
    """(path, parameter) of every credential parameter of a definition: those a `Credential` graph parameter links
    to, its global value in `properties.parameters`, and graph-node parameters named like a credential."""
    properties = document.get("properties") if isinstance(document, dict) else None
    package = properties.get("package") if isinstance(properties, dict) else None
    graph = package.get("graphParameters") if isinstance(package, dict) else None
    nodes = package.get("nodes") if isinstance(package, dict) else None
    found: dict[JsonPath, Any] = {}
    for name, parameter in graph.items() if isinstance(graph, dict) else ():
        if not isinstance(parameter, dict) or parameter.get("type") != "Credential":
            continue
        values = properties.get("parameters")
        if isinstance(values, dict) and name in values:
            found[("properties", "parameters", name)] = values[name]
        for link in parameter.get("links") or []:
            node = nodes.get(link.get("nodeId")) if isinstance(nodes, dict) and isinstance(link, dict) else None
            parameters = node.get("parameters") if isinstance(node, dict) else None
            key = link.get("parameterKey") if isinstance(link, dict) else None
            if isinstance(parameters, dict) and isinstance(key, str) and key in parameters:
                found[("properties", "package", "nodes", link["nodeId"], "parameters", key)] = parameters[key]
    for node_id, node in nodes.items() if isinstance(nodes, dict) else ():
        parameters = node.get("parameters") if isinstance(node, dict) else None
        for key, parameter in parameters.items() if isinstance(parameters, dict) else ():
            if key.lower() in CREDENTIAL_PARAMETER_NAMES:
                found[("properties", "package", "nodes", node_id, "parameters", key)] = parameter
    return list(found.items())


def _secret_places(document: Any) -> list[tuple[JsonPath, str]]:
    """Blob credentials of each asset, and the value of each credential parameter the service has not encrypted."""
    properties = document.get("properties") if isinstance(document, dict) else None
    assets = properties.get("assets") if isinstance(properties, dict) else None
    places = [
        (("properties", "assets", asset_id, "locationInfo", "credentials"), "blob credentials")
        for asset_id in (assets if isinstance(assets, dict) else ())
    ]
    places += [
        ((*path, "value"), "credential")
        for path, parameter in credential_parameters(document)
        if isinstance(parameter, dict) and not encrypted(parameter)
    ]
    return places


def _secret_at(segments: JsonPath) -> str | None:
    """What the secret at a path is, known from the path alone (a value seen without its document)."""
    if (
        len(segments) == 5
        and segments[:2] == ("properties", "assets")
        and segments[3:] == ("locationInfo", "credentials")
    ):
        return "blob credentials"
    if len(segments) >= 3 and segments[-1] == "value" and str(segments[-2]).lower() in CREDENTIAL_PARAMETER_NAMES:
        return "credential"
    return None


def is_trained_model(asset: Any) -> bool:
    """A trained model is the asset named "<experiment> [trained model]" (the name Studio gives it)."""
    return isinstance(asset, dict) and str(asset.get("name", "")).strip().lower().endswith("[trained model]")


def _checks(document: dict[str, Any]) -> list[Problem]:
    """The rules beyond the schema: the graph's references, and what a trained model's location is."""
    problems: list[Problem] = []
    properties = document.get("properties")
    if isinstance(properties, dict):
        _check_graph(properties, problems)
        _check_trained_models(properties, problems)
    return problems


def _check_graph(properties: dict[str, Any], problems: list[Problem]) -> None:
    package = properties.get("package")
    if not isinstance(package, dict):
        return
    base = "properties.package"
    nodes = package.get("nodes") if isinstance(package.get("nodes"), dict) else {}
    targets = {
        "assetId": ("asset", _keys(properties.get("assets")), "properties.assets"),
        "inputId": (
            "input",
            _keys(
                value_at(
                    properties,
                    (
                        "input",
                        "properties",
                    ),
                )
            ),
            "properties.input.properties",
        ),
        "outputId": (
            "output",
            _keys(
                value_at(
                    properties,
                    (
                        "output",
                        "properties",
                    ),
                )
            ),
            "properties.output.properties",
        ),
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


def _check_trained_models(properties: dict[str, Any], problems: list[Problem]) -> None:
    """A trained model's location is an http(s) URI of an `.ilearner` blob (a SAS query after it is allowed)."""
    assets = properties.get("assets")
    for asset_id, asset in assets.items() if isinstance(assets, dict) else ():
        uri = (
            value_at(
                asset,
                (
                    "locationInfo",
                    "uri",
                ),
            )
            if is_trained_model(asset)
            else None
        )
        if not isinstance(uri, str):
            continue
        bare = uri.split("?", 1)[0]
        if not bare.lower().startswith(("http://", "https://")) or not bare.lower().endswith(".ilearner"):
            path = join(join("properties.assets", asset_id), "locationInfo") + ".uri"
            problems.append(
                Problem(path, f"{bare!r} is not an .ilearner blob", "a trained model is an http(s) .ilearner blob URI")
            )


def find_asset(document: dict[str, Any], wanted: str) -> str:
    """The id of the asset named by id, by exact name, or by name ignoring case; BadInput listing the assets."""
    properties = document.get("properties")
    assets = properties.get("assets") if isinstance(properties, dict) else None
    assets = assets if isinstance(assets, dict) else {}
    if wanted in assets:
        return wanted
    names = {asset_id: item.get("name") for asset_id, item in assets.items() if isinstance(item, dict)}
    for matches in (
        [asset_id for asset_id, name in names.items() if name == wanted],
        [asset_id for asset_id, name in names.items() if isinstance(name, str) and name.lower() == wanted.lower()],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise BadInput(
                f"asset {wanted!r} matches {len(matches)} assets; give its id instead",
                problems=[Problem("", f"{asset_id}: {names[asset_id]}") for asset_id in matches],
            )
    listing = [Problem("", f"{asset_id}: {name}") for asset_id, name in names.items()]
    raise BadInput(f"no asset has the id or name {wanted!r}; the assets are listed below", problems=listing)


def _swap_asset_uri(document: dict[str, Any], wanted: str, uri: str) -> None:
    if find_secrets(uri, ("uri",)):
        raise BadInput(
            "--uri carries a SAS signature, which would be stored in the file",
            problems=[
                Problem(
                    "--uri",
                    "SAS signature",
                    "give the blob URI without its query string: the service reads the model with its storage account",
                )
            ],
        )
    asset_id = find_asset(document, wanted)
    asset = document["properties"]["assets"][asset_id]
    if not isinstance(asset, dict):
        path = format_path(("properties", "assets", asset_id))
        raise BadInput(f"--asset {wanted!r}: {path} is {jsonfile.type_name(asset)}, not an asset object")
    location = asset.get("locationInfo")
    if not isinstance(location, dict):
        location = asset["locationInfo"] = {}
    location["uri"] = uri


def _keys(value: Any) -> set[str] | dict[str, Any]:
    return value if isinstance(value, dict) else set()


def _recognises(document: Any) -> bool:
    """A web-service definition says what it is: `properties.packageType` (names in any case, as the service
    reads them)."""
    if not isinstance(document, dict):
        return False
    properties = next((value for key, value in document.items() if key.lower() == "properties"), None)
    return isinstance(properties, dict) and any(key.lower() == "packagetype" for key in properties)


KIND = DefinitionKind(
    name="web service definition",
    schema=WEB_SERVICE,
    empty_message="The Azure ML web service definition is not specified.",  # the cmdlet's own words
    missing_message="the specified web service definition file path does not exist",
    write_only=WRITE_ONLY_PATHS,
    fixed_secrets=FIXED_SECRETS,
    secret_places=_secret_places,
    secret_at=_secret_at,
    encrypted=encrypted,
    checks=_checks,
    swap_model=_swap_asset_uri,
    recognises=_recognises,
)


# --- the definition core, bound to this kind ------------------------------------------------------------------


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    return _canonical(document, KIND)


def dumps(document: dict[str, Any]) -> str:
    return _dumps(document, KIND)


def write(path: Path | str, document: dict[str, Any]) -> None:
    _write(path, document, KIND)


def normalise(document: dict[str, Any]) -> tuple[dict[str, Any], list[load.Normalisation]]:
    return load.normalise(document, KIND)


def load_file(path: Path | str) -> load.Loaded:
    return load.load_file(path, KIND)


def load_text(text: str, *, source: str = "<string>") -> load.Loaded:
    return load.load_text(text, KIND, source=source)


def validate(document: dict[str, Any], *, secrets: bool = True, source_text: str | None = None) -> list[Problem]:
    return _validate(document, KIND, secrets=secrets, source_text=source_text)


def find_secrets(value: Any, base: tuple[Segment, ...] = ()) -> list[secrets.Secret]:
    return secrets.find_secrets(value, KIND, base)


def redact_secrets(document: dict[str, Any]) -> tuple[dict[str, Any], list[secrets.Secret]]:
    return secrets.redact_secrets(document, KIND)


def mask_secrets(value: Any, base: tuple[Segment, ...] = ()) -> Any:
    return secrets.mask_secrets(value, KIND, base)


def placeholder_for(segments: tuple[Segment, ...]) -> str:
    return secrets.placeholder_for(segments, KIND)


def diff(before: dict[str, Any], after: dict[str, Any], *, left: str = "", right: str = "") -> Diff:
    return _diff(before, after, KIND, left=left, right=right)


def apply_edits(document: dict[str, Any], **edits: Any) -> dict[str, Any]:
    return _apply_edits(document, KIND, **edits)
