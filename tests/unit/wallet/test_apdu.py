"""APDU bytes against the reference's worked commands, replies taken apart, and each
status word mapped to the error that names it."""

from __future__ import annotations

import pytest

from arbiter_app import errors
from arbiter_app.wallet import apdu
from arbiter_app.wallet.signer import derivation_path

PATH0 = derivation_path(0)


def test_path_encoding_matches_reference() -> None:
    # docs/stacks.md §6.3: m/44'/5757'/0'/0/0
    assert apdu.serialize_path(PATH0).hex() == "2c0000807d160080000000800000000000000000"
    assert apdu.parse_path(apdu.serialize_path(PATH0)) == PATH0


def test_get_address_command_matches_reference() -> None:
    # §6.5: mainnet, no display
    assert (
        apdu.get_address(PATH0, 22, False).hex()
        == "09010016142c0000807d160080000000800000000000000000"
    )
    assert apdu.get_address(PATH0, 26, True)[:4].hex() == "0901011a"


def test_sign_of_168_bytes_is_init_plus_one_last_chunk() -> None:
    # §6.6 example: the 168-byte unsigned tx goes as 09 02 02 00 a8 + tx
    commands = apdu.sign_commands(PATH0, bytes(168))
    assert [c.hex()[:10] for c in commands] == ["0902000014", "09020200a8"]
    assert commands[0][5:] == apdu.serialize_path(PATH0)


@pytest.mark.parametrize(
    "size, headers",
    [
        (250, ["0902000014", "09020200fa"]),
        (251, ["0902000014", "09020100fa", "0902020001"]),
        (298, ["0902000014", "09020100fa", "0902020030"]),
        (750, ["0902000014", "09020100fa", "09020100fa", "09020200fa"]),
    ],
    ids=["exactly-one-chunk", "one-byte-over", "reference-298", "three-full-chunks"],
)
def test_chunking_boundaries(size: int, headers: list[str]) -> None:
    payload = bytes(range(256)) * 3
    commands = apdu.sign_commands(PATH0, payload[:size])
    assert [c.hex()[:10] for c in commands] == headers
    assert b"".join(c[5:] for c in commands[1:]) == payload[:size]


def test_version_reply() -> None:
    version = apdu.parse_version(bytes.fromhex("00001a0e0033100004"))
    assert (version.triple, version.locked, version.test_mode) == ((0, 26, 14), False, False)
    assert version.target_id == 0x33100004 and str(version) == "0.26.14"


def test_signature_reply_layout() -> None:
    data = bytes([1] * 32) + bytes([2] * 32) + bytes([3] * 32) + b"\x01" + b"\x30\x44"
    reply = apdu.parse_signature(data)
    assert reply.rsv == bytes([2] * 32) + bytes([3] * 32) + b"\x01"
    assert reply.vrs == b"\x01" + bytes([2] * 32) + bytes([3] * 32)
    assert (reply.digest, reply.der) == (bytes([1] * 32), b"\x30\x44")


@pytest.mark.parametrize(
    "data",
    [b"", bytes(96), bytes(96) + b"\x04"],
    ids=["empty", "one-byte-short", "recovery-byte-4"],
)
def test_bad_signature_replies(data: bytes) -> None:
    with pytest.raises(errors.DeviceReplyError):
        apdu.parse_signature(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x04" + bytes(40), b"\x02" + bytes(32) + b"\xff\xfe"],
    ids=["empty", "uncompressed-prefix", "non-ascii-address"],
)
def test_bad_address_replies(data: bytes) -> None:
    with pytest.raises(errors.DeviceReplyError):
        apdu.parse_address(data)


@pytest.mark.parametrize(
    "sw, kind, words",
    [
        (0x6986, errors.DeviceRejected, "rejected on the Ledger"),
        (0x5515, errors.DeviceLocked, "locked"),
        (0x6E00, errors.AppNotOpen, "Stacks app is not open"),
        (0x6E01, errors.AppNotOpen, "Stacks app is not open"),
        (0x6D00, errors.AppNotOpen, "Stacks app is not open"),
        (0x6984, errors.DeviceReplyError, "refused the data while signing: Wrong signer"),
        (0x6F01, errors.DeviceReplyError, "0x6f01"),
        (0x1234, errors.DeviceReplyError, "unexpected status"),
    ],
    ids=[
        "rejected",
        "dashboard-locked",
        "cla-other-app",
        "app-not-open",
        "ins-unknown",
        "data-invalid-with-text",
        "sign-error",
        "unknown-sw",
    ],
)
def test_status_words_map_to_named_errors(sw: int, kind: type, words: str) -> None:
    error = apdu.error_for_status(sw, b"Wrong signer\x00", "signing")
    assert type(error) is kind
    assert words in str(error)


def test_device_text_is_made_printable() -> None:
    assert apdu.printable("ok\x1b[31m\u202e" + "x" * 200).startswith("ok?[31m?x")
    assert len(apdu.printable("x" * 500)) == 120


@pytest.mark.parametrize(
    "path", [(1, 2, 3, 4), (1, 2, 3, 4, 5, 6)], ids=["four-levels", "six-levels"]
)
def test_paths_must_have_five_levels(path: tuple[int, ...]) -> None:
    with pytest.raises(errors.InputError):
        apdu.serialize_path(path)


def test_oversized_apdu_is_refused() -> None:
    with pytest.raises(errors.LimitExceeded):
        apdu.command(apdu.INS_SIGN, data=bytes(256))
