"""The app needs nothing the real services do not send: a whole sync and a whole ruling run
through a proxy that removes every field the real Stacks API, stacks-core RPC, Kubo RPC and
IPFS Pinning Service API do not declare (``resources/devnet/schemas/answers.json``), and the
case store is identical, table by table and byte for byte, to the store of the same run
against the devnet directly: after the sync, after the ruling (signed, broadcast, confirmed,
receipt issued, and rationale, receipt and case bundle published on Kubo and the pinning
service) and after the next sync.

Two runs are comparable only if everything but the filter is the same:

- the chain: two devnets started with the same fixed clock (block h at genesis + h × interval)
  and seed, sent the same transactions signed deterministically (RFC 6979, on the one Ledger
  emulator), hold the same txids, heights and times (and number their pin requests alike);
- the address the app talks to: the direct run's devnet listens on a port that the filter
  takes over for the second run, so URLs the app keeps (sources named in reasons, the
  publication endpoint) are the same;
- the arbiter's machine: both runs start from copies of one data directory (so one
  decision-log key, sealed for the one emulated device) and their sessions read one fixed
  local clock, so the times the app stamps (log entries, steps, receipts) are the same. The
  decision log's root goes on chain in the ruling, so without this the ruling transactions
  themselves would differ.

No column is left out of the comparison: every table is compared whole, the full-text index's
tables included.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from arbiter_app import config
from arbiter_app.case.models import Decision, TxStatus
from arbiter_app.devnet.launcher import Devnet, free_port
from arbiter_app.progress import run_to_end
from arbiter_app.services import bundle as case_bundle
from arbiter_app.services import logkey, publication
from arbiter_app.services.ruling import execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import rows
from tests.integration.services.field_filter import field_filter, fits, prune, schema_of
from tests.integration.services.helpers import walk_to_ruling

CHAIN_CLOCK = (1_800_000_000, 5)
"""Both devnets' fixed clock: block 0 at this Unix time, 5 s per block."""
ARBITER_NOW = CHAIN_CLOCK[0] + 86_400
"""Both sessions' local clock: a day after the chain's genesis, still inside every SLA."""
CASE = 101
PINNING_TOKEN = "devnet-pinning-token"
DOCUMENTS = ("rationale", "receipt", case_bundle.DOCUMENT)
TARGETS = (publication.KUBO, publication.SERVICE)

Tables = dict[str, list[tuple[Any, ...]]]


def test_the_filter_removes_undeclared_fields_and_refuses_missing_ones() -> None:
    schema = schema_of("GET", "/extended/v2/smart-contracts/ST1.escrow/logs")
    entry = {"event_index": 0, "event_type": "smart_contract_log", "tx_id": "0x" + "ab" * 32,
             "contract_log": {"contract_id": "ST1.escrow", "topic": "print",
                              "value": {"hex": "0x03", "repr": "true"}}}
    page = {"limit": 1, "offset": 0, "total": 1, "next_cursor": None, "prev_cursor": None,
            "cursor": "5:0:0:0", "results": [{**entry, "block_height": 5, "block_time": 9}]}
    assert prune(schema, page)["results"] == [entry]
    del page["total"]
    with pytest.raises(ValueError, match="fits no declared shape"):
        prune(schema, page)
    assert not fits(schema, page)


def test_the_store_comparison_names_the_table_and_row_that_differ(tmp_path: Path) -> None:
    for name, value in (("a", 1), ("b", 2)):
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as conn:
            conn.execute("CREATE TABLE t (x INTEGER)")
            conn.execute("INSERT INTO t VALUES (?)", (value,))
        conn.close()
    a, b = (_tables(tmp_path / f"{name}.sqlite") for name in "ab")
    assert _differences(a, a) == []
    assert _differences(a, b) == ["t row 0: (1,) != (2,)"]


