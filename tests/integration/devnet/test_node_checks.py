"""Before starting the devnet, the launcher says what is missing: Node.js itself, or a Node.js
older than 20 (an executable answering ``--version`` as Node 18 does). Missing Node packages,
named with the npm command that installs them, are tried on an installed wheel
(``tests/package/test_wheel.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbiter_app.devnet.launcher import Devnet, DevnetError


def test_no_node_on_path_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevnetError, match="needs Node.js 20 or newer, and node is not on PATH"):
        Devnet.start()


def test_an_old_node_is_named_with_its_version(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    node = tmp_path / "node"
    node.write_text("#!/bin/sh\necho v18.19.0\n")
    node.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevnetError, match="needs Node.js 20 or newer; .* is 'v18.19.0'"):
        Devnet.start()

