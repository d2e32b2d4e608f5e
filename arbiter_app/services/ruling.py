"""Execute a finalized ruling: publish the rationale, build, check, sign, store, broadcast and
confirm the ``resolve-dispute`` transaction, then issue the receipt (docs/ARCHITECTURE.md §9).

The order is the safety argument:

1. the invoice is read twice — ``call-read`` and the contract's events — and any
   disagreement stops the ruling; the node's network id must be the configured network's;
2. immediately before the device is asked, everything the ruling rests on is read again
   (:mod:`arbiter_app.services.recheck`) and must still be what was reviewed;
3. the signed transaction is stored *before* it is broadcast, and while it is on its way
   no second one is signed: every retry re-sends the stored bytes (same txid), and a lost
   reply is resolved by looking the txid up, never by signing anew;
4. a transaction that fails on chain or leaves the mempool unmined is recorded with its
   reason and the case is back at step 6: after a fresh review a new attempt for the same
   ruling may be signed (a new nonce, the same rationale hash), or step 5 reopened. Every
   attempt stays in the store and the log; the contract settles an invoice once, so one
   ruling has at most one successful transaction;
5. on success step 6 completes in the store and the receipt is issued, then the case bundle
   published; a receipt the device did not sign can be issued later
   (:func:`issue_pending_receipt`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import (
    Award,
    Decision,
    Invoice,
    InvoiceStatus,
    TransactionRecord,
    TxStatus,
)
from arbiter_app.decisionlog.vault import ForeignLogKey
from arbiter_app.errors import ApiError, Cancelled, DeviceError, PolicyError
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import broadcast, publication, receipts, signatures
from arbiter_app.services import bundle as case_bundle
from arbiter_app.services import rationale as rationale_doc
from arbiter_app.services.broadcast import Lost
from arbiter_app.services.chain import ChainReader, disagreements, event_view
from arbiter_app.services.recheck import recheck
from arbiter_app.services.session import Session
from arbiter_app.stacks import escrow, fees
from arbiter_app.stacks import transaction as txn
from arbiter_app.stacks.api import TxStatus as ApiTx
from arbiter_app.store import cases, execution, log, parties, rows
from arbiter_app.store.parties import StatusChange

if TYPE_CHECKING:
    from arbiter_app.stacks.transaction import Transaction
    from arbiter_app.wallet.signer import DevicePrompt

POLL_INTERVAL = 1.0


@dataclass(frozen=True)
class Execution:
    """The outcome of :func:`execute_ruling`.

    :param txid: the ruling transaction
    :param status: ``success`` (step 6 done, receipt issued)
    :param block_height: the confirming block
    :param receipt: the receipt's canonical JSON
    :param broadcasts: how many times the stored bytes were sent
    """

    txid: str
    status: str
    block_height: int | None
    receipt: str | None
    broadcasts: int


# The invoice status each ruling leaves behind on chain.
OUTCOME = {Decision.RELEASE: InvoiceStatus.RELEASED, Decision.REFUND: InvoiceStatus.REFUNDED,
           Decision.SPLIT: InvoiceStatus.SPLIT}


class RulingFailed(PolicyError):
    """The ruling transaction failed on chain or left the mempool unmined; the case is back
    at step 6 for a new attempt after a fresh review (or to reopen step 5)."""


class ReceiptNotIssued(DeviceError):
    """The ruling is executed, but the device did not sign its receipt; it can be issued
    later (:func:`issue_pending_receipt`)."""


@dataclass(frozen=True)
class RulingPreview:
    """The unsigned ``resolve-dispute`` transaction of a ruling, as it would be signed now.

    :param invoice_id: the case
    :param decision: the finalized ruling
    :param transaction: the unsigned transaction (what the signer is handed)
    :param describe_json: ``transaction.describe`` of it plus ``network_name``, as canonical
        JSON (what the final review shows)
    :param amount: base units the escrow sends
    :param recipient: who receives them (the payee on release, the payer on refund, the
        payee first on a split)
    :param fee: µSTX, from the API's quote under the fee policy's ceiling
    :param nonce: the arbiter account's next nonce
    :param fee_warning: a sentence when the fee is above the ``fee_confirm_above`` setting
    :param signatures: every signature the ruling will ask the device for, in order, in
        the words each prompt will name it (the transaction; the one-time binding of the
        decision-log key, while it is unbound; the receipt)
    """

    invoice_id: int
    decision: Decision
    transaction: Transaction
    describe_json: str
    amount: int
    recipient: str
    fee: int
    nonce: int
    signatures: tuple[str, ...] = ()
    fee_warning: str = ""
    award: Award | None = None
    payer: str = ""

    @property
    def described(self) -> dict[str, Any]:
        """The review document as a fresh JSON object."""
        return dict(json.loads(self.describe_json))

    @property
    def words(self) -> str:
        """The ruling's effect in plain words: ``release 0.2 sBTC to ST…``, or for a split
        ``split 0.5 sBTC: 0.3 sBTC to ST… (the payee) and 0.2 sBTC to ST… (the payer)``."""
        payee_share = None if self.award is None else self.award.payee
        return words.ruling_words(self.decision, self.amount, self.recipient,
                                  self.payer or self.recipient, payee_share)


def preview_ruling(session: Session, invoice_id: int) -> RulingPreview:
    """Build the ruling transaction of ``invoice_id`` the way :func:`execute_ruling` signs it.

    Nothing is signed, stored or sent. Before the rationale is published its hash is computed
    from the document, which is the hash publishing stores.

    :raises PolicyError: no finalized ruling, the signer is for another network or is not
        the invoice's arbiter, or the fee quote is above the ceiling for its size
    :raises NetworkError: the nonce or fee could not be read
    """

    case = rows.load_case(session.store, invoice_id)
    ruling = case.ruling
    if ruling is None:
        raise PolicyError(f"invoice {invoice_id} has no finalized ruling (step 5)")
    address = _checked_signer(session, case)
    nonce = session.api.get_nonces(address).next_nonce
    digest = bytes.fromhex(ruling.rationale_hash) if ruling.rationale_hash is not None \
        else hashlib.sha256(rationale_doc.document_bytes(case)).digest()
    public_key = session.signer.public_key()
    award = ruling.award(case.invoice.amount)
    root = ruling_log_root(session, invoice_id)

    def build(fee: int) -> Transaction:
        return escrow.resolve_dispute_call(
            session.network, session.contract_id, case.invoice, award, digest, root,
            public_key, nonce, fee)

    fee = _fee(session, build(0))
    unsigned = build(fee)
    described = {**txn.describe(unsigned), "network_name": session.network.name}
    inv = case.invoice
    recipient = inv.payer if ruling.decision is Decision.REFUND else inv.payee
    preview = RulingPreview(invoice_id, ruling.decision, unsigned,
                            json.dumps(described, sort_keys=True), inv.amount, recipient, fee,
                            nonce, fee_warning=fees.fee_warning(
                                fee, session.settings.fee_confirm_above),
                            award=award, payer=inv.payer)
    return dataclasses.replace(preview, signatures=_planned(session, preview))


def ruling_log_root(session: Session, invoice_id: int) -> bytes:
    """The decision log's root over every entry up to and including the case's
    ``ruling-finalized`` entry: what the ruling transaction puts on chain. It is fixed once
    the ruling is, so a retried transaction carries the same root, and a log rewritten
    before the ruling disagrees with the chain (``log verify --online``).
    """
    index = rows.ruling_log_index(session.store, invoice_id)
    if index is None:
        raise PolicyError(f"invoice {invoice_id} has no finalized ruling (step 5)")
    return log.tree(session.store, index + 1).root()


def _planned(session: Session, preview: RulingPreview) -> tuple[str, ...]:
    """The signatures executing ``preview`` asks for, in the order they are asked."""
    return (signatures.transaction_subject(preview.words, preview.invoice_id),
            *receipts.signatures_to_come(session, preview.invoice_id))


def execute_ruling(
    session: Session,
    invoice_id: int,
    cancel: CancelToken | None = None,
    *,
    prompt: DevicePrompt | None = None,
    reviewed: RulingPreview | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll_interval: float = POLL_INTERVAL,
) -> Generator[Progress, None, Execution]:
    """Execute the finalized ruling of ``invoice_id``, or resume its stored transaction.

    :param prompt: where the user confirms each signature on the device (the transaction,
        named by its amount and recipient; the log-key binding once; the receipt)
    :param reviewed: the preview the user approved; signing is refused when the transaction
        built now differs from it in any field (fee, nonce, arguments)
    :param sleep: how to wait between polls (tests pass a no-op)
    :raises PolicyError: the chain views disagree, wrong signer or network, no ruling, or
        the transaction changed since it was reviewed
    :raises DeviceError: the device refused or failed (nothing was stored or sent)
    :raises RulingFailed: the transaction failed on chain; the case stays open
    """

    case = rows.load_case(session.store, invoice_id)
    if case.ruling is None:
        raise PolicyError(f"invoice {invoice_id} has no finalized ruling (step 5)")
    if case.transaction is None:
        failed = case.failed_attempt
        if failed is not None and reviewed is None:
            raise PolicyError(f"the last transaction of this ruling failed ({failed.reason}); "
                              "a new one needs a fresh review of the rebuilt transaction")
        publication.require_target(session)
        yield Progress("checking the chain", 0, 5)
        yield from _check_chain(session, case, cancel)
        yield Progress("publishing the rationale", 1, 5)
        case = _publish(session, case)
        yield Progress("signing on the device", 2, 5)
        _sign_and_store(session, case, prompt, reviewed)
        case = rows.load_case(session.store, invoice_id)
    record = case.transaction
    assert record is not None
    yield Progress("broadcasting", 3, 5)
    sent = broadcast.send(session, record, sleep)
    yield Progress("waiting for confirmation", 4, 5)
    mined = yield from broadcast.follow(session, record, cancel, sleep, poll_interval)
    return _settle(session, case, record, mined, sent, prompt)


def _check_chain(
    session: Session, case: CaseFile, cancel: CancelToken | None
) -> Generator[Progress, None, None]:
    """Two views of the invoice (call-read and events) must agree, on the configured network.

    What they agree on is compared with the case store by :func:`recheck`, immediately
    before the device is asked.
    """
    info = session.api.get_info()
    if info.network_id != session.network.chain_id:
        raise PolicyError(f"the API serves network id {info.network_id:#x}, not "
                          f"{session.network.name}; refusing to sign")
    reader = ChainReader(session.api, session.contract_id, case.invoice.arbiter)
    read = reader.invoice(case.invoice.id)
    if read is None:
        raise PolicyError(f"call-read does not know invoice {case.invoice.id}")
    events = yield from reader.new_events(None, cancel)
    problems = disagreements(read, event_view(read.id, events))
    newest = reader.newest_height or 0
    if newest > info.stacks_tip_height:
        # docs/reliability.md T5.2: a node behind the indexer's events is stale or lying.
        problems.append(f"the node's tip {info.stacks_tip_height} is behind the contract's "
                        f"events (block {newest}); the node is stale")
    if problems:
        raise PolicyError("the chain's views of invoice "
                          f"{read.id} disagree, so the ruling is stopped: " + "; ".join(problems))


def _publish(session: Session, case: CaseFile) -> CaseFile:
    """Build the rationale document; publish it (pinned, read back) before anything is signed.

    :raises PolicyError: no publication target is configured
    """

    assert case.ruling is not None
    data = rationale_doc.document_bytes(case)
    digest = hashlib.sha256(data).hexdigest()
    if case.ruling.rationale_hash is not None:
        if case.ruling.rationale_hash != digest:
            raise PolicyError("the stored rationale hash differs from the document rebuilt now")
        return case
    cid = publication.publish(session, case.invoice.id, "rationale", data).cid
    execution.record_rationale(session.store, case.invoice.id, rationale_hash=digest,
                               rationale_cid=cid, now=session.now())
    return rows.load_case(session.store, case.invoice.id)


def _checked_signer(session: Session, case: CaseFile) -> str:
    """The signer's address, once its network and address are the app's and the arbiter's."""
    signer = session.signer
    if signer.network != session.network:
        raise PolicyError(f"the signer is set up for {signer.network.name}, the app for "
                          f"{session.network.name}")
    address = signer.address()
    if address != case.invoice.arbiter:
        raise PolicyError(f"the signer's address {address} is not this invoice's arbiter "
                          f"{case.invoice.arbiter}")
    return address


