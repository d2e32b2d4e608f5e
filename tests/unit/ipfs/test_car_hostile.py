"""Hostile CAR files: CARv2 headers whose offsets and sizes point outside the file.

A CARv2 header carries the data offset and size as plain numbers; a gateway (or a file on
disk) can claim anything. Each claim must be refused as an :class:`InputError` before any
seek, by ``CarIndex`` and by ``evidence verify``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from arbiter_app.cli import main
from arbiter_app.config import IpfsLimits
from arbiter_app.ipfs.car import CARV2_PRAGMA, CarIndex
from arbiter_app.ipfs.errors import CarError
from tests.unit.ipfs.test_codecs import HELLO_CAR

HELLO_CID = "QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u"


def carv2(data_offset: int, data_size: int) -> bytes:
    """A CARv2 around HELLO_CAR with the given header claims."""
    header = bytes(16) + data_offset.to_bytes(8, "little") + data_size.to_bytes(8, "little")
    return CARV2_PRAGMA + header + bytes(8) + HELLO_CAR


CLAIMS = [
    (10**15, len(HELLO_CAR)),
    (2**64 - 1, 0),
    (0, len(HELLO_CAR)),
    (50, len(HELLO_CAR)),
    (51, 10**15),
    (51, len(HELLO_CAR) + 1),
]
CLAIM_IDS = ["offset-1e15", "offset-2^64-1", "offset-into-pragma", "offset-into-header",
             "size-1e15", "size-one-past-the-end"]


@pytest.mark.parametrize(("offset", "size"), CLAIMS, ids=CLAIM_IDS)
def test_carv2_offset_or_size_beyond_the_file_is_a_car_error(offset: int, size: int) -> None:
    with pytest.raises(CarError, match="CARv2 data"):
        CarIndex(io.BytesIO(carv2(offset, size)), IpfsLimits())


def test_carv2_offset_1e15_file_gives_evidence_verify_exit_1_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.car"
    path.write_bytes(carv2(10**15, len(HELLO_CAR)))
    assert main(["evidence", "verify", str(path), "--cid", HELLO_CID]) == 1
    err = capsys.readouterr().err
    assert "CARv2 data offset" in err and "unexpected" not in err
