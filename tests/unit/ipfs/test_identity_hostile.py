"""``evidence verify`` of a plain file against an identity CID (content inline in the CID)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbiter_app.cli import main

HELLO_IDENTITY = "bafkqablimvwgy3y"  # raw codec, identity multihash of b"hello"


def test_plain_file_matching_its_identity_cid_is_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello")
    assert main(["evidence", "verify", str(path), "--cid", HELLO_IDENTITY]) == 0
    assert f"verified {HELLO_IDENTITY}: 5 bytes" in capsys.readouterr().out


@pytest.mark.parametrize("content", [b"hellO", b"hello!", b"hell", b""],
                         ids=["one-byte-changed", "one-byte-more", "one-byte-less", "empty"])
def test_plain_file_differing_from_its_identity_cid_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "hello.txt"
    path.write_bytes(content)
    assert main(["evidence", "verify", str(path), "--cid", HELLO_IDENTITY]) == 1
    assert "identity CID" in capsys.readouterr().err
