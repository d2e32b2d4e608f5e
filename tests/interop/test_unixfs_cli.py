"""``arbiter-app evidence verify`` on reference CARs and plain files from the JS importer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arbiter_app.cli import main
from tests.fixtures.unixfs import MIB, Vector
from tests.interop.test_unixfs_failures import altered


@pytest.mark.parametrize(
    "name", [f"kubo-v0-{MIB + 1}B", f"v1-2025-{5 * MIB + 3}B", f"trickle-v0-{MIB + 1}B"]
)
def test_car_verifies_and_reports(
    unixfs_vectors: dict[str, Vector], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    v = unixfs_vectors[name]
    assert main(["evidence", "verify", str(v.root_last), "--cid", v.root, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["cid"], out["size"], out["blocks"]) == (v.root, v.size, v.blocks)


@pytest.mark.parametrize(
    "name",
    [f"kubo-v0-{MIB + 1}B", f"kubo-v1-{256 * 1024}B", f"v1-2025-{5 * MIB + 3}B", "kubo-v0-0B"],
)
def test_plain_file_verifies_by_reimport(
    unixfs_vectors: dict[str, Vector], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    v = unixfs_vectors[name]
    assert main(["evidence", "verify", str(v.input), "--cid", v.root]) == 0
    assert f"verified {v.root}: {v.size} bytes" in capsys.readouterr().out


def test_altered_car_names_the_first_failing_block(
    unixfs_vectors: dict[str, Vector], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v = unixfs_vectors[f"kubo-v1-{MIB + 1}B"]
    bad = tmp_path / "bad.car"
    bad.write_bytes(altered(v, "flip leaf"))
    assert main(["evidence", "verify", str(bad), "--cid", v.root]) == 1
    err = capsys.readouterr().err
    assert "leaf block" in err and "root/link 2" in err and "altered" in err


def test_plain_file_that_does_not_match_fails(
    unixfs_vectors: dict[str, Vector], capsys: pytest.CaptureFixture[str]
) -> None:
    v, other = unixfs_vectors[f"kubo-v0-{MIB + 1}B"], unixfs_vectors[f"kubo-v0-{MIB}B"]
    assert main(["evidence", "verify", str(other.input), "--cid", v.root]) == 1
    assert "does not match" in capsys.readouterr().err


def test_trickle_plain_file_needs_a_car(
    unixfs_vectors: dict[str, Vector], capsys: pytest.CaptureFixture[str]
) -> None:
    v = unixfs_vectors[f"trickle-v1-{MIB + 1}B"]
    assert main(["evidence", "verify", str(v.input), "--cid", v.root]) == 1
    assert "a CAR of its blocks is needed" in capsys.readouterr().err
