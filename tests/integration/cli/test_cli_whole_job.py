"""The whole job through ``arbiter-app`` subprocesses only, as a scripted arbiter runs it: the
settings written with ``config set``, a sync, steps 1-4 with ``case step``, the ruling with
``rule``, ``execute`` refused at the terminal's prompt and then run with ``--yes``, signing
on the emulated Ledger, the stored receipt exported and verified online, the decision log
exported and verified — for a release and a refund.
The devnet (Clarity VM, stacks.js decoder) judges the signatures. Afterwards the log file
(written at debug level) holds neither the signer's mnemonic nor any of its key material."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arbiter_app.devnet.launcher import Devnet, devnet_mnemonics
from arbiter_app.wallet.hd import mnemonic_to_seed, private_key_at
from arbiter_app.wallet.signer import derivation_path
from tests.integration.services.helpers import RATIONALE

REPO = Path(__file__).resolve().parents[3]
CASES = [(101, "--release", "RELEASED"), (103, "--refund", "REFUNDED")]


def arbiter_app(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``arbiter-app --debug ARGV`` in its own process, with the test's environment."""
    done = subprocess.run([sys.executable, "-m", "arbiter_app", "--debug", *argv], cwd=REPO,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    if check:
        assert done.returncode == 0, f"{argv}: {done.returncode}\n{done.stderr}"
    return done


def json_of(*argv: str) -> Any:
    return json.loads(arbiter_app(*argv).stdout)


def configure(devnet: Devnet, ledger: Any) -> None:
    ep = devnet.endpoints
    for key, value in (("stacks_api", ep["stacks_api"]), ("escrow_contract",
                                                          devnet.escrow_contract),
                       ("ipfs_rpc", ep["ipfs_rpc"]),
                       ("ipfs_gateways", json.dumps([ep["ipfs_gateway"]])),
                       ("ledger", ledger.ledger)):
        arbiter_app("config", "set", key, value)


def rule_on(invoice_id: int, decision: str, rationale: Path) -> None:
    for step in ("1", "2", "3", "4"):
        extra = ["--declare-no-conflict"] if step == "1" else []
        arbiter_app("case", "step", str(invoice_id), step, *extra)
    case = json_of("case", "show", str(invoice_id), "--json")
    assert [s["step"] for s in case["steps"]] == [1, 2, 3, 4]
    assert all(e["opened_at"] for e in case["evidence"] if e["state"] == "verified")
    cites = [a for e in case["evidence"] if e["state"] == "verified"
             for a in ("--cite", e["manifest_cid"])][:4]
    confirms = [a for flag in case["flags"] for a in ("--confirm", flag)]
    arbiter_app("rule", str(invoice_id), decision, "--rationale", str(rationale), *cites,
                *confirms)
    refuse_at_the_terminal(invoice_id)
    executed = arbiter_app("execute", str(invoice_id), "--yes")
    assert "FINAL REVIEW" in executed.stdout and "signatures to come" in executed.stdout
    assert f"the ruling receipt for invoice {invoice_id}" in executed.stdout
    assert "confirmed: transaction" in executed.stdout


def refuse_at_the_terminal(invoice_id: int) -> None:
    """``execute`` on a terminal shows the final review and asks; answering no signs nothing."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "arbiter_app", "execute",
                                    str(invoice_id)], cwd=REPO, stdin=terminal,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.write(controller, b"no\n")
        out, err = process.communicate(timeout=300)
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 1 and "FINAL REVIEW" in out and "not signed" in err
    assert json_of("case", "show", str(invoice_id), "--json")["transaction"] is None


def key_material(role: str = "arbiter_1") -> list[str]:
    """The devnet signer's secrets as they could appear in a log: the mnemonic (whole and
    its longest run of words), the seed and the account's private key, in hex."""
    mnemonic = devnet_mnemonics()[role]
    words = mnemonic.split()
    key = private_key_at(mnemonic, derivation_path(0))
    return [mnemonic, " ".join(words[:6]), " ".join(words[-6:]),
            mnemonic_to_seed(mnemonic).hex(), key.hex(), key.hex().upper()]


@pytest.mark.slow
def test_sync_to_confirmed_rulings_receipts_and_log_with_only_the_command_line(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    configure(fresh_devnet, ledger)
    synced = json_of("sync", "--json")
    assert synced["disputes"] >= 2
    rationale = tmp_path / "rationale.txt"
    rationale.write_text(RATIONALE, encoding="utf-8")
    for invoice_id, decision, status in CASES:
        rule_on(invoice_id, decision, rationale)
        receipt = tmp_path / f"receipt-{invoice_id}.json"
        pdf = tmp_path / f"receipt-{invoice_id}.pdf"
        arbiter_app("receipt", "export", str(invoice_id), "-o", str(receipt), "--pdf", str(pdf))
        assert pdf.read_bytes().startswith(b"%PDF")
        assert arbiter_app("receipt", "export", str(invoice_id), "-o", "-").stdout == \
            receipt.read_text(encoding="utf-8")
        verified = json_of("receipt", "verify", str(receipt), "--online", "--json")
        assert (verified["invoice_id"], verified["online"]) == (invoice_id, True)
        assert verified["ruling"] == decision.removeprefix("--")
        row = next(r for r in json_of("disputes", "--json") if r["invoice_id"] == invoice_id)
        assert row["status"] == status and row["steps_done"] == [1, 2, 3, 4, 5, 6]
    exported = tmp_path / "log.jsonl"
    arbiter_app("log", "export", "-o", str(exported))
    arbiter = ledger.arbiter_address
    checked = json_of("log", "verify", str(exported), "--arbiter", arbiter, "--json")
    assert checked["arbiter"] == arbiter and checked["entries"] > 20
    hits = json_of("search", "deliverable timeline", "--json")
    assert {h["invoice_id"] for h in hits if h["where"] == "rationale"} == {101, 103}
    logged = (Path(os.environ["ARBITER_APP_LOG_DIR"]) / "arbiter-app.log").read_text("utf-8")
    for command in ("config set", "sync", "case step", "rule", "execute", "receipt export"):
        assert f": {command}\n" in logged
    assert re.search(r"HTTP Request: POST http://127\.0\.0\.1:\d+/v2/transactions ", logged)
    for secret in key_material():
        assert secret not in logged
