"""``arbiter-app tx decode``: review JSON, stdin input, malformed input naming the offset."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from arbiter_app.cli import main

VECTORS = json.loads((Path(__file__).parents[2] / "data/stacks/vectors.json").read_text())
SIGNED = VECTORS["contract_call"]["signed"]


def test_decode_prints_the_review_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tx", "decode", SIGNED]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["txid"] == VECTORS["contract_call"]["txid"]
    assert doc["sender"] == VECTORS["contract_call"]["sender"]
    assert doc["signature_valid"] is True and doc["network"] == "testnet"
    assert doc["payload"]["args"] == [{"repr": "0x666f6f", "hex": "0x0200000003666f6f"}]


def test_decode_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"  0x{SIGNED}\n"))
    assert main(["tx", "decode", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["nonce"] == 1


def test_unsigned_transaction_decodes_with_signature_not_valid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tx", "decode", VECTORS["ledger_mainnet"]["unsigned"]]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["signature_valid"] is False and doc["sender"] == VECTORS["ledger_mainnet"]["sender"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SIGNED[:-2], "at byte 161, expected 3 buffer bytes"),
        (SIGNED + "00", "at byte 168, expected the end of the transaction"),
        ("01" + SIGNED[2:], "at byte 0, expected version 0x00 (mainnet) or 0x80"),
        (SIGNED[:10] + "05" + SIGNED[12:], "at byte 5, expected standard authorization"),
        (
            SIGNED[:20] + "zz" + SIGNED[22:],
            "at byte 10, expected a hex digit at character 21, not 'z'",
        ),
        (SIGNED[:-1], "expected an even number of hex digits"),
        ("", "expected hex digits of a transaction"),
    ],
    ids=["truncated", "trailing", "bad-version", "sponsored", "not-hex", "odd-length", "empty"],
)
def test_malformed_input_exits_1_naming_the_offset(
    text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tx", "decode", text]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_decode_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arbiter_app", "tx", "decode", "-"],
        input=SIGNED,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["txid"] == VECTORS["contract_call"]["txid"]
    bad = subprocess.run(
        [sys.executable, "-m", "arbiter_app", "tx", "decode", SIGNED[:100]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 1 and "at byte" in bad.stderr
