"""The software keystore: it round-trips, and a wrong password, a damaged file and a
mainnet request each fail with their own message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arbiter_app.errors import KeystoreError
from arbiter_app.wallet import keystore

KEY = bytes(range(1, 33))


def sealed(password: str = "correct horse", network: str = "devnet") -> str:
    return keystore.seal(KEY, password, network, "ST000ADDRESS", n=2**10)


def test_round_trip() -> None:
    header, key = keystore.unseal(sealed(), "correct horse")
    assert key == KEY and header == keystore.Sealed("devnet", "ST000ADDRESS")


def test_wrong_password_is_named() -> None:
    with pytest.raises(keystore.WrongPassword, match="wrong password"):
        keystore.unseal(sealed(), "battery staple")


def flip_ciphertext(doc: dict) -> None:
    doc["ciphertext"] = f"{int(doc['ciphertext'][:2], 16) ^ 1:02x}" + doc["ciphertext"][2:]


def change_network(doc: dict) -> None:
    doc["network"] = "testnet"


def change_address(doc: dict) -> None:
    doc["address"] = "ST1OTHER"


def drop_salt(doc: dict) -> None:
    del doc["kdf"]["salt"]


def bad_scrypt_n(doc: dict) -> None:
    doc["kdf"]["n"] = 1000


def other_format(doc: dict) -> None:
    doc["format"] = "something-else/1"


@pytest.mark.parametrize(
    "damage",
    [flip_ciphertext, change_network, change_address, drop_salt, bad_scrypt_n, other_format],
    ids=[
        "ciphertext-bit-flipped",
        "network-edited",
        "address-edited",
        "salt-missing",
        "scrypt-n-not-power-of-two",
        "not-a-keystore",
    ],
)
def test_damaged_files_are_named_as_damaged(damage: object) -> None:
    doc = json.loads(sealed())
    damage(doc)  # type: ignore[operator]
    with pytest.raises(keystore.DamagedKeystore):
        keystore.unseal(json.dumps(doc), "correct horse")


@pytest.mark.parametrize(
    "text",
    ["", "{not json", "[]", '{"format": "arbiter-keystore/1"}'],
    ids=["empty-file", "truncated-json", "json-list", "header-only"],
)
def test_garbage_is_damaged_not_wrong_password(text: str) -> None:
    with pytest.raises(keystore.DamagedKeystore, match="damaged|not an"):
        keystore.unseal(text, "correct horse")


def test_empty_password_refused() -> None:
    with pytest.raises(KeystoreError, match="must not be empty"):
        keystore.seal(KEY, "", "devnet", "ST0")


def test_write_is_private_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "arbiter.json"
    keystore.write(path, sealed())
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeystoreError, match="already exists"):
        keystore.write(path, sealed())
    assert keystore.read_header(path).network == "devnet"


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(keystore.DamagedKeystore, match="no keystore file"):
        keystore.read_header(tmp_path / "absent.json")
