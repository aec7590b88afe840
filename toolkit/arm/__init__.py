"""Resource Manager plumbing: credential, pipeline (retries, logging, ids), long-running operations, paging.

Stable API (import inside command bodies; nothing here may load at `mlws --help`):

    from toolkit.arm.client import ArmClient
    client = ArmClient.for_target(target)      # target: toolkit.config.Target
    client.send(method, path_or_url, *, api_version=None, params=None, body=None) -> ArmResponse
        # ArmResponse(status, headers, body (parsed JSON or None), request_id, url)
        # path "/subscriptions/..." is joined to the endpoint; absolute URLs (nextLink, operation URLs) are
        # used as they are; api-version is added unless the URL already has one.
        # Raises toolkit.arm.errors.RequestRejected (400: the user's value, exit 2), ResourceNotFound (404),
        # ServiceError (other >= 400), ServiceUnreachable (no answer after the retries GET/PUT/PATCH/DELETE get;
        # a POST is never re-sent). After an accepted change, reads ride through outages (exit 5 past the budget).
    client.list_all(path, *, api_version, params=None) -> list[dict]      # follows every nextLink
    client.begin(method, path, *, api_version, body=None, params=None, action=None, if_unsure=...) -> Operation
        # `if_unsure` ends the message of a POST whose answer was lost (what may have happened, how to check).
    client.resume(url) -> Operation      # an operation's URL from --no-wait or a timeout (`mlws operation wait`)
    operation.status_url      # the URL polled: Azure-AsyncOperation, else a 202's Location; None: nothing to wait for
    operation.wait(*, timeout=None, progress=None, action=None, sleep=time.sleep)   # the last status body, or
        # what the Location finally answered; rides through outages; raises OperationFailed (exit 1, the
        # service's error, the starting request's id) or OperationOutcomeUnknown (exit 5: --timeout or the
        # outage budget ran out; names `mlws operation wait URL`).
    operation.result(*, timeout=None, progress=None, sleep=time.sleep)   # wait, then the final state: GET of the
        # resource (PUT/PATCH), the Location's result, or None (DELETE)

    toolkit.arm.credential.credential_for(endpoint)  # DefaultAzureCredential, or the development token on loopback
    toolkit.arm.errors: RequestRejected, ResourceNotFound, OperationFailed, OperationOutcomeUnknown,
        ServiceUnreachable, error_from_response(...)

Logging: one redacted line per request and response at DEBUG on the HTTP_LOGGER logger; the library installs
no handler (the CLI shows it with --debug).
"""

HTTP_LOGGER = "mlws.http"
