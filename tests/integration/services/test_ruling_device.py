"""At the device, from a finalized ruling on a fresh devnet with the emulated Ledger:
a device that stops answering gives "check your Ledger" then a timeout; a cancel followed by
a late approval on the device stores and sends nothing; a refusal, a timeout and a cancel
are each a decision-log entry; and the ruling can then be signed normally."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from arbiter_app.case.models import Decision
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import Cancelled, DeviceRejected, DeviceTimeout
from arbiter_app.progress import run_to_end
from arbiter_app.services.ruling import execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import log, rows
from arbiter_app.wallet.ledger import LedgerSigner, Patience
from tests.fixtures.ledger import RecordingPrompt
from tests.integration.services.helpers import devnet_settings, nonce_of, walk_to_ruling

CASE = 101
SHORT = Patience(check_after=0.3, give_up=2.0)


def prepared(devnet: Devnet, ledger: Any, data: Path) -> Session:
    settings = devnet_settings(devnet, data, ledger.ledger)
    session = Session(settings, timeout=httpx.Timeout(5.0, connect=2.0),
                      signer_factory=lambda s: LedgerSigner.open(s.ledger, s.chain, s.account,
                                                                 patience=SHORT))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, CASE, Decision.RELEASE)
    return session


def execute(session: Session, prompt: RecordingPrompt) -> Any:
    return run_to_end(execute_ruling(session, CASE, prompt=prompt, sleep=lambda s: None,
                                     poll_interval=0.0))


def failures(session: Session) -> list[dict[str, Any]]:
    """The ``signature-failed`` entries of the case, oldest first."""
    return [e.data for e in log.entries(session.store, invoice_id=CASE)
            if e.kind == "signature-failed"]


def assert_nothing_signed(session: Session, nonce: int) -> None:
    assert rows.load_case(session.store, CASE).transaction is None
    assert session.store.conn.execute("SELECT count(*) FROM transactions").fetchone()[0] == 0
    assert nonce_of(session, session.signer.address()) == nonce


def test_a_silent_device_times_out_with_a_check_your_ledger_message(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        nonce = nonce_of(session, session.signer.address())
        ledger.mode = "unresponsive"
        prompt = RecordingPrompt()
        with pytest.raises(DeviceTimeout, match="did not answer within 2 s"):
            execute(session, prompt)
        stalled = [text for kind, text in prompt.events if kind == "stalled"]
        assert len(stalled) == 1 and "check your Ledger" in stalled[0]
        assert_nothing_signed(session, nonce)
        (entry,) = failures(session)
        assert entry["outcome"] == "timed out" and entry["subject"].endswith(f"invoice {CASE}")
        ledger.mode = "approve"
        assert execute(session, RecordingPrompt()).status == "success"


def test_cancel_then_a_late_approval_stores_nothing(fresh_devnet: Devnet, ledger: Any,
                                                   tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        nonce = nonce_of(session, session.signer.address())
        ledger.mode = "awaiting_button"
        prompt = RecordingPrompt(cancel_on_stall=True)
        with pytest.raises(Cancelled):
            execute(session, prompt)
        ledger.clear_display_log()
        ledger.mode = "approve"  # the user presses approve on the abandoned request
        deadline = time.monotonic() + 10
        while not ledger.display_log and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [d["outcome"] for d in ledger.display_log] == ["approved"]
        assert_nothing_signed(session, nonce)
        assert [e["outcome"] for e in failures(session)] == ["cancelled"]


def test_a_refusal_is_logged_and_the_log_verifies(fresh_devnet: Devnet, ledger: Any,
                                                  tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        ledger.mode = "reject"
        with pytest.raises(DeviceRejected):
            execute(session, RecordingPrompt())
        ledger.mode = "approve"
        execute(session, RecordingPrompt())
        (entry,) = failures(session)
        assert entry["outcome"] == "refused" and "release" in entry["subject"]
        assert log.verify_log(session.store) > 0
        assert json.loads(rows.load_receipt(session.store, CASE).document)["signature"]
