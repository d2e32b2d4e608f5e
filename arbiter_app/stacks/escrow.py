"""Bindings of the ``escrow-secure`` contract: read-only result decoders, print-event
decoding, and the ruling transaction's builder (docs/contract.md).

Everything here is pure: values in, domain values out. A contract answer that does not
have the exact tuple shape of ``resources/contracts/escrow-secure.clar`` is refused with a
:class:`DecodeError` naming the field, because a wrong shape means a wrong screen. The only
fund-moving call, ``resolve-dispute-split``, is built in deny mode with one post-condition: the
escrow contract sends exactly the deposit of the invoice's token, and nothing else may move
(docs/reliability.md §3, T3.2). Post-conditions cannot name the receiver, so the ruling service
checks the transfer events after confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arbiter_app import config
from arbiter_app.case.models import Award, Decision, Invoice, InvoiceStatus
from arbiter_app.errors import DecodeError, PolicyError
from arbiter_app.stacks import clarity
from arbiter_app.stacks import transaction as txn

# Fungible-token names inside the sBTC contracts: the real one's, and the devnet mock's.
SBTC_ASSET = "sbtc-token"
DEVNET_SBTC_ASSET = "sbtc"

READ_ONLY = ("get-invoice", "get-dispute", "get-evidence", "get-ruling")


@dataclass(frozen=True)
class DisputeRecord:
    """``get-dispute``: who raised it, why, when, and how much evidence each side sent."""

    invoice_id: int
    raised_by: str
    reason_cid: str
    raised_height: int
    evidence_count: int


@dataclass(frozen=True)
class EvidenceRecord:
    """``get-evidence``: one submission (index, submitter, manifest CID, block height)."""

    invoice_id: int
    index: int
    submitter: str
    cid: str
    height: int


@dataclass(frozen=True)
class RulingRecord:
    """``get-ruling``: the executed ruling as the contract stored it."""

    invoice_id: int
    decision: Decision
    rationale_hash: str
    arbiter: str
    height: int


@dataclass(frozen=True)
class EscrowEvent:
    """One ``print`` of the contract: its ``event`` name, invoice and other fields.

    :param name: e.g. ``dispute-raised``, ``evidence-submitted``, ``dispute-resolved``
    :param invoice_id: the invoice the event is about
    :param fields: every other tuple field, decoded to Python (principals as text)
    :param tx_id: the transaction that printed it
    :param event_index: its index in that transaction
    :param block_height: the block, once read from the transaction (logs do not carry it)
    :param block_time: that block's time (Unix seconds), once read from the transaction
    """

    name: str
    invoice_id: int
    fields: Mapping[str, Any]
    tx_id: str
    event_index: int
    block_height: int | None = None
    block_time: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What makes the event unique: (txid, event index)."""
        return (self.tx_id, self.event_index)


# -- value access: one place that knows the codec's classes ----------------------------


def _fail(what: str, expected: str) -> DecodeError:
    return DecodeError(what, 0, expected)