def _sign_and_store(session: Session, case: CaseFile, prompt: DevicePrompt | None,
                    reviewed: RulingPreview | None) -> None:
    """Build (through :func:`preview_ruling`), sign, and store the signed bytes (not sent)."""

    assert case.ruling is not None and case.ruling.rationale_hash is not None
    preview = preview_ruling(session, case.invoice.id)
    recheck(session, case, (reviewed or preview).nonce)
    if reviewed is not None and reviewed.describe_json != preview.describe_json:
        # docs/reliability.md §3 (malicious host): what is signed must be what was reviewed.
        raise PolicyError(f"the ruling transaction changed since it was reviewed (fee "
                          f"{reviewed.fee} -> {preview.fee}, nonce {reviewed.nonce} -> "
                          f"{preview.nonce}); review it again")
    subject = preview.signatures[0]
    signed = signatures.asked(session, case.invoice.id, subject, lambda: (
        session.signer.sign_transaction(preview.transaction, prompt, subject=subject)))
    raw = txn.serialize(signed)
    execution.record_transaction(session.store, case.invoice.id, txid=txn.txid(signed),
                                 raw_hex=raw.hex(), now=session.now())


def _fee(session: Session, unsigned: Transaction) -> int:
    """The API's fee quote for ``unsigned``, held to the size-relative fee policy."""

    length = len(txn.serialize(unsigned))
    estimate = session.api.estimate_fee(txn.payload_bytes(unsigned), length)
    return fees.checked_fee(estimate.middle, length)


