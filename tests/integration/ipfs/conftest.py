"""Fixtures shared by the IPFS integration tests (sources are built in ``gateway_clients.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    """The httpx clients a test opens (see :func:`gateway_clients.gateway`), closed after it."""
    made: list[httpx.Client] = []
    yield made
    for c in made:
        c.close()
