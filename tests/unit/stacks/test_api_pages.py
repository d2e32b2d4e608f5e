"""The two paged routes a sync reads (contract logs, a principal's transactions): a page is
checked whole against its msgspec types and walked field by field only when it does not fit.
Both ways must give the same page, or refuse with the same words, for any change to a page."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.errors import ResponseError
from arbiter_app.stacks import api_shapes, clarity

URL = "http://node/page"
CONTRACT = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
TXID = "ab" * 32
EVENT = "0x0c00000001056576656e740d0000000474657374"  # (tuple (event "test"))


def _log_page() -> dict[str, Any]:
    entry = {"event_index": 2, "event_type": "smart_contract_log", "tx_id": "0x" + TXID.upper(),
             "contract_log": {"contract_id": CONTRACT, "topic": "print",
                              "value": {"hex": EVENT, "repr": "(tuple (event \"test\"))"}}}
    return {"limit": 50, "offset": 0, "total": 7, "next_cursor": None,
            "prev_cursor": "5958:0:0:1", "cursor": "6058:0:0:0", "results": [entry]}


def _tx_page() -> dict[str, Any]:
    tx = {"tx_id": "0x" + TXID, "sender": {"address": "ST2REHHS5J3CERCRBEPMGH7921Q6PYKAADT7JP2VB",
                                         "nonce": 3},
          "block": {"height": 6058, "hash": "0x00", "time": 1796118462}, "status": "success",
          "type": "contract_call"}
    return {"limit": 50, "total": 6050, "cursor": {"next": "6008:0:0", "previous": None},
            "results": [{"transaction": tx, "involvement": "affected"}]}


def test_a_log_page_gives_its_logs_cursors_and_height() -> None:
    page = api_shapes.parse_log_page(_log_page(), CONTRACT, URL)
    assert page.total == 7 and page.older_cursor == "5958:0:0:1" and page.top_height == 6058
    assert page.results == (api_shapes.ContractLog(
        TXID, 2, "print", clarity.Tuple({"event": clarity.StringAscii("test")})),)


def test_a_transaction_page_gives_each_block_and_sender() -> None:
    page = api_shapes.parse_tx_page(_tx_page(), URL)
    assert page.total == 6050 and page.older_cursor == "6008:0:0"
    assert page.results == (api_shapes.TxStatus(
        TXID, "success", 6058, None, None, "ST2REHHS5J3CERCRBEPMGH7921Q6PYKAADT7JP2VB",
        1796118462),)


LOG_REFUSALS = [
    (("results",), "nope", "field 'results' missing or not list"),
    (("results", 0), 5, "not a JSON object"),
    (("results", 0, "tx_id"), "0x12", "a log's tx_id is not a txid"),
    (("results", 0, "tx_id"), None, "field 'tx_id' missing or not str"),
    (("results", 0, "event_index"), -3, "field 'event_index' is negative"),
    (("results", 0, "event_index"), True, "field 'event_index' missing or not int"),
    (("results", 0, "event_index"), 2.0, "field 'event_index' missing or not int"),
    (("results", 0, "contract_log", "contract_id"), "ST2.other", "a log of another contract"),
    (("results", 0, "contract_log", "topic"), 1, "field 'topic' missing or not str"),
    (("results", 0, "contract_log", "value"), "0x09", "field 'value' missing or not dict"),
    (("results", 0, "contract_log", "value", "hex"), "0x0c", "a log is not a valid Clarity"),
    (("prev_cursor",), 5, "field 'prev_cursor' missing or not str or null"),
    (("cursor",), "12:0:3", "a log cursor not in the form"),
    (("total",), -1, "field 'total' is negative"),
]


@pytest.mark.parametrize(("path", "value", "words"), LOG_REFUSALS,
                         ids=[f"{'.'.join(map(str, p))}={v!r}" for p, v, _ in LOG_REFUSALS])
def test_a_malformed_log_page_is_refused_naming_what_is_wrong(
    path: tuple[Any, ...], value: Any, words: str
) -> None:
    with pytest.raises(ResponseError, match=words) as raised:
        api_shapes.parse_log_page(_changed(_log_page(), path, value), CONTRACT, URL)
    assert raised.value.url == URL


TX_REFUSALS = [
    (("results", 0, "transaction"), [], "field 'transaction' missing or not dict"),
    (("results", 0, "transaction", "tx_id"), "0x" + "g" * 64, "tx_id is not a txid"),
    (("results", 0, "transaction", "status"), "pending", "a listed transaction that is not mined"),
    (("results", 0, "transaction", "block"), None, "field 'block' missing or not dict"),
    (("results", 0, "transaction", "block", "height"), "9", "field 'height' missing or not int"),
    (("results", 0, "transaction", "block", "time"), -5, "field 'time' is negative"),
    (("results", 0, "transaction", "sender", "address"), 7, "'address' missing or not str"),
    (("cursor",), None, "field 'cursor' missing or not dict"),
    (("cursor", "next"), 6008, "field 'next' missing or not str or null"),
    (("total",), False, "field 'total' missing or not int"),
]


@pytest.mark.parametrize(("path", "value", "words"), TX_REFUSALS,
                         ids=[f"{'.'.join(map(str, p))}={v!r}" for p, v, _ in TX_REFUSALS])
def test_a_malformed_transaction_page_is_refused_naming_what_is_wrong(
    path: tuple[Any, ...], value: Any, words: str
) -> None:
    with pytest.raises(ResponseError, match=words):
        api_shapes.parse_tx_page(_changed(_tx_page(), path, value), URL)


# Any change to any field of a page: the whole-page check and the field-by-field walk agree.
_MISSING = object()
_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 2**70, 1.0, "", "0x" + TXID, "1:2:3:4",
                     "success", "pending", CONTRACT, EVENT, [], {}, _MISSING]),
    st.integers(), st.text(max_size=8),
)
_PAGE = [(), ("results",), ("results", 0), ("total",), ("cursor",)]
_LOG_PATHS = st.sampled_from(
    _PAGE + [("prev_cursor",), ("results", 0, "contract_log", "value", "hex")]
    + [("results", 0, k) for k in ("tx_id", "event_index", "contract_log")]
    + [("results", 0, "contract_log", k) for k in ("contract_id", "topic", "value")]
)
_TX_PATHS = st.sampled_from(
    _PAGE + [("cursor", "next"), ("results", 0, "transaction"),
             ("results", 0, "transaction", "sender", "address")]
    + [("results", 0, "transaction", k) for k in ("tx_id", "status", "block", "sender")]
    + [("results", 0, "transaction", "block", k) for k in ("height", "time")]
)


@settings(max_examples=300, deadline=None)
@given(_LOG_PATHS, _VALUES)
def test_the_whole_log_page_check_and_the_walk_agree(path: tuple[Any, ...], value: Any) -> None:
    page = _changed(_log_page(), path, value)
    assert _outcome(lambda: api_shapes.parse_log_page(page, CONTRACT, URL)) == _outcome(
        lambda: api_shapes._walk_log_page(page, CONTRACT, URL))


@settings(max_examples=300, deadline=None)
@given(_TX_PATHS, _VALUES)
def test_the_whole_transaction_page_check_and_the_walk_agree(path: tuple[Any, ...],
                                                              value: Any) -> None:
    page = _changed(_tx_page(), path, value)
    assert _outcome(lambda: api_shapes.parse_tx_page(page, URL)) == _outcome(
        lambda: api_shapes._walk_tx_page(page, URL))


def _outcome(parse: Callable[[], object]) -> object:
    try:
        return parse()
    except ResponseError as e:
        return str(e)


def _changed(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    """``doc`` with the field at ``path`` set to ``value`` (removed for ``_MISSING``)."""
    if not path:
        return value
    doc = copy.deepcopy(doc)
    parent: Any = doc
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return doc
    if isinstance(parent, dict) and value is _MISSING:
        parent.pop(path[-1], None)
    elif isinstance(parent, (dict, list)) and (isinstance(parent, dict) or path[-1] < len(parent)):
        parent[path[-1]] = value
    return doc
