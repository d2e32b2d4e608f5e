"""Typed results of the Stacks API calls and the checks that build them from JSON answers.

Every answer is hostile until checked (docs/ARCHITECTURE.md §6): each ``parse_*`` function
takes a decoded JSON document and the URL it came from, requires each field the app uses to be
present with the expected JSON type, and returns a frozen dataclass; anything else is a
:class:`ResponseError` naming the URL. Server text reaches the user only through
:func:`arbiter_app.text.untrusted_text` (printable ASCII, truncated, labelled). The transport,
retries and error-status mapping live in ``stacks/api.py``, which re-exports the names callers use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from arbiter_app.errors import ApiError, InputError, ResponseError
from arbiter_app.stacks import clarity_wire
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


# One regex match instead of a generator over every character: a sync checks a txid on each of
# thousands of logs and transactions.
_TXID = re.compile(r"[0-9a-fA-F]{64}")
_HEX_U128 = re.compile(r"[0-9a-fA-F]{1,32}")


def _need(doc: Any, key: str, kind: type | tuple[type, ...], url: str) -> Any:
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


def _count(doc: Any, key: str, url: str) -> int:
    value: int = _need(doc, key, int, url)
    if value < 0:
        raise ResponseError(f"unexpected answer: field {key!r} is negative", url)
    return value


def _opt_count(doc: Any, key: str, url: str) -> int | None:
    if _need(doc, key, (int, type(None)), url) is None:
        return None
    return _count(doc, key, url)


def _hex_uint(text: str, key: str, url: str) -> int:
    body = text[2:] if text.startswith("0x") else text
    if _HEX_U128.fullmatch(body) is None:
        raise ResponseError(f"unexpected answer: field {key!r} is not a hex u128", url)
    return int(body, 16)


def _clarity(text: Any, what: str, url: str) -> Any:

    if not isinstance(text, str):
        raise ResponseError(f"unexpected answer: {what} is not a hex string", url)
    try:
        return clarity_wire.from_hex(text)
    except (InputError, ValueError) as e:
        raise ResponseError(f"unexpected answer: {what} is not a valid Clarity value", url) from e


def parse_node_info(doc: Any, url: str) -> NodeInfo:
    """Check a ``/v2/info`` answer.

    :raises ResponseError: when a field is missing, of the wrong type or negative
    """
    return NodeInfo(
        network_id=_count(doc, "network_id", url),
        stacks_tip_height=_count(doc, "stacks_tip_height", url),
        burn_block_height=_count(doc, "burn_block_height", url),
        server_version=_need(doc, "server_version", str, url),
    )


def parse_account(doc: Any, url: str) -> Account:
    """Check a ``/v2/accounts`` answer (balance as hex u128, nonce as a count).

    :raises ResponseError: when a field is missing or malformed
    """
    balance = _hex_uint(_need(doc, "balance", str, url), "balance", url)
    return Account(balance=balance, nonce=_count(doc, "nonce", url))


def parse_read_only_result(doc: Any, url: str) -> Any:
    """The Clarity value of a ``call-read`` answer.

    :returns: the decoded result when the node says ``okay: true``
    :raises ApiError: when it says ``okay: false`` (its cause shown labelled)
    :raises ResponseError: when the result is not a valid Clarity value
    """
    if _need(doc, "okay", bool, url):
        return _clarity(_need(doc, "result", str, url), "the read-only result", url)
    cause = doc.get("cause")
    text = untrusted_text(cause) if isinstance(cause, str) else "no cause given"
    raise ApiError(f"the read-only call failed; {text}", url, 200)


def parse_fee_estimate(doc: Any, url: str) -> FeeEstimate:
    """Check a ``/v2/fees/transaction`` answer: exactly three estimations.

    :raises ResponseError: when there are not three, or a fee is malformed
    """
    estimations = _need(doc, "estimations", list, url)
    if len(estimations) != 3:
        raise ResponseError("unexpected answer: expected 3 fee estimations", url)
    low, middle, high = (_count(e, "fee", url) for e in estimations)
    return FeeEstimate(low, middle, high)


def parse_pox_info(doc: Any, url: str) -> PoxInfo:
    """Check a ``/v2/pox`` answer: burn height and ``(epoch_id, start_height)`` pairs.

    :raises ResponseError: when a field is missing or malformed
    """
    epochs = tuple(
        (_need(e, "epoch_id", str, url), _count(e, "start_height", url))
        for e in _need(doc, "epochs", list, url)
    )
    return PoxInfo(_count(doc, "current_burnchain_block_height", url), epochs)


def bare_txid(tx_id: str) -> str:
    """A txid as 64 lower-case hex digits without ``0x``.

    :param tx_id: 64 hex digits, with or without ``0x``
    :raises ValueError: when it is not a txid (a caller's mistake, not the server's)
    """
    bare = tx_id[2:] if tx_id.startswith("0x") else tx_id
    if _TXID.fullmatch(bare) is None:
        raise ValueError(f"a txid is 64 hex digits, not {tx_id!r}")
    return bare.lower()


def _answer_txid(value: Any, what: str, url: str) -> str:
    try:
        return bare_txid(value) if isinstance(value, str) else bare_txid("")
    except ValueError as e:
        raise ResponseError(f"unexpected answer: {what} is not a txid", url) from e


def parse_broadcast_txid(doc: Any, expected: str, url: str) -> str:
    """The txid a broadcast answered, required equal to the one computed locally.

    :param expected: our txid (64 hex, with or without ``0x``)
    :raises ResponseError: when the answer is not a txid or is another txid
    """
    txid = _answer_txid(doc, "the broadcast answer", url)
    if txid != bare_txid(expected):
        raise ResponseError(
            f"the node answered txid {txid}, not the txid of our transaction {expected}", url
        )
    return txid


def _log_entry(doc: Any, contract_id: str, url: str) -> ContractLog:
    tx_id = _answer_txid(_need(doc, "tx_id", str, url), "a log's tx_id", url)
    event_index = _count(doc, "event_index", url)
    log_doc = _need(doc, "contract_log", dict, url)
    if _need(log_doc, "contract_id", str, url) != contract_id:
        raise ResponseError("unexpected answer: a log of another contract", url)
    topic = _need(log_doc, "topic", str, url)
    value = _clarity(_need(_need(log_doc, "value", dict, url), "hex", str, url), "a log", url)
    return ContractLog(tx_id, event_index, topic, value)


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
    results = tuple(_log_entry(e, contract_id, url) for e in _need(doc, "results", list, url))
    older = _need(doc, "prev_cursor", (str, type(None)), url)
    _cursor_height(older, url)
    top = _cursor_height(_need(doc, "cursor", (str, type(None)), url), url)
    return LogPage(results, older, _count(doc, "total", url), top)


def _block(doc: dict[str, Any], status: str, url: str) -> tuple[int | None, int | None]:
    """(height, time) of a mined transaction's ``block``; a mempool one has none."""
    if status in MEMPOOL_STATUSES:
        return None, None
    block = _need(doc, "block", dict, url)
    return _count(block, "height", url), _count(block, "time", url)


