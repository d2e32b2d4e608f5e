"""Build + serialize + sign + txid of a ``resolve-dispute`` call, beside stacks.js in the same run.

The call is the one the arbiter signs (docs/ARCHITECTURE.md §4): ``resolve-dispute (invoice-id uint)
(token <sip-010-trait>) (release bool) (rationale-hash (buff 32))`` on the escrow, deny mode,
with one ``eq`` fungible post-condition on the escrow's sBTC send. stacks.js
(``resources/devnet/interop/stacks-bench.mjs``) does the same work with the same key in the
same run, in interleaved pairs (each side times its own loop, after a warm-up); both sides
sign with RFC 6979, so the txid of one shared nonce must agree, which the bench checks before
printing a ratio.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import coincurve

from arbiter_app import config
from arbiter_app.stacks import clarity, transaction
from tests.bench import PAIRS, Row, interleaved_figures, ratio_at_least

SCRIPT = Path(__file__).resolve().parents[2] / "resources/devnet/interop/stacks-bench.mjs"
KEY = bytes.fromhex("753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6")
ESCROW = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
TOKEN = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token"
ASSET = f"{TOKEN}::sbtc"
AMOUNT = 20_000_000
COUNT = 2000


def resolve_dispute(invoice_id: int, public_key: bytes) -> transaction.Transaction:
    """Build, serialize, sign and hash one call; returns the signed transaction."""
    guard = transaction.FungiblePostCondition(ESCROW, ASSET, "eq", AMOUNT)
    args = (
        clarity.UInt(invoice_id),
        clarity.principal(TOKEN),
        clarity.Bool(True),
        clarity.Buffer(b"\x05" * 32),
    )
    unsigned = transaction.make_contract_call(
        config.TESTNET,
        ESCROW,
        "resolve-dispute",
        args,
        public_key,
        invoice_id,
        3000,
        post_conditions=(guard,),
        post_condition_mode=transaction.DENY,
    )
    return transaction.sign_with_private_key(unsigned, KEY)


def _python_seconds(public_key: bytes) -> float:
    for i in range(100):  # warm-up
        transaction.txid(resolve_dispute(i, public_key))
    start = time.perf_counter()
    for i in range(COUNT):
        signed = resolve_dispute(i, public_key)
        transaction.serialize(signed)
        transaction.txid(signed)
    return time.perf_counter() - start


def _stacks_js() -> dict[str, object]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed for the stacks.js reference")
    request = {
        "count": COUNT,
        "private_key": KEY.hex() + "01",
        "contract_id": ESCROW,
        "token": TOKEN,
        "asset": ASSET,
        "amount": str(AMOUNT),
    }
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=SCRIPT.parent,
        check=True,
    )
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def _stacks_js_seconds(public_key: bytes) -> float:
    """One stacks.js run's own loop time, after checking it built our transaction."""
    reference = _stacks_js()
    ours = transaction.txid(resolve_dispute(7, public_key))
    if ours != reference["txid_of_7"]:
        raise RuntimeError(
            f"stacks.js built another transaction: {reference['txid_of_7']} != {ours}"
        )
    return COUNT / float(str(reference["ops_per_s"]))


def run() -> list[Row]:
    """Time both sides in pairs; refuse to compare unless they produced the same transaction."""
    public_key = coincurve.PrivateKey(KEY).public_key.format()
    ours, theirs = interleaved_figures(lambda: _python_seconds(public_key),
                                       lambda: _stacks_js_seconds(public_key))
    return [Row("resolve-dispute build+serialize+sign+txid", COUNT / ours, "ops/s",
                COUNT / theirs, "stacks.js 7.6 makeContractCall", (ratio_at_least(1.5),),
                PAIRS)]
