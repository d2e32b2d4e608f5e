"""The final review names a fee above the user's ``fee_confirm_above`` setting: a red sentence
above the confirmation, and the confirmation itself names the fee (the GUI's side of the fee
policy; a fee over 50 µSTX a byte never reaches the review)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.case.models import Award, Decision
from arbiter_app.gui.views.review import FinalReviewDialog
from arbiter_app.services.ruling import RulingPreview
from arbiter_app.stacks import escrow, fees
from arbiter_app.stacks import transaction as txn
from arbiter_app.wallet.software import SoftwareSigner
from tests.fixtures.store import make_invoice

CONTRACT = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
KEY = bytes.fromhex("753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6")


def preview(fee: int, confirm_above: int) -> RulingPreview:
    invoice = make_invoice(1)
    public = SoftwareSigner.from_private_key(KEY, config.DEVNET).public_key()
    tx = escrow.resolve_dispute_call(config.DEVNET, CONTRACT, invoice,
                                     Award(invoice.amount, 0), bytes(32), bytes(32), public, 0,
                                     fee)
    described = {**txn.describe(tx), "network_name": "devnet"}
    return RulingPreview(1, Decision.RELEASE, tx, json.dumps(described, sort_keys=True),
                         invoice.amount, invoice.payee, fee, 0, ("the transaction",),
                         fee_warning=fees.fee_warning(fee, confirm_above))


@pytest.mark.parametrize(("fee", "shown"), [(12_000, True), (9_000, False)],
                         ids=["fee-above-the-setting", "fee-under-the-setting"])
def test_review_names_a_fee_above_the_setting(qtbot: QtBot, tmp_path: Path, fee: int,
                                              shown: bool) -> None:
    dialog = FinalReviewDialog(preview(fee, confirm_above=10_000))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.fee_warning.isVisible() is shown
    assert (f"fee of {fee} µSTX" in dialog.confirm.text()) is shown
    if shown:
        assert "above your setting fee_confirm_above (10000 µSTX)" in dialog.fee_warning.text()
    dialog.grab().save(str(tmp_path / "review.png"))
