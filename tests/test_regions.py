"""toolkit.regions: the one list of regions the service knows, its normaliser and "did you mean"."""

from __future__ import annotations

import pytest

from toolkit import regions


def test_the_recorded_regions_are_known_in_display_and_normalised_form():
    for name in ("South Central US", "southcentralus", "West Central US", "westcentralus", " West  Europe "):
        assert regions.is_known(name), name
    assert regions.KNOWN_REGIONS["westcentralus"] == "West Central US"
    assert len(regions.KNOWN_REGIONS) == 6


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("South Central US", "southcentralus"), ("East US 2", "eastus2"), ("JAPAN EAST", "japaneast")],
)
def test_normalise(name, normalised):
    assert regions.normalise(name) == normalised


@pytest.mark.parametrize("name", ["West US", "", "Zürich", "東日本", "southcentralus/../x"])
def test_other_locations_are_unknown(name):
    assert not regions.is_known(name)


def test_closest_suggests_near_names_only():
    assert regions.closest("south central")[0] == "southcentralus"
    assert regions.closest("eastus")[0] == "eastus2"
    assert regions.closest("West Europa", n=1) == ["westeurope"]
    assert regions.closest("東日本") == []
