"""Typed results of the Stacks API calls and the checks that build them from JSON answers.

Every answer is hostile until checked (docs/ARCHITECTURE.md §6): each ``parse_*`` function
takes a decoded JSON document and the URL it came from, requires each field the app uses to be
present with the expected JSON type, and returns a frozen dataclass; anything else is a
:class:`ResponseError` naming the URL. Server text reaches the user only through
:func:`arbiter_app.text.untrusted_text` (printable ASCII, truncated, labelled). The transport,
retries and error-status mapping live in ``stacks/api.py``, which re-exports the names callers use.
The field checks are :mod:`arbiter_app.stacks.api_fields`; the two paged routes a sync reads
(contract logs, a principal's transactions) are first checked whole against their msgspec
types (:mod:`arbiter_app.stacks.page_shapes`) and walked field by field only when they do not
fit, so that the refusal names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arbiter_app.errors import ApiError, ResponseError
from arbiter_app.stacks import page_shapes
from arbiter_app.stacks.api_fields import (
    answer_txid,
    clarity_value,
    count,
    hex_uint,
    need,
    not_negative,
    opt_count,
)
from arbiter_app.stacks.api_fields import bare_txid as bare_txid  # stacks/api.py's txid check
from arbiter_app.text import untrusted_text


@dataclass(frozen=True)
class NodeInfo:
    """The parts of ``/v2/info`` the app checks (network binding, tip progress)."""

    network_id: int
    stacks_tip_height: int
    burn_block_height: int
    server_version: str


@dataclass(frozen=True)
class Account:
    """``/v2/accounts``: unlocked µSTX balance and the next nonce from confirmed state."""

    balance: int
    nonce: int


@dataclass(frozen=True)
class FeeEstimate:
    """The three fee estimates of ``/v2/fees/transaction``, in µSTX."""

    low: int
    middle: int
    high: int


@dataclass(frozen=True)
class PoxInfo:
    """``/v2/pox``: current burn height and ``(epoch_id, start_height)`` pairs."""

    current_burnchain_block_height: int
    epochs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ContractLog:
    """One ``print`` (or other) log of a contract, value decoded.

    The logs route gives no block height or time: those come from the transaction
    (:class:`TxStatus`).

    :param tx_id: the transaction that emitted it (64 hex, no ``0x``)
    :param event_index: its index among the transaction's events
    :param topic: ``print`` for Clarity ``print``
    :param value: the decoded Clarity value
    """

    tx_id: str
    event_index: int
    topic: str
    value: Any


@dataclass(frozen=True)
class LogPage:
    """One page of contract logs, newest first.

    :param older_cursor: the cursor of the page of older logs (the API's ``prev_cursor``)
    :param top_height: the block height of the page's newest log, read from its ``cursor``
        (``block_height:microblock_sequence:tx_index:event_index``), or ``None`` when empty
    """

    results: tuple[ContractLog, ...]
    older_cursor: str | None
    total: int
    top_height: int | None


@dataclass(frozen=True)
class ContractCall:
    """The contract call a transaction makes: contract, function and argument hex (untrusted)."""

    contract_id: str
    function_name: str
    args_hex: tuple[str, ...]


@dataclass(frozen=True)
class TxStatus:
    """A transaction as the extended API's v3 route sees it.

    :param status: ``pending``, ``success``, ``abort_by_response``,
        ``abort_by_post_condition``, ``dropped_*`` ...
    :param block_height: the block's height, when mined
    :param block_time: the block's time (Unix seconds), when mined
    :param result_repr: the Clarity repr of the result, when mined (server text)
    """

    tx_id: str
    status: str
    block_height: int | None
    result_hex: str | None
    result_repr: str | None
    sender: str | None
    block_time: int | None = None
    call: ContractCall | None = None

    @property
    def confirmed(self) -> bool:
        """Mined and successful."""
        return self.status == "success"

    @property
    def failed(self) -> bool:
        """Mined with an abort, or dropped from the mempool."""
        return self.status.startswith(("abort", "dropped")) or self.status == "problematic_skipped"


@dataclass(frozen=True)
class TxPage:
    """One page of a principal's confirmed transactions, newest first.

    :param results: each transaction's summary (no result, no function arguments)
    :param older_cursor: the cursor of the page of older transactions (the API's
        ``cursor.next``), ``None`` on the oldest page
    """

    results: tuple[TxStatus, ...]
    older_cursor: str | None
    total: int


@dataclass(frozen=True)
class Nonces:
    """``/extended/v3/principals/{p}/nonces``: the next nonce counting the mempool."""

    next_nonce: int
    last_confirmed_nonce: int | None


# -- answer checks --------------------------------------------------------------------
# Each ``parse_*`` takes the decoded JSON and its URL and raises ResponseError (naming
# the URL) when a field the app uses is missing or of the wrong JSON type.

# The statuses of the v3 transaction object: a mempool transaction's, and a mined one's
# (docs/stacks-api.md).
MEMPOOL_STATUSES = frozenset(
    {
        "pending", "dropped_replace_by_fee", "dropped_replace_across_fork",
        "dropped_too_expensive", "dropped_stale_garbage_collect", "dropped_problematic",
    }
)
TX_STATUSES = MEMPOOL_STATUSES | {
    "success", "abort_by_response", "abort_by_post_condition", "problematic_skipped",
}


def parse_node_info(doc: Any, url: str) -> NodeInfo:
    """Check a ``/v2/info`` answer.

    :raises ResponseError: when a field is missing, of the wrong type or negative
    """
    return NodeInfo(
        network_id=count(doc, "network_id", url),
        stacks_tip_height=count(doc, "stacks_tip_height", url),
        burn_block_height=count(doc, "burn_block_height", url),
        server_version=need(doc, "server_version", str, url),
    )


def parse_account(doc: Any, url: str) -> Account:
    """Check a ``/v2/accounts`` answer (balance as hex u128, nonce as a count).

    :raises ResponseError: when a field is missing or malformed
    """
    balance = hex_uint(need(doc, "balance", str, url), "balance", url)
    return Account(balance=balance, nonce=count(doc, "nonce", url))


def parse_read_only_result(doc: Any, url: str) -> Any:
    """The Clarity value of a ``call-read`` answer.

    :returns: the decoded result when the node says ``okay: true``
    :raises ApiError: when it says ``okay: false`` (its cause shown labelled)
    :raises ResponseError: when the result is not a valid Clarity value
    """
    if need(doc, "okay", bool, url):
        return clarity_value(need(doc, "result", str, url), "the read-only result", url)
    cause = doc.get("cause")
    text = untrusted_text(cause) if isinstance(cause, str) else "no cause given"
    raise ApiError(f"the read-only call failed; {text}", url, 200)


def parse_fee_estimate(doc: Any, url: str) -> FeeEstimate:
    """Check a ``/v2/fees/transaction`` answer: exactly three estimations.

    :raises ResponseError: when there are not three, or a fee is malformed
    """
    estimations = need(doc, "estimations", list, url)
    if len(estimations) != 3:
        raise ResponseError("unexpected answer: expected 3 fee estimations", url)
    low, middle, high = (count(e, "fee", url) for e in estimations)
    return FeeEstimate(low, middle, high)


def parse_pox_info(doc: Any, url: str) -> PoxInfo:
    """Check a ``/v2/pox`` answer: burn height and ``(epoch_id, start_height)`` pairs.

    :raises ResponseError: when a field is missing or malformed
    """
    epochs = tuple(
        (need(e, "epoch_id", str, url), count(e, "start_height", url))
        for e in need(doc, "epochs", list, url)
    )
    return PoxInfo(count(doc, "current_burnchain_block_height", url), epochs)


def parse_broadcast_txid(doc: Any, expected: str, url: str) -> str:
    """The txid a broadcast answered, required equal to the one computed locally.

    :param expected: our txid (64 hex, with or without ``0x``)
    :raises ResponseError: when the answer is not a txid or is another txid
    """
    txid = answer_txid(doc, "the broadcast answer", url)
    if txid != bare_txid(expected):
        raise ResponseError(
            f"the node answered txid {txid}, not the txid of our transaction {expected}", url
        )
    return txid


def _log_entry(doc: Any, contract_id: str, url: str) -> ContractLog:
    tx_id = answer_txid(need(doc, "tx_id", str, url), "a log's tx_id", url)
    event_index = count(doc, "event_index", url)
    log_doc = need(doc, "contract_log", dict, url)
    _same_contract(need(log_doc, "contract_id", str, url), contract_id, url)
    topic = need(log_doc, "topic", str, url)
    value = clarity_value(need(need(log_doc, "value", dict, url), "hex", str, url), "a log", url)
    return ContractLog(tx_id, event_index, topic, value)


def _typed_log(entry: page_shapes.LogEntry, contract_id: str, url: str) -> ContractLog:
    """:func:`_log_entry` for an entry whose fields have their JSON types already."""
    tx_id = answer_txid(entry.tx_id, "a log's tx_id", url)
    event_index = not_negative(entry.event_index, "event_index", url)
    body = entry.contract_log
    _same_contract(body.contract_id, contract_id, url)
    return ContractLog(tx_id, event_index, body.topic, clarity_value(body.value.hex, "a log", url))


def _same_contract(found: str, contract_id: str, url: str) -> None:
    if found != contract_id:
        raise ResponseError("unexpected answer: a log of another contract", url)


def _cursor_height(cursor: str | None, url: str) -> int | None:
    """The block height that opens a log cursor ``height:microblock:tx_index:event_index``."""
    if cursor is None:
        return None
    parts = cursor.split(":")
    if len(parts) != 4 or not all(p.isdigit() and p.isascii() for p in parts):
        raise ResponseError("unexpected answer: a log cursor not in the form "
                            "block_height:microblock_sequence:tx_index:event_index", url)
    return int(parts[0])


def parse_log_page(doc: Any, contract_id: str, url: str) -> LogPage:
    """Check one page of contract logs; every log must belong to ``contract_id``.

    :raises ResponseError: when an entry is malformed or of another contract
    """
    page = page_shapes.typed(doc, page_shapes.LogPageShape)
    if page is None:
        return _walk_log_page(doc, contract_id, url)
    results = tuple(_typed_log(e, contract_id, url) for e in page.results)
    _cursor_height(page.prev_cursor, url)
    top = _cursor_height(page.cursor, url)
    return LogPage(results, page.prev_cursor, not_negative(page.total, "total", url), top)


def _walk_log_page(doc: Any, contract_id: str, url: str) -> LogPage:
    """:func:`parse_log_page` field by field, naming the first field that is wrong."""
    results = tuple(_log_entry(e, contract_id, url) for e in need(doc, "results", list, url))
    older = need(doc, "prev_cursor", (str, type(None)), url)
    _cursor_height(older, url)
    top = _cursor_height(need(doc, "cursor", (str, type(None)), url), url)
    return LogPage(results, older, count(doc, "total", url), top)


def _block(doc: dict[str, Any], status: str, url: str) -> tuple[int | None, int | None]:
    """(height, time) of a mined transaction's ``block``; a mempool one has none."""
    if status in MEMPOOL_STATUSES:
        return None, None
    block = need(doc, "block", dict, url)
    return count(block, "height", url), count(block, "time", url)


def parse_tx_status(doc: Any, txid: str, url: str) -> TxStatus:
    """Check a v3 transaction object (mined or mempool), which must describe ``txid``.

    :param txid: the bare txid asked for
    :raises ResponseError: when it describes another transaction or an unknown status
    """
    if answer_txid(need(doc, "tx_id", str, url), "tx_id", url) != txid:
        raise ResponseError("unexpected answer: the API described another transaction", url)
    status = need(doc, "status", str, url)
    if status not in TX_STATUSES:
        raise ResponseError("unexpected answer: unknown transaction status", url)
    height, time_ = _block(doc, status, url)
    result = doc.get("result")
    result = result if isinstance(result, dict) else {}
    sender = need(doc, "sender", dict, url)
    return TxStatus(
        tx_id=txid,
        status=status,
        block_height=height,
        result_hex=result.get("hex") if isinstance(result.get("hex"), str) else None,
        result_repr=result.get("repr") if isinstance(result.get("repr"), str) else None,
        sender=need(sender, "address", str, url),
        block_time=time_,
        call=_contract_call(doc.get("contract_call")),
    )


def parse_tx_page(doc: Any, url: str) -> TxPage:
    """Check one page of ``/extended/v3/principals/{p}/transactions``: each result's
    ``transaction`` is a mined transaction's summary (``block.height`` and ``block.time``).

    :raises ResponseError: when an entry is malformed or not mined
    """
    page = page_shapes.typed(doc, page_shapes.TxPageShape)
    if page is None:
        return _walk_tx_page(doc, url)
    results = tuple(_typed_tx(e.transaction, url) for e in page.results)
    return TxPage(results, page.cursor.next, not_negative(page.total, "total", url))


def _walk_tx_page(doc: Any, url: str) -> TxPage:
    """:func:`parse_tx_page` field by field, naming the first field that is wrong."""
    listed = []
    for entry in need(doc, "results", list, url):
        tx = need(entry, "transaction", dict, url)
        bare = answer_txid(need(tx, "tx_id", str, url), "a transaction's tx_id", url)
        status = _mined(need(tx, "status", str, url), url)
        height, time_ = _block(tx, status, url)
        sender = need(need(tx, "sender", dict, url), "address", str, url)
        listed.append(TxStatus(bare, status, height, None, None, sender, time_))
    cursor = need(need(doc, "cursor", dict, url), "next", (str, type(None)), url)
    return TxPage(tuple(listed), cursor, count(doc, "total", url))


def _typed_tx(tx: page_shapes.TxSummary, url: str) -> TxStatus:
    """A listed transaction whose fields have their JSON types already."""
    bare = answer_txid(tx.tx_id, "a transaction's tx_id", url)
    status = _mined(tx.status, url)
    height = not_negative(tx.block.height, "height", url)
    time_ = not_negative(tx.block.time, "time", url)
    return TxStatus(bare, status, height, None, None, tx.sender.address, time_)


def _mined(status: str, url: str) -> str:
    if status not in TX_STATUSES or status in MEMPOOL_STATUSES:
        raise ResponseError("unexpected answer: a listed transaction that is not mined", url)
    return status


def _contract_call(value: Any) -> ContractCall | None:
    """The ``contract_call`` member with its ``function_args``, or ``None`` if not that shape."""
    if not isinstance(value, dict):
        return None
    contract, function = value.get("contract_id"), value.get("function_name")
    args = value.get("function_args")
    if not isinstance(contract, str) or not isinstance(function, str) or \
            not isinstance(args, list):
        return None
    hexes = tuple(a.get("hex") for a in args if isinstance(a, dict))
    if len(hexes) != len(args) or not all(isinstance(h, str) for h in hexes):
        return None
    return ContractCall(contract, function, tuple(str(h) for h in hexes))


def parse_interface_functions(doc: Any, url: str) -> frozenset[str]:
    """The function names of a ``/v2/contracts/interface`` answer.

    :raises ResponseError: when ``functions`` is missing or a function has no name
    """
    return frozenset(need(f, "name", str, url) for f in need(doc, "functions", list, url))


def parse_nonces(doc: Any, url: str) -> Nonces:
    """Check a ``/extended/v3/principals/{p}/nonces`` answer.

    :raises ResponseError: when a nonce is missing or malformed
    """
    return Nonces(count(doc, "next_nonce", url), opt_count(doc, "last_confirmed_nonce", url))