def test_sync_and_ruling_through_the_filter_store_exactly_what_they_store_unfiltered(
    ledger: Any, tmp_path: Path
) -> None:
    initial = _arbiter_data_dir(tmp_path / "initial", ledger)
    port = free_port()
    with ExitStack() as stack:
        direct = stack.enter_context(_devnet(tmp_path / "direct.log", port))
        second = stack.enter_context(_devnet(tmp_path / "second.log"))
        url = direct.url
        direct_runs, direct_txid = _run(url, direct.escrow_contract, ledger, initial,
                                        tmp_path / "run")
        direct.stop()
        shutil.move(tmp_path / "run", tmp_path / "direct")
        with field_filter(second.url, port) as (filter_url, cut, undeclared):
            assert filter_url == url  # the app is pointed at the same address both times
            filtered_runs, filtered_txid = _run(url, second.escrow_contract, ledger, initial,
                                                tmp_path / "run")
    assert undeclared == []  # every JSON answer the app read had a declared shape
    assert filtered_txid == direct_txid  # the same chain data: the same ruling transaction
    # logs, and block times from the contract's transaction list, went through it
    assert any("/logs" in p for p in cut) and any(
        p.startswith("/extended/v3/principals/") and "/transactions" in p for p in cut)
    ruling_read = f"/extended/v3/transactions/0x{filtered_txid.removeprefix('0x')}"
    assert any(p.startswith(ruling_read) for p in cut)  # its confirmation, read filtered
    assert any(p.startswith("/api/v0/") for p in cut) and any(p.startswith("/psa/") for p in cut)
    for moment in ("after the sync", "after the ruling", "after the next sync"):
        assert _differences(filtered_runs[moment], direct_runs[moment]) == [], moment


def _arbiter_data_dir(path: Path, ledger: Any) -> Path:
    """A fresh data directory with its decision-log key made and sealed by the device (both
    runs copy it, as one arbiter's machine)."""
    settings = _settings("http://127.0.0.1:9", "ST1.escrow", ledger.ledger, path)
    with Session(settings, clock=lambda: ARBITER_NOW) as session:
        logkey.unlock(session)
    return path


def _devnet(log_path: Path, port: int = 0) -> Devnet:
    """A seeded devnet on the fixed chain clock."""
    return Devnet.start(port=port, seed=True, log_path=log_path, clock=CHAIN_CLOCK)


def _settings(url: str, escrow: str, ledger: str, data_dir: Path) -> config.Settings:
    return config.Settings(network="devnet", stacks_api=url, escrow_contract=escrow,
                           ipfs_rpc=url, ipfs_gateways=(url,), pinning_service=f"{url}/psa",
                           pinning_token=PINNING_TOKEN, signer="ledger", ledger=ledger,
                           data_dir=str(data_dir))


def _run(url: str, escrow: str, ledger: Any, initial: Path,
         data_dir: Path) -> tuple[dict[str, Tables], str]:
    """Sync, rule case 101 (release) to its receipt, and sync again, from a copy of
    ``initial``; returns the store's tables after each of the three, and the ruling's txid."""
    shutil.copytree(initial, data_dir)
    settings = _settings(url, escrow, ledger.ledger, data_dir)
    store_file = data_dir / "cases.sqlite"
    with Session(settings, timeout=httpx.Timeout(10.0, connect=2.0),
                 clock=lambda: ARBITER_NOW) as session:
        run_to_end(sync_disputes(session))
        cases = rows.list_cases(session.store)
        assert cases and all(c.dispute.raised_time > 0 for c in cases)
        seen = {"after the sync": _tables(store_file)}
        walk_to_ruling(session, CASE, Decision.RELEASE)
        result = run_to_end(execute_ruling(session, CASE, sleep=lambda s: None,
                                           poll_interval=0.0))
        case = rows.load_case(session.store, CASE)
        assert case.transaction is not None and case.transaction.status is TxStatus.SUCCESS
        assert case.transaction.block_height == result.block_height is not None
        assert rows.load_receipt(session.store, CASE) is not None
        published = {(r[0], r[1]): (r[2], r[3]) for r in session.store.conn.execute(
            "SELECT document, target, state, detail FROM publications WHERE invoice_id = ?",
            (CASE,))}
        assert published == {(document, target): ("pinned", "") for document in DOCUMENTS
                             for target in TARGETS}
        seen["after the ruling"] = _tables(store_file)
        run_to_end(sync_disputes(session))
        seen["after the next sync"] = _tables(store_file)
    return seen, result.txid


def _tables(path: Path) -> Tables:
    """Every table of a store, every column, rows in stored order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    finally:
        conn.close()


def _differences(got: Tables, want: Tables) -> list[str]:
    """The tables missing on one side and the first differing row of each other table."""
    out = [f"table {name} only in one store" for name in sorted(set(got) ^ set(want))]
    for name in sorted(set(got) & set(want)):
        a, b = got[name], want[name]
        if len(a) != len(b):
            out.append(f"{name}: {len(a)} rows != {len(b)} rows")
        diff = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        if diff is not None:
            out.append(f"{name} row {diff}: {a[diff]!r} != {b[diff]!r}")
    return out
