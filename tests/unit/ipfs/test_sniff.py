"""Media type from content, and names made safe to save and to show."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.ipfs.sniff import sanitize_name, sniff
from arbiter_app.text import display_name


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\0\0", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a", "image/gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"PK\x03\x04", "application/zip"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<!DOCTYPE html><html><body>hi", "text/html"),
        (b"Dear arbiter, <img src=http://canary/x> see attached", "text/html"),
        (b'{"schema": "bitmind-evidence/1"}', "application/json"),
        ("Plain words, ünïcode.".encode(), "text/plain"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        (b"MZ\x90\x00", "application/x-msdownload"),
    ],
    ids=[
        "pdf",
        "png",
        "jpeg",
        "gif",
        "webp",
        "zip",
        "svg",
        "html",
        "html-in-text",
        "json",
        "text",
        "binary",
        "windows-exe",
    ],
)
def test_sniff_by_content(head: bytes, media_type: str) -> None:
    assert sniff(head) == media_type


def test_json_nested_deeper_than_the_parser_is_plain_text_not_a_crash() -> None:
    assert sniff(b"[" * 4096) == "text/plain"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "_._etc_passwd"),
        ("C:\\Windows\\evil.dll", "C__Windows_evil.dll"),
        ("report\u202egpj.exe", "reportgpj.exe"),
        ("in\u200bvoice.pdf", "invoice.pdf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("report.pdf" + " " * 200 + ".exe", "report.pdf.exe"),
        ("trailing dots...", "trailing dots"),
        ("a\x00b\x1bc.txt", "abc.txt"),
        ("", "evidence"),
        ("///", "___"),
        ("x" * 500 + ".pdf", "x" * 196 + ".pdf"),
    ],
    ids=[
        "dot-dot",
        "windows-path",
        "rlo",
        "zero-width",
        "reserved",
        "reserved-bare",
        "padded-extension",
        "trailing-dots",
        "controls",
        "empty",
        "only-separators",
        "too-long",
    ],
)
def test_sanitize_name(name: str, safe: str) -> None:
    assert sanitize_name(name) == safe


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_sanitized_names_never_escape_or_hide(name: str) -> None:
    safe = sanitize_name(name)
    assert safe and "/" not in safe and "\\" not in safe and safe not in (".", "..")
    assert len(safe.encode()) <= 200
    assert not any(c in safe for c in "\u202e\u202d\u2066\u2067\u2068\u2069\u200b\0")


def test_display_name_makes_invisible_characters_visible() -> None:
    assert display_name("report\u202egpj.exe") == "report\\u202egpj.exe"
