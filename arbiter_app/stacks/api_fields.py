"""The field checks every Stacks API answer goes through before a result is built from it.

Each takes a decoded JSON value, what the app expects of it and the URL it came from, and
returns the checked value or raises :class:`ResponseError` naming the URL and the field:
present with the expected JSON type (a bool is never an int here), a count not negative, a
txid of 64 hex digits, a Clarity value that decodes. ``stacks/api_shapes.py`` builds each
route's result from these.
"""

from __future__ import annotations

import re
from typing import Any

from arbiter_app.errors import InputError, ResponseError
from arbiter_app.stacks import clarity_wire

# One regex match instead of a generator over every character: a sync checks a txid on each of
# thousands of logs and transactions.
_TXID = re.compile(r"[0-9a-fA-F]{64}")
_HEX_U128 = re.compile(r"[0-9a-fA-F]{1,32}")


def need(doc: Any, key: str, kind: type | tuple[type, ...], url: str) -> Any:
    """``doc[key]`` if ``doc`` is an object and the value has the JSON type ``kind``."""
    if not isinstance(doc, dict):
        raise ResponseError("unexpected answer: not a JSON object", url)
    value = doc.get(key)
    if type(value) is kind:  # the common case, decided at once (a bool is not an int here)
        return value
    is_bool = isinstance(value, bool)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (is_bool and bool not in kinds):
        names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise ResponseError(f"unexpected answer: field {key!r} missing or not {names}", url)
    return value


def count(doc: Any, key: str, url: str) -> int:
    """``doc[key]``, an int not below zero."""
    return not_negative(need(doc, key, int, url), key, url)


def not_negative(value: int, key: str, url: str) -> int:
    """``value`` (the field ``key``) if it is not below zero."""
    if value < 0:
        raise ResponseError(f"unexpected answer: field {key!r} is negative", url)
    return value


def opt_count(doc: Any, key: str, url: str) -> int | None:
    """``doc[key]``: ``null`` or an int not below zero."""
    if need(doc, key, (int, type(None)), url) is None:
        return None
    return count(doc, key, url)


def hex_uint(text: str, key: str, url: str) -> int:
    """The field ``key``'s text as a hex u128 (``0x`` allowed)."""
    body = text[2:] if text.startswith("0x") else text
    if _HEX_U128.fullmatch(body) is None:
        raise ResponseError(f"unexpected answer: field {key!r} is not a hex u128", url)
    return int(body, 16)


def clarity_value(text: Any, what: str, url: str) -> Any:
    """The Clarity value whose hex is ``text`` (``what`` names it in errors)."""
    if not isinstance(text, str):
        raise ResponseError(f"unexpected answer: {what} is not a hex string", url)
    try:
        return clarity_wire.from_hex(text)
    except (InputError, ValueError) as e:
        raise ResponseError(f"unexpected answer: {what} is not a valid Clarity value", url) from e


def bare_txid(tx_id: str) -> str:
    """A txid as 64 lower-case hex digits without ``0x``.

    :param tx_id: 64 hex digits, with or without ``0x``
    :raises ValueError: when it is not a txid (a caller's mistake, not the server's)
    """
    bare = tx_id[2:] if tx_id.startswith("0x") else tx_id
    if _TXID.fullmatch(bare) is None:
        raise ValueError(f"a txid is 64 hex digits, not {tx_id!r}")
    return bare.lower()


def answer_txid(value: Any, what: str, url: str) -> str:
    """A txid the server sent, bare and lower-case (``what`` names it in errors)."""
    try:
        return bare_txid(value) if isinstance(value, str) else bare_txid("")
    except ValueError as e:
        raise ResponseError(f"unexpected answer: {what} is not a txid", url) from e
