"""A loopback reverse proxy that holds every request for a fixed delay, as a far-away API does.

``python -m tests.bench.slow_proxy UPSTREAM DELAY_MS`` listens on a free loopback port, prints
that port on one line, then forwards every request (method, path, body, headers) to
``UPSTREAM`` after sleeping ``DELAY_MS``. Each client connection gets its own thread and its
own keep-alive connection upstream, so parallel clients wait in parallel, as they would on a
real network; it runs in its own process so its work never counts as the client's CPU.
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length", "host"}


def handler(upstream: str, delay: float) -> type[BaseHTTPRequestHandler]:
    """A request handler class forwarding to ``upstream`` after ``delay`` seconds."""
    target = urlsplit(upstream)
    local = threading.local()

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            time.sleep(delay)
            if not hasattr(local, "conn"):
                local.conn = http.client.HTTPConnection(target.netloc)
            local.conn.request(self.command, self.path, body=body, headers=headers)
            answer = local.conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _forward

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: thousands of requests would flood the bench's output."""

    return Forward


def main(argv: list[str]) -> int:
    """Serve until killed."""
    upstream, delay_ms = argv
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(upstream, int(delay_ms) / 1000))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
