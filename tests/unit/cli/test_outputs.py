"""``-o -`` writes to standard output; a named file appears whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from arbiter_app.cli import main
from arbiter_app.cli.output import output_file
from arbiter_app.services import receipts
from arbiter_app.store.db import open_store
from tests.fixtures.store import LOG_DEVICE, fill, session_on


def test_log_export_to_standard_output_verifies_as_a_file(
        tmp_path: Path, log_device_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signer = LOG_DEVICE  # the settings' signer, which unlocks the log key for the export
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        fill(store, 9)
        receipts.bind_log_key(session_on(store, signer), now=1)
    assert main(["log", "export", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert "to standard output" in captured.err
    exported = tmp_path / "from-stdout.jsonl"
    exported.write_text(captured.out, encoding="utf-8")
    assert main(["log", "verify", str(exported), "--arbiter", signer.address(), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 10  # 9 and the key's binding


def test_a_failed_write_leaves_the_old_file_and_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "receipt.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), output_file(str(target)) as f:
        f.write(b"half of the new")
        raise RuntimeError("the writer failed")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt.json"]