def parse_tx_status(doc: Any, txid: str, url: str) -> TxStatus:
    """Check a v3 transaction object (mined or mempool), which must describe ``txid``.

    :param txid: the bare txid asked for
    :raises ResponseError: when it describes another transaction or an unknown status
    """
    if _answer_txid(_need(doc, "tx_id", str, url), "tx_id", url) != txid:
        raise ResponseError("unexpected answer: the API described another transaction", url)
    status = _need(doc, "status", str, url)
    if status not in TX_STATUSES:
        raise ResponseError("unexpected answer: unknown transaction status", url)
    height, time_ = _block(doc, status, url)
    result = doc.get("result")
    result = result if isinstance(result, dict) else {}
    sender = _need(doc, "sender", dict, url)
    return TxStatus(
        tx_id=txid,
        status=status,
        block_height=height,
        result_hex=result.get("hex") if isinstance(result.get("hex"), str) else None,
        result_repr=result.get("repr") if isinstance(result.get("repr"), str) else None,
        sender=_need(sender, "address", str, url),
        block_time=time_,
        call=_contract_call(doc.get("contract_call")),
    )


def parse_tx_page(doc: Any, url: str) -> TxPage:
    """Check one page of ``/extended/v3/principals/{p}/transactions``: each result's
    ``transaction`` is a mined transaction's summary (``block.height`` and ``block.time``).

    :raises ResponseError: when an entry is malformed or not mined
    """
    results = []
    for entry in _need(doc, "results", list, url):
        tx = _need(entry, "transaction", dict, url)
        bare = _answer_txid(_need(tx, "tx_id", str, url), "a transaction's tx_id", url)
        status = _need(tx, "status", str, url)
        if status not in TX_STATUSES or status in MEMPOOL_STATUSES:
            raise ResponseError("unexpected answer: a listed transaction that is not mined", url)
        height, time_ = _block(tx, status, url)
        sender = _need(_need(tx, "sender", dict, url), "address", str, url)
        results.append(TxStatus(bare, status, height, None, None, sender, time_))
    cursor = _need(_need(doc, "cursor", dict, url), "next", (str, type(None)), url)
    return TxPage(tuple(results), cursor, _count(doc, "total", url))


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
    return frozenset(_need(f, "name", str, url) for f in _need(doc, "functions", list, url))


def parse_nonces(doc: Any, url: str) -> Nonces:
    """Check a ``/extended/v3/principals/{p}/nonces`` answer.

    :raises ResponseError: when a nonce is missing or malformed
    """
    return Nonces(_count(doc, "next_nonce", url), _opt_count(doc, "last_confirmed_nonce", url))
