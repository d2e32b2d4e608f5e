"""A small real HTTP server in a thread that plays a trustless gateway and a Kubo RPC node.

Tests script it per request: each ``(kind, cid)`` key (``car``, ``raw``, ``export``,
``block/get``) maps to a list of :class:`Reply` used in turn (the last one repeats), so a
test can serve a truncated CAR with status 200, the wrong block, a huge body, 500s, or a
reply that comes too late. Everything stays on 127.0.0.1 and stops with the fixture.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/octet-stream"
    delay: float = 0.0
    endless: bool = False  # stream junk without end (a huge body)
    trickle: bool = False  # send the body a byte at a time, slowly
    headers: dict[str, str] = field(default_factory=dict)


class Script:
    """What the server answers, and what it was asked."""

    def __init__(self) -> None:
        self.replies: dict[tuple[str, str], list[Reply]] = {}
        self.asked: Counter[tuple[str, str]] = Counter()
        self.version = "0.42.0"
        self.put_key: str | None = None  # a lying block/put answer when set
        self.lock = threading.Lock()

    def set(self, kind: str, cid: str, *replies: Reply) -> None:
        self.replies[(kind, cid)] = list(replies)

    def next(self, kind: str, cid: str) -> Reply:
        with self.lock:
            self.asked[(kind, cid)] += 1
            queue = self.replies.get((kind, cid))
            if not queue:
                return Reply(404, b"not found", "text/plain")
            return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Script

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, reply: Reply) -> None:
        time.sleep(reply.delay)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if reply.endless:
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"\0" * 65536)
            except OSError:
                return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.trickle:
            with contextlib.suppress(OSError):
                for i in range(len(reply.body)):
                    self.wfile.write(reply.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.02)
            return
        with contextlib.suppress(OSError):  # the client gave up (a timeout test)
            self.wfile.write(reply.body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        cid = url.path.removeprefix("/ipfs/")
        kind = "car" if query.get("format") == ["car"] else "raw"
        self._send(self.script.next(kind, cid))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = self._body()
        command = url.path.removeprefix("/api/v0/")
        if command == "version":
            doc = {
                "Version": self.script.version,
                "Commit": "",
                "Repo": "16",
                "System": "",
                "Golang": "",
            }
            self._send(Reply(200, json.dumps(doc).encode(), "application/json"))
        elif command == "block/put":
            self._put(body, query)
        elif command in ("block/get", "dag/export"):
            self._send(self.script.next(command, query.get("arg", [""])[0]))
        else:
            self._send(Reply(404, b"404 page not found", "text/plain"))

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b""  # a client may stream a multipart body with chunked encoding
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()
        return body

    def _put(self, body: bytes, query: dict[str, list[str]]) -> None:
        import hashlib

        from arbiter_app.ipfs.cid import CID

        # The multipart body holds one file part; its payload sits between the blank line
        # after the part headers and the closing boundary.
        start = body.index(b"\r\n\r\n") + 4
        end = body.rindex(b"\r\n--")
        data = body[start:end]
        assert query.get("cid-codec") == ["raw"] and query.get("mhtype") == ["sha2-256"]
        key = self.script.put_key or str(CID.raw_sha256(hashlib.sha256(data).digest()))
        doc = {"Key": key, "Size": len(data)}
        self._send(Reply(200, json.dumps(doc).encode(), "application/json"))


def serve(script: Script) -> Iterator[str]:
    """Run the server; yields its base URL; stops it afterwards."""
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
