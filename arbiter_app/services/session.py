"""The composition root: one :class:`Session` builds, from :class:`Settings`, everything the
use cases need — the HTTP clients (base URL, connect/read timeouts, connection limits, no
environment proxies), the Stacks API client, the case store, the IPFS fetcher and the
signer — and closes them in one place.

Parts are built on first use, so ``arbiter-app disputes`` never opens a device and a sync
never asks for a keystore password. The GUI and the CLI each hold one session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from arbiter_app import config, deadline
from arbiter_app.endpoint import Endpoint
from arbiter_app.errors import UsageError
from arbiter_app.ipfs.fetch import Cache, Fetcher, GatewaySource, KuboSource
from arbiter_app.ipfs.pinning import PinningService
from arbiter_app.ipfs.sources import Source
from arbiter_app.stacks.api import StacksApi
from arbiter_app.store.db import Store, open_store
from arbiter_app.wallet.configured import signer_from_settings
from arbiter_app.wallet.signer import Signer

# docs/reliability.md T5.5: connect ≤ 10 s, per read ≤ 30 s.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
MAX_API_RESPONSE = 4 * 1024 * 1024
_TIMEOUT = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


def service_transport(max_connections: int = 8) -> httpx.BaseTransport:
    """Connection pools for one service (one per sending thread, each of at most
    ``max_connections``) on which each call's total deadline and cancel token hold
    mid-request."""
    return deadline.transport(httpx.Limits(max_connections=max_connections,
                                           max_keepalive_connections=max_connections))


def http_client(base_url: str, *, timeout: httpx.Timeout | None = None,
                transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client for one service: explicit timeouts, no env proxies, no redirects.

    :param base_url: the service root, e.g. ``http://127.0.0.1:3999``
    :param timeout: overrides the default connect/read timeouts
    :param transport: the service's transport (default: a new :func:`service_transport`)
    """
    return httpx.Client(
        base_url=base_url,
        timeout=timeout or _TIMEOUT,
        transport=transport or service_transport(),
        trust_env=False,
        follow_redirects=False,
        headers={"user-agent": "arbiter-app"},
    )


def http_endpoint(base_url: str, *, timeout: httpx.Timeout | None = None,
                  transport: httpx.BaseTransport | None = None) -> Endpoint:
    """The endpoint of an API the app calls itself (see :mod:`arbiter_app.endpoint`), with
    the same timeouts and transport as :func:`http_client`."""
    return Endpoint(base_url, transport or service_transport(), timeout or _TIMEOUT)


def wall_clock() -> int:
    """This machine's time, in whole Unix seconds."""
    return int(time.time())


class Session:
    """Everything a use case needs, built lazily from settings and closed together.

    :param settings: the app's settings
    :param signer_factory: builds the signer (default: ``signer_from_settings``); tests pass
        one that opens the emulated Ledger
    :param timeout: HTTP timeouts for every client (tests shorten them)
    :param store: an open case store to use instead of ``data_dir``'s (tests pass theirs);
        the session closes it too
    :param check_store_later: open the store without its quick check, which then runs at
        the first write or when :func:`arbiter_app.services.queries.check_store` asks (the
        window asks on a background thread once its queue is painted)
    :param clock: this machine's time in Unix seconds, which the use cases stamp on what they
        store (log entries, steps, receipts); tests that compare two runs pass a fixed one
    """

    def __init__(
        self,
        settings: config.Settings,
        *,
        signer_factory: Callable[[config.Settings], Signer] | None = None,
        timeout: httpx.Timeout | None = None,
        store: Store | None = None,
        check_store_later: bool = False,
        clock: Callable[[], int] = wall_clock,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._timeout = timeout
        self._signer_factory = signer_factory
        self._clients: list[httpx.Client | Endpoint] = []
        self._api: StacksApi | None = None
        self._store = store
        self._check_store_later = check_store_later
        self._fetcher: Fetcher | None = None
        self._signer: Signer | None = None

    def now(self) -> int:
        """The time to stamp on what is stored now (Unix seconds, this machine's clock)."""
        return self._clock()

    @property
    def network(self) -> config.Network:
        """The configured network profile."""
        return self.settings.chain

    @property
    def contract_id(self) -> str:
        """The escrow contract id."""
        return self.settings.escrow_contract

    def transport(self) -> httpx.BaseTransport:
        """The transport of a new client or endpoint (tests wrap it to see every request)."""
        return service_transport()

    def client(self, base_url: str) -> httpx.Client:
        """A new client for ``base_url``, closed with the session."""
        made = http_client(base_url, timeout=self._timeout, transport=self.transport())
        self._clients.append(made)
        return made

    def endpoint(self, base_url: str) -> Endpoint:
        """A new endpoint for ``base_url`` (an API the app calls itself), closed with the
        session."""
        made = http_endpoint(base_url, timeout=self._timeout, transport=self.transport())
        self._clients.append(made)
        return made

    @property
    def api(self) -> StacksApi:
        """The Stacks API client."""
        if self._api is None:
            self._api = StacksApi(self.endpoint(self.settings.stacks_api),
                                  api_key=self.settings.api_key,
                                  max_response_bytes=MAX_API_RESPONSE)
        return self._api

    @property
    def store(self) -> Store:
        """The case store in ``data_dir`` (created and migrated on first use)."""
        if self._store is None:
            self._store = open_store(Path(self.settings.data_dir) / "cases.sqlite",
                                     check_later=self._check_store_later)
        return self._store

    @property
    def fetcher(self) -> Fetcher:
        """The verified IPFS fetcher over the configured Kubo node and gateways.

        :raises UsageError: when neither a node nor a gateway is configured
        """
        if self._fetcher is None:
            self._fetcher = self._build_fetcher()
        return self._fetcher

    def _build_fetcher(self) -> Fetcher:
        sources: list[Source] = []
        if self.settings.ipfs_rpc:
            sources.append(KuboSource(self.settings.ipfs_rpc))
        sources.extend(GatewaySource(self.client(g)) for g in self.settings.ipfs_gateways)
        if not sources:
            raise UsageError("no IPFS node or gateway is configured (ipfs_rpc, ipfs_gateways)")
        cache = Cache(Path(self.settings.data_dir) / "ipfs-cache")
        return Fetcher(sources, self.settings.ipfs_limits, cache)

    def kubo(self) -> KuboSource | None:
        """The Kubo source used to publish raw blocks, or ``None`` without a node."""
        if not self.settings.ipfs_rpc:
            return None
        return KuboSource(self.settings.ipfs_rpc)

    def pinning(self) -> PinningService | None:
        """The remote pinning service of the settings, or ``None`` without one."""
        if not self.settings.pinning_service:
            return None
        return PinningService(self.client(self.settings.pinning_service),
                              self.settings.pinning_token or "")

    @property
    def signer(self) -> Signer:
        """The configured signer (a Ledger or the software key), opened on first use."""
        if self._signer is None:
            if self._signer_factory is not None:
                self._signer = self._signer_factory(self.settings)
            else:
                self._signer = signer_from_settings(self.settings)
        return self._signer

    def close(self) -> None:
        """Close the HTTP clients, the store and the signer's transport."""
        for made in self._clients:
            made.close()
        self._clients.clear()
        if self._store is not None:
            self._store.close()
            self._store = None
        closer = getattr(self._signer, "close", None)
        if callable(closer):
            closer()
        self._signer = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
