"""Clarity values: typed immutable objects, their consensus wire form, and their display form.

The wire form follows SIP-005 §"Clarity Value Representation" and stacks-core
``clarity-types/src/types/serialization.rs`` (docs/stacks.md §2): one type byte, then a
big-endian payload. Tuples are written with their keys in byte order, as the node's
``BTreeMap`` does. Decoding is strict and bounded (depth, size, counts checked against the
bytes actually present before anything is allocated) and refuses non-canonical input
(unsorted or duplicate tuple keys, trailing bytes), always with a :class:`ClarityDecodeError`
naming the byte offset. The value classes and the writer live here; the reader
(:func:`~arbiter_app.stacks.clarity_wire.deserialize`, ``from_hex``) is
:mod:`arbiter_app.stacks.clarity_wire` and the display form
(:func:`~arbiter_app.stacks.clarity_repr.repr_value`) :mod:`arbiter_app.stacks.clarity_repr`;
both import this module, never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from arbiter_app.errors import DecodeError, InputError
from arbiter_app.stacks import c32

# docs/stacks.md §2: MAX_VALUE_SIZE and MAX_TYPE_DEPTH of clarity-types/src/types/mod.rs.
MAX_VALUE_SIZE = 1024 * 1024
MAX_DEPTH = 32
INT_MIN, INT_MAX = -(2**127), 2**127 - 1
UINT_MAX = 2**128 - 1
# docs/stacks.md §2 "Tuple rules" and §1.4: Clarity names and contract names.
CLARITY_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9]|[-_!?+<>=/*])*\Z|[-+*/<>]\Z|<=\Z|>=\Z")
CONTRACT_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9]|[-_])*\Z|__transient\Z")
MAX_NAME = 128
# Rust's is_ascii_alphanumeric/punctuation/whitespace: what a Clarity string-ascii may hold.
ASCII_ALLOWED = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0C, 0x0D}
_ASCII_TEXT = re.compile(r"[\t\n\x0c\r\x20-\x7e]*\Z")  # the same set, one match per string


class InvalidValue(InputError, ValueError):
    """A Clarity value cannot be built from these parts (out of range, bad name, ...)."""


class ClarityDecodeError(DecodeError):
    """Bytes or hex are not one canonical Clarity value."""


class ClarityValue:
    """Base of every Clarity value; ``TYPE_ID`` is its wire type byte."""

    TYPE_ID: ClassVar[int]


def _check(ok: bool, message: str) -> None:
    # For fixed messages only: one that shows the value is formatted where the check fails,
    # since the reader builds a value object for every value it decodes.
    if not ok:
        raise InvalidValue(message)


@dataclass(frozen=True)
class Int(ClarityValue):
    """A signed 128-bit integer (``int``)."""

    TYPE_ID: ClassVar[int] = 0x00
    value: int

    def __post_init__(self) -> None:
        if type(self.value) is not int or not INT_MIN <= self.value <= INT_MAX:
            raise InvalidValue(
                f"an int must be an integer in [-2^127, 2^127-1], not {self.value!r}"
            )


@dataclass(frozen=True)
class UInt(ClarityValue):
    """An unsigned 128-bit integer (``uint``)."""

    TYPE_ID: ClassVar[int] = 0x01
    value: int

    def __post_init__(self) -> None:
        if type(self.value) is not int or not 0 <= self.value <= UINT_MAX:
            raise InvalidValue(f"a uint must be an integer in [0, 2^128-1], not {self.value!r}")


@dataclass(frozen=True)
class Buffer(ClarityValue):
    """A byte buffer (``buff``)."""

    TYPE_ID: ClassVar[int] = 0x02
    value: bytes

    def __post_init__(self) -> None:
        _check(isinstance(self.value, (bytes, bytearray, memoryview)), "a buffer holds bytes")
        object.__setattr__(self, "value", bytes(self.value))


@dataclass(frozen=True)
class Bool(ClarityValue):
    """``true`` or ``false``; the wire type byte is 0x03 or 0x04."""

    value: bool

    def __post_init__(self) -> None:
        if not isinstance(self.value, bool):
            raise InvalidValue(f"a bool must be True or False, not {self.value!r}")

    @property
    def TYPE_ID(self) -> int:  # type: ignore[override]  # noqa: N802 - same name as siblings
        return 0x03 if self.value else 0x04


@dataclass(frozen=True)
class StandardPrincipal(ClarityValue):
    """An account principal: c32 version and hash160. ``str()`` gives the address."""

    TYPE_ID: ClassVar[int] = 0x05
    version: int
    hash160: bytes

    def __post_init__(self) -> None:
        if type(self.version) is not int or not 0 <= self.version < 32:
            raise InvalidValue(f"a principal version is below 32, not {self.version!r}")
        _check(
            isinstance(self.hash160, bytes) and len(self.hash160) == 20,
            "a principal hash is 20 bytes",
        )

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        # Worked out once per object: the reader hands out one object per distinct principal.
        return c32.encode_address(self.version, self.hash160, any_version=True)


@dataclass(frozen=True)
class ContractPrincipal(ClarityValue):
    """A contract principal ``ADDRESS.name``. ``str()`` gives that text."""

    TYPE_ID: ClassVar[int] = 0x06
    version: int
    hash160: bytes
    name: str

    def __post_init__(self) -> None:
        StandardPrincipal(self.version, self.hash160)
        if not (
            isinstance(self.name, str)
            and len(self.name) <= MAX_NAME
            and CONTRACT_NAME.match(self.name) is not None
        ):
            raise InvalidValue(f"{self.name!r} is not a contract name")

    @property
    def issuer(self) -> StandardPrincipal:
        """The standard principal that deployed the contract."""
        return StandardPrincipal(self.version, self.hash160)

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        # Worked out once per object, as for a standard principal.
        return f"{self.issuer}.{self.name}"


@dataclass(frozen=True)
class Ok(ClarityValue):
    """``(ok value)``."""

    TYPE_ID: ClassVar[int] = 0x07
    value: ClarityValue


@dataclass(frozen=True)
class Err(ClarityValue):
    """``(err value)``."""

    TYPE_ID: ClassVar[int] = 0x08
    value: ClarityValue


@dataclass(frozen=True)
class NoneValue(ClarityValue):
    """``none``; use the constant :data:`NONE`."""

    TYPE_ID: ClassVar[int] = 0x09


NONE = NoneValue()


@dataclass(frozen=True)
class Some(ClarityValue):
    """``(some value)``."""

    TYPE_ID: ClassVar[int] = 0x0A
    value: ClarityValue


@dataclass(frozen=True)
class List(ClarityValue):
    """``(list ...)``; ``items`` is kept as a tuple."""

    TYPE_ID: ClassVar[int] = 0x0B
    items: tuple[ClarityValue, ...]

    def __init__(self, items: Iterable[ClarityValue] = ()) -> None:
        object.__setattr__(self, "items", tuple(items))

    def __iter__(self) -> Iterator[ClarityValue]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Tuple(ClarityValue):
    """``(tuple (key value) ...)``; ``fields`` is a read-only dict in wire (byte) order.

    Byte order is the node's (BTreeMap of names). stacks.js sorts with ``localeCompare``
    instead, which differs for mixed case (``B`` vs ``a``) and for ``_`` against digits and
    ``-``; there its bytes are not canonical and the reader refuses them.
    """

    TYPE_ID: ClassVar[int] = 0x0C
    fields: Mapping[str, ClarityValue] = field(hash=False)

    def __post_init__(self) -> None:
        _check(len(self.fields) > 0, "a Clarity tuple needs at least one field")
        for name in self.fields:
            _check(
                isinstance(name, str) and is_clarity_name(name), f"{name!r} is not a Clarity name"
            )
        ordered = dict(sorted(self.fields.items(), key=lambda kv: kv[0].encode()))
        object.__setattr__(self, "fields", _FrozenDict(ordered))

    @classmethod
    def canonical(cls, fields: dict[str, ClarityValue]) -> Tuple:
        """A tuple of ``fields`` already checked by the wire reader: at least one, every
        name a Clarity name, in strictly increasing byte order (no check repeated here)."""
        made = object.__new__(cls)
        object.__setattr__(made, "fields", _FrozenDict(fields))
        return made

    def __hash__(self) -> int:
        return hash(tuple(self.fields.items()))

    def __getitem__(self, name: str) -> ClarityValue:
        return self.fields[name]


class _FrozenDict(dict[str, ClarityValue]):
    """A dict that refuses changes, so a Tuple stays immutable."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("the fields of a Clarity tuple cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]


