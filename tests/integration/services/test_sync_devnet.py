"""The sync proof on the seeded devnet with the emulated Ledger: every dispute of the
first arbiter found and none of the other's; evidence tied to its transactions and left
pending, then verified on the case's first opening, the missing file and the lying manifest
reported (and logged) as such; incremental re-sync; 500s, timeouts and a withheld block.
Each scenario runs through the services API, and the main one through the CLI too."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from arbiter_app import config
from arbiter_app.case import words
from arbiter_app.case.models import EvidenceState, TermsState
from arbiter_app.case.sla import sla_clock
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import Cancelled, NetworkError
from arbiter_app.progress import CancelToken, Progress, run_to_end
from arbiter_app.services import opening
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.session import Session
from arbiter_app.services.sync import SyncSummary, sync_disputes
from arbiter_app.store import log, rows
from tests.fixtures.recording import record_requests
from tests.integration.services.helpers import devnet_settings, fast_retries, short_session


def arbiter_1_disputes(devnet: Devnet) -> set[int]:
    seed = devnet.seed_summary()
    return {int(i) for i, d in seed["disputes"].items() if d["arbiter"] == "arbiter_1"}


def record_paths(session: Session) -> list[str]:
    """The paths of every request sent by the clients the session makes from now on."""
    paths: list[str] = []
    record_requests(session, lambda r: paths.append(r.url.path))
    return paths


def sync(session: Session, cancel: CancelToken | None = None) -> SyncSummary:
    return run_to_end(sync_disputes(session, cancel))


def states(session: Session, invoice_id: int) -> dict[int, tuple[EvidenceState, str]]:
    case = rows.load_case(session.store, invoice_id)
    return {e.index: (e.state, e.reason) for e in case.dispute.evidence}


def unavailable_entries(session: Session, invoice_id: int) -> list[tuple[int, str, str]]:
    """The ``evidence-unavailable`` log entries of a case: (index, state, reason)."""
    return [(e.data["index"], e.data["state"], e.data["reason"])
            for e in log.entries(session.store, invoice_id=invoice_id)
            if e.kind == "evidence-unavailable"]


def check_seed_synced(session: Session, devnet: Devnet) -> None:
    """The facts the seed scenario promises, read back from the store: as the sync left them
    (terms and evidence pending), then as each case's first opening stored them."""
    seed = devnet.seed_summary()
    found = {c.invoice.id for c in rows.list_cases(session.store)}
    assert found == arbiter_1_disputes(devnet) and 201 not in found
    for case in rows.list_cases(session.store):
        assert case.invoice.arbiter == devnet.accounts["arbiter_1"]
        want = seed["disputes"][str(case.invoice.id)]["evidence"]
        assert [e.manifest_cid for e in case.dispute.evidence] == [w["cid"] for w in want]
        terms_cid = case.invoice.terms.cid
        assert case.invoice.terms.state is TermsState.PENDING and terms_cid  # not fetched yet
        assert {e.state for e in case.dispute.evidence} <= {EvidenceState.PENDING}
        assert unavailable_entries(session, case.invoice.id) == []
        fetched = run_to_end(opening.fetch_on_opening(session, case.invoice.id))  # opening
        assert fetched.terms == "" and not fetched.waiting
        opened = rows.load_case(session.store, case.invoice.id).invoice.terms
        assert opened.state is TermsState.VERIFIED and opened.cid == terms_cid
        raised = seed["disputes"][str(case.invoice.id)]
        assert (case.dispute.raised_height, case.dispute.raised_time) == (
            raised["block_height"], raised["block_time"])
        assert [(e.height, e.submitted_time) for e in case.dispute.evidence] == [
            (w["block_height"], w["block_time"]) for w in want]
        clock = sla_clock(case.dispute, 72, now=raised["block_time"])
        assert clock.due_at == raised["block_time"] + 72 * 3600 and not clock.overdue
    verified = rows.load_case(session.store, 101).dispute.evidence
    assert {e.state for e in verified} == {EvidenceState.VERIFIED}
    assert all(e.title and e.files and e.opened_at is None for e in verified)  # not opened yet
    missing = seed["special"]["missing_file"]["cid"]
    by_state = {s: r for s, r in states(session, 104).values() if s is not EvidenceState.VERIFIED}
    assert list(by_state) == [EvidenceState.UNAVAILABLE]
    assert missing in by_state[EvidenceState.UNAVAILABLE]
    assert [(s, r) for _, s, r in unavailable_entries(session, 104)] == [
        ("unavailable", by_state[EvidenceState.UNAVAILABLE])]
    lies = [r for s, r in states(session, 105).values() if s is EvidenceState.MISMATCH]
    assert len(lies) == 1 and "manifest says 712" in lies[0]
    assert [(s, r) for _, s, r in unavailable_entries(session, 105)] == [("mismatch", lies[0])]
    low = rows.load_case(session.store, 103).invoice.terms.ai_parse
    assert low is not None and low.confidence < 0.8


