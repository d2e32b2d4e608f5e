"""The Ledger signer through ledgerblue's real TCP transport to the emulated Stacks app.

Addresses are compared with @stacks/wallet-sdk's, signatures judged by @stacks/transactions
(``verifyOrigin``) and by SIP-018 recovery in stacks.js, and every failure mode of the
device is driven through the emulator's control API and must give its own error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from arbiter_app import config, errors
from arbiter_app.cli import main
from arbiter_app.devnet import ledger_screens
from arbiter_app.devnet.ledger_control import devnet_mnemonic
from arbiter_app.devnet.ledger_emulator import LedgerEmulator
from arbiter_app.wallet import apdu
from arbiter_app.wallet.ledger import LedgerSigner
from arbiter_app.wallet.software import SoftwareSigner
from tests.fixtures.ledger import EmulatorProcess
from tests.integration.wallet.conftest_helpers import (
    ESCROW,
    RecordingPrompt,
    large_call,
    resolve_dispute,
)
from tests.integration.wallet.judge import judge


@pytest.fixture
def signer(ledger: EmulatorProcess) -> Iterator[LedgerSigner]:
    opened = LedgerSigner.open(ledger.ledger, config.DEVNET, 0, timeout=30)
    yield opened
    opened.close()


def test_addresses_are_the_devnet_arbiters(ledger: EmulatorProcess) -> None:
    wallet = judge({"op": "wallet", "mnemonic": devnet_mnemonic("arbiter_1"), "count": 2})[0]
    for account in (0, 1):
        device = LedgerSigner.open(ledger.ledger, config.DEVNET, account)
        try:
            assert device.address() == wallet[account]["address"]
            software = SoftwareSigner.from_mnemonic(
                devnet_mnemonic("arbiter_1"), config.DEVNET, account
            )
            assert device.public_key() == software.public_key()
        finally:
            device.close()
    assert ledger.arbiter_address == wallet[0]["address"]


def test_confirm_address_is_shown_on_the_device(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    prompt = RecordingPrompt()
    assert signer.confirm_address(prompt) == signer.address()
    assert ledger.display_log == [
        {
            "kind": "address",
            "address": signer.address(),
            "path": "m/44'/5757'/0'/0/0",
            "outcome": "approved",
        }
    ]
    assert prompt.events[0][0] == "confirm" and prompt.events[-1] == ("finished",)


def test_resolve_dispute_is_signed_and_verified_by_stacksjs(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    from arbiter_app.stacks import transaction

    unsigned = resolve_dispute(signer.public_key(), signer.address())
    signed = signer.sign_transaction(unsigned)
    (decoded,) = judge({"op": "tx", "hex": transaction.serialize(signed).hex()})
    assert decoded["verified"], decoded["error"]
    assert decoded["txid"] == transaction.txid(signed)
    assert transaction.recover_public_key(signed) == signer.public_key()
    assert (decoded["function"], decoded["nonce"], decoded["fee"]) == (
        "resolve-dispute-split",
        "7",
        "3000",
    )


def test_display_record_equals_the_decoded_transaction(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    from arbiter_app.stacks import clarity_repr, transaction

    unsigned = resolve_dispute(signer.public_key(), signer.address(), nonce=11, fee=2500)
    signed = signer.sign_transaction(unsigned)
    (record,) = ledger.display_log
    described = transaction.describe(signed)
    assert record == {**ledger_screens.transaction_record(described), "outcome": "approved"}
    # and against the reference decoder, field by field, in the device's words
    (decoded,) = judge({"op": "tx", "hex": transaction.serialize(signed).hex()})
    assert (record["sender"], str(record["nonce"]), str(record["fee"])) == (
        signer.address(),
        decoded["nonce"],
        decoded["fee"],
    )
    assert record["chain_id"] == decoded["chain_id"] == config.DEVNET.chain_id
    assert json.dumps(record["payload"]).count("resolve-dispute-split") == 1
    for arg in unsigned.payload.args:
        assert clarity_repr.repr_value(arg) in json.dumps(record["payload"])
    assert len(record["post_conditions"]) == decoded["post_conditions"] == 1


def test_large_transaction_is_chunked(signer: LedgerSigner, ledger: EmulatorProcess) -> None:
    from arbiter_app.stacks import transaction

    unsigned = large_call(signer.public_key())
    size = len(transaction.serialize(unsigned))
    chunks = -(-size // apdu.CHUNK_SIZE)
    assert chunks >= 4
    prompt = RecordingPrompt()
    signed = signer.sign_transaction(unsigned, prompt)
    steps = [e for e in prompt.events if e[0] == "step"]
    assert steps == [("step", i, chunks + 1) for i in range(1, chunks + 2)]
    confirm = (
        "confirm",
        f"review submit-evidence on {ESCROW} (fee 1000 µSTX, nonce 3), then approve",
    )
    assert prompt.events[-3:] == [("step", chunks + 1, chunks + 1), confirm, ("finished",)]
    (decoded,) = judge({"op": "tx", "hex": transaction.serialize(signed).hex()})
    assert decoded["verified"], decoded["error"]


def test_sip018_signature_verifies_against_the_address(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    from arbiter_app.stacks import clarity, sip018

    domain = sip018.make_domain("Arbiter Desk", "1.0.0", config.DEVNET.chain_id)
    message = clarity.Tuple(
        {"invoice-id": clarity.UInt(42), "ruling": clarity.StringAscii("refund")}
    )
    rsv = signer.sign_structured_message(domain, message)
    assert sip018.verify(domain, message, rsv, signer.address())
    (recovered,) = judge(
        {
            "op": "sip018",
            "domain": clarity.serialize(domain).hex(),
            "message": clarity.serialize(message).hex(),
            "signature": rsv.hex(),
        }
    )
    assert recovered["address"] == signer.address()
    assert recovered["hash"] == sip018.message_hash(domain, message).hex()
    (record,) = ledger.display_log
    assert record["kind"] == "structured_message" and record["hash"] == recovered["hash"]


def test_sip018_domain_with_extra_fields_is_refused_before_the_device(signer: LedgerSigner) -> None:
    from arbiter_app.stacks import clarity

    domain = clarity.Tuple(
        {
            "name": clarity.StringAscii("x"),
            "version": clarity.StringAscii("1"),
            "chain-id": clarity.UInt(1),
            "salt": clarity.UInt(5),
        }
    )
    with pytest.raises(errors.InputError, match="exactly name, version and chain-id"):
        signer.sign_structured_message(domain, clarity.UInt(1))


SIGN_FAILURES = [
    ("reject", errors.DeviceRejected, "rejected on the Ledger"),
    ("locked", errors.DeviceLocked, "locked"),
    ("other_app", errors.AppNotOpen, "Stacks app is not open"),
    ("corrupt_signature", errors.DeviceReplyError, "does not verify"),
    ("wrong_key", errors.DeviceReplyError, "does not verify: the signature was not made"),
]


@pytest.mark.parametrize("mode, kind, words", SIGN_FAILURES, ids=[m for m, _, _ in SIGN_FAILURES])
def test_each_failure_while_signing_has_its_error(
    signer: LedgerSigner, ledger: EmulatorProcess, mode: str, kind: type, words: str
) -> None:
    assert mode in ledger.capabilities
    unsigned = resolve_dispute(signer.public_key(), signer.address())
    ledger.mode = mode
    with pytest.raises(kind, match=words):
        signer.sign_transaction(unsigned)


@pytest.mark.parametrize("mode", ["corrupt_signature", "wrong_key"])
def test_bad_message_signatures_are_never_returned(
    signer: LedgerSigner, ledger: EmulatorProcess, mode: str
) -> None:
    from arbiter_app.stacks import clarity, sip018

    domain = sip018.make_domain("Arbiter Desk", "1.0.0", config.DEVNET.chain_id)
    ledger.mode = mode
    with pytest.raises(errors.DeviceReplyError):
        signer.sign_structured_message(domain, clarity.UInt(1))
    assert ledger.display_log[-1]["outcome"] == "approved"  # the device signed; the host refused


def test_rejected_address_confirmation(signer: LedgerSigner, ledger: EmulatorProcess) -> None:
    ledger.mode = "reject"
    with pytest.raises(errors.DeviceRejected, match="confirming the address"):
        signer.confirm_address()


@pytest.mark.parametrize(
    "mode, kind",
    [("locked", errors.DeviceLocked), ("other_app", errors.AppNotOpen)],
    ids=["locked", "other-app"],
)
def test_opening_a_device_that_is_not_ready(ledger: EmulatorProcess, mode: str, kind: type) -> None:
    ledger.mode = mode
    with pytest.raises(kind):
        LedgerSigner.open(ledger.ledger, config.DEVNET, 0)


def test_unresponsive_device_times_out(ledger: EmulatorProcess) -> None:
    device = LedgerSigner.open(ledger.ledger, config.DEVNET, 0, timeout=1.0)
    try:
        unsigned = resolve_dispute(device.public_key(), device.address())
        ledger.mode = "unresponsive"
        with pytest.raises(errors.DeviceTimeout, match="did not answer"):
            device.sign_transaction(unsigned)
    finally:
        ledger.mode = "approve"
        device.close()


def test_no_device_at_the_address() -> None:
    emulator = LedgerEmulator(devnet_mnemonic("arbiter_1"))
    port = emulator.port
    emulator.stop()  # bound and closed: nothing listens there now
    with pytest.raises(errors.DeviceNotFound, match="no Ledger found at tcp"):
        LedgerSigner.open(f"tcp:127.0.0.1:{port}", config.DEVNET)


def test_old_app_version_is_refused() -> None:
    old = LedgerEmulator(devnet_mnemonic("arbiter_1"), version=(0, 21, 3))
    with old, pytest.raises(errors.AppVersionTooOld, match="version 0.21.3; update it to 0.24.0"):
        LedgerSigner.open(f"tcp:127.0.0.1:{old.port}", config.DEVNET)


def test_transaction_of_another_account_is_never_sent(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    other = SoftwareSigner.from_mnemonic(devnet_mnemonic("arbiter_2"), config.DEVNET)
    with pytest.raises(errors.VerificationError, match="not this Ledger account"):
        signer.sign_transaction(resolve_dispute(other.public_key(), other.address()))
    assert ledger.display_log == []


def test_device_itself_refuses_a_transaction_of_another_signer(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    from arbiter_app.stacks import transaction

    other = SoftwareSigner.from_mnemonic(devnet_mnemonic("arbiter_2"), config.DEVNET)
    payload = transaction.serialize(resolve_dispute(other.public_key(), other.address()))

    def send() -> list[tuple[bytes, int]]:
        return [signer.transport.exchange(c) for c in apdu.sign_commands(signer.path, payload)]

    answers = signer.transport.run(send)
    data, sw = answers[-1]
    assert sw == apdu.SW_DATA_INVALID and b"Wrong signer" in data


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status = main(argv)
    out = capsys.readouterr().out
    return status, json.loads(out) if out.startswith("{") else out


def test_cli_prints_address_and_public_key(
    signer: LedgerSigner, ledger: EmulatorProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    status, document = run_cli(["ledger", "address", "--device", ledger.ledger, "--json"], capsys)
    assert status == 0
    assert document["address"] == signer.address()
    assert document["public_key"] == signer.public_key().hex()
    assert (document["path"], document["confirmed"]) == ("m/44'/5757'/0'/0/0", False)
    assert ledger.display_log == []


def test_cli_confirm_and_account(
    ledger: EmulatorProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["ledger", "address", "--device", ledger.ledger, "--confirm", "--account", "1"]
    status, text = run_cli(argv, capsys)
    second = SoftwareSigner.from_mnemonic(devnet_mnemonic("arbiter_1"), config.DEVNET, 1).address()
    assert status == 0 and text.splitlines()[0] == second
    assert ledger.display_log[-1]["path"] == "m/44'/5757'/0'/0/1"


@pytest.mark.parametrize(
    "mode, status, words",
    [("reject", 1, "rejected"), ("other_app", 1, "not open")],
    ids=["rejected-on-device", "app-not-open"],
)
def test_cli_failures_exit_1_with_a_sentence(
    ledger: EmulatorProcess, capsys: pytest.CaptureFixture[str], mode: str, status: int, words: str
) -> None:
    ledger.mode = mode
    assert main(["ledger", "address", "--device", ledger.ledger, "--confirm"]) == status
    assert words in capsys.readouterr().err


def test_transaction_for_another_network_is_never_sent(
    signer: LedgerSigner, ledger: EmulatorProcess
) -> None:
    from arbiter_app.stacks import clarity, transaction

    mainnet_tx = transaction.make_contract_call(
        config.MAINNET,
        "SP000000000000000000002Q6VF78.pox-4",
        "get-info",
        [clarity.UInt(1)],
        signer.public_key(),
        nonce=0,
        fee=1000,
    )
    with pytest.raises(errors.PolicyError, match="the signer is on devnet"):
        signer.sign_transaction(mainnet_tx)
    assert ledger.display_log == []


def test_signer_from_settings_opens_the_configured_ledger(ledger: EmulatorProcess) -> None:
    from arbiter_app.wallet.configured import signer_from_settings
    from arbiter_app.wallet.signer import Signer

    settings = config.Settings(signer="ledger", ledger=ledger.ledger, account=1)
    opened = signer_from_settings(settings)
    try:
        assert isinstance(opened, Signer) and isinstance(opened, LedgerSigner)
        expected = SoftwareSigner.from_mnemonic(devnet_mnemonic("arbiter_1"), config.DEVNET, 1)
        assert opened.address() == expected.address()
    finally:
        opened.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [{"mode": "sleepy"}, {"state": "reject"}, "reject"],
    ids=["unknown-mode", "no-mode-field", "not-an-object"],
)
def test_control_api_refuses_bad_mode_requests(ledger: EmulatorProcess, body: object) -> None:
    import httpx

    url = ledger.control.status()["ledger"]  # the status names the APDU endpoint
    assert url == ledger.ledger
    answer = httpx.post(f"{ledger.control_url}/mode", json=body, trust_env=False)
    assert answer.status_code == 400
    assert ledger.mode == "approve"


def test_device_io_is_refused_off_the_device_thread(signer: LedgerSigner) -> None:
    with pytest.raises(AssertionError, match="off the device thread"):
        signer.transport.exchange(apdu.get_version())
    assert signer.transport.run(lambda: signer.transport.exchange(apdu.get_version()))[1] == 0x9000


@pytest.mark.parametrize("source", ["text-file", "devnet-toml-account"])
def test_emulator_process_takes_its_mnemonic_from_a_file(tmp_path: Any, source: str) -> None:
    from tests.fixtures.ledger import start_emulator
    from tests.integration.wallet.test_derivation_interop import DEVNET_TOML

    if source == "text-file":
        mnemonic = "abandon " * 11 + "about"
        (tmp_path / "seed.txt").write_text(mnemonic + "\n")
        args = ["--mnemonic-file", str(tmp_path / "seed.txt")]
    else:
        mnemonic = devnet_mnemonic("payee_2")
        args = ["--mnemonic-file", str(DEVNET_TOML), "--account", "payee_2"]
    handle = start_emulator(tmp_path / "emulator.log", *args)
    try:
        expected = SoftwareSigner.from_mnemonic(mnemonic, config.DEVNET).address()
        assert handle.arbiter_address == expected
        device = LedgerSigner.open(handle.ledger, config.DEVNET)
        assert device.address() == expected
        device.close()
    finally:
        handle.stop()


def test_device_unplugged_mid_session_is_device_not_found() -> None:
    emulator = LedgerEmulator(devnet_mnemonic("arbiter_1")).start()
    device = LedgerSigner.open(f"tcp:127.0.0.1:{emulator.port}", config.DEVNET)
    try:
        unsigned = resolve_dispute(device.public_key(), device.address())
        emulator.stop()  # closes the open connection, as pulling the cable would
        with pytest.raises(errors.DeviceNotFound, match="was lost"):
            device.sign_transaction(unsigned)
        with pytest.raises(errors.DeviceNotFound):
            device.confirm_address()
    finally:
        device.close()
