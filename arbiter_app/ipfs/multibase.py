"""Unsigned varints and the multibase text encodings that CIDs are written in.

Varints are the multiformats unsigned-varint (LEB128, minimal, at most 9 bytes). Multibase
prefixes follow multiformats/multibase ``multibase.csv``: ``b``/``B`` base32 without padding,
``z`` base58btc, ``f``/``F`` base16, ``k``/``K`` base36, ``m``/``M`` base64,
``u``/``U`` base64url (docs/ipfs.md §1.1).
"""

from __future__ import annotations

import base64
import binascii

from arbiter_app.ipfs.errors import CidError

_MAX_VARINT_BYTES = 9  # 63-bit values "for security" (unsigned-varint README)

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B36_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_varint(value: int) -> bytes:
    """:returns: the minimal unsigned-varint encoding of ``value`` (0 ≤ value < 2**63)."""
    if value < 0 or value >= 1 << 63:
        raise ValueError(f"varint out of range: {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(buf: bytes | memoryview, offset: int = 0) -> tuple[int, int]:
    """Read one unsigned varint.

    :returns: ``(value, offset just past it)``
    :raises CidError: if it runs off the end, is longer than 9 bytes, or is not minimal
    """
    if offset + 2 < len(buf):  # up to three bytes (block and section sizes), unrolled
        first, second = buf[offset], buf[offset + 1]
        if first < 0x80:
            return first, offset + 1
        if second < 0x80 and second:
            return first & 0x7F | second << 7, offset + 2
        third = buf[offset + 2]
        if second >= 0x80 and 0 < third < 0x80:
            return first & 0x7F | (second & 0x7F) << 7 | third << 14, offset + 3
    value = 0
    for i in range(_MAX_VARINT_BYTES):
        pos = offset + i
        if pos >= len(buf):
            raise CidError(pos, "more varint bytes, found the end")
        byte = buf[pos]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise CidError(pos, "a minimally encoded varint")
            return value, pos + 1
    raise CidError(offset, "a varint of at most 9 bytes")


def _base_x_encode(data: bytes, alphabet: str) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rem = divmod(number, len(alphabet))
        digits.append(alphabet[rem])
    return alphabet[0] * zeros + "".join(reversed(digits))


def _base_x_decode(text: str, alphabet: str, offset: int) -> bytes:
    number = 0
    for i, char in enumerate(text):
        index = alphabet.find(char)
        if index < 0:
            raise CidError(offset + i, f"a character of the {len(alphabet)}-letter alphabet")
        number = number * len(alphabet) + index
    zeros = len(text) - len(text.lstrip(alphabet[0]))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def b58encode(data: bytes) -> str:
    """Base58btc (Bitcoin alphabet), as CIDv0 strings use."""
    return _base_x_encode(data, B58_ALPHABET)


def b58decode(text: str, offset: int = 0) -> bytes:
    """:raises CidError: on a character outside the alphabet."""
    return _base_x_decode(text, B58_ALPHABET, offset)


def b32encode(data: bytes) -> str:
    """Lower-case RFC 4648 base32 without padding (the default for CIDv1 strings)."""
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _rfc4648(text: str, prefix: str) -> bytes:
    padded = prefix in "MU"
    if not padded and "=" in text:
        raise CidError(1 + text.index("="), "no padding for this multibase")
    if prefix in "bB":
        if prefix == "b" and text != text.lower() or prefix == "B" and text != text.upper():
            raise CidError(1, f"only {'lower' if prefix == 'b' else 'upper'}-case base32")
        return base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    if prefix in "fF":
        return binascii.unhexlify(text)
    fill = "" if padded else "=" * (-len(text) % 4)
    if prefix in "mM":
        return base64.b64decode(text + fill, validate=True)
    return base64.b64decode(text + fill, altchars=b"-_", validate=True)


def decode_multibase(text: str) -> bytes:
    """Decode a multibase string (prefix character + payload).

    :raises CidError: on an unknown prefix or a bad payload
    """
    if not text:
        raise CidError(0, "a multibase prefix, found an empty string")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58decode(body, 1)
    if prefix in "kK":
        if prefix == "k" and body != body.lower() or prefix == "K" and body != body.upper():
            raise CidError(1, "one letter case for base36")
        return _base_x_decode(body.lower(), B36_ALPHABET, 1)
    if prefix in "bBfFmMuU":
        try:
            return _rfc4648(body, prefix)
        except (binascii.Error, ValueError) as e:
            raise CidError(1, f"valid multibase '{prefix}' text ({e})") from e
    raise CidError(0, f"a known multibase prefix, found {prefix!r}")


def encode_multibase(data: bytes, prefix: str = "b") -> str:
    """Encode with the given multibase prefix (``b``, ``B``, ``z``, ``f``, ``k``, ``m``, ``u``)."""
    if prefix == "b":
        return "b" + b32encode(data)
    if prefix == "B":
        return "B" + b32encode(data).upper()
    if prefix == "z":
        return "z" + b58encode(data)
    if prefix == "f":
        return "f" + data.hex()
    if prefix == "k":
        return "k" + _base_x_encode(data, B36_ALPHABET)
    if prefix == "m":
        return "m" + base64.b64encode(data).decode("ascii").rstrip("=")
    if prefix == "u":
        return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    raise ValueError(f"unsupported multibase prefix {prefix!r}")
