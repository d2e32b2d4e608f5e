"""The prompt wrapper that names what is signed: the device's own request is replaced by the
subject, progress and the device's answer pass through unchanged, and no prompt means
silence."""

from __future__ import annotations

from arbiter_app.services.receipts import BINDING_SUBJECT, Announced, receipt_subject
from arbiter_app.wallet.signer import DevicePrompt
from tests.fixtures.ledger import RecordingPrompt


def test_the_subject_replaces_the_device_request_and_the_rest_passes_through() -> None:
    inner = RecordingPrompt()
    prompt = Announced(inner, receipt_subject(7))
    assert isinstance(prompt, DevicePrompt)
    prompt.step(1, 2)
    prompt.step(2, 2)
    prompt.confirm("review the signed message for (tuple ...), then approve")
    prompt.finished()
    assert inner.events == [("step", (1, 2)), ("step", (2, 2)),
                            ("confirm", "sign the ruling receipt for invoice 7"),
                            ("finished", None)]


def test_without_a_prompt_nothing_is_shown_and_nothing_fails() -> None:
    prompt = Announced(None, BINDING_SUBJECT)
    prompt.step(1, 1)
    prompt.confirm("review the signed message, then approve")
    prompt.finished()
    assert prompt.subject == BINDING_SUBJECT
