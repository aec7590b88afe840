"""The Azure regions Microsoft.MachineLearning (Studio classic) web services and commitment plans can live in.

One list for the whole project: the emulator refuses other locations, and the client checks `-l/--region`
against it before anything is sent. The regions are the provider registration recorded in 2017
(reference notes, classic-api.md §1: webServices and commitmentPlans in South Central US, West Europe,
Southeast Asia, Japan East, East US 2 and West Central US; the recordings use southcentralus and
westcentralus). Germany Central ran Studio workspaces in the sovereign Azure Germany cloud, under another
management host, and is not in that registration, so it is not here.

    normalise("South Central US")  -> "southcentralus"   (the form of operation URLs and `?region=`)
    is_known("West Europe")        -> True
    closest("south central")       -> ["southcentralus"]  (for "did you mean")
"""

from __future__ import annotations

import difflib
from types import MappingProxyType

# Normalised name -> display name (the form `location` is echoed back in, as recorded).
KNOWN_REGIONS = MappingProxyType(
    {
        "southcentralus": "South Central US",
        "westeurope": "West Europe",
        "southeastasia": "Southeast Asia",
        "japaneast": "Japan East",
        "eastus2": "East US 2",
        "westcentralus": "West Central US",
    }
)


def normalise(name: str) -> str:
    """'South Central US' -> 'southcentralus': whitespace removed, lower case (ARM compares locations so)."""
    return "".join(name.split()).lower()


def is_known(name: str) -> bool:
    return normalise(name) in KNOWN_REGIONS


def closest(name: str, n: int = 3) -> list[str]:
    """Up to `n` known regions (normalised names) that look like `name`, best first; [] when none does."""
    return difflib.get_close_matches(normalise(name), list(KNOWN_REGIONS), n=n, cutoff=0.6)
