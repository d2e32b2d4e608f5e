"""Hostile keystores: scrypt parameters that would take gigabytes or hours, and a huge file.

Each is refused before any memory or work is spent, as a damaged keystore naming the
parameter; none reaches scrypt (whose MemoryError or hour-long run would be the attack).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arbiter_app.wallet import keystore
from tests.unit.wallet.test_keystore import sealed

HOSTILE = {
    "r-and-p-2^20": ({"r": 2**20, "p": 2**20}, "r = 1048576"),
    "n-2^40": ({"n": 2**40}, "n = 1099511627776"),
    "memory-1-GiB": ({"n": 2**20, "r": 8}, "memory 128·r·n"),
    "work-2^25": ({"n": 2**17, "r": 16, "p": 16}, "work n·r·p"),
    "p-zero": ({"p": 0}, "p = 0"),
    "r-negative": ({"r": -8}, "r = -8"),
    "salt-empty": ({"salt": ""}, "a salt of 0 bytes"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_scrypt_parameters_are_refused_before_deriving(name: str) -> None:
    change, message = HOSTILE[name]
    doc = json.loads(sealed())
    doc["kdf"].update(change)
    with pytest.raises(keystore.DamagedKeystore, match=f"out of bounds: .*{message}"):
        keystore.unseal(json.dumps(doc), "correct horse")


def test_keystore_file_of_100_mb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    with path.open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    with pytest.raises(keystore.DamagedKeystore, match="over 65536 bytes"):
        keystore.read_text(path)
