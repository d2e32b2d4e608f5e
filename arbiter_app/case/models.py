"""The case domain as immutable values: invoices, disputes, evidence, steps, rulings, receipts.

These frozen dataclasses are what every layer passes around: the services fill them from the
chain and IPFS, the store saves and loads them, the framework (:mod:`arbiter_app.case.framework`)
judges them, and the GUI's table models show them as rows. Amounts are integers
in the token's base units (sBTC has 8 decimals); times are Unix seconds (UTC); CIDs and
addresses are their text forms. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class InvoiceStatus(IntEnum):
    """The escrow contract's status codes (docs/ARCHITECTURE.md §4)."""

    OPEN = 0
    FUNDED = 1
    RELEASED = 2
    DISPUTED = 3
    REFUNDED = 4
    SPLIT = 5  # escrow v2: a ruling shared the deposit between payee and payer


class Decision(StrEnum):
    """What a ruling does with the deposit: release it to the payee, refund it to the payer,
    or split it (a payee amount, the rest to the payer; escrow v2)."""

    RELEASE = "release"
    REFUND = "refund"
    SPLIT = "split"


@dataclass(frozen=True)
class Award:
    """What a ruling pays each party, in the token's base units (they add up to the amount)."""

    payee: int
    payer: int

    @classmethod
    def of(cls, decision: Decision, amount: int, payee_amount: int | None) -> Award:
        """The award of ``decision`` over ``amount``; ``payee_amount`` is a split's share."""
        if decision is Decision.RELEASE:
            return cls(amount, 0)
        if decision is Decision.REFUND:
            return cls(0, amount)
        if payee_amount is None or not 0 <= payee_amount <= amount:
            raise ValueError(f"a split needs a payee amount from 0 to {amount}")
        return cls(payee_amount, amount - payee_amount)


class Party(StrEnum):
    """Which side of the invoice an actor is on."""

    PAYER = "payer"
    PAYEE = "payee"


class EvidenceState(StrEnum):
    """Where an evidence item stands: not yet fetched, verified against its CID, unavailable
    (with a reason), or fetched but not matching its CID."""

    PENDING = "pending"
    VERIFIED = "verified"
    UNAVAILABLE = "unavailable"
    MISMATCH = "mismatch"


class TermsState(StrEnum):
    """Whether the invoice's terms document was fetched and matched its on-chain hash."""

    PENDING = "pending"
    VERIFIED = "verified"
    ABSENT = "absent"
    MISMATCH = "mismatch"


class TxStatus(StrEnum):
    """A ruling transaction's life: built and signed, sent, then settled one way or another.

    ``aborted`` (mined, the contract refused), ``dropped`` (left the mempool unmined) and
    ``replaced`` (its nonce was used by another transaction of the key) are failures: the
    ruling stays to be executed by a new attempt.
    """

    SIGNED = "signed"
    BROADCAST = "broadcast"
    PENDING = "pending"
    SUCCESS = "success"
    ABORTED = "aborted"
    DROPPED = "dropped"
    REPLACED = "replaced"

    @property
    def failed(self) -> bool:
        """Whether this status ends an attempt without executing the ruling."""
        return self in (TxStatus.ABORTED, TxStatus.DROPPED, TxStatus.REPLACED)


@dataclass(frozen=True)
class AiParse:
    """The ``ai_parse`` block of a terms document: which model read the invoice, how sure."""

    model: str
    confidence: float


@dataclass(frozen=True)
class TermsSummary:
    """What the app knows of an invoice's terms document (``bitmind-invoice/1``;
    docs/ARCHITECTURE.md §5).

    :param state: verified against the metadata hash, absent (no hash), pending or mismatch
    :param cid: the document's CID (``bafkrei…``) when the invoice has a metadata hash
    :param title: the document's title, as the payer wrote it
    :param description: the description text
    :param milestones: milestone lines, in order
    :param payer_name: the payer's display name from the document
    :param payee_name: the payee's display name from the document
    :param ai_parse: the AI parse block, when the terms were machine-read
    """

    state: TermsState = TermsState.PENDING
    cid: str | None = None
    title: str = ""
    description: str = ""
    milestones: tuple[str, ...] = ()
    payer_name: str = ""
    payee_name: str = ""
    ai_parse: AiParse | None = None


