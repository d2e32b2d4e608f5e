"""The bounded, strict reader of Clarity's consensus wire form (SIP-005; docs/stacks.md §2).

Every length or count read from the input is checked against the bytes that remain before
anything is allocated, nesting is capped at :data:`~arbiter_app.stacks.clarity.MAX_DEPTH`
(so hostile input cannot exhaust the stack), and the canonical form is enforced: tuple keys
strictly increasing in byte order, strings valid for their type. Any refusal is a
:class:`~arbiter_app.stacks.clarity.ClarityDecodeError` naming the byte offset.

A sync decodes tens of thousands of values in which the same few tuple keys and principals
recur, so each distinct tuple key and principal is checked once and remembered by its exact
wire bytes, type or length byte included (:func:`_remember`, bounded): the same bytes always
decode to the same value, and any other bytes (cut short, changed) go through every check.
"""

from __future__ import annotations

import re
from typing import TypeVar

from arbiter_app.stacks import clarity as cv
from arbiter_app.stacks.clarity import ClarityDecodeError, ClarityValue, InvalidValue

_WHAT = "Clarity value"
# Smallest wire size of one element, used to refuse impossible counts before looping.
_MIN_VALUE = 1
_MIN_FIELD = 3  # name length byte, one name byte, one value byte
_LABELS = {0x02: "buffer", 0x0D: "string-ascii", 0x0E: "string-utf8"}
_LENGTHS = {kind: f"a 4-byte {label} length" for kind, label in _LABELS.items()}


class Reader:
    """A cursor over bytes that names the offset of every failure.

    :param data: the input
    :param offset: where to start
    :param what: what is being decoded, for error messages
    """

    __slots__ = ("data", "pos", "what")

    def __init__(self, data: bytes, offset: int = 0, what: str = _WHAT) -> None:
        self.data = data
        self.pos = offset
        self.what = what

    def fail(self, expected: str, at: int | None = None) -> ClarityDecodeError:
        """An error at ``at`` (default: the current position)."""
        return ClarityDecodeError(self.what, self.pos if at is None else at, expected)

    def take(self, n: int, expected: str) -> bytes:
        """The next ``n`` bytes, or an error naming what was cut short."""
        start = self.pos
        end = start + n
        if n < 0 or end > len(self.data):
            raise self.fail(f"{expected} ({n} bytes, {len(self.data) - start} left)")
        self.pos = end
        return self.data[start:end]

    def byte(self, expected: str) -> int:
        """One unsigned byte."""
        return self.take(1, expected)[0]

    def uint(self, size: int, expected: str) -> int:
        """A big-endian unsigned integer of ``size`` bytes."""
        return int.from_bytes(self.take(size, expected), "big")

    def remaining(self) -> int:
        """How many bytes are left."""
        return len(self.data) - self.pos


def deserialize(data: bytes) -> ClarityValue:
    """Decode exactly one canonical Clarity value, with nothing after it.

    :param data: the wire bytes
    :returns: the value
    :raises ClarityDecodeError: naming the offset and what was expected there
    """
    data = bytes(data)
    if len(data) > cv.MAX_VALUE_SIZE:
        raise ClarityDecodeError(_WHAT, cv.MAX_VALUE_SIZE, f"at most {cv.MAX_VALUE_SIZE} bytes")
    reader = Reader(data)
    value = read_value(reader)
    if reader.pos != len(data):
        raise reader.fail("the end of the value (trailing bytes)")
    return value


def from_hex(text: str) -> ClarityValue:
    """Decode a Clarity value from hex, with or without ``0x``.

    :raises ClarityDecodeError: for bad hex (naming the character) or bad bytes
    """
    body = text[2:] if text[:2] in ("0x", "0X") else text
    if len(body) % 2:
        raise ClarityDecodeError("Clarity hex", len(text), "an even number of hex digits")
    try:
        data = bytes.fromhex(body)
    except ValueError:
        bad = next(i for i, c in enumerate(body) if c not in "0123456789abcdefABCDEF")
        at = bad + len(text) - len(body)
        raise ClarityDecodeError("Clarity hex", at, "a hex digit") from None
    return deserialize(data)


def read_value(r: Reader, depth: int = 0) -> ClarityValue:
    """Read one value at the reader's position, advancing it.

    :param r: the reader
    :param depth: how many composite values enclose this one
    :raises ClarityDecodeError: naming the offset
    """
    start = r.pos
    if start >= len(r.data):
        raise r.fail("a Clarity type byte (1 bytes, 0 left)")
    kind = r.data[start]
    r.pos = start + 1
    if kind == 0x01:
        return cv.UInt(r.uint(16, "a 16-byte uint"))
    if kind == 0x05 or kind == 0x06:
        return _read_principal(r, kind)
    if kind == 0x02 or kind == 0x0D or kind == 0x0E:
        return _read_bytes_like(r, kind)
    if kind == 0x00:
        return cv.Int(int.from_bytes(r.take(16, "a 16-byte int"), "big", signed=True))
    if kind == 0x03 or kind == 0x04:
        return cv.Bool(kind == 0x03)
    if kind == 0x09:
        return cv.NONE
    if 0x07 <= kind <= 0x0C:
        if depth >= cv.MAX_DEPTH:
            raise r.fail(f"at most {cv.MAX_DEPTH} levels of nesting", start)
        return _read_composite(r, kind, depth + 1)
    raise r.fail(f"a Clarity type byte 0x00-0x0e, not 0x{kind:02x}", start)


