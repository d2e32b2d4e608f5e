"""``arbiter-app log export`` / ``log verify``: exit 0 on a good file, 1 naming the bad line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arbiter_app.cli import main
from arbiter_app.store.db import open_store
from tests.fixtures.store import fill


@pytest.fixture
def data_store() -> Path:
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