def test_seed_scenario_through_the_services(devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    settings = devnet_settings(devnet, tmp_path / "data", ledger.ledger)
    progress: list[Progress] = []
    with short_session(settings) as session:
        summary = run_to_end(sync_disputes(session), progress.append)
        check_seed_synced(session, devnet)
        assert summary.disputes == summary.new_disputes == len(arbiter_1_disputes(devnet))
        assert summary.pending == summary.evidence > 0 and progress
        assert summary.verified == summary.unavailable == summary.mismatched == 0
        again = sync(session)  # incremental: nothing new since the last event
        # the network and contract check (2) and one page of logs
        assert again.events == 0 and again.disputes == 0 and again.requests <= 3
        entries = session.store.conn.execute(
            "SELECT count(*) FROM log_entries WHERE kind = 'dispute-synced'").fetchone()[0]
        assert entries == len(arbiter_1_disputes(devnet))


def test_seed_scenario_through_the_cli(devnet: Devnet, ledger: Any, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    settings = devnet_settings(devnet, Path(os.environ["ARBITER_APP_DATA"]), ledger.ledger)
    config.save(settings)
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    items = sum(len(d["evidence"]) for i, d in devnet.seed_summary()["disputes"].items()
                if int(i) in arbiter_1_disputes(devnet))
    assert f"{items} new evidence items: {items} pending (fetched when the case is opened), " \
           "0 not tied to a party's transaction" in out
    assert main(["disputes", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["invoice_id"] for r in listed} == arbiter_1_disputes(devnet)
    by_id = {r["invoice_id"]: r for r in listed}
    assert by_id[104]["evidence"] == {"pending": 2, "verified": 0, "unavailable": 0,
                                      "mismatch": 0}
    with Session(settings) as session:
        check_seed_synced(session, devnet)
    assert main(["disputes", "--json"]) == 0
    by_id = {r["invoice_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert by_id[104]["evidence"] == {"pending": 0, "verified": 1, "unavailable": 1,
                                      "mismatch": 0}
    assert by_id[105]["evidence"]["mismatch"] == 1


def test_other_arbiter_sees_only_their_dispute(devnet: Devnet, tmp_path: Path) -> None:
    settings = devnet_settings(devnet, tmp_path / "data")
    with short_session(settings) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_2"]))
        assert [c.invoice.id for c in rows.list_cases(session.store)] == [201]


def test_500s_during_sync_are_retried(devnet: Devnet, tmp_path: Path) -> None:
    devnet.set_faults(fail_next=3, path_prefix="/v2/contracts/call-read")
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        fast_retries(session)
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        assert summary.disputes == len(arbiter_1_disputes(devnet))


@pytest.mark.parametrize(
    "fault",
    [{"fail_next": 40, "path_prefix": "/v2/contracts/call-read"}, {"delay_ms": 1500}],
    ids=["500s-past-the-retries", "timeouts"],
)
def test_sync_stops_cleanly_and_resumes(
    devnet: Devnet, tmp_path: Path, fault: dict[str, Any]
) -> None:
    settings = devnet_settings(devnet, tmp_path / "data")
    devnet.set_faults(**fault)
    with Session(settings, timeout=httpx.Timeout(0.5, connect=2.0)) as session:
        fast_retries(session)
        with pytest.raises(NetworkError):
            run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
    devnet.reset_faults()
    with short_session(settings) as session:
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        assert {c.invoice.id for c in rows.list_cases(session.store)} == arbiter_1_disputes(devnet)
        assert summary.events > 0  # the marker was not advanced by the failed run


def test_cancel_stops_between_steps(devnet: Devnet, tmp_path: Path) -> None:
    token = CancelToken()
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        def cancel_on_second_invoice(p: Progress) -> None:
            if p.label == "invoice 102":  # 101, the first dispute, is stored by then
                token.cancel()
        with pytest.raises(Cancelled):
            run_to_end(sync_disputes(session, token, arbiter=devnet.accounts["arbiter_1"]),
                       cancel_on_second_invoice)
        assert len(rows.list_cases(session.store)) == 1
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        assert summary.new_disputes == len(arbiter_1_disputes(devnet)) - 1


def test_a_block_withheld_at_the_opening_marks_the_item_unavailable_and_logs_it(
        devnet: Devnet, tmp_path: Path) -> None:
    chat = devnet.seed_summary()["files"]["chat-log-payer.txt"]["cid"]
    devnet.set_faults(withhold_blocks=[chat])
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        assert summary.disputes == len(arbiter_1_disputes(devnet))
        assert states(session, 101)[0] == (EvidenceState.PENDING, "")
        fetched = run_to_end(opening.fetch_on_opening(session, 101))
        payer_101 = states(session, 101)[0]
        assert payer_101[0] is EvidenceState.UNAVAILABLE and "IPFS" in payer_101[1]
        assert [e.index for e in fetched.evidence] == [0] and not fetched.waiting
        assert unavailable_entries(session, 101) == [(0, "unavailable", payer_101[1])]
        kept = rows.load_case(session.store, 101).dispute.evidence[0]  # its manifest verified
        assert kept.title and chat in {f.cid for f in kept.files}
        assert {s for i, (s, _) in states(session, 101).items() if i} == {EvidenceState.VERIFIED}


def test_evidence_not_tied_to_a_party_transaction_is_flagged(devnet: Devnet,
                                                              tmp_path: Path) -> None:
    from arbiter_app.stacks import clarity

    outsider = devnet.accounts["admin_3"]
    lie = clarity.Some(clarity.Tuple({
        "submitter": clarity.principal(outsider), "cid": clarity.StringAscii("bafkreilie"),
        "block-height": clarity.UInt(5)}))
    devnet.set_faults(lie_call_read={"get-evidence": clarity.to_hex(lie)})
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        assert summary.flagged and all("evidence #" in f or "terms" in f for f in summary.flagged)
        items = states(session, 101)
        assert {s for s, _ in items.values()} == {EvidenceState.MISMATCH}
        assert all("disagree" in reason for _, reason in items.values())


def test_cli_sync_stops_with_exit_1_and_resumes(devnet: Devnet, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    settings = devnet_settings(devnet, Path(os.environ["ARBITER_APP_DATA"]))
    config.save(settings)
    arbiter = ["sync", "--arbiter", devnet.accounts["arbiter_1"]]
    devnet.set_faults(fail_next=40, path_prefix="/v2/contracts/call-read")
    assert main(arbiter) == 1
    message = capsys.readouterr().err.splitlines()[-1]
    assert "status 500" in message and "/v2/contracts/call-read/" in message
    devnet.reset_faults()
    assert main([*arbiter, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["disputes"] == len(arbiter_1_disputes(devnet))


def test_cli_case_show_of_a_new_case_fetches_its_evidence(
        devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.save(devnet_settings(devnet, Path(os.environ["ARBITER_APP_DATA"])))
    chat = devnet.seed_summary()["files"]["chat-log-payer.txt"]["cid"]
    devnet.set_faults(withhold_blocks=[chat])
    assert main(["sync", "--arbiter", devnet.accounts["arbiter_1"], "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["disputes"] == len(arbiter_1_disputes(devnet))
    assert summary["pending"] == summary["evidence"] > 0 and summary["unavailable"] == 0
    assert main(["case", "show", "101", "--json"]) == 0
    shown = capsys.readouterr()
    evidence = json.loads(shown.out)["evidence"]
    assert [e["state"] for e in evidence] == ["unavailable"] + ["verified"] * (len(evidence) - 1)
    assert all(e["files"] for e in evidence[1:])
    said = shown.err.splitlines()
    assert said[0] == f"fetching the terms document and {len(evidence)} evidence items of " \
                      "invoice 101…"
    assert [line for line in said if line.startswith("fetching evidence")] == [
        f"fetching evidence {n} of {len(evidence)} of invoice 101…"
        for n in range(1, len(evidence) + 1)]
    assert any(line.startswith("Evidence #0 (payer) is unavailable: not available from IPFS")
               for line in said)
    assert main(["case", "show", "101"]) == 0  # everything had: nothing is fetched again
    assert "fetching" not in capsys.readouterr().err


def test_first_sync_takes_disputes_from_their_events_not_get_dispute(
        devnet: Devnet, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        paths = record_paths(session)
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        check_seed_synced(session, devnet)
    assert summary.disputes == len(arbiter_1_disputes(devnet))
    assert [p for p in paths if p.endswith("/get-dispute")] == []
    assert len([p for p in paths if p.endswith("/get-invoice")]) == summary.disputes


def test_first_sync_reads_block_times_in_pages_and_leaves_terms_to_the_opening(
        devnet: Devnet, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        paths = record_paths(session)
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        synced = list(paths)
        terms_cids = {c.invoice.terms.cid for c in rows.list_cases(session.store)}
        check_seed_synced(session, devnet)  # raise and evidence times as the v3 reads give
    listed = [p for p in synced if p.endswith("/transactions") and "/principals/" in p]
    assert listed and [p for p in synced if p.startswith("/extended/v3/transactions/")] == []
    assert not [p for p in synced if any(str(c) in p for c in terms_cids)]


def test_terms_unreachable_on_opening_stay_pending_and_come_on_a_later_opening(
        devnet: Devnet, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        fast_retries(session)
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        cid = rows.load_case(session.store, 101).invoice.terms.cid
        assert cid is not None
        devnet.set_faults(withhold_blocks=[cid])
        why = run_to_end(opening.fetch_on_opening(session, 101)).terms
        assert why.startswith("unavailable")
        assert rows.load_case(session.store, 101).invoice.terms.state is TermsState.PENDING
        devnet.set_faults(withhold_blocks=[])
        assert run_to_end(opening.fetch_on_opening(session, 101)).terms == ""
        assert rows.load_case(session.store, 101).invoice.terms.state is TermsState.VERIFIED


def test_a_sync_asks_ipfs_nothing_and_the_opening_fetches_the_evidence(
        devnet: Devnet, tmp_path: Path) -> None:
    settings = devnet_settings(devnet, tmp_path / "data", kubo=False)  # IPFS: the gateway only
    with short_session(settings) as session:
        paths = record_paths(session)
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        assert summary.pending == summary.evidence > 0
        assert [p for p in paths if p.startswith("/ipfs/")] == []
        assert {e.state for e in rows.load_case(session.store, 101).dispute.evidence} == {
            EvidenceState.PENDING}
        assert run_to_end(opening.fetch_on_opening(session, 101)) == opening.Opening()
        case = rows.load_case(session.store, 101)
    assert {e.state for e in case.dispute.evidence} == {EvidenceState.VERIFIED}
    asked = [p for p in paths if p.startswith("/ipfs/")]
    assert {f"/ipfs/{e.manifest_cid}" for e in case.dispute.evidence} <= set(asked)


def test_evidence_opened_offline_stays_pending_with_why_and_a_later_opening_verifies_it(
        devnet: Devnet, tmp_path: Path) -> None:
    from arbiter_app.errors import PolicyError
    from arbiter_app.retry import Backoff
    from arbiter_app.services import steps

    settings = devnet_settings(devnet, tmp_path / "data")
    with short_session(settings) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
    offline = settings.replace(ipfs_rpc=None, ipfs_gateways=("http://127.0.0.1:9",))
    with short_session(offline) as session:
        session.fetcher.retry = Backoff(attempts=2, base=0.01, cap=0.01)
        fetched = run_to_end(opening.fetch_on_opening(session, 101))
        case = rows.load_case(session.store, 101)
        assert [e.index for e in fetched.waiting] == [e.index for e in case.dispute.evidence]
        assert all(e.reason.startswith("no IPFS source can be reached") for e in fetched.waiting)
        assert fetched.terms.startswith("unavailable")
        assert {(e.state, e.reason) for e in case.dispute.evidence} == {(EvidenceState.PENDING, "")}
        assert unavailable_entries(session, 101) == []
        assert opening.needs_fetch(case)
        with pytest.raises(PolicyError, match=r"evidence #0 \(payer\) is not fetched and "
                                              r"verified yet: open the case again"):
            steps.complete_evidence(session, 101, now=session.now())
    with short_session(settings) as session:
        assert run_to_end(opening.fetch_on_opening(session, 101)) == opening.Opening()
        case = rows.load_case(session.store, 101)
    assert {e.state for e in case.dispute.evidence} == {EvidenceState.VERIFIED}
    assert case.invoice.terms.state is TermsState.VERIFIED and not opening.needs_fetch(case)


def test_step_3_flags_an_evidence_count_of_get_dispute_the_events_did_not_name(
        devnet: Devnet, tmp_path: Path) -> None:
    from arbiter_app.stacks import clarity, escrow

    me = devnet.accounts["arbiter_1"]
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=me))
        known = len(rows.load_case(session.store, 101).dispute.evidence)
        reader = ChainReader(session.api, session.contract_id, me)
        agreed = reader.checks(101, me, known_evidence=known)
        assert agreed.evidence_on_chain == known > 0
        assert not [f for f in agreed.failures() if "evidence" in f]
        # the contract counts one more item than the events named (an API hiding an event)
        real = session.api.call_read_only(session.contract_id, "get-dispute",
                                          escrow.read_only_args("get-dispute", 101, None), me)
        assert isinstance(real, clarity.Some) and isinstance(real.value, clarity.Tuple)
        more = {**real.value.fields, "evidence-count": clarity.UInt(known + 1)}
        devnet.set_faults(lie_call_read={"get-dispute": clarity.to_hex(
            clarity.Some(clarity.Tuple(more)))})
        flagged = reader.checks(101, me, known_evidence=known)
    assert flagged.evidence_on_chain == known + 1
    assert [f for f in flagged.failures() if "evidence" in f] == [
        f"the contract counts {known + 1} evidence item(s) but its events named {known}: sync "
        "again; if they still differ, the API is hiding evidence"]
    assert (False, f"the contract counts {known + 1} evidence item(s); the events named "
            f"{known}") in words.chain_check_lines(flagged)


def test_an_incremental_sync_pages_only_the_newest_transactions(
        fresh_devnet: Devnet, tmp_path: Path) -> None:
    devnet = fresh_devnet
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        paths = record_paths(session)
        session._api = None  # the next sync's API client records its requests
        devnet.invoice(900, "payer_2", "payee_1", "arbiter_1", stage="disputed")
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        case = rows.load_case(session.store, 900)
    assert summary.new_disputes == 1 and case.dispute.raised_time > 0, paths
    assert len([p for p in paths if "/principals/" in p]) == 1, paths  # the newest page
    assert [p for p in paths if p.startswith("/extended/v3/transactions/")] == []
