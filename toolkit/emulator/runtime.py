"""The emulator's runtime endpoints: Batch Execution (BES) and Request-Response (RRS).

Routes live under a web service's runtime base,
`/subscriptions/{subscription without dashes}/services/{service id}`.
"""

from __future__ import annotations


def register(router, context) -> None:
    """Add the BES and RRS routes to the emulator's router; `context` gives the store and settings."""
