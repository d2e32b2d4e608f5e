"""One HTTP service the app calls as a client of its own: its root URL, the headers and
timeouts every request carries, and the transport (connection pool) that sends them.

A request goes straight to the transport. httpx's ``Client`` adds work to every request that
an API client of this app never uses: a cookie jar fed the headers of each answer, auth and
redirect flows, event hooks, and a merge of each URL with the base URL. On a first sync's
2,200 requests that was a fifth of the client's CPU. What the app does use is kept: the
transport (with the call deadlines of :mod:`arbiter_app.deadline`), connect and read
timeouts, compressed answers (decoded by :meth:`httpx.Response.iter_bytes`), no redirects
(an API that redirects answers with its 3xx status), and the INFO line each request leaves
in the app's log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

logger = logging.getLogger(__name__)
# Parsed URLs kept for reuse (a sync sends 2,000 read-only calls to one URL; parsing it took
# half of building each request); emptied when full.
_KEPT_URLS = 256
# What httpx's client sends by default, minus what this app never needs.
_DEFAULT_HEADERS = {"accept": "*/*", "accept-encoding": "gzip, deflate",
                    "user-agent": "arbiter-app"}


@dataclass(frozen=True)
class Endpoint:
    """A service root and the transport its requests go through.

    :param root: the service root, e.g. ``http://127.0.0.1:3999`` (a trailing ``/`` is
        dropped)
    :param transport: sends the requests (``deadline.transport`` in the app; a test may give
        any :class:`httpx.BaseTransport`)
    :param timeout: connect and read timeouts of every request
    """

    root: str
    transport: httpx.BaseTransport
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=10.0))
    _urls: dict[str, httpx.URL] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)
    _timeouts: dict[str, float | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.rstrip("/"))
        object.__setattr__(self, "_timeouts", self.timeout.as_dict())

    def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                content: bytes | None = None) -> httpx.Request:
        """The request for ``path`` (already percent-encoded, starting with ``/``)."""
        return httpx.Request(method, self._url(path), params=params,
                             headers={**_DEFAULT_HEADERS, **(headers or {})}, content=content,
                             extensions={"timeout": self._timeouts})

    def _url(self, path: str) -> httpx.URL:
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _KEPT_URLS:
                self._urls.clear()
            url = self._urls[path] = httpx.URL(self.root + path)
        return url

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the answer's body is read from the returned response (close it).

        :raises httpx.TransportError: when the transport fails
        """
        response = self.transport.handle_request(request)
        # The line httpx's client logs, so every service's requests read alike in the log.
        logger.info('HTTP Request: %s %s "%s %d %s"', request.method, request.url,
                    response.http_version, response.status_code, response.reason_phrase)
        return response

    def close(self) -> None:
        """Close the transport's connections."""
        self.transport.close()
