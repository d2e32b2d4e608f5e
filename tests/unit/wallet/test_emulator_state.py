"""The emulator's APDU state machine answers the Stacks app's status words (reference
§6.4–§6.9) for the requests that do not reach the Stacks codecs."""

from __future__ import annotations

import pytest

from arbiter_app.devnet.ledger_emulator import DeviceState
from arbiter_app.wallet import apdu
from arbiter_app.wallet.signer import derivation_path

MNEMONIC = "abandon " * 11 + "about"
PATH0 = apdu.serialize_path(derivation_path(0))


@pytest.fixture
def device() -> DeviceState:
    return DeviceState(MNEMONIC)


def test_version_reports_unlocked_then_locked(device: DeviceState) -> None:
    data, sw = device.handle(apdu.get_version())
    assert sw == apdu.SW_OK and apdu.parse_version(data).triple == (0, 26, 14)
    device.mode = "locked"
    data, sw = device.handle(apdu.get_version())
    assert sw == apdu.SW_OK and apdu.parse_version(data).locked


@pytest.mark.parametrize(
    "command, sw",
    [
        (bytes.fromhex("0902010000"), apdu.SW_TX_NOT_INITIALIZED),
        (bytes.fromhex("0902020000"), apdu.SW_TX_NOT_INITIALIZED),
        (bytes.fromhex("0902000100"), apdu.SW_INVALID_P1P2),
        (bytes.fromhex("0902030000"), apdu.SW_INVALID_P1P2),
        (bytes.fromhex("0902000014") + bytes(20), apdu.SW_DATA_INVALID),
        (bytes.fromhex("0902000010") + PATH0[:16], apdu.SW_DATA_INVALID),
        (bytes.fromhex("0901001714") + PATH0, apdu.SW_DATA_INVALID),
        (bytes.fromhex("0905000000"), apdu.SW_INS_NOT_SUPPORTED),
        (bytes.fromhex("e001000000"), apdu.SW_CLA_NOT_SUPPORTED),
        (bytes.fromhex("09000000ff"), apdu.SW_WRONG_LENGTH),
    ],
    ids=[
        "add-before-init",
        "last-before-init",
        "p2-not-zero",
        "p1-unknown",
        "path-not-stacks",
        "path-four-levels",
        "address-version-23",
        "ins-05-not-dispatched",
        "other-cla",
        "lc-longer-than-data",
    ],
)
def test_bad_requests_get_the_apps_status_words(
    device: DeviceState, command: bytes, sw: int
) -> None:
    assert device.handle(command)[1] == sw


@pytest.mark.parametrize("ins", [apdu.INS_GET_ADDR, apdu.INS_SIGN], ids=["get-address", "sign"])
def test_locked_device_refuses_with_6986(device: DeviceState, ins: int) -> None:
    device.mode = "locked"
    assert device.handle(apdu.command(ins, 0, 26, PATH0))[1] == apdu.SW_COMMAND_NOT_ALLOWED


def test_other_app_answers_cla_not_supported_even_to_get_version(device: DeviceState) -> None:
    device.mode = "other_app"
    assert device.handle(apdu.get_version())[1] == apdu.SW_CLA_NOT_SUPPORTED


def test_oversized_payload_is_refused_and_resets(device: DeviceState) -> None:
    assert device.handle(apdu.command(apdu.INS_SIGN, apdu.P1_INIT, 0, PATH0))[1] == apdu.SW_OK
    chunk = apdu.command(apdu.INS_SIGN, apdu.P1_ADD, 0, bytes(250))
    answers = {device.handle(chunk)[1] for _ in range(93 * 1024 // 250 + 2)}
    assert apdu.SW_OUTPUT_BUFFER_TOO_SMALL in answers
    assert device.handle(chunk)[1] == apdu.SW_TX_NOT_INITIALIZED
