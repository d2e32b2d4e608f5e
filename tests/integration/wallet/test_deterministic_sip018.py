"""The emulated Ledger signs a SIP-018 message deterministically (RFC 6979): the same message
twice gives the same signature, equal to the software signer's for the same key.

A secret derived from such a signature (to seal the decision-log key, for example) can only be
reproduced if this holds; the real Stacks app signs with RFC 6979 nonces as well.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arbiter_app import config
from arbiter_app.devnet.ledger_control import devnet_mnemonic
from arbiter_app.stacks import clarity, sip018
from arbiter_app.wallet.ledger import LedgerSigner
from arbiter_app.wallet.software import SoftwareSigner
from tests.fixtures.ledger import EmulatorProcess


@pytest.fixture
def signer(ledger: EmulatorProcess) -> Iterator[LedgerSigner]:
    opened = LedgerSigner.open(ledger.ledger, config.DEVNET, 0, timeout=30)
    yield opened
    opened.close()


def test_same_sip018_message_signed_twice_gives_the_same_signature(signer: LedgerSigner) -> None:
    domain = sip018.make_domain("Arbiter Desk Log Key Seal", "1", config.DEVNET.chain_id)
    message = clarity.Tuple({"purpose": clarity.StringAscii("seal decision log key")})
    first = signer.sign_structured_message(domain, message)
    second = signer.sign_structured_message(domain, message)
    software = SoftwareSigner.from_mnemonic(devnet_mnemonic("arbiter_1"), config.DEVNET)
    assert first == second == software.sign_structured_message(domain, message)
