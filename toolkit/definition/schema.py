"""The project's own schema of a Graph web-service definition (Microsoft.MachineLearning, api-version 2017-01-01).

Written from the facts in reference/notes/classic-api.md §3 (not generated from the swagger). One tree of specs
drives three things, so they cannot disagree:
- loading: the canonical camelCase spelling of each property name (input is matched case-insensitively);
- writing: the key order (the order the real service returns, `packageType` first under `properties`);
- validation: types, enums, ranges and required fields.

Keys of `MapOf` specs are user data (asset ids, node ids, column names, parameter names, tags) and are never
case-changed or reordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class Value:
    """A leaf: `kind` is string, boolean, integer, number or any (any JSON, never looked into)."""

    kind: str = "any"
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(eq=False)
class Obj:
    """An object with known property names, in canonical order; unknown names are kept (written after, sorted)."""

    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    read_only: frozenset[str] = frozenset()
    # A WebServiceParameter written as a plain value (older api-versions) is read as {wrap: value}.
    wrap: str | None = None
    by_lower: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_lower = {name.lower(): name for name in self.fields}


@dataclass(eq=False)
class MapOf:
    """An object whose keys are user data (ids, names); every value follows `value`."""

    value: Spec


@dataclass(eq=False)
class ListOf:
    item: Spec


Spec = Value | Obj | MapOf | ListOf

STRING = Value("string")
BOOLEAN = Value("boolean")
ANY = Value("any")

DIAGNOSTIC_LEVELS = ("None", "Error", "All")
COLUMN_TYPES = ("Boolean", "Integer", "Number", "String")
# The spec's enum plus "", which the real service sends and accepts for String columns (notes §3.2, §11.5).
COLUMN_FORMATS = (
    "",
    "Byte",
    "Char",
    "Complex64",
    "Complex128",
    "Date-time",
    "Date-timeOffset",
    "Double",
    "Duration",
    "Float",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Uint8",
    "Uint16",
    "Uint32",
    "Uint64",
)
ASSET_TYPES = ("Module", "Resource")
PORT_TYPES = ("Dataset",)
GRAPH_PARAMETER_TYPES = (
    "String",
    "Int",
    "Float",
    "Enumerated",
    "Script",
    "Mode",
    "Credential",
    "Boolean",
    "Double",
    "ColumnPicker",
    "ParameterRange",
    "DataGatewayName",
)
PACKAGE_TYPES = ("Graph",)
MIN_CONCURRENT_CALLS, MAX_CONCURRENT_CALLS = 4, 200

BLOB_LOCATION = Obj({"uri": STRING, "credentials": STRING}, required=("uri",))

# WebServiceParameter: `value` is any JSON (ciphertext when certificateThumbprint is set).
WEB_SERVICE_PARAMETER = Obj({"value": ANY, "certificateThumbprint": STRING}, wrap="value")

COLUMN = Obj(
    {
        "type": Value("string", enum=COLUMN_TYPES),
        "format": Value("string", enum=COLUMN_FORMATS),
        "enum": ListOf(ANY),
        "x-ms-isnullable": BOOLEAN,
        "x-ms-isordered": BOOLEAN,
    },
    required=("type",),
)
TABLE = Obj(
    {"title": STRING, "description": STRING, "type": STRING, "format": STRING, "properties": MapOf(COLUMN)},
    required=("type",),
)
INPUT_OUTPUT = Obj(
    {"title": STRING, "description": STRING, "type": STRING, "properties": MapOf(TABLE)},
    required=("type", "properties"),
)

MODULE_ASSET_PARAMETER = Obj({"name": STRING, "parameterType": STRING, "modeValuesInfo": ANY})
MODULE_ASSET_PARAMETER.fields["modeValuesInfo"] = MapOf(
    Obj({"interfaceString": STRING, "parameters": ListOf(MODULE_ASSET_PARAMETER)})
)
MODULE_ASSET_PARAMETER.__post_init__()

PORT = Obj({"type": Value("string", enum=PORT_TYPES)})
ASSET = Obj(
    {
        "name": STRING,
        "id": STRING,
        "type": Value("string", enum=ASSET_TYPES),
        "locationInfo": BLOB_LOCATION,
        "inputPorts": MapOf(PORT),
        "outputPorts": MapOf(PORT),
        "metadata": MapOf(STRING),
        "parameters": ListOf(MODULE_ASSET_PARAMETER),
    },
    required=("name", "type", "locationInfo"),
)

NODE = Obj({"assetId": STRING, "inputId": STRING, "outputId": STRING, "parameters": MapOf(WEB_SERVICE_PARAMETER)})
EDGE = Obj(
    {"sourceNodeId": STRING, "sourcePortId": STRING, "targetNodeId": STRING, "targetPortId": STRING},
    required=("sourceNodeId", "targetNodeId"),
)
# The spec marks `type` required, but the cmdlets' own test definitions omit it and the service took them.
GRAPH_PARAMETER = Obj(
    {
        "description": STRING,
        "type": Value("string", enum=GRAPH_PARAMETER_TYPES),
        "links": ListOf(Obj({"nodeId": STRING, "parameterKey": STRING}, required=("nodeId", "parameterKey"))),
    },
    required=("links",),
)
PACKAGE = Obj({"nodes": MapOf(NODE), "edges": ListOf(EDGE), "graphParameters": MapOf(GRAPH_PARAMETER)})

PROPERTIES = Obj(
    {
        "packageType": Value("string", enum=PACKAGE_TYPES),
        "payloadsInBlobStorage": BOOLEAN,
        "payloadsLocation": BLOB_LOCATION,
        "provisioningState": STRING,
        "createdOn": STRING,
        "modifiedOn": STRING,
        "title": STRING,
        "description": STRING,
        "swaggerLocation": STRING,
        "readOnly": BOOLEAN,
        "keys": Obj({"primary": STRING, "secondary": STRING}),
        "realtimeConfiguration": Obj(
            {"maxConcurrentCalls": Value("integer", minimum=MIN_CONCURRENT_CALLS, maximum=MAX_CONCURRENT_CALLS)}
        ),
        "diagnostics": Obj({"level": Value("string", enum=DIAGNOSTIC_LEVELS), "expiry": STRING}, required=("level",)),
        "storageAccount": Obj({"name": STRING, "key": STRING}),
        "machineLearningWorkspace": Obj({"id": STRING}, required=("id",)),
        "commitmentPlan": Obj({"id": STRING}, required=("id",)),
        "assets": MapOf(ASSET),
        "input": INPUT_OUTPUT,
        "output": INPUT_OUTPUT,
        "exampleRequest": Obj({"inputs": MapOf(ANY), "globalParameters": MapOf(ANY)}),
        "exposeSampleData": BOOLEAN,
        "parameters": MapOf(WEB_SERVICE_PARAMETER),
        "package": PACKAGE,
    },
    required=("packageType",),
    read_only=frozenset({"createdOn", "modifiedOn", "provisioningState", "swaggerLocation"}),
)

WEB_SERVICE = Obj(
    {"id": STRING, "name": STRING, "type": STRING, "location": STRING, "tags": MapOf(STRING), "properties": PROPERTIES},
    required=("properties",),
    read_only=frozenset({"id", "name", "type"}),
)

# Fields the service never returns on GET (secrets, set-once): ignored when a file is compared with the live service.
WRITE_ONLY_PATHS = (("properties", "keys"), ("properties", "storageAccount", "key"), ("properties", "commitmentPlan"))
