"""The ruling preview is the transaction that is signed, on a fresh devnet with the emulated
Ledger: one code path builds both, the signed bytes carry exactly the reviewed fields, and a
review that no longer matches what would be signed is refused before the device is asked."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from arbiter_app.case.models import Decision
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import PolicyError
from arbiter_app.progress import run_to_end
from arbiter_app.services.ruling import execute_ruling, preview_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.stacks import fees
from arbiter_app.stacks import transaction as txn
from arbiter_app.store import rows
from tests.integration.services.helpers import (
    devnet_settings,
    nonce_of,
    short_session,
    walk_to_ruling,
)

RELEASE_CASE, REFUND_CASE = 101, 103
# The fields of describe() that signing does not change (the txid and signature do).
SIGNED_FIELDS = ("network", "version", "chain_id", "sender", "nonce", "fee", "anchor_mode",
                 "post_condition_mode", "post_conditions", "payload")


def prepared(devnet: Devnet, ledger: Any, data: Path, invoice_id: int,
             decision: Decision) -> Session:
    session = short_session(devnet_settings(devnet, data, ledger.ledger))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, invoice_id, decision)
    return session


def execute(session: Session, invoice_id: int, **kwargs: Any) -> Any:
    return run_to_end(execute_ruling(session, invoice_id, sleep=lambda s: None,
                                     poll_interval=0.0, **kwargs))


@pytest.mark.parametrize(
    ("invoice_id", "decision", "recipient"),
    [(RELEASE_CASE, Decision.RELEASE, "payee"), (REFUND_CASE, Decision.REFUND, "payer")],
    ids=["release-pays-the-payee", "refund-pays-the-payer"],
)
def test_the_reviewed_preview_is_what_is_signed(fresh_devnet: Devnet, ledger: Any,
                                                tmp_path: Path, invoice_id: int,
                                                decision: Decision, recipient: str) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data", invoice_id, decision) as session:
        inv = rows.load_case(session.store, invoice_id).invoice
        nonce = nonce_of(session, inv.arbiter)
        preview = preview_ruling(session, invoice_id)
        assert (preview.invoice_id, preview.decision) == (invoice_id, decision)
        assert preview.amount == inv.amount and preview.recipient == getattr(inv, recipient)
        size = len(txn.serialize(preview.transaction))
        assert preview.nonce == nonce and size <= preview.fee <= fees.MAX_RATE * size
        described = preview.described
        direct = {**txn.describe(preview.transaction), "network_name": "devnet"}
        assert described == json.loads(json.dumps(direct))
        assert (described["nonce"], described["fee"]) == (preview.nonce, preview.fee)
        assert described["payload"]["function_name"] == "resolve-dispute-split"
        assert described["network_name"] == "devnet" and not described["signature_valid"]
        assert preview.words.startswith(decision.value) and preview.recipient in preview.words
        assert preview_ruling(session, invoice_id) == preview  # nothing moved in between

        result = execute(session, invoice_id, reviewed=preview)
        record = rows.load_case(session.store, invoice_id).transaction
        assert record is not None and record.txid == result.txid
        signed = txn.describe(txn.deserialize(bytes.fromhex(record.raw_hex)))
        assert {k: signed[k] for k in SIGNED_FIELDS} == {k: described[k] for k in SIGNED_FIELDS}
        assert signed["signature_valid"] and result.status == "success"


@pytest.mark.parametrize(
    "change",
    [{"fee": 1}, {"nonce": 1}],
    ids=["fee-quoted-again-differs", "nonce-moved-since-review"],
)
def test_a_stale_review_is_refused_before_the_device(fresh_devnet: Devnet, ledger: Any,
                                                     tmp_path: Path, change: dict[str, int]
                                                     ) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data", RELEASE_CASE,
                  Decision.RELEASE) as session:
        arbiter = session.signer.address()
        nonce = nonce_of(session, arbiter)
        preview = preview_ruling(session, RELEASE_CASE)
        # What the user saw: the same call with one field other than what is signed now.
        described = {**preview.described}
        for key, delta in change.items():
            described[key] += delta
        stale = dataclasses.replace(preview, describe_json=json.dumps(described, sort_keys=True),
                                    **{k: getattr(preview, k) + d for k, d in change.items()})
        # A moved nonce is named by the checks before the device, a fee by the comparison.
        with pytest.raises(PolicyError, match="changed since it was reviewed|nonce is now"):
            execute(session, RELEASE_CASE, reviewed=stale)
        assert rows.load_case(session.store, RELEASE_CASE).transaction is None
        assert not [d for d in ledger.display_log if d.get("kind") == "transaction"]
        assert nonce_of(session, arbiter) == nonce
        assert execute(session, RELEASE_CASE, reviewed=preview).status == "success"


def test_preview_needs_a_finalized_ruling(devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data", ledger.ledger)) as session:
        run_to_end(sync_disputes(session))
        with pytest.raises(PolicyError, match="no finalized ruling"):
            preview_ruling(session, RELEASE_CASE)