def _field(fields: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in fields:
        raise _fail(what, f"a field named {name!r}")
    return fields[name]


def to_python(value: Any, what: str, key: str = "") -> Any:
    """A Clarity value as plain Python: ints, bools, text, hex bytes, principals as text.

    :param what: what the value is, for errors
    :param key: the tuple field it is in (named after ``what`` in errors)
    :raises DecodeError: for a value kind the escrow never returns
    """
    kind = type(value)
    if kind in _SCALARS:  # most fields, decided at once
        return value.value
    if kind in _PRINCIPALS:
        return str(value)
    if isinstance(value, clarity.Buffer):
        return bytes(value.value).hex()
    if isinstance(value, clarity.NoneValue):
        return None
    path = f"{what}.{key}" if key else what
    if isinstance(value, clarity.Some):
        return to_python(value.value, path)
    if isinstance(value, clarity.Tuple):
        return {k: to_python(v, path, k) for k, v in value.fields.items()}
    if isinstance(value, clarity.List):
        return [to_python(v, path) for v in value.items]
    raise _fail(path, "a uint, int, bool, string, buffer, principal, optional or tuple")


_SCALARS = frozenset({clarity.UInt, clarity.Int, clarity.Bool, clarity.StringAscii,
                      clarity.StringUtf8})
_PRINCIPALS = frozenset({clarity.StandardPrincipal, clarity.ContractPrincipal})


def _typed(fields: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = _field(fields, name, what)
    if not isinstance(value, kind):
        raise _fail(f"{what}.{name}", f"a {getattr(kind, '__name__', 'value of the right kind')}")
    return value


def _uint(fields: Mapping[str, Any], name: str, what: str) -> int:
    value: int = _typed(fields, name, clarity.UInt, what).value
    return value


def _principal(fields: Mapping[str, Any], name: str, what: str) -> str:
    kinds = (clarity.StandardPrincipal, clarity.ContractPrincipal)
    return str(_typed(fields, name, kinds, what))


def _ascii(fields: Mapping[str, Any], name: str, what: str) -> str:
    value: str = _typed(fields, name, clarity.StringAscii, what).value
    return value


def _optional_tuple(value: Any, what: str) -> Mapping[str, Any] | None:
    """``(optional (tuple ...))`` → the tuple's fields, or ``None``."""
    if isinstance(value, clarity.NoneValue):
        return None
    if not isinstance(value, clarity.Some) or not isinstance(value.value, clarity.Tuple):
        raise _fail(what, "an optional tuple")
    fields: Mapping[str, Any] = value.value.fields
    return fields


# -- read-only results -----------------------------------------------------------------


def decode_invoice(invoice_id: int, value: Any) -> Invoice | None:
    """``get-invoice`` → :class:`Invoice`, or ``None`` when the invoice does not exist.

    ``deposit`` is the amount while the contract holds it (FUNDED or DISPUTED): the
    contract only ever takes in and pays out exactly ``amount`` (docs/ARCHITECTURE.md §4).

    :raises DecodeError: the answer has not the contract's tuple shape
    """
    what = "get-invoice result"
    fields = _optional_tuple(value, what)
    if fields is None:
        return None
    status_code = _uint(fields, "status", what)
    try:
        status = InvoiceStatus(status_code)
    except ValueError as e:
        raise _fail(f"{what}.status", "a status code from 0 to 5") from e
    amount = _uint(fields, "amount", what)
    held = status in (InvoiceStatus.FUNDED, InvoiceStatus.DISPUTED)
    return Invoice(
        id=invoice_id,
        payer=_principal(fields, "payer", what),
        payee=_principal(fields, "payee", what),
        amount=amount,
        token=_principal(fields, "token-contract", what),
        arbiter=_principal(fields, "arbiter", what),
        deadline=_uint(fields, "deadline", what),
        status=status,
        metadata_hash=_metadata_hash(fields, what),
        deposit=amount if held else 0,
    )


def _metadata_hash(fields: Mapping[str, Any], what: str) -> str | None:
    value = _field(fields, "metadata-hash", what)
    if isinstance(value, clarity.NoneValue):
        return None
    if not isinstance(value, clarity.Some) or not isinstance(value.value, clarity.Buffer):
        raise _fail(f"{what}.metadata-hash", "an optional 32-byte buffer")
    digest = bytes(value.value.value)
    if len(digest) != 32:
        raise _fail(f"{what}.metadata-hash", "32 bytes")
    return digest.hex()


def decode_dispute(invoice_id: int, value: Any) -> DisputeRecord | None:
    """``get-dispute`` → :class:`DisputeRecord`, or ``None`` when none was raised."""
    what = "get-dispute result"
    fields = _optional_tuple(value, what)
    if fields is None:
        return None
    return DisputeRecord(
        invoice_id=invoice_id,
        raised_by=_principal(fields, "raised-by", what),
        reason_cid=_ascii(fields, "reason-cid", what),
        raised_height=_uint(fields, "raised-at", what),
        evidence_count=_uint(fields, "evidence-count", what),
    )


def decode_evidence(invoice_id: int, index: int, value: Any) -> EvidenceRecord | None:
    """``get-evidence`` → :class:`EvidenceRecord`, or ``None`` past the last index."""
    what = "get-evidence result"
    fields = _optional_tuple(value, what)
    if fields is None:
        return None
    return EvidenceRecord(
        invoice_id=invoice_id,
        index=index,
        submitter=_principal(fields, "submitter", what),
        cid=_ascii(fields, "cid", what),
        height=_uint(fields, "block-height", what),
    )


def decode_ruling(invoice_id: int, value: Any) -> RulingRecord | None:
    """``get-ruling`` → :class:`RulingRecord`, or ``None`` before the ruling."""
    what = "get-ruling result"
    fields = _optional_tuple(value, what)
    if fields is None:
        return None
    digest = bytes(_typed(fields, "rationale-hash", clarity.Buffer, what).value)
    if len(digest) != 32:
        raise _fail(f"{what}.rationale-hash", "32 bytes")
    release = _typed(fields, "release", clarity.Bool, what).value
    return RulingRecord(
        invoice_id=invoice_id,
        decision=Decision.RELEASE if release else Decision.REFUND,
        rationale_hash=digest.hex(),
        arbiter=_principal(fields, "arbiter", what),
        height=_uint(fields, "block-height", what),
    )


def read_only_args(function: str, invoice_id: int, index: int | None = None) -> tuple[Any, ...]:
    """The Clarity arguments of a read-only function (``get-evidence`` takes an index)."""
    if function not in READ_ONLY:
        raise ValueError(f"not a read-only function of the escrow: {function}")
    if function == "get-evidence":
        return (clarity.UInt(invoice_id), clarity.UInt(index or 0))
    return (clarity.UInt(invoice_id),)


# -- print events ------------------------------------------------------------------------


def decode_event(
    value: Any, tx_id: str, event_index: int, block_height: int | None = None,
    block_time: int | None = None,
) -> EscrowEvent | None:
    """A ``print`` value → :class:`EscrowEvent`; ``None`` for prints without ``invoice-id``
    (governance events).

    :raises DecodeError: the value is not a tuple with an ``event`` name
    """
    what = "escrow event"
    if not isinstance(value, clarity.Tuple):
        raise _fail(what, "a tuple")
    name = _ascii(value.fields, "event", what)
    if "invoice-id" not in value.fields:
        return None
    invoice_id = _uint(value.fields, "invoice-id", what)
    rest = {
        k: to_python(v, what, k)
        for k, v in value.fields.items()
        if k not in ("event", "invoice-id")
    }
    return EscrowEvent(name, invoice_id, rest, tx_id, event_index, block_height, block_time)


# Which status each event leaves the invoice in (docs/contract.md; escrow-secure.clar prints).
EVENT_STATUS = {
    "invoice-created": InvoiceStatus.OPEN,
    "funds-deposited": InvoiceStatus.FUNDED,
    "funds-released": InvoiceStatus.RELEASED,
    "funds-refunded": InvoiceStatus.REFUNDED,
    "dispute-raised": InvoiceStatus.DISPUTED,
}


def status_after(event: EscrowEvent) -> InvoiceStatus | None:
    """The invoice status an event leaves behind (``None`` for evidence submissions).

    A v2 ruling prints its ``status`` (RELEASED, REFUNDED or SPLIT); a first-version ruling
    only says whether it released. An escalated dispute is refunded to the payer.
    """
    if event.name == "dispute-resolved":
        code = event.fields.get("status")
        if isinstance(code, int) and code in (InvoiceStatus.RELEASED, InvoiceStatus.REFUNDED,
                                              InvoiceStatus.SPLIT):
            return InvoiceStatus(code)
        return InvoiceStatus.RELEASED if event.fields.get("release") else InvoiceStatus.REFUNDED
    if event.name == "dispute-escalated":
        return InvoiceStatus.REFUNDED
    return EVENT_STATUS.get(event.name)


# -- the ruling transaction ------------------------------------------------------------

# The escrow v2 ruling: (invoice-id uint) (token <sip-010>) (payee-amount uint)
# (rationale-hash (buff 32)) (log-root (buff 32)); docs/contract.md.
RULING_FUNCTION = "resolve-dispute-split"
# Both ruling functions of the escrow: the first version's all-or-nothing one stays callable.
RULING_FUNCTIONS = ("resolve-dispute", RULING_FUNCTION)


def token_asset_name(token_contract: str, network: config.Network) -> str:
    """The fungible-token name inside ``token_contract`` that a deposit is held in.

    The real sBTC (mainnet and testnet) names its asset ``sbtc-token``; the devnet's mock
    names it ``sbtc`` (docs/stacks.md §8, resources/contracts/contracts/sbtc-token.clar).
    A wrong name would only make the transaction abort (deny mode), never move funds.

    :raises PolicyError: for a token whose asset name the app does not know, because an
        exact post-condition cannot be written without it
    """
    name = token_contract.partition(".")[2]
    if name == "sbtc-token":
        return DEVNET_SBTC_ASSET if network.name == "devnet" else SBTC_ASSET
    raise PolicyError(f"the token {token_contract} is not one the app can guard with a "
                      "post-condition; refusing to build the ruling")


def resolve_dispute_call(
    network: config.Network,
    contract_id: str,
    invoice: Invoice,
    award: Award,
    rationale_hash: bytes,
    log_root: bytes,
    public_key: bytes,
    nonce: int,
    fee: int,
) -> txn.Transaction:
    """The unsigned ruling transaction for ``invoice``: ``resolve-dispute-split`` (escrow v2),
    which pays ``award.payee`` to the payee and the rest to the payer and puts the decision
    log's root on chain. A release is the award of everything to the payee, a refund of
    nothing.

    Deny mode, with one post-condition: the escrow contract sends exactly
    ``invoice.amount`` of the invoice's token. Nothing else may move.

    :param rationale_hash: sha256 of the published rationale document (32 bytes)
    :param log_root: the decision log's root at the ruling's ``ruling-finalized`` entry
    :raises PolicyError: the invoice is not DISPUTED, its token is unknown, or the award
        does not add up to the amount
    :raises ValueError: the hash or the root is not 32 bytes
    """
    if invoice.status is not InvoiceStatus.DISPUTED:
        raise PolicyError(f"invoice {invoice.id} is {invoice.status.name}, not DISPUTED")
    if award.payee < 0 or award.payer < 0 or award.payee + award.payer != invoice.amount:
        raise PolicyError(f"the award ({award.payee} + {award.payer}) is not the invoice's "
                          f"amount {invoice.amount}")
    if len(rationale_hash) != 32 or len(log_root) != 32:
        raise ValueError("the rationale hash and the log root must be 32 bytes each")
    args = (
        clarity.UInt(invoice.id),
        clarity.principal(invoice.token),
        clarity.UInt(award.payee),
        clarity.Buffer(rationale_hash),
        clarity.Buffer(log_root),
    )
    guard = deposit_post_condition(contract_id, invoice, network)
    return txn.make_contract_call(
        network, contract_id, RULING_FUNCTION, args, public_key, nonce, fee,
        post_conditions=(guard,), post_condition_mode=txn.DENY,
    )


def deposit_post_condition(contract_id: str, invoice: Invoice, network: config.Network
                           ) -> txn.FungiblePostCondition:
    """"``contract_id`` sends exactly ``invoice.amount`` of the invoice's token" (SIP-005)."""
    return txn.FungiblePostCondition(
        principal=contract_id,
        asset=f"{invoice.token}::{token_asset_name(invoice.token, network)}",
        condition="eq",
        amount=invoice.amount,
    )


# -- governance events ---------------------------------------------------------------------

# The contract's governance prints (docs/contract.md): who the admins are, each 2-of-3
# action's proposal and approvals, and what a carried action did (paused, unpaused, token
# whitelisted or removed, admin replaced). They carry no invoice id.
GOVERNANCE_EVENTS = frozenset(
    {"admins-set", "pause-proposed", "action-proposed", "pause-approved", "action-approved",
     "paused", "unpaused", "token-whitelisted", "token-removed", "admin-replaced"}
)


@dataclass(frozen=True)
class GovernanceEvent:
    """One governance ``print`` of the contract.

    :param name: one of :data:`GOVERNANCE_EVENTS`
    :param fields: every other tuple field as plain Python (principals as text)
    :param tx_id: the transaction that printed it
    :param event_index: its index in that transaction
    :param block_height: the block, once read from the transaction
    :param block_time: that block's time (Unix seconds), once read from the transaction
    """

    name: str
    fields: Mapping[str, Any]
    tx_id: str
    event_index: int
    block_height: int | None = None
    block_time: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What makes the event unique: (txid, event index)."""
        return (self.tx_id, self.event_index)


def decode_governance(value: Any, tx_id: str, event_index: int) -> GovernanceEvent | None:
    """A ``print`` value → :class:`GovernanceEvent`; ``None`` for every other print.

    :raises DecodeError: a governance event whose fields are not plain values
    """
    what = "governance event"
    if not isinstance(value, clarity.Tuple) or "invoice-id" in value.fields:
        return None
    name = _ascii(value.fields, "event", what)
    if name not in GOVERNANCE_EVENTS:
        return None
    rest = {k: to_python(v, what, k) for k, v in value.fields.items() if k != "event"}
    return GovernanceEvent(name, rest, tx_id, event_index)