@dataclass(frozen=True)
class StringAscii(ClarityValue):
    """``"text"``: printable ASCII plus tab, newline, form feed and carriage return."""

    TYPE_ID: ClassVar[int] = 0x0D
    value: str

    def __post_init__(self) -> None:
        _check(
            isinstance(self.value, str) and _ASCII_TEXT.match(self.value) is not None,
            "a string-ascii holds printable ASCII only",
        )


@dataclass(frozen=True)
class StringUtf8(ClarityValue):
    """``u"text"``: any Unicode scalar values (no lone surrogates)."""

    TYPE_ID: ClassVar[int] = 0x0E
    value: str

    def __post_init__(self) -> None:
        _check(isinstance(self.value, str), "a string-utf8 holds text")
        try:
            self.value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidValue("a string-utf8 cannot hold a lone surrogate") from e


def is_clarity_name(name: str) -> bool:
    """Whether ``name`` is a Clarity name (tuple key, function or asset name)."""
    return 0 < len(name) <= MAX_NAME and name.isascii() and CLARITY_NAME.match(name) is not None


def principal(text: str) -> StandardPrincipal | ContractPrincipal:
    """Parse ``SP…``/``ST…`` or ``ADDRESS.contract-name`` (leading ``'`` allowed).

    :param text: the principal's text form
    :returns: the principal value
    :raises DecodeError: a bad address or contract name
    """
    body = text[1:] if text.startswith("'") else text
    address, dot, name = body.partition(".")
    version, hash160 = c32.decode_address(address, any_version=True)
    if not dot:
        return StandardPrincipal(version, hash160)
    if not (0 < len(name) <= MAX_NAME and name.isascii() and CONTRACT_NAME.match(name)):
        raise ClarityDecodeError("principal", len(address) + 1, "a contract name")
    return ContractPrincipal(version, hash160, name)


