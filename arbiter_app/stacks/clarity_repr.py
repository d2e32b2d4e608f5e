"""The Clarity display form of values, as the Stacks API shows it in ``repr`` fields.

It is the Clarity VM's own printing (and what the devnet's API answers): ``u1``, ``-5``,
``0x..`` buffers, ``'SP..`` principals with a leading quote, ``(ok ..)``, ``(some ..)``,
``none``, ``(list ..)``, ``(tuple (key value) ..)`` in wire order, JSON-escaped ascii strings and
``u"..."`` utf8 strings with ``\\u{..}`` escapes for anything outside printable ASCII.
"""

from __future__ import annotations

import json

from arbiter_app.stacks.clarity import (
    Bool,
    Buffer,
    ClarityValue,
    ContractPrincipal,
    Err,
    Int,
    List,
    NoneValue,
    Ok,
    Some,
    StandardPrincipal,
    StringAscii,
    StringUtf8,
    Tuple,
    UInt,
)


def repr_value(value: ClarityValue) -> str:
    """The Clarity display form the Stacks API shows as ``repr`` (e.g. ``(ok u1)``).

    Principals carry a leading quote, strings use JSON escaping (ascii) or ``\\u{..}``
    escapes (utf8), tuples list their fields in wire order.
    """
    v = value
    if isinstance(v, Int):
        return str(v.value)
    if isinstance(v, UInt):
        return f"u{v.value}"
    if isinstance(v, Buffer):
        return "0x" + v.value.hex()
    if isinstance(v, Bool):
        return "true" if v.value else "false"
    if isinstance(v, (StandardPrincipal, ContractPrincipal)):
        return f"'{v}"
    if isinstance(v, (Ok, Err, Some)):
        word = {Ok: "ok", Err: "err", Some: "some"}[type(v)]
        return f"({word} {repr_value(v.value)})"
    if isinstance(v, NoneValue):
        return "none"
    if isinstance(v, List):
        return "(list" + "".join(" " + repr_value(i) for i in v.items) + ")"
    if isinstance(v, Tuple):
        return "(tuple" + "".join(f" ({k} {repr_value(i)})" for k, i in v.fields.items()) + ")"
    if isinstance(v, StringAscii):
        return json.dumps(v.value)
    if isinstance(v, StringUtf8):
        return "u" + _utf8_literal(v.value)
    raise TypeError(f"not a Clarity value: {value!r}")


def _utf8_literal(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{{{code:x}}}")
    out.append('"')
    return "".join(out)
