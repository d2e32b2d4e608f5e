"""Pure builders and parsers for the Ledger Stacks app's APDUs, and its status words.

Nothing here does I/O: each function turns values into command bytes or a reply's data
into values, so the host (``ledger.py``) and the emulator read the wire the same way and
both can be tested without a device. Layouts follow docs/stacks.md §6 (Zondax
ledger-stacks v0.26.14, ``apdu_handler.c``, ``crypto.c``, ``actions.h``; LJS ``common.ts``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from arbiter_app import errors

CLA = 0x09  # docs/stacks.md §6.1: every Stacks app command uses CLA 0x09
INS_GET_VERSION = 0x00
INS_GET_ADDR = 0x01
INS_SIGN = 0x02
P1_INIT, P1_ADD, P1_LAST = 0x00, 0x01, 0x02  # docs/stacks.md §6.6 chunk markers
CHUNK_SIZE = 250  # docs/stacks.md §6.1: the JS client's data bytes per APDU
PATH_LEVELS = 5
# docs/stacks.md §5: structured data is sent as SIP018 || domain || message
SIP018_PREFIX = b"SIP018"
MIN_APP_VERSION = (0, 24, 0)  # oldest Stacks app release accepted (SIP-018 over INS 0x02)

# docs/stacks.md §6.9 status words (ZXLIB apdu_codes.h): hex value and symbolic name.
SW_OK = 0x9000  # APDU_CODE_OK
SW_WRONG_LENGTH = 0x6700  # APDU_CODE_WRONG_LENGTH
SW_OUTPUT_BUFFER_TOO_SMALL = 0x6983  # APDU_CODE_OUTPUT_BUFFER_TOO_SMALL
SW_DATA_INVALID = 0x6984  # APDU_CODE_DATA_INVALID (reply data: ASCII reason)
SW_COMMAND_NOT_ALLOWED = 0x6986  # APDU_CODE_COMMAND_NOT_ALLOWED: rejected, locked or busy
SW_TX_NOT_INITIALIZED = 0x6987  # APDU_CODE_TX_NOT_INITIALIZED
SW_BAD_KEY_HANDLE = 0x6A80  # APDU_CODE_BAD_KEY_HANDLE
SW_INVALID_P1P2 = 0x6B00  # APDU_CODE_INVALIDP1P2
SW_INS_NOT_SUPPORTED = 0x6D00  # APDU_CODE_INS_NOT_SUPPORTED
SW_CLA_NOT_SUPPORTED = 0x6E00  # APDU_CODE_CLA_NOT_SUPPORTED
SW_APP_NOT_OPEN = 0x6E01  # LJS: "App does not seem to be open"
SW_EXECUTION_ERROR = 0x6400  # APDU_CODE_EXECUTION_ERROR
SW_UNKNOWN = 0x6F00  # APDU_CODE_UNKNOWN
SW_SIGN_VERIFY_ERROR = 0x6F01  # APDU_CODE_SIGN_VERIFY_ERROR
SW_DASHBOARD_LOCKED = 0x5515  # BOLOS: device locked while on the dashboard

STATUS_NAMES: dict[int, str] = {
    SW_OK: "OK",
    SW_WRONG_LENGTH: "wrong length",
    SW_OUTPUT_BUFFER_TOO_SMALL: "request too large for the device",
    SW_DATA_INVALID: "data invalid",
    SW_COMMAND_NOT_ALLOWED: "command not allowed",
    SW_TX_NOT_INITIALIZED: "signing not initialised",
    SW_BAD_KEY_HANDLE: "bad key handle",
    SW_INVALID_P1P2: "invalid P1/P2",
    SW_INS_NOT_SUPPORTED: "instruction not supported",
    SW_CLA_NOT_SUPPORTED: "class not supported",
    SW_APP_NOT_OPEN: "app not open",
    SW_EXECUTION_ERROR: "execution error",
    SW_UNKNOWN: "unknown error",
    SW_SIGN_VERIFY_ERROR: "signing failed on the device",
    SW_DASHBOARD_LOCKED: "device locked",
}


@dataclass(frozen=True)
class AppVersion:
    """The GET_VERSION reply (docs/stacks.md §6.4)."""

    test_mode: bool
    major: int
    minor: int
    patch: int
    locked: bool
    target_id: int

    @property
    def triple(self) -> tuple[int, int, int]:
        """``(major, minor, patch)`` for comparisons."""
        return (self.major, self.minor, self.patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class SignatureReply:
    """The INS 0x02 reply (docs/stacks.md §6.7): digest, compact RSV signature and DER signature."""

    digest: bytes  # tx: post-sign sighash; SIP-018: the message hash
    rsv: bytes
    der: bytes

    @property
    def vrs(self) -> bytes:
        """The signature with the recovery id first, as transactions carry it (docs/stacks.md
        §4 step 4)."""
        return self.rsv[64:] + self.rsv[:64]


def command(ins: int, p1: int = 0, p2: int = 0, data: bytes = b"") -> bytes:
    """One short APDU: CLA INS P1 P2 Lc data.

    :raises LimitExceeded: ``data`` is longer than one APDU can carry (255 bytes)
    """
    if len(data) > 255:
        raise errors.LimitExceeded("APDU data length", len(data), 255)
    return bytes([CLA, ins, p1, p2, len(data)]) + data


def serialize_path(path: tuple[int, ...]) -> bytes:
    """Five BIP32 levels as little-endian u32s (docs/stacks.md §6.3).

    :raises InputError: the path does not have exactly five levels
    """
    if len(path) != PATH_LEVELS:
        raise errors.InputError(f"a Stacks path has {PATH_LEVELS} levels, not {len(path)}")
    return struct.pack("<5I", *path)


def parse_path(data: bytes) -> tuple[int, ...]:
    """The inverse of :func:`serialize_path`.

    :raises DecodeError: ``data`` is not exactly 20 bytes
    """
    if len(data) != 4 * PATH_LEVELS:
        raise errors.DecodeError("derivation path", len(data), "exactly 20 bytes")
    return tuple(struct.unpack("<5I", data))


def get_version() -> bytes:
    """The GET_VERSION command ``09 00 00 00 00``."""
    return command(INS_GET_VERSION)


def parse_version(data: bytes) -> AppVersion:
    """Decode a GET_VERSION reply (test mode, major, minor, patch, locked, target id).

    :raises DeviceReplyError: the reply is shorter than the nine bytes it must have
    """
    if len(data) < 9:
        raise errors.DeviceReplyError(f"the version reply has {len(data)} bytes, expected 9")
    mode, major, minor, patch, locked = data[:5]
    (target,) = struct.unpack(">I", data[5:9])
    return AppVersion(mode != 0, major, minor, patch, locked != 0, target)


def get_address(path: tuple[int, ...], address_version: int, display: bool) -> bytes:
    """GET_ADDR_SECP256K1 (docs/stacks.md §6.5): P1 1 shows the address on the device, P2 is
    the version."""
    return command(INS_GET_ADDR, 1 if display else 0, address_version, serialize_path(path))


def parse_address(data: bytes) -> tuple[bytes, str]:
    """Decode a GET_ADDR reply: 33-byte compressed key, then the ASCII c32 address.

    :raises DeviceReplyError: too short, not a compressed key, or not ASCII
    """
    if len(data) < 34 or data[0] not in (2, 3):
        raise errors.DeviceReplyError("the address reply does not start with a compressed key")
    try:
        return bytes(data[:33]), bytes(data[33:]).decode("ascii")
    except UnicodeDecodeError as e:
        raise errors.DeviceReplyError("the address reply is not ASCII text") from e


def sign_commands(
    path: tuple[int, ...], payload: bytes, chunk_size: int = CHUNK_SIZE
) -> list[bytes]:
    """The INS 0x02 sequence (docs/stacks.md §6.6): init with the path, then ``payload`` in chunks.

    :param payload: an unsigned transaction, or ``SIP018 || domain || message``
    :returns: the APDUs in order; the last one carries P1 = 0x02
    :raises InputError: the payload is empty
    """
    if not payload:
        raise errors.InputError("there is nothing to sign")
    chunks = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)]
    apdus = [command(INS_SIGN, P1_INIT, 0, serialize_path(path))]
    for i, chunk in enumerate(chunks):
        apdus.append(command(INS_SIGN, P1_LAST if i == len(chunks) - 1 else P1_ADD, 0, chunk))
    return apdus


def parse_signature(data: bytes) -> SignatureReply:
    """Decode an INS 0x02 reply: 32-byte digest, r, s, v, then DER (docs/stacks.md §6.7).

    :raises DeviceReplyError: the reply is too short or its recovery byte is out of range
    """
    if len(data) < 97:
        raise errors.DeviceReplyError(f"the signature reply has {len(data)} bytes, expected 97+")
    if data[96] > 3:
        raise errors.DeviceReplyError(f"the signature's recovery byte {data[96]} is not 0..3")
    return SignatureReply(bytes(data[:32]), bytes(data[32:97]), bytes(data[97:]))


def sip018_payload(domain: bytes, message: bytes) -> bytes:
    """The bytes the device hashes for SIP-018: prefix, serialized domain, serialized message."""
    return SIP018_PREFIX + domain + message


def status_name(sw: int) -> str:
    """A short name for a status word, with its hex value."""
    return f"0x{sw:04x} ({STATUS_NAMES.get(sw, 'unexpected status')})"


def error_for_status(sw: int, data: bytes, action: str) -> errors.DeviceError:
    """Map a failing status word to the plain-words error the user sees.

    0x6986 is ambiguous (rejected, locked or busy); the caller resolves it with
    GET_VERSION before calling this, which maps it to "rejected".

    :param action: what was being done, e.g. ``"signing the transaction"``
    """
    reason = bytes(data).decode("ascii", "replace").strip() if data else ""
    if sw == SW_COMMAND_NOT_ALLOWED:
        return errors.DeviceRejected(f"{action} was rejected on the Ledger")
    if sw == SW_DASHBOARD_LOCKED:
        return errors.DeviceLocked("the Ledger is locked: unlock it with your PIN")
    if sw in (SW_CLA_NOT_SUPPORTED, SW_APP_NOT_OPEN, SW_INS_NOT_SUPPORTED):
        return errors.AppNotOpen("the Stacks app is not open on the Ledger: open it and retry")
    if sw == SW_DATA_INVALID:
        detail = f": {printable(reason)}" if reason else ""
        return errors.DeviceReplyError(f"the Ledger refused the data while {action}{detail}")
    return errors.DeviceReplyError(f"the Ledger answered {status_name(sw)} while {action}")


def printable(text: str, limit: int = 120) -> str:
    """Device-supplied text made safe to show: printable ASCII only, truncated (habit 5)."""
    clean = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."
