"""Canonical JSON, the one form the app signs (sorted keys, no whitespace, UTF-8), written,
recognised fast, and parsed strictly in the documents an auditor verifies (log exports,
receipts).

These files come from anyone, so parsing is the first line of defence: the bytes must be
UTF-8 JSON with no ``NaN``/``Infinity`` literals, no number too large for a float, no string
holding a lone surrogate, nesting no deeper than :data:`MAX_DEPTH`, and written in the one
canonical form the app signs. Each refusal is a :class:`VerificationError` that names what
was wrong, never a traceback; the cost of parsing is bounded by the document's own size.
"""

from __future__ import annotations

import decimal
import json
import math
from typing import Any

import msgspec

from arbiter_app.errors import VerificationError

MAX_DEPTH = 32  # the deepest document the app writes nests 5 levels

MAX_FAST_NESTING = 16
"""Documents with more brackets than this take the strict parser, which bounds their depth
(at twice this, so the fast path never vouches for a document the strict one refuses)."""

# Floats decode as Decimal, which msgspec encodes as a JSON string: a float never re-encodes
# to the same bytes, so documents holding one always go to the json module.
_DECODE = msgspec.json.Decoder(float_hook=decimal.Decimal)
_ENCODE = msgspec.json.Encoder(order="sorted")


def canonical_json(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def decode_canonical(raw: bytes) -> Any | None:
    """The value of ``raw`` when the fast path can vouch that it is canonical JSON, else ``None``.

    For JSON without floats, msgspec with sorted keys writes exactly :func:`canonical_json`'s
    bytes (same escapes, same key order, big integers included), so a value whose msgspec
    encoding equals ``raw`` is canonical, at a tenth of the json module's cost. ``None``
    promises nothing: the caller's strict parser then decides and names any problem.
    """
    if raw.count(b"[") + raw.count(b"{") > MAX_FAST_NESTING:
        return None
    try:
        value = _DECODE.decode(raw)
    except (msgspec.DecodeError, ValueError, RecursionError):  # bad UTF-8 is a ValueError
        return None
    return value if _ENCODE.encode(value) == raw else None


class _Refused(ValueError):
    """A JSON value the verifier does not accept, with the reason in words."""


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:20]} is too large")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if \
            isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_canonical(raw: bytes, what: str) -> Any:
    """Parse ``raw`` as strict JSON and check that it is in canonical form.

    :param what: how messages name the document, e.g. ``"line 3"`` or ``"the receipt"``
    :returns: the parsed value
    :raises VerificationError: naming why the bytes are refused
    """
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant,
                           parse_float=_finite)
    except UnicodeDecodeError as e:
        raise VerificationError(f"{what}: not valid JSON (not UTF-8 at byte {e.start})") from e
    except _Refused as e:
        raise VerificationError(f"{what}: not valid JSON ({e})") from e
    except RecursionError as e:
        raise VerificationError(f"{what}: nested too deeply (over {MAX_DEPTH} levels)") from e
    except ValueError as e:
        raise VerificationError(f"{what}: not valid JSON ({e})") from e
    if _depth(value) > MAX_DEPTH:
        raise VerificationError(f"{what}: nested too deeply (over {MAX_DEPTH} levels)")
    try:
        again = canonical_json(value)
    except UnicodeEncodeError as e:
        raise VerificationError(f"{what}: a string holds a lone surrogate "
                                f"(\\u{ord(e.object[e.start]):04x}), which is not text") from e
    if again != raw:
        raise VerificationError(f"{what}: not in canonical form (altered)")
    return value
