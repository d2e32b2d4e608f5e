"""Escrow bindings: the read-only decoders accept exactly the contract's tuple shapes and
refuse anything else by name; events fold into statuses; ``resolve-dispute`` is deny mode
with one exact post-condition on the escrow's send."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app import config
from arbiter_app.case.models import Decision, Invoice, InvoiceStatus
from arbiter_app.errors import DecodeError, PolicyError
from arbiter_app.stacks import clarity, escrow

DEPLOYER = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
ESCROW = f"{DEPLOYER}.escrow-secure"
TOKEN = f"{DEPLOYER}.sbtc-token"
PAYER = "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"
PAYEE = "ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG"
ARBITER = "ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC"
KEY = bytes.fromhex("edf9aee84d9b7abc145504dde6726c64f369d37ee34ded868fabd876c26570bc01")


def invoice_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "payer": clarity.principal(PAYER), "payee": clarity.principal(PAYEE),
        "amount": clarity.UInt(20_000_000), "token-contract": clarity.principal(TOKEN),
        "arbiter": clarity.principal(ARBITER), "deadline": clarity.UInt(2100),
        "metadata-hash": clarity.Some(clarity.Buffer(bytes(range(32)))),
        "status": clarity.UInt(3), "created-at": clarity.UInt(40),
    }
    fields.update(changes)
    return fields


def some_tuple(fields: dict[str, Any]) -> Any:
    return clarity.Some(clarity.Tuple(fields))


def test_invoice_decodes_with_its_deposit() -> None:
    inv = escrow.decode_invoice(101, some_tuple(invoice_fields()))
    assert inv is not None
    got = (inv.id, inv.payer, inv.payee, inv.arbiter, inv.token)
    assert got == (101, PAYER, PAYEE, ARBITER, TOKEN)
    assert inv.status is InvoiceStatus.DISPUTED and inv.amount == inv.deposit == 20_000_000
    assert inv.metadata_hash == bytes(range(32)).hex()


def test_missing_invoice_is_none() -> None:
    assert escrow.decode_invoice(9, clarity.NONE) is None


def test_paid_out_invoice_holds_no_deposit() -> None:
    inv = escrow.decode_invoice(1, some_tuple(invoice_fields(status=clarity.UInt(2))))
    assert inv is not None and inv.deposit == 0


@pytest.mark.parametrize(
    "value",
    [
        clarity.Tuple(invoice_fields()),
        clarity.Some(clarity.UInt(1)),
        some_tuple({k: v for k, v in invoice_fields().items() if k != "payer"}),
        some_tuple(invoice_fields(amount=clarity.Int(5))),
        some_tuple(invoice_fields(status=clarity.UInt(9))),
        some_tuple(invoice_fields(payer=clarity.UInt(1))),
        some_tuple(invoice_fields(**{"metadata-hash": clarity.Buffer(bytes(32))})),
        some_tuple(invoice_fields(**{"metadata-hash": clarity.Some(clarity.Buffer(bytes(31)))})),
    ],
    ids=["not-optional", "some-uint", "payer-missing", "amount-signed", "status-unknown",
         "payer-uint", "hash-not-optional", "hash-31-bytes"],
)
def test_wrong_invoice_shapes_are_refused(value: Any) -> None:
    with pytest.raises(DecodeError):
        escrow.decode_invoice(1, value)


def test_dispute_evidence_and_ruling_decode() -> None:
    d = escrow.decode_dispute(5, some_tuple({
        "raised-by": clarity.principal(PAYER), "reason-cid": clarity.StringAscii("bafyreason"),
        "raised-at": clarity.UInt(77), "evidence-count": clarity.UInt(2),
        "payer-evidence": clarity.UInt(1), "payee-evidence": clarity.UInt(1)}))
    assert d == escrow.DisputeRecord(5, PAYER, "bafyreason", 77, 2)
    e = escrow.decode_evidence(5, 1, some_tuple({
        "submitter": clarity.principal(PAYEE), "cid": clarity.StringAscii("bafyev"),
        "block-height": clarity.UInt(80)}))
    assert e == escrow.EvidenceRecord(5, 1, PAYEE, "bafyev", 80)
    r = escrow.decode_ruling(5, some_tuple({
        "arbiter": clarity.principal(ARBITER), "release": clarity.Bool(False),
        "rationale-hash": clarity.Buffer(b"\x07" * 32), "block-height": clarity.UInt(90)}))
    assert r == escrow.RulingRecord(5, Decision.REFUND, "07" * 32, ARBITER, 90)
    assert escrow.decode_evidence(5, 2, clarity.NONE) is None


def test_reason_cid_must_be_ascii_string() -> None:
    with pytest.raises(DecodeError, match="reason-cid"):
        escrow.decode_dispute(5, some_tuple({
            "raised-by": clarity.principal(PAYER), "reason-cid": clarity.StringUtf8("bafy"),
            "raised-at": clarity.UInt(1), "evidence-count": clarity.UInt(0)}))


def event(name: str, invoice_id: int = 7, **fields: Any) -> Any:
    return clarity.Tuple({"event": clarity.StringAscii(name),
                          "invoice-id": clarity.UInt(invoice_id), **fields})


def test_events_decode_and_imply_statuses() -> None:
    raised = escrow.decode_event(event("dispute-raised", **{
        "raised-by": clarity.principal(PAYER), "arbiter": clarity.principal(ARBITER)}),
        "ab" * 32, 0, 12, 1_790_000_000)
    assert raised is not None and raised.fields["arbiter"] == ARBITER
    assert raised.key == ("ab" * 32, 0) and raised.block_time == 1_790_000_000
    assert escrow.status_after(raised) is InvoiceStatus.DISPUTED
    resolved = escrow.decode_event(
        event("dispute-resolved", release=clarity.Bool(True)), "cd" * 32, 1, 13)
    assert resolved is not None and escrow.status_after(resolved) is InvoiceStatus.RELEASED


@pytest.mark.parametrize(("fields", "status"), [
    ({"release": clarity.Bool(False), "status": clarity.UInt(5)}, InvoiceStatus.SPLIT),
    ({"release": clarity.Bool(True), "status": clarity.UInt(2)}, InvoiceStatus.RELEASED),
    ({"release": clarity.Bool(False), "status": clarity.UInt(4)}, InvoiceStatus.REFUNDED),
    ({"release": clarity.Bool(False), "status": clarity.UInt(9)}, InvoiceStatus.REFUNDED),
], ids=["v2-split", "v2-whole-release", "v2-whole-refund", "unknown-status-code-falls-back"])
def test_a_v2_ruling_event_says_its_status(fields: dict[str, Any], status: InvoiceStatus) -> None:
    resolved = escrow.decode_event(event("dispute-resolved", **fields, **{
        "payee-amount": clarity.UInt(3), "payer-amount": clarity.UInt(2),
        "log-root": clarity.Some(clarity.Buffer(b"\xab" * 32))}), "cd" * 32, 1, 13)
    assert resolved is not None and escrow.status_after(resolved) is status
    assert resolved.fields["log-root"] == "ab" * 32


def test_an_escalated_dispute_is_refunded_to_the_payer() -> None:
    escalated = escrow.decode_event(event("dispute-escalated", **{
        "escalated-by": clarity.principal(PAYER)}), "ef" * 32, 0, 4400)
    assert escalated is not None and escrow.status_after(escalated) is InvoiceStatus.REFUNDED


def test_governance_prints_are_skipped_and_non_tuples_refused() -> None:
    unpaused = clarity.Tuple({"event": clarity.StringAscii("unpaused"),
                              "admin": clarity.principal(PAYER)})
    assert escrow.decode_event(unpaused, "ab" * 32, 0, 1) is None
    with pytest.raises(DecodeError):
        escrow.decode_event(clarity.UInt(1), "ab" * 32, 0, 1)


def disputed_invoice(**changes: Any) -> Invoice:
    inv = escrow.decode_invoice(101, some_tuple(invoice_fields()))
    assert inv is not None
    import dataclasses

    return dataclasses.replace(inv, **changes)


ROOT = b"\x0a" * 32


@pytest.mark.parametrize(("decision", "payee_amount", "to_payee"), [
    (Decision.RELEASE, None, 20_000_000), (Decision.REFUND, None, 0),
    (Decision.SPLIT, 12_000_000, 12_000_000)], ids=["release", "refund", "split-60-40"])
def test_the_ruling_is_deny_mode_with_one_exact_send(decision: Decision, payee_amount: int | None,
                                                     to_payee: int) -> None:
    from coincurve import PrivateKey

    from arbiter_app.case.models import Award
    from arbiter_app.stacks import transaction as txn

    public = PrivateKey(KEY[:32]).public_key.format(compressed=True)
    award = Award.of(decision, 20_000_000, payee_amount)
    tx = escrow.resolve_dispute_call(config.DEVNET, ESCROW, disputed_invoice(), award,
                                     b"\x05" * 32, ROOT, public, nonce=3, fee=400)
    # deny mode, and exactly one "escrow sends exactly the amount" condition: a split moves
    # the same total, to two recipients
    assert tx.post_condition_mode == txn.DENY
    assert tx.post_conditions == (txn.FungiblePostCondition(
        principal=ESCROW, asset=f"{TOKEN}::sbtc", condition="eq", amount=20_000_000),)
    assert tx.payload.function_name == "resolve-dispute-split"
    assert tx.payload.args == (clarity.UInt(101), clarity.principal(TOKEN),
                               clarity.UInt(to_payee), clarity.Buffer(b"\x05" * 32),
                               clarity.Buffer(ROOT))
    assert txn.deserialize(txn.serialize(tx)) == tx


@pytest.mark.parametrize(("payee", "payer"), [(20_000_001, 0), (1, 1), (-1, 20_000_001)],
                         ids=["over-award", "short-of-the-amount", "negative-share"])
def test_an_award_that_is_not_the_amount_is_refused(payee: int, payer: int) -> None:
    from arbiter_app.case.models import Award

    with pytest.raises(PolicyError, match="is not the invoice's amount"):
        escrow.resolve_dispute_call(config.DEVNET, ESCROW, disputed_invoice(),
                                    Award(payee, payer), b"\x05" * 32, ROOT, b"\x02" * 33, 0,
                                    400)


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 10_000_000_000), invoice_id=st.integers(0, 2**64),
       release=st.booleans(), digest=st.binary(min_size=32, max_size=32))
def test_every_ruling_is_guarded_by_one_exact_send(amount: int, invoice_id: int, release: bool,
                                                    digest: bytes) -> None:
    from arbiter_app.case.models import Award
    from arbiter_app.stacks import transaction as txn

    inv = disputed_invoice(id=invoice_id, amount=amount, deposit=amount)
    award = Award.of(Decision.RELEASE if release else Decision.REFUND, amount, None)
    tx = escrow.resolve_dispute_call(config.DEVNET, ESCROW, inv, award, digest, ROOT,
                                     b"\x02" + bytes(32), 0, 300)
    assert tx.post_condition_mode == txn.DENY
    [guard] = tx.post_conditions
    assert (guard.principal, guard.condition, guard.amount) == (ESCROW, "eq", amount)


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"status": InvoiceStatus.FUNDED}, PolicyError),
     ({"token": f"{DEPLOYER}.other-token"}, PolicyError)],
    ids=["not-disputed", "unknown-token"],
)
def test_resolve_dispute_refuses(changes: dict[str, Any], error: type[Exception]) -> None:
    from arbiter_app.case.models import Award

    with pytest.raises(error):
        escrow.resolve_dispute_call(config.DEVNET, ESCROW, disputed_invoice(**changes),
                                    Award(20_000_000, 0), b"\x05" * 32, ROOT, b"\x02" * 33,
                                    0, 400)


@pytest.mark.parametrize(
    ("token", "network", "asset"),
    [(TOKEN, config.DEVNET, "sbtc"),
     ("SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token", config.MAINNET, "sbtc-token"),
     ("SN3VMHXEN64ZZF71JQ5VESXDWTR301XTTXGF4J8F1.sbtc-token", config.TESTNET, "sbtc-token")],
    ids=["devnet-mock", "mainnet", "testnet"],
)
def test_token_asset_names(token: str, network: config.Network, asset: str) -> None:
    assert escrow.token_asset_name(token, network) == asset
