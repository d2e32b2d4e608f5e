"""Evidence and terms verification through the real fetcher on the devnet's IPFS side: the
seed's good items verify, the missing file is unavailable, the lying manifest is a mismatch
naming the lie, a withheld block makes an item unavailable, terms match their on-chain hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arbiter_app.case.models import EvidenceItem, EvidenceState, Party, TermsState
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.ipfs.cid import CID
from arbiter_app.progress import run_to_end
from arbiter_app.services import evidence as docs
from tests.integration.services.helpers import devnet_settings, short_session


def seed_item(devnet: Devnet, invoice_id: int, party: str) -> EvidenceItem:
    seed = devnet.seed_summary()
    inv = seed["invoices"][str(invoice_id)]
    entries = seed["disputes"][str(invoice_id)]["evidence"]
    index, entry = next((i, e) for i, e in enumerate(entries) if e["party"] == party)
    who = devnet.accounts[inv[party]]
    return EvidenceItem(invoice_id, index, Party(party), who, entry["cid"])


def verify(devnet: Devnet, tmp_path: Path, item: EvidenceItem) -> EvidenceItem:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        return run_to_end(docs.verify_item(session.fetcher, item))


@pytest.mark.parametrize(("invoice_id", "party"), [(101, "payer"), (101, "payee"), (102, "payer")],
                         ids=["text-png-multiblock-log", "text-pdf-pdf", "png-text"])
def test_good_evidence_verifies(devnet: Devnet, tmp_path: Path, invoice_id: int,
                                party: str) -> None:
    item = verify(devnet, tmp_path, seed_item(devnet, invoice_id, party))
    assert item.state is EvidenceState.VERIFIED and item.reason == ""
    assert item.files and item.title


def test_missing_file_is_unavailable(devnet: Devnet, tmp_path: Path) -> None:
    item = verify(devnet, tmp_path, seed_item(devnet, 104, "payee"))
    assert item.state is EvidenceState.UNAVAILABLE
    assert devnet.seed_summary()["special"]["missing_file"]["cid"] in item.reason


def test_lying_manifest_is_a_mismatch(devnet: Devnet, tmp_path: Path) -> None:
    item = verify(devnet, tmp_path, seed_item(devnet, 105, "payee"))
    assert item.state is EvidenceState.MISMATCH and "manifest says 712" in item.reason


def test_manifest_claiming_the_other_party_is_a_mismatch(devnet: Devnet, tmp_path: Path) -> None:
    honest = seed_item(devnet, 101, "payer")
    item = verify(devnet, tmp_path, EvidenceItem(101, 0, Party.PAYEE, "ST000", honest.manifest_cid))
    assert item.state is EvidenceState.MISMATCH and "claims party 'payer'" in item.reason


def test_withheld_block_is_unavailable(devnet: Devnet, tmp_path: Path) -> None:
    chat = devnet.seed_summary()["files"]["chat-log-payer.txt"]["cid"]
    devnet.set_faults(withhold_blocks=[chat])
    item = verify(devnet, tmp_path, seed_item(devnet, 101, "payer"))
    assert item.state is EvidenceState.UNAVAILABLE and "IPFS" in item.reason


def terms_of(devnet: Devnet, tmp_path: Path, invoice_id: int) -> tuple[Any, str]:
    cid = CID.parse(devnet.seed_summary()["invoices"][str(invoice_id)]["terms_cid"])
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        return run_to_end(docs.fetch_terms(session.fetcher, cid.digest.hex()))


def test_terms_verify_against_the_metadata_hash(devnet: Devnet, tmp_path: Path) -> None:
    terms, why = terms_of(devnet, tmp_path, 103)
    assert why == "" and terms.state is TermsState.VERIFIED
    assert terms.ai_parse is not None and terms.ai_parse.confidence == 0.62
    assert terms.payer_name == "payer_3" and len(terms.milestones) == 2


def test_absent_metadata_hash_is_noted(devnet: Devnet, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        terms, why = run_to_end(docs.fetch_terms(session.fetcher, None))
    assert terms.state is TermsState.ABSENT and why == ""
