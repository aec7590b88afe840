"""The rules for every value mlws puts into a URL: a name is a name, never a path.

Each value is checked where targets are resolved (`toolkit.config.resolve_target`: the message names the
flag, environment variable, mlws.yaml key or file the value came from) and again where a path is built,
where `segment` also percent-encodes it as ONE path segment, so that a value no rule caught still cannot
reach another resource (`..`, `/`, `?`, `#` and `%2F` keep their meaning in a URL, and HTTP clients
collapse `..` segments before sending).

A bad value is BadInput (exit 2) naming where it came from and the rule; nothing is sent.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from toolkit import regions
from toolkit.errors import BadInput


@dataclass(frozen=True)
class Rule:
    """What one kind of value may be: `what` and `text` read as "{what} is {text}" in the message."""

    what: str
    pattern: re.Pattern[str]
    text: str

    def check(self, value: str, source: str | None = None) -> str:
        """`value` when it follows the rule, else BadInput naming `source` (a flag, variable, key or file)."""
        if self.pattern.fullmatch(value):
            return value
        raise BadInput(f"{_quoted(value, source)}: {self.what} is {self.text}")


def _quoted(value: str, source: str | None) -> str:
    # repr() keeps the message on one line whatever the value holds (newlines, control characters).
    return f"{source} {value!r}" if source else repr(value)


# The swaggers (webservices.json 2017-01-01, commitmentPlans.json 2016-05-01-preview) give webServiceName,
# commitmentPlanName and commitmentAssociationName no pattern or length. ARM's general rule for resource
# names is 1-260 characters, no <>*%&:\?+/ or control characters, not ending with a space or period, and
# "don't use #". mlws keeps the length and narrows the characters to ASCII letters, digits, hyphens,
# underscores and periods, starting with a letter or digit: ARM's rule would still let in spaces, `..`, `#`
# and letters from other scripts that look like ASCII ones, none of which a deployed name needs. The
# documented names fit (e.g. `RetrainSamplePre.2016.8.17.0.3.51.237`, `onesdk3495` in the recordings).
_ARM_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,258}[A-Za-z0-9_-])?")
_ARM_NAME_TEXT = (
    "1-260 characters: letters, digits, hyphens, underscores and periods, "
    "starting with a letter or digit and not ending with a period"
)
WEB_SERVICE_NAME = Rule("a web service name", _ARM_NAME, _ARM_NAME_TEXT)
COMMITMENT_PLAN_NAME = Rule("a commitment plan name", _ARM_NAME, _ARM_NAME_TEXT)
COMMITMENT_ASSOCIATION_NAME = Rule("a commitment association name", _ARM_NAME, _ARM_NAME_TEXT)

# ARM's rule for resource groups: 1-90 characters, letters, digits, underscores, hyphens, periods and
# parentheses, not ending with a period. ARM's "letters and digits" include other scripts' (its pattern is
# .NET's Unicode \w); mlws accepts ASCII only, so that a group name cannot look like another one it is not.
RESOURCE_GROUP = Rule(
    "a resource group name",
    re.compile(r"[A-Za-z0-9_.()-]{0,89}[A-Za-z0-9_()-]"),
    "1-90 characters: letters, digits, underscores, hyphens, periods and parentheses, not ending with a period",
)

SUBSCRIPTION_ID = Rule(
    "a subscription id",
    re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"),
    "a GUID: 8-4-4-4-12 hexadecimal digits, e.g. 00000000-0000-0000-0000-000000000000",
)

# The runtime issues a job id as 32 hexadecimal digits (a GUID without dashes, lower case in the service's
# documentation: 539d0bc2fde945b6ac986b851d0000f0). Upper case is accepted: whether the service tells
# case apart in job ids is not documented, and either way it cannot leave its path segment.
JOB_ID = Rule(
    "a BES job id",
    re.compile(r"[0-9A-Fa-f]{32}"),
    "32 hexadecimal digits, as the service issues them (see the job list)",
)

# Region names (southcentralus) and their display names (South Central US), which ARM accepts alike and
# compares without case and spaces, use ASCII letters, digits and spaces only.
LOCATION = Rule(
    "a region name",
    re.compile(r"[A-Za-z][A-Za-z0-9 ]{0,63}"),
    '1-64 characters: letters, digits and spaces, starting with a letter, e.g. southcentralus or "South Central US"',
)


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address is this machine (where the emulator and plain http are allowed)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def segment(rule: Rule, value: str | None) -> str:
    """`value` as one URL path segment: checked against `rule`, then percent-encoded.

    The encoding is defence in depth: a value that follows a rule has nothing to encode.
    """
    return quote(rule.check(value or ""), safe="")


def location(value: str, source: str | None) -> str:
    """A region (`-l/--location`, `--region`): the form, and one the service is offered in (toolkit.regions),
    compared as ARM does (without case and spaces), with the nearest known ones as a hint."""
    if LOCATION.pattern.fullmatch(value) and regions.is_known(value):
        return value
    nearest = regions.closest(value)
    hint = f"; did you mean {' or '.join(nearest)}?" if nearest else ""
    if not LOCATION.pattern.fullmatch(value):
        raise BadInput(f"{_quoted(value, source)}: {LOCATION.what} is {LOCATION.text}{hint}")
    known = ", ".join(regions.KNOWN_REGIONS)
    raise BadInput(f"{_quoted(value, source)}: not a region the service is offered in ({known}){hint}")
