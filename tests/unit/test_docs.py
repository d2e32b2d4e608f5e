"""The README cannot drift: every command is documented and has help, every JSON output's
documented keys are exactly the keys the code prints."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import coincurve
import pytest

from arbiter_app import config
from arbiter_app.cli import build_parser, main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, Any]:
    """Every leaf command of the parser by its full name, e.g. ``"log verify"``."""
    found: dict[str, Any] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix}{name}"
                nested = subcommands(sub, f"{full} ")
                found.update(nested or {full: sub})
    return found


COMMANDS = subcommands(build_parser())


def documented_keys(command: str) -> set[str]:
    """The keys in the README table that follows the heading line for ``command``."""
    lines = README.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.startswith(f"`arbiter-app {command}")), None
    )
    assert start is not None, f"README documents no JSON output for {command}"
    keys = set()
    for line in lines[start + 1 :]:
        if line.startswith("`arbiter-app") or line.startswith("#"):
            break
        match = re.match(r"\| `([a-z0-9_]+)` \|", line)
        if match:
            keys.add(match.group(1))
    return keys


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_readme_with_help(command: str) -> None:
    assert f"arbiter-app {command}" in README or (
        command == "gui" and "arbiter-app [--config FILE] [gui]" in README
    )
    sub = COMMANDS[command]
    assert sub.description or sub.format_help().count("\n") > 3


def signed_transaction_hex() -> str:
    from arbiter_app.stacks import clarity, transaction

    key = coincurve.PrivateKey(bytes(range(1, 33)))
    tx = transaction.make_contract_call(
        config.DEVNET,
        "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure",
        "resolve-dispute",
        [clarity.UInt(7), clarity.Bool(True)],
        key.public_key.format(),
        nonce=3,
        fee=500,
    )
    return transaction.serialize(transaction.sign_with_private_key(tx, key.secret)).hex()


def printed_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_tx_decode_keys(capsys: pytest.CaptureFixture[str]) -> None:
    document = printed_json(["tx", "decode", signed_transaction_hex()], capsys)
    assert set(document) == documented_keys("tx decode")


def test_evidence_verify_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello world\n")
    cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"  # docs/ipfs.md §2.5
    document = printed_json(["evidence", "verify", str(path), "--cid", cid, "--json"], capsys)
    assert set(document) == documented_keys("evidence verify")


def test_sync_and_disputes_keys() -> None:
    from arbiter_app.services.listing import DISPUTES_SCHEMA
    from arbiter_app.services.sync import SyncSummary

    assert {f.name for f in dataclasses.fields(SyncSummary)} == documented_keys("sync")
    assert set(DISPUTES_SCHEMA) == documented_keys("disputes")


def test_ledger_address_keys(ledger_emulator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    device = f"tcp:127.0.0.1:{ledger_emulator.port}"
    document = printed_json(["ledger", "address", "--device", device, "--json"], capsys)
    assert set(document) == documented_keys("ledger address")


def test_devnet_ready_line_keys(devnet: Any) -> None:
    from arbiter_app.cli.devnet import ready_document

    document = ready_document(devnet, 1)
    assert set(document) == documented_keys("devnet")
    endpoints = {"stacks_api", "ipfs_rpc", "ipfs_gateway", "admin", "ledger"}
    assert set(document["endpoints"]) <= endpoints


def test_config_show_keys_and_every_limit_documented(capsys: pytest.CaptureFixture[str]) -> None:
    document = printed_json(["config", "show", "--json"], capsys)
    assert set(document) == documented_keys("config show")
    for name in document["ipfs_limits"]:
        assert f"`{name}` (default {document['ipfs_limits'][name]})" in README or \
            f"`{name}` ({document['ipfs_limits'][name]})" in README


def test_case_show_search_and_log_verify_keys(tmp_path: Path, log_device_settings: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from arbiter_app.case.models import Step
    from arbiter_app.services import receipts
    from arbiter_app.store.db import open_store
    from tests.fixtures.store import LOG_DEVICE, session_on, walk_case

    signer = LOG_DEVICE  # the settings' signer too: the export unlocks the log key with it
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        walk_case(store, 4, Step.RULING)
        receipts.bind_log_key(session_on(store, signer), now=1)
    document = printed_json(["case", "show", "4", "--json"], capsys)
    assert set(document) == documented_keys("case show")
    hits = printed_json(["search", "milestone", "--json"], capsys)
    assert hits and all(set(h) == documented_keys("search") for h in hits)
    out = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 0
    checked = printed_json(["log", "verify", str(out), "--arbiter", signer.address(), "--json"],
                           capsys)
    assert set(checked) == documented_keys("log verify")


def test_receipt_verify_keys() -> None:
    from arbiter_app.records.receipt_checks import ReceiptFacts

    fields = {f.name for f in dataclasses.fields(ReceiptFacts)}
    assert fields | {"online"} == documented_keys("receipt verify")
