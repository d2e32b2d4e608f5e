"""The JSON shapes of the two paged routes a sync reads most, as msgspec types.

A contract's logs (``/extended/v2/smart-contracts/{id}/logs``) and a principal's transactions
(``/extended/v3/principals/{p}/transactions``) come a page at a time, thousands of entries per
sync. :func:`typed` checks a whole decoded page against these types in one call: every field
the app reads present with its JSON type (an int is never a bool or a float), every other
field ignored. What a type cannot say (a txid's form, a count below zero, the contract, the
Clarity value) is checked by ``stacks/api_shapes.py``, which also walks a page that does not
fit field by field, to name what is wrong.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

_Shape = TypeVar("_Shape", bound=msgspec.Struct)


class LogValue(msgspec.Struct):
    """A log's ``value``: the Clarity value's hex (its ``repr`` is not read)."""

    hex: str


class LogBody(msgspec.Struct):
    """A log's ``contract_log``."""

    contract_id: str
    topic: str
    value: LogValue


class LogEntry(msgspec.Struct):
    """One entry of ``results``."""

    tx_id: str
    event_index: int
    contract_log: LogBody


class LogPageShape(msgspec.Struct):
    """A page of logs; a missing cursor reads as ``null``, as in the field-by-field walk."""

    results: list[LogEntry]
    total: int
    prev_cursor: str | None = None
    cursor: str | None = None


class TxBlock(msgspec.Struct):
    """A mined transaction's ``block``."""

    height: int
    time: int


class TxSender(msgspec.Struct):
    """A transaction's ``sender``."""

    address: str


class TxSummary(msgspec.Struct):
    """A listed transaction (the list holds mined ones only, so ``block`` is required)."""

    tx_id: str
    status: str
    block: TxBlock
    sender: TxSender


class TxEntry(msgspec.Struct):
    """One entry of ``results``."""

    transaction: TxSummary


class TxCursor(msgspec.Struct):
    """The page's ``cursor``; only ``next`` (the older page) is read."""

    next: str | None = None


class TxPageShape(msgspec.Struct):
    """A page of a principal's transactions."""

    results: list[TxEntry]
    cursor: TxCursor
    total: int


def typed(doc: Any, shape: type[_Shape]) -> _Shape | None:
    """``doc`` as ``shape``, or ``None`` when it does not fit.

    :param doc: a decoded JSON document
    :param shape: one of this module's page types
    """
    try:
        return msgspec.convert(doc, shape)
    except msgspec.ValidationError:
        return None
