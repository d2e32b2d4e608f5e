"""Send a stored, signed ruling transaction and follow it until it is settled.

:func:`send` re-sends the stored bytes until the node knows the txid, never signing anew (a
lost reply, a 5xx or a ``BadNonce`` may all mean the node already has it, so the txid is
looked up before anything is decided). :func:`follow` polls the extended API until the
transaction is mined or fails. The API forgets a transaction that leaves the mempool
unmined (it prunes dropped and replaced rows: the lookup answers 404), so a transaction not
found is judged by the account's nonces: once the confirmed nonce has reached ours it was
*replaced* (another transaction of the key used the nonce); while nothing at all holds our
nonce it was *dropped*. Either is only concluded after :data:`MISSING_POLLS` polls in a row,
so an indexer that has not seen a fresh broadcast yet is not taken for a drop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

from arbiter_app.case.models import TransactionRecord, TxStatus
from arbiter_app.errors import NetworkError
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.retry import Backoff
from arbiter_app.services.session import Session
from arbiter_app.stacks import transaction as txn
from arbiter_app.stacks.api import BroadcastRejected
from arbiter_app.stacks.api import TxStatus as ApiTx
from arbiter_app.store import execution
from arbiter_app.text import untrusted_text

# 4 sends of the same bytes, waits from 0.5 s growing to at most 8 s.
BROADCAST_BACKOFF = Backoff(attempts=4, base=0.5, cap=8.0)
POLL_LIMIT = 120
MISSING_POLLS = 10
# The extended API's statuses for a transaction whose nonce another one took.
REPLACING = ("dropped_replace_by_fee", "dropped_replace_across_fork")


@dataclass(frozen=True)
class Lost:
    """A transaction the API no longer knows, and what the account's nonces say about it."""

    status: TxStatus
    reason: str


def send(session: Session, record: TransactionRecord,
         sleep: Callable[[float], None]) -> int:
    """Send the stored bytes until the node knows the txid; return how many sends it took.

    :raises BroadcastRejected: the node refused it for a reason (the attempt is recorded as
        dropped with that reason)
    :raises NetworkError: no send got through (stored; re-sent unchanged on retry)
    """
    if record.status not in (TxStatus.SIGNED, TxStatus.BROADCAST):
        return 0  # already pending or settled: only poll
    raw, sent = bytes.fromhex(record.raw_hex), 0
    for attempt in range(BROADCAST_BACKOFF.attempts):
        sent += 1
        try:
            session.api.broadcast(raw, record.txid)
        except NetworkError as e:
            if not _known(session, record.txid):
                if isinstance(e, BroadcastRejected) and e.reason is not None:
                    execution.update_transaction(session.store, record.txid, TxStatus.DROPPED,
                                                 now=session.now(), detail=str(e))
                    raise
                wait = e.retry_after if isinstance(e, BroadcastRejected) else None
                sleep(BROADCAST_BACKOFF.delay(attempt, wait))
                continue
        execution.update_transaction(session.store, record.txid, TxStatus.BROADCAST,
                                     now=session.now())
        return sent
    raise NetworkError(f"the transaction {record.txid} could not be broadcast after {sent} "
                       "tries; it is stored and will be re-sent unchanged on retry")


def _known(session: Session, txid: str) -> bool:
    try:
        return session.api.get_transaction(txid) is not None
    except NetworkError:
        return False


def follow(
    session: Session, record: TransactionRecord, cancel: CancelToken | None,
    sleep: Callable[[float], None], interval: float,
) -> Generator[Progress, None, ApiTx | Lost]:
    """Poll until the transaction is mined (either way), or is known to be gone.

    :raises NetworkError: still pending after :data:`POLL_LIMIT` polls (stored; the next
        attempt keeps polling it)
    """
    signed = txn.deserialize(bytes.fromhex(record.raw_hex))
    sender, nonce = txn.sender_address(signed), signed.auth.nonce
    missing = 0
    for n in range(POLL_LIMIT):
        if cancel is not None:
            cancel.check()
        try:
            tx = session.api.get_transaction(record.txid)
        except NetworkError:
            tx = None
        if tx is not None and (tx.confirmed or tx.failed):
            return tx
        lost = _lost(session, sender, nonce) if tx is None else None
        missing = missing + 1 if lost is not None else 0
        if lost is not None and missing >= MISSING_POLLS:
            return lost
        yield Progress("waiting for confirmation", n, POLL_LIMIT)
        sleep(interval)
    raise NetworkError(f"transaction {record.txid} was not confirmed in time; it is stored and "
                       "the next attempt keeps polling it")


def _lost(session: Session, sender: str, nonce: int) -> Lost | None:
    """What the account's nonces say of a transaction the API does not know (``None``: it
    may still be on its way)."""
    try:
        nonces = session.api.get_nonces(sender)
    except NetworkError:
        return None
    if nonces.last_confirmed_nonce is not None and nonces.last_confirmed_nonce >= nonce:
        return Lost(TxStatus.REPLACED, f"its nonce {nonce} was used by another transaction "
                                       "of this key")
    if nonces.next_nonce <= nonce:
        return Lost(TxStatus.DROPPED, "it left the mempool without being mined")
    return None


def failure(mined: ApiTx | Lost) -> tuple[TxStatus, str]:
    """The status and reason a failed or lost transaction is recorded with."""
    if isinstance(mined, Lost):
        return mined.status, mined.reason
    detail = mined.status + (f" {untrusted_text(mined.result_repr)}" if mined.result_repr
                             else "")
    if mined.status in REPLACING:
        return TxStatus.REPLACED, detail
    return (TxStatus.DROPPED if mined.status.startswith(("dropped", "problematic"))
            else TxStatus.ABORTED), detail