def _settle(session: Session, case: CaseFile, record: TransactionRecord,
            mined: ApiTx | Lost, sent: int, prompt: DevicePrompt | None) -> Execution:

    now = session.now()
    if isinstance(mined, Lost) or mined.failed:
        status, reason = broadcast.failure(mined)
        execution.update_transaction(session.store, record.txid, status, now=now, detail=reason,
                                     block_height=None if isinstance(mined, Lost)
                                     else mined.block_height)
        raise RulingFailed(f"the ruling transaction {record.txid} failed ({reason}); the case is "
                           "back at step 6: review and sign a new transaction for the same "
                           "ruling, or reopen step 5 if the facts changed")
    paid = _check_outcome(session, case)
    execution.update_transaction(session.store, mined.tx_id, TxStatus.SUCCESS, now=now,
                                 block_height=mined.block_height)
    # The store's invoice follows the chain now (RELEASED/REFUNDED), keeping verified terms.
    cases.sync_dispute(session.store, dataclasses.replace(paid, terms=case.invoice.terms),
                       case.dispute, now=now)
    # and so does the contract's party index: the deposit left the escrow, so step 3's
    # deposit check of another case must not count it as held before the next sync
    parties.index_invoices(session.store, session.contract_id, (), (StatusChange(
        case.invoice.id, int(paid.status), mined.block_height, mined.block_time),))
    receipt = _receipt(session, case.invoice.id, now, prompt)
    return Execution(mined.tx_id, mined.status, mined.block_height, receipt, sent)


