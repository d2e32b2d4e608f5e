"""At the device: a Ledger that stops answering, and a user who cancels. Against the
emulated device in its own process: silence brings "check your Ledger" and then a timeout;
Cancel abandons the request (the connection is closed and opened again); a signature the
device gives after Cancel is never taken for the answer to the next request."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from arbiter_app import config
from arbiter_app.errors import Cancelled, DeviceTimeout
from arbiter_app.stacks import transaction
from arbiter_app.wallet.ledger import LedgerSigner, Patience
from tests.fixtures.ledger import EmulatorProcess
from tests.integration.wallet.conftest_helpers import RecordingPrompt, resolve_dispute
from tests.integration.wallet.judge import judge

SHORT = Patience(check_after=0.3, give_up=1.5)


@pytest.fixture
def impatient(ledger: EmulatorProcess) -> Iterator[LedgerSigner]:
    opened = LedgerSigner.open(ledger.ledger, config.DEVNET, 0, timeout=30, patience=SHORT)
    yield opened
    ledger.mode = "approve"
    opened.close()


def verified(signed: transaction.Transaction) -> bool:
    (decoded,) = judge({"op": "tx", "hex": transaction.serialize(signed).hex()})
    return bool(decoded["verified"])


def test_a_silent_device_is_reported_then_given_up(impatient: LedgerSigner,
                                                   ledger: EmulatorProcess) -> None:
    unsigned = resolve_dispute(impatient.public_key(), impatient.address())
    ledger.mode = "unresponsive"
    prompt = RecordingPrompt()
    started = time.monotonic()
    with pytest.raises(DeviceTimeout, match="did not answer within 1.5 s; the request was "
                                            "abandoned"):
        impatient.sign_transaction(unsigned, prompt, subject="a test transaction")
    assert time.monotonic() - started < 10
    kinds = [e[0] for e in prompt.events if e[0] not in ("step", "confirm")]
    assert kinds == ["stalled", "finished"]  # told once, then the message goes
    stalled = next(e[1] for e in prompt.events if e[0] == "stalled")
    assert "check your Ledger" in stalled
    ledger.mode = "approve"  # the device wakes: the reopened connection works
    assert verified(impatient.sign_transaction(unsigned, subject="a test transaction"))


def test_a_signature_given_after_cancel_is_discarded(impatient: LedgerSigner,
                                                     ledger: EmulatorProcess) -> None:
    first = resolve_dispute(impatient.public_key(), impatient.address(), nonce=7)
    second = resolve_dispute(impatient.public_key(), impatient.address(), nonce=8)
    ledger.mode = "awaiting_button"  # the review is on the screen; nobody presses yet
    prompt = RecordingPrompt(cancel_after_stall=True)
    with pytest.raises(Cancelled):
        impatient.sign_transaction(first, prompt, subject="the first transaction")
    assert [e[0] for e in prompt.events if e[0] != "step"] == ["confirm", "stalled",
                                                               "finished"]
    ledger.mode = "approve"  # the user approves the abandoned request on the device, late
    deadline = time.monotonic() + 10
    while not ledger.display_log and time.monotonic() < deadline:
        time.sleep(0.05)
    (late,) = ledger.display_log
    assert late["outcome"] == "approved" and late["nonce"] == 7
    signed = impatient.sign_transaction(second, subject="the second transaction")
    assert signed.auth.nonce == 8 and verified(signed)  # not the late answer for nonce 7
