"""What a `--debug` run tells of its HTTP traffic: the answers it got, the re-sends it made, the status polls.

The lines are the client's own (`mlws: http: <ms>ms <message>`): one per request, one per answer and one per
re-send, which names the wait before it. They count what happened, so tests need no clock.
"""

from __future__ import annotations

import re

ANSWER = re.compile(r"^mlws: http: +\d+ms <- (\d{3}) ", re.MULTILINE)
RETRY = re.compile(r"^mlws: http: +\d+ms retry (\d+) of \d+ in ([0-9.]+)s \(([^)]*)\)", re.MULTILINE)
STATUS_POLL = re.compile(r"^mlws: http: +\d+ms -> GET \S*/operationsStatus/", re.MULTILINE)
THROTTLED = re.compile(
    r"^mlws: http: +\d+ms throttled \(HTTP 429, Retry-After (\S+)\): re-send \d+ in ([0-9.]+)s: (\S+) ", re.MULTILINE
)
PACED = re.compile(r"^mlws: http: +\d+ms pacing (reads|writes) of .*?: waiting ([0-9.]+)s ", re.MULTILINE)


def answers(stderr: str) -> list[int]:
    """The HTTP status of every answer the client got, in order."""
    return [int(status) for status in ANSWER.findall(stderr)]


def retries(stderr: str) -> list[tuple[int, float, str]]:
    """Every re-send: (its number, the seconds waited before it, why), e.g. (1, 1.0, "HTTP 429")."""
    return [(int(number), float(wait), reason) for number, wait, reason in RETRY.findall(stderr)]


def status_polls(stderr: str) -> int:
    """How many times the client read a long-running operation's status."""
    return len(STATUS_POLL.findall(stderr))


def throttled(stderr: str) -> list[tuple[float | None, float, str]]:
    """Every re-send after a 429: (the Retry-After it named, None if none; the seconds waited; the method)."""
    return [
        (None if asked == "none" else float(asked), float(wait), method)
        for asked, wait, method in THROTTLED.findall(stderr)
    ]


def paced(stderr: str) -> list[tuple[str, float]]:
    """Every request the subscription's pacer held for a 429's Retry-After: (reads or writes, seconds held)."""
    return [(kind, float(wait)) for kind, wait in PACED.findall(stderr)]
