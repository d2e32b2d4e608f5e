"""The app's transport gives each sending thread a connection pool of its own, against a real
keep-alive server on loopback that notes which connection (client port) each request came on
and how many connections are open."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from arbiter_app.endpoint import Endpoint
from arbiter_app.services.session import http_endpoint


class KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle(self) -> None:
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.open += 1  # type: ignore[attr-defined]
        try:
            super().handle()
        finally:
            with self.server.lock:  # type: ignore[attr-defined]
                self.server.open -= 1  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.ports.append(self.client_address[1])  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    httpd.daemon_threads = True
    httpd.lock = threading.Lock()  # type: ignore[attr-defined]
    httpd.open = 0  # type: ignore[attr-defined]
    httpd.ports = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def get(endpoint: Endpoint, times: int = 1) -> None:
    for _ in range(times):
        response = endpoint.send(endpoint.request("GET", "/x"))
        response.read()
        response.close()


def on_thread(fn: Callable[[], None]) -> None:
    thread = threading.Thread(target=fn)
    thread.start()
    thread.join()


def until(check: Callable[[], bool]) -> bool:
    """Whether ``check`` holds within 5 s (the server sees a close a moment after it)."""
    end = time.monotonic() + 5
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_one_thread_keeps_one_connection_and_another_thread_has_its_own(
    server: ThreadingHTTPServer,
) -> None:
    endpoint = http_endpoint(f"http://127.0.0.1:{server.server_address[1]}")
    get(endpoint, 3)
    on_thread(lambda: get(endpoint, 3))
    ports = server.ports  # type: ignore[attr-defined]
    assert len(set(ports[:3])) == 1 and len(set(ports[3:])) == 1 and ports[0] != ports[3]
    endpoint.close()
    assert until(lambda: server.open == 0)  # type: ignore[attr-defined]


def test_an_ended_threads_connection_is_closed_when_the_next_thread_sends(
    server: ThreadingHTTPServer,
) -> None:
    endpoint = http_endpoint(f"http://127.0.0.1:{server.server_address[1]}")
    on_thread(lambda: get(endpoint))
    assert server.open == 1  # type: ignore[attr-defined]  # kept alive after its thread ended
    on_thread(lambda: get(endpoint))
    assert until(lambda: server.open == 1)  # type: ignore[attr-defined]  # the first one closed
    endpoint.close()
    assert until(lambda: server.open == 0)  # type: ignore[attr-defined]


def test_closing_closes_the_connections_of_every_thread(server: ThreadingHTTPServer) -> None:
    endpoint = http_endpoint(f"http://127.0.0.1:{server.server_address[1]}")
    ready, done = threading.Barrier(5), threading.Event()

    def hold() -> None:
        get(endpoint)
        ready.wait()
        done.wait()

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for t in threads:
        t.start()
    ready.wait()
    assert server.open == 4  # type: ignore[attr-defined]
    endpoint.close()
    assert until(lambda: server.open == 0)  # type: ignore[attr-defined]
    done.set()
    for t in threads:
        t.join()