@dataclass(frozen=True)
class Invoice:
    """One escrow invoice as read from the contract (``get-invoice``).

    :param id: the invoice id (a Clarity uint)
    :param payer: payer's address
    :param payee: payee's address
    :param amount: amount in the token's base units (sBTC: 10^8 per sBTC)
    :param token: the token contract id (``ADDR.name``)
    :param arbiter: the arbiter's address
    :param deadline: the deadline block height
    :param status: the contract's status code
    :param metadata_hash: hex sha256 of the terms document, or ``None``
    :param terms: what is known of the terms document
    :param deposit: amount actually held by the contract for this invoice
    """

    id: int
    payer: str
    payee: str
    amount: int
    token: str
    arbiter: str
    deadline: int
    status: InvoiceStatus
    metadata_hash: str | None = None
    terms: TermsSummary = field(default_factory=TermsSummary)
    deposit: int = 0


@dataclass(frozen=True)
class EvidenceFile:
    """One file listed in an evidence manifest (``files[]`` of ``bitmind-evidence/1``)."""

    name: str
    cid: str
    media_type: str
    size: int


@dataclass(frozen=True)
class EvidenceItem:
    """One ``submit-evidence`` entry and what the arbiter did with it.

    :param invoice_id: the invoice it belongs to
    :param index: its index in the contract's evidence map
    :param party: payer or payee
    :param submitter: the address that submitted it
    :param manifest_cid: the CID submitted on chain (the manifest document)
    :param height: block height of the submission
    :param title: the manifest's title, once verified
    :param files: the manifest's files, once verified
    :param state: verification state of the manifest and its files
    :param reason: why it is unavailable or mismatched (empty otherwise)
    :param late: submitted on chain after the evidence step was completed (or at an unknown
        time once it was)
    :param opened_at: when the arbiter opened it in the app, or ``None``
    :param submitted_time: time of the block that submitted it (Unix seconds), 0 if unknown
    :param submit_txid: the transaction that submitted it (empty if it was never known: no
        event named it, or it was stored before submitting transactions were kept)
    """

    invoice_id: int
    index: int
    party: Party
    submitter: str
    manifest_cid: str
    height: int = 0
    title: str = ""
    files: tuple[EvidenceFile, ...] = ()
    state: EvidenceState = EvidenceState.PENDING
    reason: str = ""
    late: bool = False
    opened_at: int | None = None
    submitted_time: int = 0
    submit_txid: str = ""

    @property
    def cids(self) -> frozenset[str]:
        """Every CID this item answers to: its manifest and its files (for citations)."""
        return frozenset({self.manifest_cid, *(f.cid for f in self.files)})

    @property
    def resolved(self) -> bool:
        """Opened after verification, or marked unavailable/mismatched with a reason (step 2)."""
        if self.state is EvidenceState.VERIFIED:
            return self.opened_at is not None
        if self.state in (EvidenceState.UNAVAILABLE, EvidenceState.MISMATCH):
            return bool(self.reason.strip())
        return False


@dataclass(frozen=True)
class Dispute:
    """A raised dispute (``get-dispute`` plus the ``dispute-raised`` event).

    :param invoice_id: the disputed invoice
    :param raised_by: address of the party who raised it
    :param reason_cid: the CID of the reason document (an evidence manifest)
    :param raised_height: block height of ``raise-dispute``
    :param raised_time: that block's time (Unix seconds): the SLA clock starts here
    :param evidence: the evidence items known so far, by index
    """

    invoice_id: int
    raised_by: str
    reason_cid: str
    raised_height: int
    raised_time: int
    evidence: tuple[EvidenceItem, ...] = ()


class Step(IntEnum):
    """The six steps of the decision framework, in their required order (docs/ARCHITECTURE.md
    §1)."""

    TERMS = 1
    EVIDENCE = 2
    CHAIN = 3
    DOCUMENTS = 4
    RULING = 5
    EXECUTION = 6


@dataclass(frozen=True)
class StepRecord:
    """The completion of one step of one case.

    :param invoice_id: the case
    :param step: which step
    :param completed_at: when it was completed (Unix seconds)
    :param note: what was declared or acknowledged, in plain words (shown and logged)
    """

    invoice_id: int
    step: Step
    completed_at: int
    note: str = ""


class ReviewFlag(StrEnum):
    """Reasons a case needs manual review: an explicit second confirmation at step 5."""

    LARGE_AMOUNT = "large-amount"
    FIRST_TIME_PAYER = "first-time-payer"
    SUSPICIOUS_ADDRESS = "suspicious-address"
    LOW_AI_CONFIDENCE = "low-ai-confidence"

    @property
    def label(self) -> str:
        """The flag in words for messages: ``large amount``, ``low AI confidence``."""
        return self.value.replace("-", " ").replace(" ai ", " AI ")


@dataclass(frozen=True)
class Draft:
    """A rationale being written, saved as it is typed so a crash loses nothing."""

    invoice_id: int
    text: str
    decision: Decision | None = None
    cited: tuple[str, ...] = ()
    updated_at: int = 0


