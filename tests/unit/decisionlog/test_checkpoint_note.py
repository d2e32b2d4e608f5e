"""Checkpoints as C2SP signed notes: the tlog-checkpoint body (origin, size, base64 root,
extension lines), a blank line, and a signature line whose Ed25519 signature covers exactly
the body and whose key id is SHA-256(name, newline, 0x01, key)[:4]; tampering with any line is
refused, and JSON written before the note existed still parses."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from arbiter_app.decisionlog.checkpoint import (
    Checkpoint,
    parse_signed_note,
    sign_checkpoint,
    signed_note,
)
from arbiter_app.errors import InputError, VerificationError

PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CP = sign_checkpoint(PRIVATE, 17, hashlib.sha256(b"root").digest(), 1_800_000_000)


def test_the_note_is_a_tlog_checkpoint_signed_over_its_body() -> None:
    text = signed_note(CP)
    body, blank, signature = text.partition("\n\n")
    origin, size, root, time_line = body.split("\n")
    assert origin == f"arbiter-desk/decision-log/{CP.key.hex()[:16]}"
    assert (size, root, time_line) == ("17", base64.b64encode(CP.root).decode(),
                                       "time 1800000000")
    assert blank == "\n\n" and signature.endswith("\n") and signature.count("\n") == 1
    dash, name, stamp = signature.rstrip("\n").split(" ")
    assert (dash, name) == ("\u2014", origin)
    raw = base64.b64decode(stamp)
    assert raw[:4] == hashlib.sha256(origin.encode() + b"\n\x01" + CP.key).digest()[:4]
    Ed25519PublicKey.from_public_bytes(CP.key).verify(raw[4:], (body + "\n").encode())
    assert parse_signed_note(text, CP.key) == CP


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("\n17\n", "\n18\n"),
    lambda t: t.replace("time 1800000000", "time 1800000001"),
    lambda t: t.replace(base64.b64encode(CP.root).decode(), base64.b64encode(b"\0" * 32).decode()),
    lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:],
    lambda t: t.replace("\n\n", "\n"),
    lambda t: t.replace("\u2014", "-"),
], ids=["size", "time", "root", "signature", "no-blank-line", "not-an-em-dash"])
def test_a_changed_line_is_refused(tamper: object) -> None:
    assert callable(tamper)
    with pytest.raises(VerificationError):
        parse_signed_note(tamper(signed_note(CP)), CP.key)


def test_json_carries_the_note_and_old_json_without_it_still_parses() -> None:
    data = CP.to_json()
    assert data["note"] == signed_note(CP)
    assert Checkpoint.from_json(data) == CP
    assert Checkpoint.from_json({k: v for k, v in data.items() if k != "note"}) == CP
    with pytest.raises(InputError, match="signed note disagrees"):
        Checkpoint.from_json({**data, "note": data["note"].replace("\n17\n", "\n18\n")})
