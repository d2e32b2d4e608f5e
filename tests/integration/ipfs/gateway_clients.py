"""Gateway sources for the IPFS integration tests, built the same way by every test module.

Each source gets its own httpx client (no env proxies, explicit timeouts, the app's deadline
transport), added to the list
the ``clients`` fixture of ``conftest.py`` closes after the test.
"""

from __future__ import annotations

import httpx

from arbiter_app import deadline
from arbiter_app.ipfs.fetch import GatewaySource


def gateway(
    url: str, made: list[httpx.Client], read: float = 10.0, timeout: float = 10.0
) -> GatewaySource:
    """A trustless-gateway source at ``url`` whose client is added to ``made`` for closing.

    :param read: the read timeout, seconds (a test of a slow gateway makes it short)
    :param timeout: the connect, write and pool timeouts, seconds
    """
    client = httpx.Client(base_url=url, timeout=httpx.Timeout(timeout, read=read), trust_env=False,
                          transport=deadline.transport(httpx.Limits()))
    made.append(client)
    return GatewaySource(client)
