"""The Classic management API (management.azureml.net) on the emulator, over HTTP: the objects, every route, the rules
and who may call what."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from tests.fixtures.classic_world import (
    TRAINED_MODEL,
    definition,
    model_patch,
    reference,
    seed,
    seed_service,
    seed_workspace,
)

ENDPOINT_EXTRAS = {"PreventUpdate", "SampleDataEnabled"}  # on the wire (AzureMLPS's contract), not in the swagger
WEB_SERVICE_EXTRAS = {"EndpointCount"}


@pytest.fixture
def world(emulator, azurite):
    return seed(emulator, azurite)


def error_of(answer) -> tuple[int, str]:
    return answer.status, answer.body["error"]["code"]


# -- web services --------------------------------------------------------------------------------------------------


def test_the_workspace_lists_its_web_services_as_the_swagger_describes_them(world):
    swagger = reference("swagger.endpointapi.json")["definitions"]["WebService"]["properties"]

    answer = world.management("GET")

    assert answer.status == 200 and answer.header("x-ms-request-id")
    assert [service["Id"] for service in answer.body] == [world.scoring, world.training]  # oldest first
    scoring = answer.body[0]
    assert set(scoring) == set(swagger) | WEB_SERVICE_EXTRAS
    assert scoring["Name"] == "Housing Price [predictive exp.]" and scoring["WorkspaceId"] == world.workspace
    assert scoring["DefaultEndpointName"] == "default" and scoring["EndpointCount"] == 1
    assert world.management("GET", f"/{world.scoring}").body == scoring


def test_a_workspace_without_web_services_lists_none(emulator):
    workspace, tokens = seed_workspace(emulator)
    answer = emulator.call("GET", f"/workspaces/{workspace}/webservices", token=tokens[0])
    assert (answer.status, answer.body) == (200, [])


def test_unknown_workspaces_web_services_and_ids_are_refused(world, emulator, azurite):
    other, other_tokens = seed_workspace(emulator)
    elsewhere = seed_service(emulator, other, "elsewhere", definition("housing-predict", azurite))

    assert error_of(world.management("GET", f"/{uuid.uuid4().hex}")) == (404, "WebServiceNotFound")
    assert error_of(world.management("GET", "/not-a-guid")) == (400, "WebServiceIdInvalid")
    assert error_of(world.management("GET", f"/{elsewhere}")) == (404, "WebServiceIdNotFoundInWorkspace")
    unknown = emulator.call("GET", f"/workspaces/{uuid.uuid4().hex}/webservices", token=other_tokens[0])
    assert error_of(unknown) == (404, "WorkspaceNotFound")
    assert set(unknown.body) == {"error"} and set(unknown.body["error"]) == {"code", "message"}  # the swagger's Error


# -- endpoints: reading --------------------------------------------------------------------------------------------


def test_the_default_endpoint_has_the_swaggers_fields_and_its_web_services_model(world, azurite):
    swagger = reference("swagger.endpointapi.json")["definitions"]

    listed = world.management("GET", world.endpoint_path())
    endpoint = world.endpoint("default")

    assert listed.status == 200 and listed.body == [endpoint]
    assert set(endpoint) == set(swagger["Endpoint"]["properties"]) | ENDPOINT_EXTRAS
    assert endpoint["Name"] == "default" and endpoint["WebServiceId"] == world.scoring
    assert endpoint["WorkspaceId"] == world.workspace
    assert endpoint["ThrottleLevel"] in swagger["ThrottleLevel"]["enum"]
    assert endpoint["DiagnosticsTraceLevel"] in swagger["DiagnosticsTraceLevel"]["enum"]
    assert (endpoint["ThrottleLevel"], endpoint["MaxConcurrentCalls"]) == ("High", 20)  # a paid workspace's default
    assert endpoint["PrimaryKey"] and endpoint["SecondaryKey"] and endpoint["PrimaryKey"] != endpoint["SecondaryKey"]
    endpoint_id = urlsplit(endpoint["ApiLocation"]).path.rsplit("/", 1)[1]
    assert urlsplit(endpoint["ApiLocation"]).path == f"/workspaces/{world.workspace}/services/{endpoint_id}"
    assert len(endpoint_id) == 32 and endpoint["HelpLocation"].endswith(f"/endpoints/{endpoint_id}")
    (resource,) = endpoint["Resources"]
    assert set(resource) == set(swagger["EndpointResource"]["properties"])
    assert set(resource["Location"]) == set(swagger["AzureBlobDetails"]["properties"])
    assert resource == {
        "Name": TRAINED_MODEL,
        "Kind": "TrainedModel",
        "Location": {"BaseLocation": azurite.blob_endpoint + "/", "RelativeLocation": "models/housing-v0.ilearner",
                     "SasBlobToken": None},
    }  # fmt: skip
    assert world.endpoint(endpoint_id) == endpoint  # its id is taken where its name is


def test_a_training_services_endpoint_has_no_updatable_resources(world):
    assert world.endpoint("default", world.training)["Resources"] == []


def test_an_unknown_endpoint_is_404(world):
    assert error_of(world.management("GET", world.endpoint_path("nope"))) == (404, "EndpointNotFound")


# -- endpoints: adding -----------------------------------------------------------------------------------------------


def test_adding_an_endpoint_as_azuremlps_sends_it(world):
    default = world.endpoint("default")
    body = {"WebServiceId": world.scoring, "EndpointName": "rentalloc001", "Description": "rentalloc001",
            "ThrottleLevel": "Low", "MaxConcurrentCalls": None, "PreventUpdate": False}  # fmt: skip

    answer = world.management("PUT", world.endpoint_path("rentalloc001"), body)

    assert answer.status == 200
    added = answer.body
    assert added == world.endpoint("rentalloc001")
    assert (added["Name"], added["Description"], added["ThrottleLevel"], added["MaxConcurrentCalls"]) == (
        "rentalloc001", "rentalloc001", "Low", 4,
    )  # fmt: skip
    assert {added["PrimaryKey"], added["SecondaryKey"]}.isdisjoint({default["PrimaryKey"], default["SecondaryKey"]})
    assert added["ApiLocation"] != default["ApiLocation"]
    assert added["Version"] == default["Version"]  # it starts on the web service's model
    assert added["Resources"] == default["Resources"]
    listed = world.management("GET", world.endpoint_path()).body
    assert [endpoint["Name"] for endpoint in listed] == ["default", "rentalloc001"]
    assert world.management("GET", f"/{world.scoring}").body["EndpointCount"] == 2


def test_enums_ignore_case_and_calls_may_be_a_numeric_string(world):
    added = world.add_endpoint(body={"ThrottleLevel": "high", "MaxConcurrentCalls": "50"})
    assert (added["ThrottleLevel"], added["MaxConcurrentCalls"], added["Description"]) == ("High", 50, None)


@pytest.mark.parametrize("name", ["NewEP", "-lead", "trail-", "a" * 25, "under_score", "dot.ted"])
def test_a_name_outside_the_rule_is_refused(world, name):
    assert error_of(world.management("PUT", world.endpoint_path(name), {})) == (400, "InvalidEndpointName")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"ThrottleLevel": "Medium"}, "RequestBodyInvalid"),
        ({"ThrottleLevel": "Low", "MaxConcurrentCalls": 5}, "WebServiceTooManyConcurrentRequestRequirement"),
        ({"ThrottleLevel": "High", "MaxConcurrentCalls": 201}, "WebServiceTooManyConcurrentRequestRequirement"),
        ({"ThrottleLevel": "High", "MaxConcurrentCalls": 0}, "WebServiceConcurrentRequestRequirementInvalid"),
        ({"MaxConcurrentCalls": "many"}, "WebServiceConcurrentRequestRequirementInvalid"),
        ({"EndpointName": "another"}, "RequestBodyInvalid"),
        ({"WebServiceId": "0" * 32}, "RequestBodyInvalid"),
        ({"Description": "x" * 2001}, "RequestBodyInvalid"),
        ({"PreventUpdate": "sometimes"}, "RequestBodyInvalid"),
    ],
)
def test_bad_settings_are_refused(world, body, code):
    answer = world.management("PUT", world.endpoint_path("settings"), body)
    assert error_of(answer) == (400, code)
    assert error_of(world.management("GET", world.endpoint_path("settings"))) == (404, "EndpointNotFound")


def test_a_body_that_is_not_json_is_refused(world):
    answer = world.management("PUT", world.endpoint_path("garbled"), b"{not json")
    assert error_of(answer) == (400, "RequestBodyInvalid")


def test_a_name_taken_is_refused_and_default_is_reserved(world):
    world.add_endpoint("taken")
    assert error_of(world.management("PUT", world.endpoint_path("taken"), {})) == (400, "EndpointAlreadyExists")
    assert error_of(world.management("PUT", world.endpoint_path("default"), {})) == (400, "EndpointAlreadyExists")


def test_a_free_workspace_has_three_endpoints_per_service_and_no_high_throttle(emulator, azurite):
    free = seed(emulator, azurite, tier="Free")
    assert (free.endpoint("default")["ThrottleLevel"], free.endpoint("default")["MaxConcurrentCalls"]) == ("Low", 4)
    high = free.management("PUT", free.endpoint_path("fast"), {"ThrottleLevel": "High"})
    assert error_of(high) == (403, "ThrottleLevelNotAvailable")
    free.add_endpoint("second")
    free.add_endpoint("third")

    fourth = free.management("PUT", free.endpoint_path("fourth"), {})

    assert error_of(fourth) == (403, "EndpointLimitReached")
    assert len(free.management("GET", free.endpoint_path()).body) == 3


# -- endpoints: patching settings and refusals ----------------------------------------------------------------------


def test_a_settings_patch_merges_and_a_new_throttle_level_starts_at_its_default(world):
    added = world.add_endpoint(body={"Description": "before", "ThrottleLevel": "High", "MaxConcurrentCalls": 50})

    traced = world.patch(added["Name"], {"DiagnosticsTraceLevel": "all"})
    lowered = world.patch(added["Name"], {"ThrottleLevel": "Low", "Description": "after"})

    assert traced.status == 200
    assert (traced.body["DiagnosticsTraceLevel"], traced.body["Description"], traced.body["MaxConcurrentCalls"]) == (
        "All", "before", 50,
    )  # fmt: skip
    assert lowered.status == 200 and lowered.body == world.endpoint(added["Name"])
    assert (lowered.body["ThrottleLevel"], lowered.body["MaxConcurrentCalls"]) == ("Low", 4)
    assert (lowered.body["Description"], lowered.body["DiagnosticsTraceLevel"]) == ("after", "All")
    assert lowered.body["Version"] == added["Version"]  # settings are not the model
    too_many = world.patch(added["Name"], {"MaxConcurrentCalls": 5})
    assert error_of(too_many) == (400, "WebServiceTooManyConcurrentRequestRequirement")


def test_the_default_endpoints_settings_may_change_but_not_its_model(world):
    location = world.put_model("v2")

    assert world.patch("default", {"DiagnosticsTraceLevel": "Error"}).body["DiagnosticsTraceLevel"] == "Error"
    answer = world.patch("default", model_patch(location))

    assert error_of(answer) == (403, "DefaultEndpointNotUpdatable")
    assert world.endpoint("default")["Resources"][0]["Location"]["RelativeLocation"] == "models/housing-v0.ilearner"


def test_a_training_services_endpoints_have_nothing_to_patch(world):
    world.management("PUT", world.endpoint_path("retrainer", world.training), {})
    answer = world.patch("retrainer", model_patch(world.put_model("v2")), service=world.training)
    assert error_of(answer) == (403, "NoUpdatableResources")


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ({"Name": "Housing Price [Trained Model]"}, "InvalidWebServiceResources"),  # names match case and all
        ({"Name": ""}, "InvalidWebServiceResources"),
        ({"Kind": "Dataset"}, "InvalidWebServiceResources"),
        ({"Location": {"RelativeLocation": "models/x.ilearner"}}, "InvalidWebServiceResources"),
        ({"Location": "models/x.ilearner"}, "InvalidWebServiceResources"),
        ({"Location": "csv"}, "InvalidWebServiceResources"),
        ({"Location": "missing"}, "UpdateWebServiceResourceFailed"),
        ({"Location": "not-a-model"}, "UpdateWebServiceResourceFailed"),
        ({"Location": "forged-sas"}, "UpdateWebServiceResourceFailed"),
    ],
)
def test_a_trained_model_that_cannot_be_used_is_refused(world, resource, code):
    added = world.add_endpoint()
    good = world.put_model("v2")
    locations = {
        "good": good,
        "csv": {**good, "RelativeLocation": good["RelativeLocation"].replace(".ilearner", ".csv")},
        "missing": {**good, "RelativeLocation": f"models/{uuid.uuid4().hex}.ilearner"},
        "not-a-model": world.put_model("junk", b"this is not a trained model\n"),
        "forged-sas": {**good, "SasBlobToken": good["SasBlobToken"].replace("sig=", "sig=AAAA")},
    }
    item = {"Name": TRAINED_MODEL, "Location": "good", **resource}
    if isinstance(item["Location"], str):  # a name above, or a Location that is not an object
        item["Location"] = locations.get(item["Location"], item["Location"])

    answer = world.patch(added["Name"], {"Resources": [item]})

    assert error_of(answer) == (400, code)
    assert good["SasBlobToken"].split("sig=")[1][:10] not in str(answer.body)  # the SAS is never echoed
    assert world.endpoint(added["Name"]) == added  # nothing changed


def test_a_model_patch_shows_the_new_location_without_its_sas_and_a_new_version(world):
    added = world.add_endpoint()
    location = world.put_model("v2")

    resource = {"Name": TRAINED_MODEL, "Kind": "TrainedModel", "Location": {**location, "ConnectionString": None}}
    answer = world.patch(added["Name"], {"Resources": [resource]})

    assert answer.status == 200 and answer.body == world.endpoint(added["Name"])
    (shown,) = answer.body["Resources"]
    assert shown["Location"] == {**location, "SasBlobToken": None}
    assert answer.body["Version"] > added["Version"]
    assert world.endpoint("default")["Resources"][0]["Location"]["RelativeLocation"] == "models/housing-v0.ilearner"


# -- who may call what -----------------------------------------------------------------------------------------------


def routes(world, name: str) -> list[tuple[str, str, object]]:
    path = world.endpoint_path(name)
    return [("GET", "", None), ("GET", f"/{world.scoring}", None), ("GET", world.endpoint_path(), None),
            ("GET", path, None), ("PUT", world.endpoint_path("newcomer"), {}), ("PATCH", path, {}),
            ("POST", path + "/refresh", {}), ("DELETE", path, None), ("GET", path + "/apidocument", None)]  # fmt: skip


def test_every_route_wants_a_workspace_token(world):
    added = world.add_endpoint()
    for method, path, body in routes(world, added["Name"]):
        assert error_of(world.management(method, path, body, token="wrong")) == (401, "ManagementRequestUnauthorized")
        studio_header = {"x-ms-metaanalytics-authorizationtoken": world.tokens[0]}
        alone = world.emulator.call(method, f"/workspaces/{world.workspace}/webservices{path}", body, token=None,
                                    headers=studio_header)  # fmt: skip
        assert error_of(alone) == (401, "ManagementRequestUnauthorized"), (method, path)
    assert world.endpoint(added["Name"]) == added  # nothing was patched, refreshed or deleted


def test_the_secondary_token_works_too(world):
    answer = world.management("GET", world.endpoint_path(), token=world.tokens[1])
    assert answer.status == 200 and [endpoint["Name"] for endpoint in answer.body] == ["default"]


def test_an_endpoints_key_may_read_and_patch_that_endpoint_only(world):
    mine, other = world.add_endpoint(), world.add_endpoint()
    key = mine["SecondaryKey"]

    read = world.management("GET", world.endpoint_path(mine["Name"]), token=key)
    patched = world.patch(mine["Name"], model_patch(world.put_model("v2")), token=key)

    assert read.status == 200 and read.body == mine
    assert patched.status == 200
    allowed = {("GET", world.endpoint_path(mine["Name"])), ("PATCH", world.endpoint_path(mine["Name"]))}
    for method, path, body in routes(world, mine["Name"]) + routes(world, other["Name"]):
        if (method, path) not in allowed:
            answer = world.management(method, path, body, token=key)
            assert error_of(answer) == (401, "ManagementRequestUnauthorized"), (method, path)


# -- refresh ---------------------------------------------------------------------------------------------------------


def test_refresh_is_304_until_the_web_service_is_republished(world, azurite):
    added = world.add_endpoint()

    unchanged = world.refresh(added["Name"], {"OverwriteResources": "False"})
    changed_definition = definition("housing-predict", azurite)
    changed_definition["properties"]["description"] = "republished"
    seed_service(world.emulator, world.workspace, "Housing Price [predictive exp.]", changed_definition, world.scoring)
    republished = world.endpoint("default")
    pinned = world.endpoint(added["Name"])
    refreshed = world.refresh(added["Name"], {"OverwriteResources": False})
    again = world.refresh(added["Name"], {"OverwriteResources": "True"})

    assert (unchanged.status, unchanged.body) == (304, None)
    assert republished["Version"] > added["Version"]  # the default endpoint follows every publish
    assert pinned["Version"] == added["Version"]  # another endpoint stays on its model until refreshed
    assert refreshed.status == 200 and refreshed.body == world.endpoint(added["Name"])
    assert refreshed.body["Version"] == republished["Version"]
    assert (again.status, again.body) == (304, None)


def test_refresh_overwrites_patched_models_only_when_asked(world):
    added = world.add_endpoint()
    location = world.put_model("v2")
    patched = world.patch(added["Name"], model_patch(location)).body

    kept = world.refresh(added["Name"], {"OverwriteResources": "False"})
    after_kept = world.endpoint(added["Name"])
    overwritten = world.refresh(added["Name"], {"OverwriteResources": True})

    assert kept.status == 304 and after_kept["Resources"] == patched["Resources"] != added["Resources"]
    assert overwritten.status == 200
    assert overwritten.body["Resources"] == added["Resources"] and overwritten.body["Version"] == added["Version"]


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("default", {"OverwriteResources": "True"}, (403, "DefaultEndpointNotUpdatable")),
        ("guarded", {"OverwriteResources": "True"}, (403, "EndpointUpdatePrevented")),
        ("added", {"OverwriteResources": "perhaps"}, (400, "RequestBodyInvalid")),
    ],
)
def test_refresh_refusals(world, name, body, expected):
    world.add_endpoint("guarded", {"PreventUpdate": True})
    world.add_endpoint("added")
    assert error_of(world.refresh(name, body)) == expected


# -- delete ----------------------------------------------------------------------------------------------------------


def test_deleting_an_endpoint_removes_it_and_its_runtime(world):
    added = world.add_endpoint()

    answer = world.management("DELETE", world.endpoint_path(added["Name"]))

    assert (answer.status, answer.body) == (204, None)
    assert error_of(world.management("GET", world.endpoint_path(added["Name"]))) == (404, "EndpointNotFound")
    assert error_of(world.management("DELETE", world.endpoint_path(added["Name"]))) == (404, "EndpointNotFound")
    assert world.management("GET", f"/{world.scoring}").body["EndpointCount"] == 1
    gone = world.runtime(added, "POST", "/execute", {"Inputs": {}})
    assert gone.status == 404 and gone.body["error"]["details"][0]["code"] == "WebServiceNotFound"


def test_the_default_endpoint_goes_last_and_a_republish_brings_one_back(world, azurite):
    added = world.add_endpoint()
    default = world.endpoint("default")

    refused = world.management("DELETE", world.endpoint_path("default"))
    world.management("DELETE", world.endpoint_path(added["Name"]))
    deleted = world.management("DELETE", world.endpoint_path("default"))
    emptied = world.management("GET", world.endpoint_path()).body
    count = world.management("GET", f"/{world.scoring}").body["EndpointCount"]
    seed_service(world.emulator, world.workspace, "Housing Price [predictive exp.]",
                 definition("housing-predict", azurite), world.scoring)  # fmt: skip

    assert error_of(refused) == (403, "DefaultEndpointInUse")
    assert deleted.status == 204 and emptied == [] and count == 0
    reborn = world.endpoint("default")
    assert reborn["PrimaryKey"] != default["PrimaryKey"] and reborn["ApiLocation"] != default["ApiLocation"]


# -- the endpoint's API document -------------------------------------------------------------------------------------


def test_the_api_document_is_shaped_as_a_real_endpoints(world):
    real = reference("swagger.api.excerpt.json")
    added = world.add_endpoint(body={"Description": "for the document"})
    endpoint_id = urlsplit(added["ApiLocation"]).path.rsplit("/", 1)[1]

    answer = world.management("GET", world.endpoint_path(endpoint_id) + "/apidocument")

    assert answer.status == 200
    document = answer.body
    assert list(document) == list(real)
    assert set(document["info"]) == set(real["info"])
    assert (document["info"]["x-endpoint-name"], document["info"]["x-endpoint-description"]) == (
        added["Name"], "for the document",
    )  # fmt: skip
    assert document["basePath"] == urlsplit(added["ApiLocation"]).path
    assert document["host"] == urlsplit(added["ApiLocation"]).netloc
    operations = {
        (path, method, op["operationId"]) for path, item in real["paths"].items() for method, op in item.items()
    }
    assert {(p, m, op["operationId"]) for p, item in document["paths"].items() for m, op in item.items()} == operations
    fixed = {name for name in real["definitions"] if not name.endswith("Item")}
    assert fixed <= set(document["definitions"])
    status, real_status = (d["definitions"]["BatchExecutionStatus"]["properties"] for d in (document, real))
    assert {k: v for k, v in status["StatusCode"].items() if k != "description"} == {
        k: v for k, v in real_status["StatusCode"].items() if k != "description"
    }
    assert document["definitions"]["input1Item"]["properties"]["rooms"] == {"type": "integer", "format": "int32"}
    assert set(document["definitions"]["BatchInputs"]["properties"]) == {"input1"}
    assert world.management("GET", world.endpoint_path(added["Name"]) + "/apidocument").body == document
    served = world.emulator.call("GET", urlsplit(added["ApiLocation"]).path + "/swagger.json", token=None)
    assert served.status == 200 and served.body == document


# -- seeding -----------------------------------------------------------------------------------------------------


def test_seeding_again_keeps_the_workspace_tokens(emulator):
    workspace, tokens = seed_workspace(emulator)
    again = emulator.call("PUT", f"/_emulator/classic/workspaces/{workspace}", {"Name": "renamed"}, token=None)
    assert again.status == 200
    assert again.body["AuthorizationToken"] == {"PrimaryToken": tokens[0], "SecondaryToken": tokens[1]}
    assert (again.body["Name"], again.body["Tier"]) == ("renamed", "Standard")


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/_emulator/classic/workspaces/not-a-guid", {"Name": "x"}, (400, "MissingWorkspaceId")),
        ("/_emulator/classic/workspaces/{new}", {}, (400, "RequestBodyInvalid")),
        ("/_emulator/classic/workspaces/{new}", {"Name": "x", "Tier": "Gold"}, (400, "RequestBodyInvalid")),
        (
            "/_emulator/classic/workspaces/{new}/webservices/{new}",
            {"Name": "x", "Definition": {}},
            (404, "WorkspaceNotFound"),
        ),
        ("{ws}/webservices/{new}", {"Name": "x"}, (400, "RequestBodyInvalid")),
        ("{ws}/webservices/{new}", {"Name": "x", "Definition": {"properties": {}}}, (400, "BadRequest")),
        ("{ws}/webservices/nope", {"Name": "x", "Definition": "{predictive}"}, (400, "WebServiceIdInvalid")),
        ("{ws}/webservices/{elsewhere}", {"Name": "x", "Definition": "{predictive}"}, (400, "WebServiceIdInvalid")),
    ],
)
def test_seeding_refuses_what_it_cannot_make(world, emulator, azurite, path, body, expected):
    other, _ = seed_workspace(emulator)
    elsewhere = seed_service(emulator, other, "elsewhere", definition("housing-predict", azurite))
    path = path.format(ws=f"/_emulator/classic/workspaces/{world.workspace}", new=uuid.uuid4().hex, elsewhere=elsewhere)
    if body.get("Definition") == "{predictive}":
        body = {**body, "Definition": definition("housing-predict", azurite)}
    answer = emulator.call("PUT", path, body, token=None)
    assert error_of(answer) == expected
