"""The device address setting, and the transport's translation of "nothing there"."""

from __future__ import annotations

import pytest

from arbiter_app import errors
from arbiter_app.wallet.ledger_transport import LedgerTransport, parse_address


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("hid", None),
        ("tcp:127.0.0.1:9999", ("127.0.0.1", 9999)),
        ("tcp:localhost:1", ("localhost", 1)),
    ],
    ids=["usb", "loopback-ip", "hostname"],
)
def test_device_addresses(text: str, parsed: tuple[str, int] | None) -> None:
    assert parse_address(text) == parsed


@pytest.mark.parametrize(
    "text",
    ["usb", "tcp:", "tcp:127.0.0.1", "tcp::9999", "tcp:host:port", "127.0.0.1:9999", "HID"],
    ids=["word-usb", "tcp-nothing", "no-port", "no-host", "port-not-number", "no-scheme", "upper"],
)
def test_bad_device_addresses_are_usage_errors(text: str) -> None:
    with pytest.raises(errors.UsageError, match="'hid' or 'tcp:HOST:PORT'"):
        parse_address(text)


def test_no_usb_device_is_device_not_found() -> None:
    # Without a Ledger plugged in, ledgerblue's "No dongle found" must become ours.
    import hid

    if any(d["vendor_id"] == 0x2C97 for d in hid.enumerate(0, 0)):
        pytest.skip("a real Ledger is plugged into this machine")
    with pytest.raises(errors.DeviceNotFound, match="no Ledger found on USB") as caught:
        LedgerTransport("hid")
    assert type(caught.value.__cause__).__name__ == "CommException"
