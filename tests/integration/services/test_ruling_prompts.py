"""Every signature of a ruling asks the user through the caller's device prompt, naming what
is signed: the transaction by its amount and recipient, the log key's unlocking (once per
session), its binding (once), and the receipt. Proven with the emulated Ledger on a fresh
devnet, a recording prompt (a real implementation of the DevicePrompt protocol) and the
command line's StderrPrompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arbiter_app.case.models import Decision
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services import receipts
from arbiter_app.services.ruling import ReceiptNotIssued, execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.signatures import (
    BINDING,
    UNLOCK,
    receipt_subject,
    transaction_subject,
)
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import log, rows
from arbiter_app.wallet.signer import DevicePrompt, StderrPrompt
from tests.fixtures.ledger import RecordingPrompt
from tests.integration.services.helpers import devnet_settings, short_session, walk_to_ruling

CASE = 101


def prepared(devnet: Devnet, ledger: Any, data: Path, decision: Decision) -> Session:
    session = short_session(devnet_settings(devnet, data, ledger.ledger))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, CASE, decision)
    return session


def execute(session: Session, prompt: DevicePrompt) -> Any:
    return run_to_end(execute_ruling(session, CASE, prompt=prompt, sleep=lambda s: None,
                                     poll_interval=0.0))


def test_recording_prompt_is_a_device_prompt() -> None:
    assert isinstance(RecordingPrompt(), DevicePrompt)


@pytest.mark.parametrize(
    ("decision", "party", "verb"),
    [(Decision.RELEASE, "payee", "release"), (Decision.REFUND, "payer", "refund")],
    ids=["release", "refund"],
)
def test_each_signature_is_confirmed_through_the_prompt(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path, decision: Decision, party: str,
        verb: str) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data", decision) as session:
        inv = rows.load_case(session.store, CASE).invoice
        prompt = RecordingPrompt()
        execute(session, prompt)
        words = f"{verb} {inv.amount / 10**8:g} sBTC to {getattr(inv, party)}"
        assert prompt.confirmed() == [transaction_subject(words, CASE), UNLOCK, BINDING,
                                      receipt_subject(CASE)]
        # Each request carries the device's own words too, in the one wording.
        requests = [r for k, r in prompt.events if k == "confirm"]
        assert "review resolve-dispute-split on" in requests[0].device
        assert all(r.text.startswith(f"Confirm on your Ledger: {r.subject}\nThe Ledger asks "
                                     "you to review ") for r in requests)
        # Each device exchange closes its message before the next one opens.
        assert [k for k, _ in prompt.events if k != "step"] == ["confirm", "finished"] * 4
        assert log.attestation(session.store) is not None
        shown = [d for d in ledger.display_log if d.get("kind") != "transaction"]
        assert len(shown) == 3  # the unlocking, the binding and the receipt reached the device


def test_a_second_receipt_needs_no_second_binding(fresh_devnet: Devnet, ledger: Any,
                                                  tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data", Decision.RELEASE) as session:
        execute(session, RecordingPrompt())
        walk_to_ruling(session, 103, Decision.REFUND)
        prompt = RecordingPrompt()
        run_to_end(execute_ruling(session, 103, prompt=prompt, sleep=lambda s: None,
                                  poll_interval=0.0))
        assert prompt.confirmed()[1:] == [receipt_subject(103)]


def test_the_command_line_prompt_names_the_receipt(fresh_devnet: Devnet, ledger: Any,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data", Decision.RELEASE) as session:
        capsys.readouterr()
        execute(session, StderrPrompt())
    lines = capsys.readouterr().err.splitlines()
    assert f"Confirm on your Ledger: the ruling receipt for invoice {CASE}" in lines
    assert f"Confirm on your Ledger: {BINDING}" in lines
    assert f"Confirm on your Ledger: {UNLOCK}" in lines


def test_a_refused_receipt_is_reported_after_the_prompt(fresh_devnet: Devnet, ledger: Any,
                                                        tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data", Decision.RELEASE) as session:
        prompt = RecordingPrompt()
        # Approve the transaction and the binding, then say no to the receipt.
        execute_gen = execute_ruling(session, CASE, prompt=prompt, sleep=lambda s: None,
                                     poll_interval=0.0)
        while True:
            progress = next(execute_gen)
            if progress.label == "waiting for confirmation":
                break
        receipts.bind_log_key(session, now=0, prompt=prompt)
        assert prompt.confirmed()[-1] == BINDING
        ledger.mode = "reject"
        with pytest.raises(ReceiptNotIssued, match="issue it later"):
            run_to_end(execute_gen)
        assert prompt.confirmed()[-1] == receipt_subject(CASE)
        assert prompt.events[-1] == ("finished", None)
        assert rows.load_receipt(session.store, CASE) is None
