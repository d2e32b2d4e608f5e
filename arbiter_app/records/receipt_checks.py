"""Sense checks of a receipt's fields, and its check against the chain.

A receipt can be signed by anyone who binds a log key to their own address, so a valid
signature proves only who signed, not that the facts make sense. :func:`check_sense`
refuses a body whose fields cannot describe a real ruling (an unknown ruling, a negative
amount, an address or a chain id of another network). :func:`verify_online` asks the chain
whether the receipt's transaction is this escrow's ``resolve-dispute`` call for this invoice,
sent by the receipt's arbiter, successful at the stated block, with the receipt's award and
rationale hash, and whether the escrow stored that ruling for that invoice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arbiter_app.config import NETWORKS
from arbiter_app.errors import DecodeError, VerificationError
from arbiter_app.stacks import c32, clarity, clarity_wire, escrow

if TYPE_CHECKING:
    from arbiter_app.stacks.api import StacksApi

RULINGS = ("release", "refund", "split")
HEX64 = re.compile(r"[0-9a-f]{64}")
# The escrow's ruling functions (docs/contract.md): the first version's all-or-nothing one
# (invoice, token, release, rationale hash) and v2's (invoice, token, payee amount,
# rationale hash, log root).
V1_FUNCTION, V2_FUNCTION = "resolve-dispute", "resolve-dispute-split"


@dataclass(frozen=True)
class ReceiptFacts:
    """The receipt fields the chain can confirm."""

    invoice_id: int
    ruling: str
    arbiter: str
    payer: str
    payee: str
    amount: int
    token: str
    txid: str
    block_height: int
    rationale_hash: str
    chain_id: int
    payee_amount: int
    escrow_contract: str | None = None  # receipts of schema /1 do not name it


def _count(body: dict[str, Any], field: str, least: int) -> None:
    value = body[field]
    if type(value) is not int or value < least:
        raise VerificationError(f"receipt field '{field}' must be a whole number of at least "
                                f"{least}, not {value!r:.40}")


def _hex(body: dict[str, Any], field: str) -> None:
    if not isinstance(body[field], str) or not HEX64.fullmatch(body[field]):
        raise VerificationError(f"receipt field '{field}' must be 64 lowercase hex digits")


def _principal(body: dict[str, Any], field: str, versions: tuple[int, ...],
               contract: bool = False) -> None:

    value = body[field]
    try:
        version, _, name = c32.decode_principal(value) if isinstance(value, str) else \
            c32.decode_principal("")
    except DecodeError as e:
        raise VerificationError(f"receipt field '{field}' is not a Stacks address ({e})") from e
    if version not in versions:
        raise VerificationError(f"receipt field '{field}' ({value}) is an address of another "
                                f"network than the receipt's '{body['network']}'")
    if (name is not None) != contract:
        kind = "a contract" if contract else "an account"
        raise VerificationError(f"receipt field '{field}' must name {kind}")


def check_sense(body: dict[str, Any]) -> None:
    """Refuse fields that cannot describe a real ruling of this app.

    :raises VerificationError: naming the first field that makes no sense
    """
    network = NETWORKS.get(body["network"]) if isinstance(body["network"], str) else None
    if network is None:
        raise VerificationError(f"receipt field 'network' must be one of "
                                f"{', '.join(NETWORKS)}, not {body['network']!r:.40}")
    if body["chain_id"] != network.chain_id or type(body["chain_id"]) is not int:
        raise VerificationError(f"receipt field 'chain_id' ({body['chain_id']!r:.20}) is not "
                                f"the chain id of {network.name} ({network.chain_id})")
    if body["ruling"] not in RULINGS:
        raise VerificationError(f"receipt field 'ruling' must be release, refund or split, "
                                f"not {body['ruling']!r:.40}")
    _count(body, "amount", 1)
    if body["ruling"] == "split":
        _check_award(body)
    for field in ("invoice_id", "issued_at"):
        _count(body, field, 0)
    _count(body, "block_height", 1)
    for field in ("txid", "rationale_hash", "rationale_sha256"):
        _hex(body, field)
    versions = (network.single_sig_version, network.multi_sig_version)
    for field in ("payer", "payee", "arbiter"):
        _principal(body, field, versions)
    _principal(body, "token", versions, contract=True)
    cited = body["cited_evidence"]
    if not isinstance(cited, list) or not all(isinstance(c, str) for c in cited):
        raise VerificationError("receipt field 'cited_evidence' must be a list of CIDs")
    if "sla" in body:
        _principal(body, "escrow_contract", versions, contract=True)
        _check_sla(body["sla"])


def _check_sla(sla: Any) -> None:
    """The SLA's times are whole numbers, due after raised, and ``met`` says ruled ≤ due."""
    if not isinstance(sla, dict) or set(sla) != {"raised", "due", "ruled", "met"}:
        raise VerificationError("receipt field 'sla' must hold raised, due, ruled and met")
    for key in ("raised", "due", "ruled"):
        if type(sla[key]) is not int or sla[key] < 0:
            raise VerificationError(f"receipt field 'sla.{key}' must be a time (whole seconds)")
    if sla["due"] < sla["raised"]:
        raise VerificationError("receipt field 'sla.due' is before 'sla.raised'")
    if sla["met"] is not (sla["ruled"] <= sla["due"]):
        raise VerificationError("receipt field 'sla.met' disagrees with 'sla.ruled' and "
                                "'sla.due'")


