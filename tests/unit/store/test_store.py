"""The case store: settings guard, migrations and the v1 upgrade, atomic actions with their log
entries, drafts, search, the full audit of the log, and a full disk."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from arbiter_app.case.models import (
    AiParse,
    Decision,
    Draft,
    Party,
    Step,
    TermsState,
    TermsSummary,
    TxStatus,
)
from arbiter_app.decisionlog.vault import LogKeyLocked
from arbiter_app.errors import PolicyError, StoreError, VerificationError
from arbiter_app.services import steps
from arbiter_app.store import cases, execution, log, rows
from arbiter_app.store.db import Store, open_store
from arbiter_app.store.migrations import MIGRATIONS
from tests.fixtures.damaged_store import damaged_free_list
from tests.fixtures.store import (
    RATIONALE,
    T0,
    make_dispute,
    make_evidence,
    make_invoice,
    proposal,
    session_on,
    unlocked,
    walk_case,
)

DATA = Path(__file__).parents[2] / "data" / "store"


def kinds(store: Store, invoice_id: int | None = None) -> list[str]:
    return [e.kind for e in log.entries(store, invoice_id=invoice_id)]


def test_open_sets_wal_full_sync_foreign_keys_and_latest_schema(fresh_store: Store) -> None:
    q = fresh_store.db.conn.execute  # the writer's settings
    assert q("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert q("PRAGMA synchronous").fetchone()[0] == 2
    assert q("PRAGMA foreign_keys").fetchone()[0] == 1
    assert MIGRATIONS.version(fresh_store) == MIGRATIONS.latest == 13


def test_a_store_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path / "c.sqlite") as store, store.atomic():
        store.conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer than this app"):
        open_store(tmp_path / "c.sqlite")


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not an SQLite file at all" * 200)
    with pytest.raises(StoreError, match="damaged"):
        open_store(bad)


def test_the_v1_store_upgrades_and_its_log_still_verifies(tmp_path: Path) -> None:
    copy = tmp_path / "v1.sqlite"
    shutil.copy(DATA / "v1.sqlite", copy)
    with open_store(copy, migrate=False) as old:
        assert MIGRATIONS.version(old) == 1
        before = log.head(old)
    with open_store(copy) as store:
        assert MIGRATIONS.version(store) == MIGRATIONS.latest
        assert log.head(store) == before and log.verify_log(store) == 26
        assert [cp.size for cp in log.checkpoints(store)] == [13, 26]
        assert {h.invoice_id for h in rows.search(store, "note")} == {1, 2}
        assert rows.load_case(store, 2).ruling is not None


def test_the_v1_clear_log_key_is_sealed_at_the_first_unlock_and_wiped_from_the_file(
        tmp_path: Path) -> None:
    copy = tmp_path / "v1.sqlite"
    shutil.copy(DATA / "v1.sqlite", copy)
    with open_store(copy, migrate=False) as old:
        clear = bytes(old.conn.execute("SELECT private FROM log_keys").fetchone()[0])
        public = bytes(old.conn.execute("SELECT public FROM log_keys").fetchone()[0])
    with open_store(copy) as store:  # migrated: the migration cannot seal without the device
        assert log.sealed_for(store) is None
        with pytest.raises(LogKeyLocked, match="locked"):
            log.checkpoint(store, now=T0)
        key = log.private_key(unlocked(store))
        assert key.private_bytes_raw() == clear and log.public_key(store) == public
        assert log.sealed_for(store) is not None
        assert store.conn.execute("SELECT private FROM log_keys").fetchone()[0] == b""
        assert log.checkpoint(store, now=T0 + 1).key == public
        assert log.verify_log(store) == 26
    on_disk = copy.read_bytes() + (copy.with_name("v1.sqlite-wal").read_bytes()
                                   if copy.with_name("v1.sqlite-wal").exists() else b"")
    assert clear not in on_disk
    with open_store(copy) as reopened:  # a new session: locked again, opened by the device
        with pytest.raises(LogKeyLocked):
            log.private_key(reopened)
        assert log.private_key(unlocked(reopened)).private_bytes_raw() == clear


def test_an_action_and_its_log_entry_commit_together_or_not_at_all(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.DOCUMENTS)
    size = log.head(fresh_store)
    with pytest.raises(PolicyError, match="at least 300"):
        steps.finalize_ruling(session_on(fresh_store), 1, proposal(1, rationale="short"),
                              now=T0)
    assert log.head(fresh_store) == size and rows.load_ruling(fresh_store, 1) is None
    with pytest.raises(RuntimeError), fresh_store.atomic():
        log.append(fresh_store, "settings-changed", {"key": "x"}, at=T0)
        fresh_store.conn.execute("INSERT INTO settings VALUES ('x', 'y')")
        raise RuntimeError("crash between the change and the commit")
    assert log.head(fresh_store) == size and rows.setting(fresh_store, "x") is None


def test_other_threads_read_committed_rows_only_and_reads_cannot_write(
        fresh_store: Store) -> None:
    seen: list[int] = []

    def count_from_another_thread() -> None:
        seen.append(fresh_store.conn.execute("SELECT count(*) FROM settings").fetchone()[0])

    with fresh_store.atomic():
        fresh_store.conn.execute("INSERT INTO settings VALUES ('k', 'v')")
        reader = threading.Thread(target=count_from_another_thread)
        reader.start()
        reader.join()
        assert fresh_store.conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 1
    count_from_another_thread()
    assert seen == [0, 1]  # the uncommitted row was invisible to the other thread
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        fresh_store.conn.execute("DELETE FROM settings")  # outside atomic(): a read connection


def test_a_log_entry_outside_a_transaction_is_refused(fresh_store: Store) -> None:
    with pytest.raises(StoreError, match="in the transaction of its change"):
        log.append(fresh_store, "settings-changed", {}, at=T0)


def test_every_action_is_logged_with_its_case(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.RULING)
    execution.record_rationale(fresh_store, 1, rationale_hash="aa" * 32, rationale_cid="c",
                               now=T0)
    execution.record_transaction(fresh_store, 1, txid="bb" * 32, raw_hex="00", now=T0)
    execution.update_transaction(fresh_store, "bb" * 32, TxStatus.BROADCAST, now=T0)
    execution.update_transaction(fresh_store, "bb" * 32, TxStatus.SUCCESS, now=T0,
                                 block_height=321)
    execution.save_receipt(fresh_store, 1, "{}", receipt_sha256="cc" * 32, now=T0)
    assert kinds(fresh_store, 1) == [
        "dispute-synced", "evidence-added", "evidence-added", "evidence-opened",
        "evidence-opened", "step-completed", "conflict-declared", *["step-completed"] * 4,
        "ruling-finalized", "rationale-published",
        "transaction-signed", "transaction-broadcast", "transaction-confirmed",
        "step-completed", "receipt-issued"]
    case = rows.load_case(fresh_store, 1)
    assert case.current is None and case.transaction is not None
    assert case.transaction.block_height == 321
    assert [e.status for e in case.transaction.history] == [
        TxStatus.SIGNED, TxStatus.BROADCAST, TxStatus.SUCCESS]
    assert log.verify_log(fresh_store) == len(kinds(fresh_store))


def test_one_ruling_one_transaction(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.RULING)
    with pytest.raises(PolicyError, match="no published ruling"):
        execution.record_transaction(fresh_store, 1, txid="bb" * 32, raw_hex="00", now=T0)
    execution.record_rationale(fresh_store, 1, rationale_hash="aa" * 32, rationale_cid="c",
                               now=T0)
    execution.record_transaction(fresh_store, 1, txid="bb" * 32, raw_hex="00", now=T0)
    with pytest.raises(PolicyError, match="already has signed transaction"):
        execution.record_transaction(fresh_store, 1, txid="cc" * 32, raw_hex="00", now=T0)
    with pytest.raises(PolicyError, match="cannot be reopened"):
        steps.reopen_step(session_on(fresh_store), 1, Step.EVIDENCE, now=T0)


def test_settings_and_network_changes_are_logged(fresh_store: Store) -> None:
    execution.change_setting(fresh_store, "network", "testnet", now=T0)
    execution.change_setting(fresh_store, "network", "testnet", now=T0)
    execution.change_setting(fresh_store, "sla_hours", "48", now=T0)
    assert kinds(fresh_store) == ["network-changed", "settings-changed"]


def test_late_evidence_from_a_sync_is_flagged_and_reopens_step2(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.CHAIN)
    later = dataclasses.replace(make_dispute(1), evidence=(
        *make_dispute(1).evidence, make_evidence(1, 2, Party.PAYEE)))
    case = cases.sync_dispute(fresh_store, make_invoice(1), later, now=T0 + 50)
    assert case.dispute.evidence[2].late and case.completed == {Step.TERMS}
    assert kinds(fresh_store, 1)[-3:] == ["evidence-added", "step-reopened", "step-reopened"]
    assert log.entries(fresh_store, invoice_id=1)[-3].data["late"] is True


def test_search_finds_rationales_and_evidence_titles(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.RULING)
    hits = rows.search(fresh_store, "repository snapshot")
    assert [(h.invoice_id, h.where) for h in hits] == [(1, "rationale")]
    assert "[repository] [snapshot]" in hits[0].snippet
    assert {h.where for h in rows.search(fresh_store, "delivery")} == {
        "rationale", "evidence #0", "evidence #1"}
    assert rows.search(fresh_store, 'delivery" OR "x') == []  # query syntax is not honoured
    assert rows.search(fresh_store, "   ") == []


@pytest.mark.parametrize(("sql", "message"), [
    ("UPDATE log_entries SET body = replace(body, 'payer', 'payor') WHERE idx = 0",
     "entry 0 is damaged"),
    ("UPDATE log_entries SET body = CAST(replace(body, 'payer', 'payor') AS BLOB) WHERE idx = 0",
     "entry 0 does not match its leaf"),
    ("DELETE FROM log_entries WHERE idx = 3", "entry 3 is missing"),
    ("UPDATE log_entries SET leaf = randomblob(32), body = body WHERE idx = 2",
     "entry 2 does not match"),
    ("UPDATE log_head SET size = size - 1", "head does not match"),
    ("UPDATE log_checkpoints SET root = randomblob(32)", "bad signature"),
    ("UPDATE log_checkpoints SET signature = randomblob(64)", "bad signature"),
], ids=["entry-altered-as-text", "entry-altered", "entry-deleted", "leaf-altered", "head-truncated",
        "checkpoint-root-altered", "checkpoint-signature-forged"])
def test_the_full_audit_catches_tampering_in_the_store(fresh_store: Store, sql: str,
                                                       message: str) -> None:
    walk_case(fresh_store, 1, Step.TERMS)
    log.checkpoint(fresh_store, now=T0)
    with fresh_store.atomic():
        fresh_store.conn.execute(sql)
    with pytest.raises(VerificationError, match=message):
        log.verify_log(fresh_store)


def test_a_full_disk_fails_cleanly_and_the_same_action_succeeds_later(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.DOCUMENTS)
    steps.save_draft(session_on(fresh_store), Draft(1, RATIONALE, Decision.RELEASE, (), T0))
    writer = fresh_store.db.conn
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count = {pages}")
    big = proposal(1, rationale=RATIONALE * 40)
    with pytest.raises(StoreError, match="full"):
        steps.finalize_ruling(session_on(fresh_store), 1, big, now=T0)
    assert fresh_store.integrity() == "ok" and log.verify_log(fresh_store)
    assert rows.load_ruling(fresh_store, 1) is None
    draft = rows.load_draft(fresh_store, 1)
    assert draft is not None and draft.text == RATIONALE
    writer.execute("PRAGMA max_page_count = 1073741823")
    steps.finalize_ruling(session_on(fresh_store), 1, big, now=T0)
    assert rows.load_ruling(fresh_store, 1) is not None


def test_damaged_store_files_fail_with_a_store_error_only(tmp_path: Path) -> None:
    import random
    import sqlite3

    base = tmp_path / "base.sqlite"
    with unlocked(open_store(base)) as store:
        walk_case(store, 1, Step.RULING)
        log.checkpoint(store, now=T0)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = base.read_bytes()
    rng = random.Random(2)
    outcomes: dict[str, int] = {}
    for n in range(120):
        damaged = bytearray(data)
        damaged[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path = tmp_path / f"d{n}.sqlite"
        path.write_bytes(bytes(damaged))
        try:
            with open_store(path) as store:
                log.verify_log(store)
                rows.load_case(store, 1)
            outcome = "unharmed"
        except (StoreError, VerificationError) as e:
            outcome = type(e).__name__
        except sqlite3.DatabaseError as e:  # a read of a page quick_check could not see
            pytest.fail(f"flip {n} escaped as a raw sqlite error: {e}")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("StoreError", 0) > 0, outcomes


def test_damage_only_the_quick_check_finds_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "cases.sqlite"
    damaged_free_list(path)
    with pytest.raises(StoreError, match="damaged .*freelist"):
        open_store(path)


def test_a_store_checked_later_reads_but_refuses_every_write_to_a_damaged_file(
        tmp_path: Path) -> None:
    path = tmp_path / "cases.sqlite"
    damaged_free_list(path, cases=30)
    before = path.read_bytes()
    with open_store(path, check_later=True) as store:
        assert len(rows.list_cases(store)) == 30  # the window paints what it can read
        for _ in range(2):  # the first write checks; the next one gets the same verdict
            with pytest.raises(StoreError, match="damaged .*restore it from a backup"):
                steps.save_notes(session_on(store), 1000, "a note", now=T0)
        with pytest.raises(StoreError, match="damaged"):
            store.check_sound()
    assert path.read_bytes() == before


def test_a_store_checked_later_writes_once_a_sound_file_passed_the_check(tmp_path: Path
                                                                        ) -> None:
    with open_store(tmp_path / "cases.sqlite") as store:
        cases.sync_dispute(store, make_invoice(1), make_dispute(1), now=T0)
    with open_store(tmp_path / "cases.sqlite", check_later=True) as store:
        steps.save_notes(session_on(store), 1, "a note", now=T0)
        assert rows.load_notes(store, 1) == "a note"
        store.check_sound()


def test_backups_taken_while_a_writer_commits_open_and_verify(fresh_store: Store,
                                                              tmp_path: Path) -> None:
    import threading

    from arbiter_app.store.db import backup

    done = threading.Event()

    def writer() -> None:
        writes = open_store(fresh_store.path)
        try:
            n = 0
            while not done.is_set():
                with writes.atomic():
                    log.append(writes, "settings-changed", {"n": n}, at=T0 + n)
                n += 1
        finally:
            writes.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for k in range(20):
            copy = backup(fresh_store, tmp_path / f"backup-{k}.sqlite")
            with open_store(copy) as restored:
                assert restored.integrity() == "ok"
                log.verify_log(restored)
    finally:
        done.set()
        thread.join()
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("ai", [None, AiParse("reader-1", 0.75)],
                         ids=["no-ai-parse", "ai-parse"])
def test_the_terms_column_names_every_field_and_reads_back_the_same_terms(
        ai: AiParse | None) -> None:
    terms = TermsSummary(TermsState.VERIFIED, "bafkreiterms", "Logo", "A logo, 3 drafts",
                         ("draft", "final"), "Ann", "Bo", ai)
    text = rows.terms_to_json(terms)
    deep = dataclasses.asdict(terms) | {"state": terms.state.value,
                                        "milestones": ["draft", "final"]}
    assert text == json.dumps(deep, sort_keys=True)
    assert rows.terms_from_json(text) == terms


@pytest.mark.parametrize("evidence", [0, 3], ids=["no-evidence", "three-items"])
def test_a_newly_synced_dispute_is_returned_as_the_store_reads_it_back(
        fresh_store: Store, evidence: int) -> None:
    synced = cases.sync_dispute(fresh_store, make_invoice(4), make_dispute(4, evidence), now=T0)
    assert synced == rows.load_case(fresh_store, 4)
