"""The project's own schema of a Graph web-service definition (Microsoft.MachineLearning, api-version 2017-01-01).

Written from the facts in the research notes (classic-api.md §3; not generated from the swagger), in the spec
language of toolkit.definition.spec: property names and their order (the order the real service returns,
`packageType` first under `properties`), types, enums, ranges, required and read-only fields.
"""

from __future__ import annotations

from toolkit.definition.spec import ANY, BOOLEAN, STRING, ListOf, MapOf, Obj, Value

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
