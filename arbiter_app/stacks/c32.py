"""c32check encoding of Stacks addresses (the ``SP…``/``ST…``/``SM…``/``SN…`` text form).

Follows stacks-core ``stacks-common/src/address/c32.rs`` (docs/stacks.md §1):
alphabet ``0-9A-Z`` without I, L, O, U; decoding is case-insensitive and maps O→0 and
L, I→1; the checksum is the first four bytes of SHA-256(SHA-256(version || hash160)).
Decoding is strict: a bad character, a wrong length, an unknown version or a bad checksum
each raise a specific :class:`C32Error` subclass naming the character offset.
"""

from __future__ import annotations

import functools
import hashlib
import re

from arbiter_app.errors import DecodeError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
# docs/stacks.md §1.1: decoding normalises these look-alikes before lookup.
_NORMALISE = str.maketrans({"O": "0", "L": "1", "I": "1"})

#: The four address versions (docs/stacks.md §1.2): mainnet P/M, testnet T/N.
MAINNET_SINGLE_SIG = 22
MAINNET_MULTI_SIG = 20
TESTNET_SINGLE_SIG = 26
TESTNET_MULTI_SIG = 21
# docs/stacks.md §1.4: a contract name, or the special ``__transient``.
CONTRACT_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9]|[-_])*\Z|__transient\Z")
ADDRESS_VERSIONS = frozenset(
    {MAINNET_SINGLE_SIG, MAINNET_MULTI_SIG, TESTNET_SINGLE_SIG, TESTNET_MULTI_SIG}
)


class C32Error(DecodeError):
    """An address or c32 string was refused."""


class BadCharacter(C32Error):
    """A character outside the c32 alphabet."""


class BadLength(C32Error):
    """The address is too short or does not hold exactly 20 bytes plus a checksum."""


class BadVersion(C32Error):
    """The address version is not one of the four Stacks versions."""


class BadContractName(C32Error):
    """The part after the dot is not a contract name."""


class BadChecksum(C32Error):
    """The checksum does not match version and hash."""


def c32_encode(data: bytes) -> str:
    """Encode bytes in c32 (no checksum), keeping one ``0`` per leading zero byte.

    :param data: the bytes to encode
    :returns: the c32 text
    """
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rem = divmod(number, 32)
        digits.append(ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "0" * zeros + "".join(reversed(digits))


def c32_decode(text: str, offset: int = 0) -> bytes:
    """Decode c32 text (no checksum), one zero byte per leading ``0`` character.

    :param text: c32 text; case-insensitive, with O/L/I look-alikes normalised
    :param offset: offset of ``text`` within the whole input, for error messages
    :returns: the decoded bytes
    :raises BadCharacter: for a character outside the alphabet
    """
    norm = text.upper().translate(_NORMALISE)
    number = 0
    for i, ch in enumerate(norm):
        if ch not in _INDEX:
            raise BadCharacter("c32 text", offset + i, f"a c32 character, not {text[i]!r}")
        number = number * 32 + _INDEX[ch]
    zeros = len(norm) - len(norm.lstrip("0"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def _checksum(version: int, data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(bytes([version]) + data).digest()).digest()[:4]


def encode_address(version: int, hash160: bytes, *, any_version: bool = False) -> str:
    """The ``S…`` address of a version and a 20-byte hash160.

    :param version: one of 22, 20, 26, 21 (any value below 32 with ``any_version``,
        as Clarity principals allow)
    :param hash160: the 20-byte hash
    :param any_version: accept every c32 version, not just the four Stacks ones
    :returns: the address text
    :raises ValueError: for another version or hash length (a programming error)
    """
    allowed = 0 <= version < 32 if any_version else version in ADDRESS_VERSIONS
    if not allowed:
        raise ValueError(f"address version {version} is not a Stacks address version")
    if len(hash160) != 20:
        raise ValueError(f"an address hash is 20 bytes, not {len(hash160)}")
    return _address_text(version, hash160)


@functools.lru_cache(maxsize=4096)
def _address_text(version: int, hash160: bytes) -> str:
    """The address text (cached: a sync renders the same few parties thousands of times)."""
    return "S" + ALPHABET[version] + c32_encode(hash160 + _checksum(version, hash160))


def decode_address(text: str, *, any_version: bool = False) -> tuple[int, bytes]:
    """Parse an ``S…`` address into its version and hash160.

    :param text: the address (case-insensitive)
    :param any_version: accept every c32 version below 32 (Clarity principals)
    :returns: ``(version, hash160)``
    :raises C32Error: a specific subclass for each kind of fault
    """
    if not text.isascii():
        bad = next(i for i, c in enumerate(text) if not c.isascii())
        raise BadCharacter("address", bad, "ASCII text")
    if len(text) <= 5:
        raise BadLength("address", len(text), "more than 5 characters")
    if text[0] not in "sS":
        raise BadCharacter("address", 0, f"'S', not {text[0]!r}")
    version = c32_decode(text[1], 1)
    number = version[0] if version else 0
    if number not in ADDRESS_VERSIONS and not any_version:
        raise BadVersion("address", 1, "version P, M, T or N (22, 20, 26 or 21)")
    data = c32_decode(text[2:], 2)
    if len(data) != 24:
        raise BadLength("address", 2, f"20 hash bytes and a 4-byte checksum, not {len(data)} bytes")
    hash160, check = data[:20], data[20:]
    if _checksum(number, hash160) != check:
        raise BadChecksum("address", len(text) - 1, "a matching checksum")
    # A non-canonical spelling (extra leading zeros) would decode to other lengths above;
    # re-encoding must reproduce the input up to case and look-alikes.
    if encode_address(number, hash160, any_version=True) != text.upper().translate(_NORMALISE):
        raise BadLength("address", 2, "the canonical c32 spelling")
    return number, hash160


def encode_principal(version: int, hash160: bytes, name: str | None = None) -> str:
    """The text of a standard principal, or of a contract principal when ``name`` is given.

    :raises ValueError: for an impossible version, hash or contract name
    """
    address = encode_address(version, hash160, any_version=True)
    if name is None:
        return address
    if not CONTRACT_NAME.match(name) or len(name) > 128:
        raise ValueError(f"{name!r} is not a contract name")
    return f"{address}.{name}"


def decode_principal(text: str) -> tuple[int, bytes, str | None]:
    """Parse ``ADDRESS`` or ``ADDRESS.contract-name`` (docs/stacks.md §1.4).

    :returns: ``(version, hash160, name)`` with ``name`` ``None`` for a standard principal
    :raises C32Error: a bad address, or :class:`BadContractName` (naming its offset)
    """
    address, dot, name = text.partition(".")
    version, hash160 = decode_address(address, any_version=True)
    if not dot:
        return version, hash160, None
    if not (name.isascii() and CONTRACT_NAME.match(name) and len(name) <= 128):
        raise BadContractName("principal", len(address) + 1, "a contract name (letter first)")
    return version, hash160, name


def hash160(data: bytes) -> bytes:
    """RIPEMD-160(SHA-256(data)), the hash of a public key in an address.

    :param data: usually a 33-byte compressed public key
    :returns: 20 bytes
    """
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()