def _receipt(session: Session, invoice_id: int, now: int, prompt: DevicePrompt | None) -> str:
    """Issue the receipt of an executed ruling, then publish the case bundle; a signature
    not given leaves both to later."""
    try:
        document = receipts.issue_receipt(session, invoice_id, now, prompt=prompt)
    except (DeviceError, ForeignLogKey, Cancelled) as e:
        raise ReceiptNotIssued(f"the ruling of invoice {invoice_id} is executed, but its receipt "
                               f"was not signed ({e or 'cancelled'}); issue it later from the "
                               "case") from e
    case_bundle.publish_quietly(session, invoice_id, now)
    return document


def issue_pending_receipt(session: Session, invoice_id: int, cancel: CancelToken | None = None,
                          *, prompt: DevicePrompt | None = None
                          ) -> Generator[Progress, None, str]:
    """Issue the receipt of an executed ruling whose receipt signature was refused or
    interrupted (the log-key binding too, if it was never given).

    :returns: the receipt's canonical JSON
    :raises PolicyError: the ruling is not executed yet, or already has its receipt
    :raises ReceiptNotIssued: the device did not give the signature this time either
    """

    case = rows.load_case(session.store, invoice_id)
    if case.transaction is None or case.transaction.status is not TxStatus.SUCCESS:
        raise PolicyError(f"invoice {invoice_id} has no executed ruling to issue a receipt for")
    if rows.load_receipt(session.store, invoice_id) is not None:
        raise PolicyError(f"invoice {invoice_id} already has its receipt")
    yield Progress("signing the receipt on the device", 0, 1)
    if cancel is not None:
        cancel.check()
    return _receipt(session, invoice_id, session.now(), prompt)


def _check_outcome(session: Session, case: CaseFile) -> Invoice:
    """After confirmation the contract must hold our ruling (who was paid is in the status).

    :returns: the invoice as the contract holds it now
    """
    assert case.ruling is not None
    reader = ChainReader(session.api, session.contract_id, case.invoice.arbiter)
    ruling = reader.ruling(case.invoice.id)
    invoice = reader.invoice(case.invoice.id)
    want = OUTCOME[case.ruling.decision]
    # get-ruling records only whether everything went to the payee; the status tells a split
    released = case.ruling.decision is Decision.RELEASE
    if ruling is None or invoice is None or invoice.status is not want \
            or (ruling.decision is Decision.RELEASE) is not released \
            or ruling.rationale_hash != case.ruling.rationale_hash:
        raise ApiError("the transaction confirmed, but the contract does not hold this "
                       "ruling; no receipt is issued", None)
    return invoice