@dataclass(frozen=True)
class Ruling:
    """A finalized ruling (step 5).

    :param invoice_id: the case
    :param decision: release, refund or split
    :param rationale: the rationale text
    :param cited: the cited evidence CIDs, in the order given
    :param confirmations: the manual-review flags the arbiter explicitly confirmed
    :param finalized_at: when it was finalized
    :param rationale_hash: hex sha256 of the published rationale document (once published)
    :param rationale_cid: the CID of that document (once published)
    :param payee_amount: a split's share for the payee (``None`` for release and refund)
    """

    invoice_id: int
    decision: Decision
    rationale: str
    cited: tuple[str, ...]
    confirmations: tuple[ReviewFlag, ...] = ()
    finalized_at: int = 0
    rationale_hash: str | None = None
    rationale_cid: str | None = None
    payee_amount: int | None = None

    def award(self, amount: int) -> Award:
        """What this ruling pays each party out of ``amount``."""
        return Award.of(self.decision, amount, self.payee_amount)


@dataclass(frozen=True)
class TxEvent:
    """One change of a transaction's status, when it was seen and any detail (e.g. block)."""

    status: TxStatus
    at: int
    detail: str = ""


@dataclass(frozen=True)
class TransactionRecord:
    """A ruling transaction the app built and signed.

    :param txid: 64 hex characters, no ``0x``
    :param invoice_id: the case it executes
    :param raw_hex: the signed transaction bytes, hex
    :param history: status changes, oldest first
    :param block_height: the block that confirmed it, once known
    """

    txid: str
    invoice_id: int
    raw_hex: str
    history: tuple[TxEvent, ...] = ()
    block_height: int | None = None

    @property
    def status(self) -> TxStatus:
        """The latest status (``signed`` before any event)."""
        return self.history[-1].status if self.history else TxStatus.SIGNED

    @property
    def reason(self) -> str:
        """Why the attempt failed, as recorded with its last status (empty otherwise)."""
        return self.history[-1].detail if self.history and self.status.failed else ""


@dataclass(frozen=True)
class Receipt:
    """A signed ruling receipt as stored: its canonical JSON document and when it was issued."""

    invoice_id: int
    document: str
    issued_at: int


@dataclass(frozen=True)
class ChainChecks:
    """The chain facts step 3 shows and the arbiter acknowledges.

    :param status_disputed: the invoice's status is DISPUTED
    :param deposit_matches: the escrow's balance of the invoice's token covers what it holds
        in escrow in that token (this invoice's amount at least)
    :param token_whitelisted: the token contract is whitelisted
    :param contract_paused: the escrow contract is paused
    :param arbiter_is_signer: the invoice's arbiter is this signer's address
    :param deadline: the invoice's deadline height
    :param chain_tip: the chain tip height when checked
    :param raised_by: who raised the dispute
    :param escrow_balance: the escrow contract's balance of the token (SIP-010
        ``get-balance``), in base units
    :param escrow_held: what the escrow holds in that token for funded and disputed invoices
        (the party index, and this invoice's amount at least)
    :param evidence_on_chain: the evidence items ``get-dispute`` counts
    :param evidence_known: the evidence items the contract's events named to the sync (an
        API that hides an evidence-submitted event hides its item: the two views differ)
    """

    status_disputed: bool
    deposit_matches: bool
    token_whitelisted: bool
    contract_paused: bool
    arbiter_is_signer: bool
    deadline: int
    chain_tip: int
    raised_by: str
    escrow_balance: int = 0
    escrow_held: int = 0
    evidence_on_chain: int = 0
    evidence_known: int = 0

    def failures(self) -> list[str]:
        """The checks that forbid a ruling, in plain words (empty when all pass)."""
        problems = []
        if not self.status_disputed:
            problems.append("the invoice is not DISPUTED")
        if not self.deposit_matches:
            problems.append(f"the deposit check failed: the escrow's token balance is "
                            f"{self.escrow_balance} for {self.escrow_held} held in escrow (base "
                            "units), or the deposit does not equal the amount")
        if not self.token_whitelisted:
            problems.append("the token is not whitelisted")
        if self.contract_paused:
            problems.append("the escrow contract is paused")
        if not self.arbiter_is_signer:
            problems.append("this signer is not the invoice's arbiter")
        if self.evidence_on_chain != self.evidence_known:
            problems.append(f"the contract counts {self.evidence_on_chain} evidence item(s) but "
                            f"its events named {self.evidence_known}: sync again; if they "
                            "still differ, the API is hiding evidence")
        return problems