def _check_award(body: dict[str, Any]) -> None:
    """A split's award gives each party a positive share, adding up to the amount."""
    award = body["award"]
    shares: list[int] = [v for v in (award.get("payee"), award.get("payer"))
                         if type(v) is int and v > 0] if isinstance(award, dict) else []
    if not isinstance(award, dict) or set(award) != {"payee", "payer"} or len(shares) != 2 \
            or sum(shares) != body["amount"]:
        raise VerificationError("receipt field 'award' must give the payee and the payer each "
                                f"a positive share adding up to the amount {body['amount']}")


def payee_amount(body: dict[str, Any]) -> int:
    """What the receipt's ruling paid the payee: all, nothing, or a split's share."""
    if body["ruling"] == "split":
        return int(body["award"]["payee"])
    return int(body["amount"]) if body["ruling"] == "release" else 0


def verify_online(facts: ReceiptFacts, api: StacksApi, contract_id: str) -> None:
    """Check the receipt against the chain: its transaction and the escrow's stored ruling.

    :raises VerificationError: naming what the chain disagrees with
    :raises NetworkError: if the chain cannot be asked
    """
    tx = api.get_transaction(facts.txid)
    if tx is None:
        raise VerificationError(f"transaction {facts.txid} is unknown to the chain")
    if not tx.confirmed:
        raise VerificationError(f"transaction {facts.txid} is {tx.status}, not successful")
    if tx.block_height != facts.block_height:
        raise VerificationError(f"transaction {facts.txid} is in block {tx.block_height}, "
                                f"not {facts.block_height} as the receipt says")
    if tx.sender != facts.arbiter:
        raise VerificationError(f"transaction {facts.txid} was sent by {tx.sender}, not by the "
                                f"receipt's arbiter {facts.arbiter}")
    check_call(facts, tx.call, contract_id)
    _check_ruling(facts, api, contract_id)


def check_call(facts: ReceiptFacts, call: Any, contract_id: str) -> None:
    """The transaction must be one of the escrow's rulings with the receipt's arguments."""

    function = None if call is None else call.function_name
    if call is None or call.contract_id != contract_id or function not in (V1_FUNCTION,
                                                                           V2_FUNCTION):
        raise VerificationError(f"transaction {facts.txid} is not a call of {V2_FUNCTION} or "
                                f"{V1_FUNCTION} on the escrow {contract_id}")
    count = 5 if function == V2_FUNCTION else 4
    try:
        args = [clarity_wire.from_hex(a) for a in call.args_hex]
    except (ValueError, DecodeError) as e:
        raise VerificationError(f"transaction {facts.txid} does not carry the {count} "
                                f"arguments of {function}") from e
    if len(args) != count:
        raise VerificationError(f"transaction {facts.txid} does not carry the {count} "
                                f"arguments of {function}")
    if function == V1_FUNCTION and facts.ruling == "split":
        raise VerificationError(f"transaction {facts.txid} is an all-or-nothing {V1_FUNCTION}, "
                                "but the receipt states a split")
    award = (clarity.UInt(facts.payee_amount) if function == V2_FUNCTION
             else clarity.Bool(facts.ruling == "release"))
    expected = (("invoice", clarity.UInt(facts.invoice_id), args[0]),
                ("ruling", award, args[2]),
                ("rationale hash", clarity.Buffer(bytes.fromhex(facts.rationale_hash)), args[3]))
    for name, want, got in expected:
        if got != want:
            raise VerificationError(f"transaction {facts.txid} resolves with another {name} "
                                    "than the receipt's")
    if str(args[1]) != facts.token:
        raise VerificationError(f"transaction {facts.txid} names the token {args[1]}, not the "
                                f"receipt's {facts.token}")


def _check_ruling(facts: ReceiptFacts, api: StacksApi, contract_id: str) -> None:
    """The escrow's stored ruling and invoice must be the receipt's."""

    def read(function: str) -> Any:
        return api.call_read_only(contract_id, function,
                                  escrow.read_only_args(function, facts.invoice_id),
                                  facts.arbiter)

    ruling = escrow.decode_ruling(facts.invoice_id, read("get-ruling"))
    if ruling is None:
        raise VerificationError(f"the escrow holds no ruling for invoice {facts.invoice_id}")
    if ruling.rationale_hash != facts.rationale_hash:
        raise VerificationError("the on-chain rationale hash differs from the receipt's")
    # get-ruling records whether everything went to the payee; a split is neither
    if (ruling.decision.value == "release") != (facts.ruling == "release") \
            or ruling.arbiter != facts.arbiter:
        raise VerificationError("the on-chain ruling or arbiter differs from the receipt's")
    invoice = escrow.decode_invoice(facts.invoice_id, read("get-invoice"))
    if invoice is None:
        raise VerificationError(f"the escrow holds no invoice {facts.invoice_id}")
    for name, chain, ours in (("amount", invoice.amount, facts.amount),
                              ("payer", invoice.payer, facts.payer),
                              ("payee", invoice.payee, facts.payee),
                              ("token", invoice.token, facts.token)):
        if chain != ours:
            raise VerificationError(f"the escrow's invoice {facts.invoice_id} has another "
                                    f"{name} than the receipt's")
