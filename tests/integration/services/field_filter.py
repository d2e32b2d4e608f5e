"""A loopback proxy in front of the devnet that passes on only the fields the real services
declare (``resources/devnet/schemas/answers.json``): every JSON answer of a declared route is
cut down to its schema before the app sees it. Running the app through it and directly and
comparing what it stored proves the app needs no field the real services do not send.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ANSWERS = Path(__file__).parents[3] / "resources" / "devnet" / "schemas" / "answers.json"
ROUTES: list[dict[str, Any]] = json.loads(ANSWERS.read_text())["routes"]
_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool), "null": lambda v: v is None,
    "any": lambda v: True,
}


def fits(schema: Any, value: Any) -> bool:
    """Whether ``value`` has every declared field of ``schema`` with its type (extra fields
    allowed: they are what :func:`prune` removes)."""
    if isinstance(schema, str):
        return bool(_TYPES[schema](value))
    if "const" in schema:
        return bool(value == schema["const"] and type(value) is type(schema["const"]))
    if "oneOf" in schema:
        return any(fits(s, value) for s in schema["oneOf"])
    if "array" in schema:
        return isinstance(value, list) and all(fits(schema["array"], v) for v in value)
    if "map" in schema:  # any keys, each value of one shape (Kubo's pin/ls Keys)
        return isinstance(value, dict) and all(fits(schema["map"], v) for v in value.values())
    optional = set(schema.get("optional", ()))
    return isinstance(value, dict) and all(
        fits(s, value[k]) if k in value else k in optional for k, s in schema["object"].items())


def prune(schema: Any, value: Any) -> Any:
    """``value`` with every field ``schema`` does not declare removed."""
    if isinstance(schema, str) or "const" in schema:
        return value
    if "oneOf" in schema:
        chosen = next((s for s in schema["oneOf"] if fits(s, value)), None)
        if chosen is None:
            raise ValueError(f"an answer fits no declared shape: {json.dumps(value)[:200]}")
        return prune(chosen, value)
    if "array" in schema:
        return [prune(schema["array"], v) for v in value]
    if "map" in schema:
        return {k: prune(schema["map"], v) for k, v in value.items()}
    return {k: prune(s, value[k]) for k, s in schema["object"].items() if k in value}


def schema_of(method: str, path: str) -> Any:
    """The JSON schema of a route's JSON answers (a bytes route's are its errors), or
    ``None`` when the route is not declared."""
    route = next((r for r in ROUTES if r["method"] == method and re.search(r["path"], path)),
                 None)
    return route.get("json", route.get("error")) if route else None


class _Proxy(BaseHTTPRequestHandler):
    upstream: httpx.Client
    answers: list[str]
    undeclared: list[str]

    def _body(self) -> bytes | None:
        """The request body, sent with a length or chunked (as ipfshttpclient sends files)."""
        if self.headers.get("transfer-encoding", "").lower() != "chunked":
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else None
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(chunks)

    def _forward(self) -> None:
        body = self._body()
        keep = {k: v for k, v in self.headers.items()
                if k.lower() in ("content-type", "accept", "authorization")}
        r = self.upstream.request(self.command, self.path, content=body, headers=keep)
        out = r.content
        schema = schema_of(self.command, self.path.split("?")[0])
        if "json" in r.headers.get("content-type", ""):
            if schema is None:
                self.undeclared.append(f"{self.command} {self.path}")
            else:
                out = json.dumps(prune(schema, r.json())).encode()
                self.answers.append(self.path)
        self.send_response(r.status_code)
        for name in ("content-type", "retry-after", "x-stream-error"):
            if name in r.headers:
                self.send_header(name, r.headers[name])
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def field_filter(upstream_url: str, port: int = 0
                 ) -> Iterator[tuple[str, list[str], list[str]]]:
    """Serve the filter on a loopback port (``port``, or a free one); yields its URL, the
    paths it cut down, and the requests answered in JSON on a route with no declared shape
    (passed on uncut: a run that needs one is not proven by the filter)."""
    answers: list[str] = []
    undeclared: list[str] = []
    with httpx.Client(base_url=upstream_url, timeout=30.0, trust_env=False) as client:
        handler = type("Proxy", (_Proxy,), {"upstream": client, "answers": answers,
                                            "undeclared": undeclared})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", answers, undeclared
        finally:
            server.shutdown()
            server.server_close()