def serialize(value: ClarityValue) -> bytes:
    """The consensus wire form of ``value`` (SIP-005).

    :param value: any Clarity value
    :returns: the bytes
    :raises InvalidValue: the value nests deeper than :data:`MAX_DEPTH`
    """
    out = bytearray()
    _write(value, out)
    return bytes(out)


def _write(v: ClarityValue, out: bytearray, depth: int = 0) -> None:
    if depth >= MAX_DEPTH and isinstance(v, (Ok, Err, Some, List, Tuple)):
        # The node refuses values nested deeper than MAX_TYPE_DEPTH, so never write one.
        raise InvalidValue(f"a Clarity value may nest at most {MAX_DEPTH} levels")
    out.append(v.TYPE_ID)
    if isinstance(v, Int):
        out += v.value.to_bytes(16, "big", signed=True)
    elif isinstance(v, UInt):
        out += v.value.to_bytes(16, "big")
    elif isinstance(v, (Buffer, StringAscii, StringUtf8)):
        data = v.value if isinstance(v, Buffer) else v.value.encode()
        out += len(data).to_bytes(4, "big") + data
    elif isinstance(v, (StandardPrincipal, ContractPrincipal)):
        out.append(v.version)
        out += v.hash160
        if isinstance(v, ContractPrincipal):
            out.append(len(v.name))
            out += v.name.encode()
    elif isinstance(v, (Ok, Err, Some)):
        _write(v.value, out, depth + 1)
    elif isinstance(v, List):
        out += len(v.items).to_bytes(4, "big")
        for item in v.items:
            _write(item, out, depth + 1)
    elif isinstance(v, Tuple):
        out += len(v.fields).to_bytes(4, "big")
        for name, item in v.fields.items():  # already in byte order
            out.append(len(name))
            out += name.encode()
            _write(item, out, depth + 1)


def to_hex(value: ClarityValue) -> str:
    """``0x`` and the lowercase hex of the wire form."""
    return "0x" + serialize(value).hex()
