"""The HTTP log: the library writes it to the `mlws.http` logger and installs no handler; `--debug` shows it."""

from __future__ import annotations

import logging
import re

from tests.fixtures.location_server import GROUP, NAME, SERVICE_PATH, SUBSCRIPTION, LocationServer
from toolkit.arm.client import ArmClient
from toolkit.runtime import RuntimeClient

HTTP_LOG = logging.getLogger("mlws.http")
TARGET = ("-n", NAME, "-g", GROUP, "--subscription", SUBSCRIPTION)


def test_the_library_logs_to_mlws_http_and_leaves_handlers_and_level_alone(caplog):
    caplog.set_level(logging.DEBUG, logger="mlws.http")
    handlers = list(HTTP_LOG.handlers)

    with LocationServer() as server:
        ArmClient(server.url, SUBSCRIPTION).send("GET", SERVICE_PATH, api_version="2017-01-01")
        RuntimeClient(server.url, "runtime-key")

    assert HTTP_LOG.handlers == handlers and HTTP_LOG.level == logging.DEBUG
    logged = [record.getMessage() for record in caplog.records if record.name == "mlws.http"]
    assert len([line for line in logged if re.match(r"-> GET \S*/webServices/" + NAME, line)]) == 1


def test_debug_shows_the_log_on_stderr_and_a_later_command_without_it_does_not(mlws, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with LocationServer() as server:
        env = {"MLWS_ARM_ENDPOINT": server.url}
        shown = mlws("get", *TARGET, "--debug", env=env)
        quiet = mlws("get", *TARGET, env=env)

    assert shown.exit_code == 0 and quiet.exit_code == 0, shown.stderr + quiet.stderr
    assert re.search(r"^mlws: http: +\d+ms -> GET \S*/webServices/" + NAME, shown.stderr, re.MULTILINE)
    assert re.search(r"^mlws: http: +\d+ms <- 200 \S*/webServices/" + NAME, shown.stderr, re.MULTILINE)
    assert "mlws: http:" not in quiet.stderr
