"""``arbiter-app tx decode HEX|-``: decode a Stacks transaction to review JSON.

Prints :func:`arbiter_app.stacks.transaction.describe` as JSON (txid, network, sender,
nonce, fee, modes, decoded post-conditions, payload with arguments as repr and hex, and
whether the signature verifies). Malformed input exits 1 with the byte offset and what was
expected there; the hex may carry ``0x`` and surrounding whitespace.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from arbiter_app.cli import print_json
from arbiter_app.errors import DecodeError, LimitExceeded
from arbiter_app.stacks import transaction

# A signed transaction is at most a few hundred kilobytes (node limit 2 MB of hex is plenty).
MAX_HEX_CHARS = 4 * 1024 * 1024


def register(subparsers: Any) -> None:
    """Add the ``tx`` command group."""
    parser = subparsers.add_parser(
        "tx", help="inspect Stacks transactions", description="Inspect Stacks transactions."
    )
    sub = parser.add_subparsers(dest="tx_command", metavar="ACTION", required=True)
    decode = sub.add_parser("decode", help="decode a transaction's hex to JSON for review")
    decode.add_argument("hex", metavar="HEX", help="the transaction as hex, or - to read stdin")
    decode.set_defaults(handler=run_decode)


def parse_hex(text: str) -> bytes:
    """Bytes of ``text`` (optional ``0x``, surrounding whitespace ignored).

    :raises DecodeError: naming the byte (and character) of the first bad digit
    """
    body = text.strip()
    lead = len(text) - len(text.lstrip())
    if body[:2] in ("0x", "0X"):
        body, lead = body[2:], lead + 2
    if len(body) > MAX_HEX_CHARS:
        raise LimitExceeded("transaction hex length", len(body), MAX_HEX_CHARS)
    if not body:
        raise DecodeError("transaction hex", 0, "hex digits of a transaction")
    digits = set("0123456789abcdefABCDEF")
    for i, ch in enumerate(body):
        if ch not in digits:
            where = f"character {lead + i + 1}"
            raise DecodeError("transaction hex", i // 2, f"a hex digit at {where}, not {ch!r}")
    if len(body) % 2:
        raise DecodeError("transaction hex", len(body) // 2, "an even number of hex digits")
    return bytes.fromhex(body)


def run_decode(args: argparse.Namespace) -> int:
    """Decode and print; exit 1 naming the offset when the bytes are not a transaction."""
    text = sys.stdin.read(MAX_HEX_CHARS + 64) if args.hex == "-" else args.hex
    tx = transaction.deserialize(parse_hex(text))
    print_json(transaction.describe(tx))
    return 0
