"""Exporting the decision log to a file: JSONL with proofs (for auditors) or CSV (for reading),
and checking an export's ruling roots against the chain (``log verify --online``).

The file is written beside its target as ``NAME.part`` and renamed over it only when complete,
so an interrupted export never leaves a file that looks whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Literal

from arbiter_app.decisionlog.anchors import Anchor
from arbiter_app.errors import DecodeError, VerificationError
from arbiter_app.records import export
from arbiter_app.services import logkey
from arbiter_app.services.session import Session
from arbiter_app.stacks import clarity, clarity_wire, escrow
from arbiter_app.store import log
from arbiter_app.wallet.signer import DevicePrompt

ExportFormat = Literal["jsonl", "csv"]


def export_log(session: Session, path: Path, *, fmt: ExportFormat = "jsonl",
               invoice_id: int | None = None, now: int,
               prompt: DevicePrompt | None = None) -> int:
    """Write the whole log (or one case's entries) to ``path``.

    :param fmt: ``jsonl`` (signed, with inclusion proofs under a fresh checkpoint taken at
        ``now``) or ``csv`` (for spreadsheets; not a proof)
    :param invoice_id: export only this case's entries
    :param prompt: where the device asks to unlock the log key (JSONL, once per session)
    :returns: the number of entries written
    """
    tmp = path.with_name(path.name + ".part")
    if fmt == "jsonl":
        logkey.unlock(session, prompt=prompt, now=now)  # before anything is written
    try:
        if fmt == "csv":
            with open(tmp, "w", encoding="utf-8", newline="") as text:
                count = write_csv(session, text, invoice_id=invoice_id)
        else:
            with open(tmp, "wb") as binary:
                count = write_jsonl(session, binary, invoice_id=invoice_id, now=now)
    except BaseException:
        tmp.unlink(missing_ok=True)  # nothing that looks like an export is left
        raise
    tmp.replace(path)
    return count


def write_jsonl(session: Session, out: IO[bytes], *, invoice_id: int | None = None,
                now: int, prompt: DevicePrompt | None = None) -> int:
    """Write a JSONL export to a binary stream under a fresh checkpoint taken at ``now``,
    unlocking the log key first if this session has not.

    :returns: the number of entries written
    """
    store = session.store
    logkey.unlock(session, prompt=prompt, now=now)
    view = log.view(store, log.checkpoint(store, now=now), invoice_id=invoice_id)
    return export.export_jsonl(view, out, log.private_key(store).sign, invoice_id=invoice_id)


def write_csv(session: Session, out: IO[str], *, invoice_id: int | None = None) -> int:
    """Write the entries (or one case's) as CSV to a text stream; returns how many."""
    return export.export_csv(log.entries(session.store, invoice_id=invoice_id), out)


def check_anchors(session: Session, found: Sequence[Anchor], arbiter: str) -> list[str]:
    """Compare each ruling's log root in an export with the root its transaction put on chain.

    :param arbiter: the address the log is bound to, which must have sent every ruling

    :returns: one line per ruling: matched, or carried no root (a first-version
        ``resolve-dispute``, which has none)
    :raises VerificationError: a transaction that is not the escrow's ruling for its case,
        not confirmed, or whose on-chain root differs from the export's (a log rewritten
        after the ruling)
    """
    lines = []
    for anchor in found:
        tx = session.api.get_transaction(anchor.txid)
        call = None if tx is None else tx.call
        if tx is None or not tx.confirmed or call is None or \
                call.contract_id != session.contract_id:
            raise VerificationError(f"case {anchor.case}: transaction {anchor.txid} is not a "
                                    "confirmed call of the escrow")
        if tx.sender != arbiter:
            raise VerificationError(f"case {anchor.case}: transaction {anchor.txid} was sent by "
                                    f"{tx.sender}, not by the log's arbiter {arbiter}")
        if call.function_name == escrow.RULING_FUNCTION:
            lines.append(_compare_root(anchor, call.args_hex))
        elif call.function_name in escrow.RULING_FUNCTIONS:
            lines.append(f"case {anchor.case}: ruled with {call.function_name}, which puts no "
                         "log root on chain")
        else:
            raise VerificationError(f"case {anchor.case}: transaction {anchor.txid} is not a "
                                    "ruling")
    return lines


def _compare_root(anchor: Anchor, args_hex: Sequence[str]) -> str:
    try:
        invoice, root = clarity_wire.from_hex(args_hex[0]), clarity_wire.from_hex(args_hex[4])
    except (IndexError, ValueError, DecodeError) as e:
        raise VerificationError(f"case {anchor.case}: transaction {anchor.txid} does not carry "
                                "the ruling's arguments") from e
    if invoice != clarity.UInt(anchor.case):
        raise VerificationError(f"case {anchor.case}: transaction {anchor.txid} rules on "
                                "another invoice")
    if root != clarity.Buffer(anchor.root):
        raise VerificationError(
            f"case {anchor.case}: the log root on chain (tx {anchor.txid}) differs from the "
            f"export's root over entries 0-{anchor.index}: the log was rewritten after the "
            "ruling")
    return f"case {anchor.case}: the log root on chain matches entries 0-{anchor.index}"
