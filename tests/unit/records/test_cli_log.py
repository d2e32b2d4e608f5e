"""``arbiter-app log export`` / ``log verify``: exit 0 on a good file, 1 naming the bad line."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import pytest

from arbiter_app import config
from arbiter_app.cli import main
from arbiter_app.services import logkey
from arbiter_app.store import log
from arbiter_app.store.db import open_store
from arbiter_app.wallet.software import SoftwareSigner
from tests.fixtures.store import fill


@pytest.fixture
def data_store(log_device_settings: Path) -> Path:
    path = Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite"
    with open_store(path) as store:
        fill(store, 12)
    return path


def test_export_then_verify(data_store: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 0
    assert main(["log", "verify", str(out), "--allow-unbound"]) == 1  # nobody's identity
    assert "NOT VERIFIED: 12 entries (whole log) under the checkpoint of size 12 are intact " \
        "and signed by a log key bound to no address" in capsys.readouterr().err
    assert main(["log", "verify", str(out)]) == 1
    assert "not bound to an arbiter address" in capsys.readouterr().err


def test_one_case_and_csv(data_store: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "case.jsonl"
    assert main(["log", "export", "--case", "2", "-o", str(out)]) == 0
    assert main(["log", "verify", str(out), "--allow-unbound"]) == 1
    assert "NOT VERIFIED: 4 entries (case 2)" in capsys.readouterr().err
    assert len(out.read_bytes().splitlines()) == 1 + 4
    csv_out = tmp_path / "log.csv"
    assert main(["log", "export", "--format", "csv", "-o", str(csv_out)]) == 0
    assert len(csv_out.read_text().splitlines()) == 13


def test_tampered_export_exits_1_naming_the_line(data_store: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 0
    lines = out.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"kind":"', b'"kind":"x', 1)
    out.write_bytes(b"".join(lines))
    capsys.readouterr()
    assert main(["log", "verify", str(out), "--allow-unbound"]) == 1
    assert "line 6:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["log"], ["log", "export"], ["log", "verify"],
                                  ["log", "export", "--format", "xml", "-o", "f"]],
                         ids=["no-action", "export-without-output", "verify-without-file",
                              "unknown-format"])
def test_bad_usage_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "verify", str(tmp_path / "absent.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_previous_export_must_be_extended(data_store: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    assert main(["log", "export", "-o", str(old)]) == 0
    with open_store(data_store) as store:
        fill(store, 3)
    assert main(["log", "export", "-o", str(new)]) == 0
    assert main(["log", "verify", str(new), "--allow-unbound", "--previous", str(old)]) == 1
    assert "extending the checkpoint of size 12" in capsys.readouterr().err


def test_export_with_another_device_says_the_log_key_belongs_to_it(
        log_device_settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = SoftwareSigner.from_private_key(hashlib.sha256(b"another device").digest(),
                                            config.DEVNET)
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        fill(store, 3)
        log.hold_secret(store, logkey.device_secret(other, config.DEVNET.chain_id))
        log.checkpoint(store, now=1)  # the key is made and sealed by the other device
    capsys.readouterr()
    assert main(["log", "export", "-o", str(tmp_path / "log.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "this store's decision-log key belongs to another device or account" in err
    assert other.address() in err and "Traceback" not in err
    assert not (tmp_path / "log.jsonl").exists()


def test_export_without_the_device_says_the_log_key_is_locked(
        data_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there: the configured Ledger is absent
    config.save(config.Settings(ledger=f"tcp:127.0.0.1:{port}"),
                Path(os.environ["ARBITER_APP_CONFIG"]))
    capsys.readouterr()
    assert main(["log", "export", "-o", str(tmp_path / "log.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "the decision-log key is locked and opens only with your signer" in err
    assert "Traceback" not in err and not (tmp_path / "log.jsonl").exists()
