"""The emulator against the Ledger worked vector (docs/stacks.md §6.8, from Zondax's
Zemu tests of the real Stacks app): same seed, same blob → the same key, address and, since
RFC 6979 is deterministic, the very signature the real app returned."""

from __future__ import annotations

import pytest

from arbiter_app.devnet.ledger_emulator import DeviceState
from arbiter_app.wallet import apdu
from arbiter_app.wallet.signer import derivation_path

ZEMU_SEED = "equip will roof matter pink blind book anxiety banner elbow sun young"
BLOB = bytes.fromhex(
    "0000000001040060dbb32efe0c56e1d418c020f4cb71c556b6a60d00000000000000dc000000000000cc2300"
    + "00" * 65
    + "0302000000000216debc095099629badb11b9d5335e874d12f1f1d450973656e642d6d616e79"
    "0973656e642d6d616e7900000000"
)
UPSTREAM_VRS = (
    "01c8d7da3f3a73a80494c97f25633703cfd07c04a40c440cfdd5a606fabed9476a"
    "2ee834274e75e0f0b1af4c66c0364863835b75f46d6f7b4b1adca79abf2ed698"
)


def exchange_all(device: DeviceState, commands: list[bytes]) -> tuple[bytes, int]:
    answer = (b"", 0)
    for command in commands:
        answer = device.handle(command)
        assert answer[1] == apdu.SW_OK or command is commands[-1]
    return answer


def test_address_of_the_zemu_seed() -> None:
    device = DeviceState(ZEMU_SEED)
    data, sw = device.handle(apdu.get_address(derivation_path(0), 22, False))
    public_key, address = apdu.parse_address(data)
    assert sw == apdu.SW_OK
    assert public_key.hex() == "02e64805a5808a8a72df89b4b18d2451f8d5ab5224b4d8c7c36033aee4add3f27f"
    assert address == "SP1GDQCSEZR65DREM33021X6BE72NDDN61P47GSQD"


def test_signature_equals_the_real_apps() -> None:
    device = DeviceState(ZEMU_SEED)
    data, sw = exchange_all(device, apdu.sign_commands(derivation_path(0), BLOB))
    assert sw == apdu.SW_OK
    reply = apdu.parse_signature(data)
    assert reply.vrs.hex() == UPSTREAM_VRS
    assert reply.digest.hex() == "fd78dfce152b86a6a6b0586692336649e797e01bf77af027f5d6c19ae6bf87cf"
    assert reply.der[0] == 0x30 and len(reply.der) == reply.der[1] + 2
    (record,) = device.display_log
    assert record["sender"] == "SP1GDQCSEZR65DREM33021X6BE72NDDN61P47GSQD"
    assert (record["nonce"], record["fee"], record["network"]) == (0xDC, 0xCC23, "mainnet")


def test_the_same_blob_is_refused_for_another_account() -> None:
    device = DeviceState(ZEMU_SEED)
    data, sw = exchange_all(device, apdu.sign_commands(derivation_path(1), BLOB))
    assert sw == apdu.SW_DATA_INVALID and data.startswith(b"Wrong signer")
    assert device.display_log == []


# SIP-018 "Test vectors": the vector's key 753b…a601 is Clarinet's devnet deployer key at
# m/44'/5757'/0'/0/0, so a device set up with that mnemonic must give the vector's RSV.
DEPLOYER = (
    "twice kind fence tip hidden tilt action fragile skin nothing glory cousin green tomorrow "
    "spring wrist shed math olympic multiply hip blue scout claw"
)
SIP018_BLOB = bytes.fromhex(  # docs/stacks.md §5 and §6.6: "SIP018", domain, message
    "5349503031380c0000000308636861696e2d69640100000000000000000000000000000001046e616d650d"
    "0000000854657374204170700776657273696f6e0d00000005312e302e300d0000000b48656c6c6f20576f"
    "726c64"
)


def test_sip018_vector_through_the_device() -> None:
    device = DeviceState(DEPLOYER)
    data, sw = exchange_all(device, apdu.sign_commands(derivation_path(0), SIP018_BLOB))
    assert sw == apdu.SW_OK
    reply = apdu.parse_signature(data)
    assert reply.digest.hex() == "1bfdab6d4158313ce34073fbb8d6b0fc32c154d439def12247a0f44bb2225259"
    assert reply.rsv.hex() == (
        "8b94e45701d857c9f1d1d70e8b2ca076045dae4920fb0160be0642a68cd78de0"
        "72ab527b5c5277a593baeb2a8b657c216b99f7abb5d14af35b4bf12ba6460ba401"
    )
    assert device.display_log[0]["message"] == '"Hello World"'


def domain_with(fields: bytes, count: int) -> bytes:
    return b"SIP018\x0c" + count.to_bytes(4, "big") + fields + bytes.fromhex("0100")


CHAIN = bytes.fromhex("08636861696e2d6964") + b"\x01" + bytes(15) + b"\x01"
NAME = bytes.fromhex("046e616d65") + b"\x0d\x00\x00\x00\x01x"
VERSION = bytes.fromhex("0776657273696f6e") + b"\x0d\x00\x00\x00\x011"
SALT = bytes.fromhex("0473616c74") + b"\x01" + bytes(16)


@pytest.mark.parametrize(
    "blob",
    [
        domain_with(CHAIN + NAME, 2),
        domain_with(CHAIN + NAME + SALT + VERSION, 4),
        domain_with(CHAIN + NAME.replace(b"\x0d", b"\x0e", 1) + VERSION, 3),
        domain_with(CHAIN + NAME + VERSION, 3)[:-2],
        domain_with(CHAIN + NAME + VERSION, 3) + b"\x00",
        b"SIP018\x01" + bytes(16),
    ],
    ids=[
        "two-fields",
        "extra-salt-field",
        "name-is-utf8",
        "no-message",
        "trailing-byte",
        "domain-not-a-tuple",
    ],
)
def test_structured_data_the_app_refuses(blob: bytes) -> None:
    device = DeviceState(DEPLOYER)
    data, sw = exchange_all(device, apdu.sign_commands(derivation_path(0), blob))
    assert sw == apdu.SW_DATA_INVALID and data
    assert device.display_log == []
