"""An endpoint's requests: the URL of each path (parsed URLs are kept for reuse, and a full
keep never sends a request to another path), the query, the headers and the timeouts."""

from __future__ import annotations

import logging

import httpx
import pytest

from arbiter_app.endpoint import Endpoint


def seen_urls(paths: list[str]) -> list[str]:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    endpoint = Endpoint("http://api.test/", httpx.MockTransport(answer))
    for path in paths:
        endpoint.send(endpoint.request("GET", path)).close()
    return seen


def test_each_request_goes_to_its_own_path_past_the_kept_urls() -> None:
    paths = [f"/v2/contracts/call-read/ST1/escrow/f{n}" for n in range(600)]
    paths += [paths[0], paths[599], paths[300]]
    assert seen_urls(paths) == ["http://api.test" + p for p in paths]


def test_a_request_carries_its_query_headers_and_timeouts() -> None:
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200)

    endpoint = Endpoint("http://api.test", httpx.MockTransport(answer),
                        httpx.Timeout(4.0, connect=2.0))
    request = endpoint.request("POST", "/logs", params={"limit": "50", "cursor": "a b"},
                               headers={"x-api-key": "k"}, content=b"{}")
    endpoint.send(request).close()
    (sent,) = asked
    assert str(sent.url) == "http://api.test/logs?limit=50&cursor=a+b"
    assert sent.headers["x-api-key"] == "k" and sent.headers["user-agent"] == "arbiter-app"
    assert sent.headers["content-length"] == "2" and sent.read() == b"{}"
    assert sent.extensions["timeout"] == {"connect": 2.0, "read": 4.0, "write": 4.0,
                                          "pool": 4.0}


def test_each_request_leaves_the_line_httpx_clients_log(caplog: pytest.LogCaptureFixture) -> None:
    endpoint = Endpoint("http://api.test", httpx.MockTransport(lambda r: httpx.Response(404)))
    with caplog.at_level(logging.INFO, logger="arbiter_app.endpoint"):
        endpoint.send(endpoint.request("POST", "/v2/transactions", content=b"\x00")).close()
    assert caplog.messages == ['HTTP Request: POST http://api.test/v2/transactions '
                               '"HTTP/1.1 404 Not Found"']
