"""Files against a hostile machine: other local users (file modes), and writes that cannot
land (a missing folder, a read-only disk, a full disk, a PDF painter that cannot begin).

Modes are checked under a umask of 022, the common default, so nothing here depends on the
tester's own umask. Each failed write must be exit 1 (or a WriteFailed/StoreError) with one
sentence naming its cause, never "wrote FILE", never the unexpected-error line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from arbiter_app.cli import main
from arbiter_app.errors import StoreError
from arbiter_app.ipfs.cache import Cache
from arbiter_app.ipfs.cid import CID
from arbiter_app.records import pdf
from arbiter_app.services import receipts as receipts_room
from arbiter_app.store.db import Store, open_store
from arbiter_app.writes import FULL, WriteFailed
from tests.fixtures.disks import SmallDisk
from tests.fixtures.store import T0, fill, session_on
from tests.unit.records.test_receipt import KEY, executed_case, software_signer


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def issued_receipt(fresh_store: Store) -> str:
    signer = software_signer(KEY)
    executed_case(fresh_store, signer)
    return receipts_room.issue_receipt(session_on(fresh_store, signer), 1, T0 + 20)


@pytest.fixture
def data_dir() -> Path:
    data = Path(os.environ["ARBITER_APP_DATA"])
    with open_store(data / "cases.sqlite") as store:
        fill(store, 5)
    return data


def test_store_settings_cache_and_exports_are_created_private_under_umask_022(
    data_dir: Path, tmp_path: Path, log_device_settings: Path
) -> None:
    settings = log_device_settings  # a signer the export can unlock the log key with
    out = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 0
    Cache(data_dir / "ipfs-cache").writer(CID.parse("bafkqablimvwgy3y")).abort()
    store_files = [p for p in data_dir.iterdir() if p.name.startswith("cases.sqlite")]
    assert mode(data_dir) == 0o700 and mode(data_dir / "ipfs-cache") == 0o700
    assert {p.name: mode(p) for p in store_files} == {p.name: 0o600 for p in store_files}
    assert (mode(settings), mode(settings.parent), mode(out)) == (0o600, 0o700, 0o600)


def test_data_readable_by_other_users_is_warned_at_start(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.chmod(0o755)
    (data_dir / "cases.sqlite").chmod(0o644)
    assert main(["disputes"]) == 0
    err = capsys.readouterr().err
    assert f"warning: {data_dir} has mode 0755" in err and f"chmod 700 '{data_dir}'" in err
    assert f"warning: {data_dir / 'cases.sqlite'} has mode 0644" in err


def test_log_export_to_a_missing_folder_names_it(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"the folder {out.parent} does not exist; nothing was written" in err
    assert "unexpected" not in err


def test_log_export_to_a_read_only_folder_names_it(
    data_dir: Path, read_only_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "export", "-o", str(read_only_dir / "log.jsonl")]) == 1
    err = capsys.readouterr().err
    assert ("read-only disk" in err or "no permission" in err) and "nothing was written" in err
    assert not list(read_only_dir.iterdir())


def test_log_export_to_a_full_disk_says_the_disk_is_full(
    data_dir: Path, small_disk: SmallDisk, capsys: pytest.CaptureFixture[str],
    log_device_settings: Path
) -> None:
    small_disk.fill()
    assert main(["log", "export", "-o", str(small_disk.root / "log.jsonl")]) == 1
    assert FULL in capsys.readouterr().err
    assert [p.name for p in small_disk.root.iterdir()] == [".filler"]


def test_receipt_pdf_whose_painter_cannot_begin_is_not_reported_written(
    tmp_path: Path, issued_receipt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "receipt.pdf"
    with pytest.raises(WriteFailed, match="does not exist; nothing was written"):
        pdf.render(issued_receipt, target)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(issued_receipt)
    assert main(["receipt", "pdf", str(receipt), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "does not exist; nothing was written" in err and "wrote" not in err


@pytest.mark.parametrize("free", range(0, 13 * 4096, 4096), ids=lambda n: f"{n}-bytes-free")
def test_store_writes_on_a_full_disk_say_the_disk_is_full(
    small_disk: SmallDisk, free: int
) -> None:
    with open_store(small_disk.root / "cases.sqlite") as store:
        fill(store, 3)
        small_disk.fill(free)
        with pytest.raises(StoreError, match=FULL):
            for _ in range(400):
                fill(store, 20)


def test_receipt_pdf_on_a_full_disk_says_so_and_leaves_no_cut_file(
    issued_receipt: str, small_disk: SmallDisk
) -> None:
    small_disk.fill(2048)
    target = small_disk.root / "receipt.pdf"
    with pytest.raises(WriteFailed, match=FULL):
        pdf.render(issued_receipt, target)
    assert not target.exists()
