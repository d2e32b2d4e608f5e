"""The app needs nothing the real services do not send: a whole sync and a whole ruling run
through a proxy that removes every field the real Stacks API, stacks-core RPC and Kubo RPC do
not declare, and what the app stores equals what it stores when it talks to the devnet
directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from arbiter_app.case.models import Decision, TxStatus
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services import terms
from arbiter_app.services.ruling import execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import rows
from arbiter_app.store.governance import governance_state
from tests.integration.services.field_filter import field_filter, fits, prune, schema_of
from tests.integration.services.helpers import devnet_settings, short_session, walk_to_ruling


def _stored(session: Session) -> tuple[Any, ...]:
    """What a sync stored, without the local clock's times (when this machine wrote it)."""
    entries = session.store.conn.execute(
        "SELECT kind, invoice_id, json_extract(body, '$.data') FROM log_entries "
        "WHERE kind != 'settings-changed' ORDER BY idx").fetchall()
    return (rows.list_cases(session.store), governance_state(session.store), entries)


def test_the_filter_removes_undeclared_fields_and_refuses_missing_ones() -> None:
    schema = schema_of("GET", "/extended/v2/smart-contracts/ST1.escrow/logs")
    log = {"event_index": 0, "event_type": "smart_contract_log", "tx_id": "0x" + "ab" * 32,
           "contract_log": {"contract_id": "ST1.escrow", "topic": "print",
                            "value": {"hex": "0x03", "repr": "true"}}}
    page = {"limit": 1, "offset": 0, "total": 1, "next_cursor": None, "prev_cursor": None,
            "cursor": "5:0:0:0", "results": [{**log, "block_height": 5, "block_time": 9}]}
    assert prune(schema, page)["results"] == [log]
    del page["total"]
    with pytest.raises(ValueError, match="fits no declared shape"):
        prune(schema, page)
    assert not fits(schema, page)


def test_sync_and_ruling_through_the_filter_store_what_they_store_unfiltered(
    fresh_devnet: Devnet, ledger: Any, tmp_path: Path
) -> None:
    devnet = fresh_devnet
    direct = short_session(devnet_settings(devnet, tmp_path / "direct", ledger.ledger, kubo=True))
    with field_filter(devnet.url) as (url, cut), direct:
        base = devnet_settings(devnet, tmp_path / "filtered", ledger.ledger, kubo=True)
        settings = msgspec.structs.replace(base, stacks_api=url, ipfs_rpc=url,
                                           ipfs_gateways=(url,))
        with short_session(settings) as filtered:
            run_to_end(sync_disputes(direct))
            run_to_end(sync_disputes(filtered))
            # logs, and block times from the contract's transaction list, went through it
            assert any("/logs" in p for p in cut) and any(
                p.startswith("/extended/v3/principals/") and "/transactions" in p for p in cut)
            # the same facts; only a reason naming the unreachable source names the proxy
            assert repr(_stored(filtered)).replace(url, devnet.url) == repr(_stored(direct))
            cases = rows.list_cases(filtered.store)
            assert cases and all(c.dispute.raised_time > 0 for c in cases)

            walk_to_ruling(filtered, 101, Decision.RELEASE)
            result = run_to_end(execute_ruling(filtered, 101, sleep=lambda s: None,
                                               poll_interval=0.0))
            seen = direct.api.get_transaction(result.txid)
            assert seen is not None and seen.confirmed
            case = rows.load_case(filtered.store, 101)
            assert case.transaction is not None and case.transaction.status is TxStatus.SUCCESS
            assert case.transaction.block_height == result.block_height == seen.block_height
            receipt = rows.load_receipt(filtered.store, 101)
            assert receipt is not None

            run_to_end(terms.fetch_on_opening(direct, 101))  # opened, as walk_to_ruling did
            run_to_end(sync_disputes(direct))
            run_to_end(sync_disputes(filtered))
            direct_cases = {c.invoice.id: c.invoice for c in rows.list_cases(direct.store)}
            assert {c.invoice.id: c.invoice for c in rows.list_cases(filtered.store)} \
                == direct_cases
