"""Resource Manager plumbing: credential, pipeline (retries, logging, ids), long-running operations, paging.

Stable API (import inside command bodies; nothing here may load at `mlws --help`):

    from toolkit.arm.client import ArmClient
    client = ArmClient.for_target(target, debug=debug)      # target: toolkit.config.Target
    client.send(method, path_or_url, *, api_version=None, params=None, body=None) -> ArmResponse
        # ArmResponse(status, headers, body (parsed JSON or None), request_id, url)
        # path "/subscriptions/..." is joined to the endpoint; absolute URLs (nextLink, operation URLs) are
        # used as they are; api-version is added unless the URL already has one.
        # Raises toolkit.arm.errors.ResourceNotFound (404) / ServiceError (other >= 400, unreachable).
    client.list_all(path, *, api_version, params=None) -> list[dict]      # follows every nextLink
    client.begin(method, path, *, api_version, body=None, params=None) -> Operation
        # Operation(status_url or None when the answer was final, response, request_id)
    client.wait(status_url, *, timeout=None, progress=None, request_id=None) -> dict   # final status body
        # raises OperationFailed (exit 1, the service's error) or OperationTimedOut (exit 1, message names
        # `mlws operation wait URL` to resume).
    client.subscription_path -> "/subscriptions/<id>"

    toolkit.arm.credential.credential_for(endpoint)  # DefaultAzureCredential, or the development token on loopback
    toolkit.arm.errors: ResourceNotFound, OperationFailed, OperationTimedOut, error_from_response(...)
"""
