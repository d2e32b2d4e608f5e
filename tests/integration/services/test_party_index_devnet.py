"""The review policy on the whole contract's data, on a devnet: the sync indexes
every invoice of the escrow, whoever its arbiter; a payer with an earlier undisputed invoice
under another arbiter is not first-time, a payer whose only other invoice is later is; an
invoice where the arbiter is the payer, and one under another address of the arbiter's
named in settings, show in the past dealings declared beside at step 1; a party on the
suspicious list raises its flag, which step 5 demands be confirmed; step 3 reads the escrow's
real token balance, and a contract made to hold less than its invoices fails the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbiter_app.case.framework import RulingProposal
from arbiter_app.case.models import Decision, ReviewFlag
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import PolicyError
from arbiter_app.progress import run_to_end
from arbiter_app.services import opening, party_index, queries, steps, suspicious
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import log, parties
from tests.integration.services.helpers import RATIONALE, devnet_settings, short_session


def test_first_time_payer_and_past_dealings_come_from_every_invoice_of_the_contract(
        fresh_devnet: Devnet, tmp_path: Path) -> None:
    devnet, acc = fresh_devnet, fresh_devnet.accounts
    devnet.invoice(501, "payee_3", "payee_2", "arbiter_1", stage="disputed")
    devnet.invoice(502, "payee_3", "payee_1", "arbiter_2")  # the same payer, later
    devnet.invoice(503, "arbiter_1", "payee_1", "arbiter_2")  # the arbiter pays a party of 101
    settings = devnet_settings(devnet, tmp_path / "data").replace(
        other_addresses=[acc["admin_3"]])
    devnet.invoice(504, "payer_2", "payee_1", "admin_3")  # the arbiter's other address judged
    me = acc["arbiter_1"]
    with short_session(settings) as session:
        run_to_end(sync_disputes(session, arbiter=me))
        seed = devnet.seed_summary()
        assert parties.size(session.store, session.contract_id) == len(seed["invoices"]) + 4
        three = parties.indexed(session.store, session.contract_id, 3)
        assert three is not None and three.arbiter == acc["arbiter_2"] and three.status == 2

        payer_3_case = queries.load_case(session, 103)  # payer_3 paid invoice 3 (arbiter_2)
        first = queries.review_reasons(session, payer_3_case)
        assert all(flag.value != "first-time-payer" for flag, _ in first)

        later_only = dict(queries.review_reasons(session, queries.load_case(session, 501)))
        created = parties.indexed(session.store, session.contract_id, 501)
        assert created is not None
        assert [why for flag, why in later_only.items() if flag.value == "first-time-payer"] == [
            f"The payer is new: no invoice from this payer before block "
            f"{created.created_height} in escrow-secure."]

        case = queries.load_case(session, 101)  # payer_1 -> payee_1
        found = queries.dealings(session, case)
        roles = {i.id: found.role_of(i) for i in found.invoices}
        assert roles[503] == "payer" and roles[504] == "arbiter" and roles[1] == "arbiter"
        assert 101 not in roles and found.searched == (me, acc["admin_3"])
        assert found.counts()["as payer"] == 1

        run_to_end(opening.fetch_on_opening(session, 101))  # as opening the case does
        steps.complete_terms(session, 101, no_conflict=True, dealings_shown=found.ids,
                             now=1_800_000_000)
        entry = log.entries(session.store, invoice_id=101)[-1]
        assert entry.kind == "conflict-declared"
        assert [d["invoice_id"] for d in entry.data["dealings_shown"]] == found.ids
        assert log.verify_log(session.store) > 0

        suspicious.flag(session, acc["payee_1"], "reported by another arbiter", now=1_800_000_001)
        flags = queries.review_flags(session, queries.load_case(session, 101))
        assert ReviewFlag.SUSPICIOUS_ADDRESS in flags
        unconfirmed = RulingProposal(Decision.REFUND, RATIONALE, (), ())
        unconfirmed_words = "manual review for suspicious address is not confirmed"
        with pytest.raises(PolicyError, match=unconfirmed_words):
            steps.finalize_ruling(session, 101, unconfirmed, now=1_800_000_002)


def test_an_invoice_created_after_a_sync_is_indexed_by_the_next_one(
        fresh_devnet: Devnet, tmp_path: Path) -> None:
    devnet = fresh_devnet
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        me = devnet.accounts["arbiter_1"]
        run_to_end(sync_disputes(session, arbiter=me))
        before = parties.size(session.store, session.contract_id)
        devnet.invoice(601, "payer_1", "payee_3", "arbiter_2", stage="funded")
        run_to_end(sync_disputes(session, arbiter=me))
        assert parties.size(session.store, session.contract_id) == before + 1
        row = parties.indexed(session.store, session.contract_id, 601)
        assert row is not None and row.status == 1 and row.payee == devnet.accounts["payee_3"]


def test_a_contract_holding_less_than_its_invoices_fails_the_deposit_check(
        fresh_devnet: Devnet, tmp_path: Path) -> None:
    devnet = fresh_devnet
    me = devnet.accounts["arbiter_1"]
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=me))
        case = queries.load_case(session, 101)
        held = party_index.escrow_held(session, case.invoice.token)
        known = len(case.dispute.evidence)
        reader = ChainReader(session.api, session.contract_id, me)
        checks = reader.checks(101, me, held=held, known_evidence=known)
        assert checks.deposit_matches and checks.failures() == []
        assert checks.escrow_balance == checks.escrow_held == held > case.invoice.amount
        burned = devnet.token("burn", "escrow", 1)
        assert burned["status"] == "success"
        short = reader.checks(101, me, held=held, known_evidence=known)
        assert not short.deposit_matches and short.escrow_balance == held - 1
        assert any("deposit check failed" in f for f in short.failures())
        with pytest.raises(PolicyError, match="deposit check failed"):
            steps.complete_chain(session, 101, checks=short, acknowledged=short, now=1)