def _read_bytes_like(r: Reader, kind: int) -> ClarityValue:
    at = r.pos
    size = r.uint(4, _LENGTHS[kind])
    body_at = r.pos
    if size > len(r.data) - body_at:
        raise r.fail(f"{size} {_LABELS[kind]} bytes, only {len(r.data) - body_at} left", at)
    r.pos = body_at + size
    body = r.data[body_at : r.pos]
    if kind == 0x02:
        return cv.Buffer(body)
    try:
        if kind == 0x0D:
            return cv.StringAscii(body.decode("ascii"))
        return cv.StringUtf8(body.decode("utf-8"))
    except (UnicodeDecodeError, InvalidValue) as e:
        bad = body_at + (getattr(e, "start", 0) or _first_bad_ascii(body))
        raise r.fail(f"valid {_LABELS[kind]} text", bad) from None


def _first_bad_ascii(body: bytes) -> int:
    return next((i for i, b in enumerate(body) if b not in cv.ASCII_ALLOWED), 0)


def read_principal_parts(r: Reader, contract: bool, max_name: int) -> tuple[int, bytes, str]:
    """Version, hash160 and (for contracts) name of a principal at the reader.

    :param contract: whether a length-prefixed contract name follows the hash
    :param max_name: the longest name accepted (128 in values, 40 in transactions)
    """
    at = r.pos
    version = r.byte("a principal version byte")
    if version >= 32:
        raise r.fail(f"a principal version below 32, not {version}", at)
    hash160 = r.take(20, "a 20-byte principal hash")
    if not contract:
        return version, hash160, ""
    return version, hash160, read_name(r, "contract name", max_name, cv.CONTRACT_NAME)


def read_name(
    r: Reader, label: str, max_len: int, pattern: re.Pattern[str] = cv.CLARITY_NAME
) -> str:
    """A 1-byte length-prefixed ASCII name that must match ``pattern``."""
    at = r.pos
    data = r.data
    if at >= len(data):
        raise r.fail(f"a {label} length byte (1 bytes, 0 left)")
    size = data[at]
    if not 0 < size <= max_len:
        raise r.fail(f"a {label} of 1 to {max_len} bytes, not {size}", at)
    end = at + 1 + size
    if end > len(data):
        raise r.fail(f"{label} bytes ({size} bytes, {len(data) - at - 1} left)", at + 1)
    raw = data[at + 1 : end]
    r.pos = end
    text = raw.decode("latin-1")
    if not raw.isascii() or pattern.match(text) is None:
        raise r.fail(f"a valid {label}, not {text!r}", at + 1)
    return text


def _read_principal(r: Reader, kind: int) -> ClarityValue:
    """A principal; the same wire bytes (type byte included) give the remembered value."""
    start = r.pos - 1
    data = r.data
    end = start + 22
    if kind == 0x06 and end < len(data):
        end += 1 + data[end]
    if end <= len(data):
        known = _PRINCIPALS.get(data[start:end])
        if known is not None:
            r.pos = end
            return known
    version, hash160, name = read_principal_parts(r, kind == 0x06, cv.MAX_NAME)
    made: ClarityValue
    if kind == 0x05:
        made = cv.StandardPrincipal(version, hash160)
    else:
        made = cv.ContractPrincipal(version, hash160, name)
    _remember(_PRINCIPALS, data[start : r.pos], made)
    return made


def _read_composite(r: Reader, kind: int, depth: int) -> ClarityValue:
    if kind == 0x07:
        return cv.Ok(read_value(r, depth))
    if kind == 0x08:
        return cv.Err(read_value(r, depth))
    if kind == 0x0A:
        return cv.Some(read_value(r, depth))
    at = r.pos
    count = r.uint(4, "a 4-byte element count")
    smallest = _MIN_VALUE if kind == 0x0B else _MIN_FIELD
    if kind == 0x0C and count == 0:
        raise r.fail("a tuple with at least one field", at)
    if count * smallest > r.remaining():
        raise r.fail(f"room for {count} elements, only {r.remaining()} bytes left", at)
    if kind == 0x0B:
        return cv.List([read_value(r, depth) for _ in range(count)])
    return _read_tuple(r, count, depth)


def _read_tuple(r: Reader, count: int, depth: int) -> ClarityValue:
    fields: dict[str, ClarityValue] = {}
    previous = ""  # every key is longer, so the first is always in order
    for _ in range(count):
        at = r.pos
        name = _read_key(r)
        # The node writes keys in byte order (BTreeMap); anything else is not canonical.
        # Keys are ASCII, so comparing the text compares the bytes.
        if name <= previous:
            why = "a new key" if name == previous else "keys in byte order"
            raise r.fail(f"{why} after {previous!r}, not {name!r}", at)
        previous = name
        fields[name] = read_value(r, depth)
    return cv.Tuple.canonical(fields)


def _read_key(r: Reader) -> str:
    """A tuple key; one already checked is found by its exact bytes (length byte included)."""
    at = r.pos
    data = r.data
    end = at + 1 + data[at] if at < len(data) else at
    known = _KEYS.get(data[at:end]) if end <= len(data) else None
    if known is not None:
        r.pos = end
        return known
    name = read_name(r, "tuple key", cv.MAX_NAME)
    _remember(_KEYS, data[at:end], name)
    return name


# -- remembered values -----------------------------------------------------------------
# Tuple keys and principals already checked, each by its exact wire bytes. Each dict is
# emptied when it reaches _REMEMBERED entries, so hostile input can make decoding slower but
# never hold more than about 3 MiB here (2,047 contract principals and tuple keys of the
# longest names, each principal with its text: measured with tracemalloc).

_K = TypeVar("_K")
_V = TypeVar("_V")
_REMEMBERED = 2048
_KEYS: dict[bytes, str] = {}
_PRINCIPALS: dict[bytes, ClarityValue] = {}


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> None:
    if len(cache) >= _REMEMBERED:
        cache.clear()
    cache[key] = value
