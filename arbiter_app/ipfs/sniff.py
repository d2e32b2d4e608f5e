"""What verified evidence really is (media type from its bytes) and safe names to save it under.

The declared name and type of evidence come from a party and may lie; the viewer must pick a
renderer by content (docs/reliability.md §4, T4.6): a ``.pdf`` that is HTML or SVG is treated as
the stricter type. Names are sanitised for saving (T4.4, T4.5): no path separators, control
characters, bidi overrides or zero-width characters, no reserved Windows names, bounded
length, extension kept.
"""

from __future__ import annotations

import json
import re
import unicodedata

from arbiter_app.text import hidden

SNIFF_BYTES = 4096

# (magic prefix, media type); order matters only where prefixes overlap.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
)
_HTML_MARKERS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<meta",
    b"<style",
    b"<a ",
    b"<img",
    b"<div",
    b"<title",
)
# Bidi embeddings/overrides/isolates and marks (Trojan Source, CVE-2021-42574) and zero-width.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


def sniff(head: bytes) -> str:
    """The media type of content, judged from its first bytes (pass up to :data:`SNIFF_BYTES`).

    :param head: the start of the verified content
    :returns: a media type; ``application/octet-stream`` when nothing is recognised
    """
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    text = _as_text(head)
    if text is None:
        return "application/octet-stream"
    lowered = text.lstrip("\ufeff \t\r\n").lower().encode("utf-8", "ignore")
    xml_like = lowered.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg"))
    if xml_like and b"<svg" in lowered[:SNIFF_BYTES]:
        return "image/svg+xml"
    if any(marker in lowered for marker in _HTML_MARKERS):
        return "text/html"  # the stricter type wins over a harmless-looking name (T4.6)
    if lowered.startswith(b"<?xml"):
        return "application/xml"
    if lowered[:1] in (b"{", b"["):
        try:
            json.loads(text)
            return "application/json"
        except (ValueError, RecursionError):
            pass  # cut short by the sniff window, nested past the parser, or not JSON
    return "text/plain"


def _as_text(head: bytes) -> str | None:
    """UTF-8 text without NULs or odd control characters, else ``None``."""
    if b"\0" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # a character cut by the sniff window is fine
            return None
        text = head[: e.start].decode("utf-8")
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\r\n\f")
    return None if controls else text


def sanitize_name(name: str, max_bytes: int = 200) -> str:
    """A file name safe to save under in a chosen folder, keeping the extension when it can.

    :param name: a name from a manifest or a party (untrusted)
    :param max_bytes: the UTF-8 length limit of the result
    :returns: a name without separators, controls, bidi/zero-width characters or reserved
        Windows names; ``evidence`` when nothing usable is left
    """
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if not hidden(c))
    name = re.sub(r"[/\\:*?\"<>|]", "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = name, ""
    stem = stem.strip(" .")
    if stem.split(".")[0].lower() in _RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    budget = max_bytes - len(suffix.encode("utf-8"))
    stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(" .")
    return (stem + suffix) if stem else "evidence" + suffix


