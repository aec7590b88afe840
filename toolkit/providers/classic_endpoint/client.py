"""The Classic management API over raw JSON (PascalCase objects as the service writes them): web services and
their endpoints. No api-version, no Resource Manager: a bearer workspace token on every call.

`Management(target)` is the thin client, one method per operation. GET, PUT, PATCH and DELETE are re-sent
after a transient failure (toolkit.keyed); refresh is a POST and never is.
"""

from __future__ import annotations

from typing import Any

from toolkit.arm.errors import RequestRejected, ServiceUnreachable
from toolkit.errors import OutcomeUnknown, ServiceError
from toolkit.keyed import KeyedClient
from toolkit.providers.classic_endpoint.target import TOKEN_VARIABLE, ClassicTarget, token
from toolkit.redact import MASK

NOT_MODIFIED = 304
KEYS = ("PrimaryKey", "SecondaryKey")


def masked_keys(endpoint: dict[str, Any]) -> dict[str, Any]:
    """An endpoint for display: the API returns its keys in clear."""
    return {key: (MASK if key in KEYS and value else value) for key, value in endpoint.items()}


class Management:
    def __init__(self, target: ClassicTarget, client: KeyedClient) -> None:
        self.target = target
        self.client = client

    @classmethod
    def connect(cls, target: ClassicTarget) -> Management:
        refused = f"the workspace authorization token was refused: check {TOKEN_VARIABLE} and --workspace"
        return cls(target, KeyedClient(target.endpoint, token(), refused=refused, management=True))

    def _get(self, path: str, action: str) -> Any:
        return self.client.call("GET", path, action).body

    def _object(self, answer: Any, action: str) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise ServiceError(f"{action}: the service answered no object")
        return answer

    def _list(self, answer: Any, action: str) -> list[dict[str, Any]]:
        # An empty list may come as 204 with no body (the swagger lists 204 for every read).
        if answer is None:
            return []
        if not isinstance(answer, list):
            raise ServiceError(f"{action}: the service answered no list")
        return [item for item in answer if isinstance(item, dict)]

    # -- web services ---------------------------------------------------------------------------------

    def list_services(self) -> list[dict[str, Any]]:
        action = f"list the web services of workspace {self.target.workspace}"
        return self._list(self._get(f"/workspaces/{self.target.workspace}/webservices", action), action)

    def service(self) -> dict[str, Any]:
        action = f"get web service {self.target.service}"
        return self._object(self._get(self.target.service_path, action), action)

    # -- endpoints ------------------------------------------------------------------------------------

    def list_endpoints(self) -> list[dict[str, Any]]:
        action = f"list the endpoints of web service {self.target.service}"
        return self._list(self._get(f"{self.target.service_path}/endpoints", action), action)

    def endpoint(self) -> dict[str, Any]:
        action = f"get {self.target.describe()}"
        return self._object(self._get(self.target.endpoint_path, action), action)

    def read_back(self, what: str) -> dict[str, Any] | None:
        """The endpoint (None if gone) after a change the service accepted: no answer now is no failure of the
        change, so it is outcome unknown (exit 5), with how to look."""
        try:
            return self.find_endpoint()
        except ServiceUnreachable as error:
            target = self.target
            raise OutcomeUnknown(
                f"{what} was accepted, but reading {target.describe()} back got no answer ({error.message}); check "
                f"with `mlws classic endpoint get -s {target.service} -n {target.name}`"
            ) from error

    def input_names(self) -> list[str]:
        """The endpoint's web-service inputs, from its API document (the runtime's swagger: ExecutionInputs);
        none when the document says nothing of them."""
        action = f"get the API document of {self.target.describe()}"
        document = self._get(f"{self.target.endpoint_path}/apidocument", action)
        inputs = (
            ((document or {}).get("definitions") or {}).get("ExecutionInputs") if isinstance(document, dict) else None
        )
        found = inputs.get("properties") if isinstance(inputs, dict) else None
        return list(found) if isinstance(found, dict) else []

    def find_endpoint(self) -> dict[str, Any] | None:
        """The endpoint, or None when the service has none of that name (read from the list: a 404 would not
        tell a missing endpoint from a missing service)."""
        return next((e for e in self.list_endpoints() if e.get("Name") == self.target.name), None)

    def add(self, body: dict[str, Any]) -> dict[str, Any]:
        """PUT a new endpoint (the caller saw none of that name). A PUT whose answer was lost is sent again, and
        the service then refuses the name our first PUT created: the endpoint there with the settings sent is
        that first PUT's, and is returned; one with other settings is someone else's, and stays an error."""
        action = f"add {self.target.describe()}"
        try:
            return self._object(self.client.call("PUT", self.target.endpoint_path, action, body=body).body, action)
        except RequestRejected as error:
            if error.info.code != "EndpointAlreadyExists":
                raise
            found = self.find_endpoint()
            if found is None or any(found.get(key) != value for key, value in body.items()):
                raise
            return found

    def patch(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The endpoint as the answer shows it (clients have ignored the body: it may be empty)."""
        action = f"patch {self.target.describe()}"
        answer = self.client.call("PATCH", self.target.endpoint_path, action, body=body).body
        return answer if isinstance(answer, dict) else None

    def refresh(self, overwrite_resources: bool) -> bool:
        """Refresh-AmlWebServiceEndpoint; False when the service saw nothing to change (304)."""
        action = f"refresh {self.target.describe()}"
        answer = self.client.call(
            "POST",
            f"{self.target.endpoint_path}/refresh",
            action,
            # A JSON boolean, as AmlClient sends it (AzureMLPS sends the string "True"/"False"; which one the
            # service required is not documented).
            body={"OverwriteResources": overwrite_resources},
            if_unsure="refreshing again is safe: it changes nothing more",
        )
        return answer.status != NOT_MODIFIED

    def delete(self) -> None:
        self.client.call("DELETE", self.target.endpoint_path, f"remove {self.target.describe()}")
