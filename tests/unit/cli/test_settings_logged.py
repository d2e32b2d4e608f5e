"""The settings proof on the CLI: lowering the minimum rationale length and the SLA
hours each leaves a settings-changed entry with the old and new values; the store's log
verifies, and its export verifies offline as intact and signed (exit 1 only because no
signer ever bound this test log's key to an address, which the verifier says)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arbiter_app.cli import main
from arbiter_app.store import log
from arbiter_app.store.db import open_store


def test_lowering_settings_is_logged_with_old_and_new_values_and_the_log_stays_intact(
        tmp_path: Path, log_device_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "set", "min_rationale_chars", "120"]) == 0
    assert main(["config", "set", "sla_hours", "24"]) == 0
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        changed = [e.data for e in log.entries(store) if e.kind == "settings-changed"]
        assert log.verify_log(store) == 2
    assert {"key": "min_rationale_chars", "old": 300, "new": 120} in changed
    assert {"key": "sla_hours", "old": 72, "new": 24} in changed
    exported = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(exported)]) == 0
    capsys.readouterr()
    assert main(["log", "verify", str(exported), "--allow-unbound"]) == 1
    said = capsys.readouterr().err
    assert "2 entries (whole log) under the checkpoint of size 2 are intact and signed" in said
