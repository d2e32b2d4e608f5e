"""Ruling receipts: issued by a real software signer, verified offline; every field tampered,
the proof cut, the checkpoint or attestation from another key, the signature changed → refused,
naming what; the PDF shows the same facts. The log key's SIP-018 binding is checked too."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.case.models import Step, TxStatus
from arbiter_app.cli import main
from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.errors import PolicyError, VerificationError
from arbiter_app.records import export
from arbiter_app.records import receipt as receipts
from arbiter_app.services import logs
from arbiter_app.services import receipts as receipts_room
from arbiter_app.store import execution, log
from arbiter_app.store.db import Store, open_store
from tests.fixtures.store import T0, session_on, walk_case

KEY = bytes.fromhex("753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6")
OTHER_KEY = hashlib.sha256(b"another arbiter").digest()


def software_signer(key: bytes) -> Any:
    from arbiter_app.wallet.software import SoftwareSigner

    return SoftwareSigner.from_private_key(key, config.DEVNET)


def executed_case(store: Store, signer: Any, invoice_id: int = 1) -> None:
    """A case ruled and confirmed on chain, with the log key bound to ``signer``."""
    walk_case(store, invoice_id, Step.RULING, arbiter=signer.address())
    execution.record_rationale(store, invoice_id, rationale_hash="5e" * 32,
                               rationale_cid="bafkreic5" + "q" * 51, now=T0 + 10)
    execution.record_transaction(store, invoice_id, txid="7a" * 32, raw_hex="00", now=T0 + 11)
    execution.update_transaction(store, "7a" * 32, TxStatus.SUCCESS, now=T0 + 12,
                                 block_height=4321)
    receipts_room.bind_log_key(session_on(store, signer), now=T0 + 13)


@pytest.fixture
def signer() -> Any:
    return software_signer(KEY)


@pytest.fixture
def issued(fresh_store: Store, signer: Any) -> str:
    executed_case(fresh_store, signer)
    return receipts_room.issue_receipt(session_on(fresh_store, signer), 1, T0 + 20)


def rewrite(document: str, change: Callable[[dict[str, Any]], None]) -> str:
    value = json.loads(document)
    change(value)
    return canonical_json(value).decode()


def test_an_issued_receipt_verifies_offline(issued: str, signer: Any) -> None:
    report = receipts.verify(issued, arbiter=signer.address())
    assert (report.invoice_id, report.ruling, report.txid, report.block_height) == (
        1, "release", "7a" * 32, 4321)
    body = json.loads(issued)["receipt"]
    assert body["rationale_hash"] == "5e" * 32 and body["arbiter"] == signer.address()
    assert issued == canonical_json(json.loads(issued)).decode()  # canonical form


def test_a_receipt_for_another_arbiter_is_refused(issued: str) -> None:
    with pytest.raises(VerificationError, match="not the invoice's arbiter"):
        receipts.verify(issued, arbiter="ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5")


def _bump(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, list):
        return [*value, "bafkreiextra"]
    if isinstance(value, dict):
        return {k: _bump(v) for k, v in value.items()}
    return "ST3" + value[3:] if isinstance(value, str) and value.startswith("ST") else \
        value + "0" if isinstance(value, str) else value


@pytest.mark.parametrize("field", sorted(receipts.BODY_KEYS - {"log"}))
def test_every_field_changed_is_refused_and_named(issued: str, field: str) -> None:
    bad = rewrite(issued, lambda v: v["receipt"].__setitem__(field, _bump(v["receipt"][field])))
    expected = {"schema": "schema", "issued_at": "signature", "sla": "'sla"}
    with pytest.raises(VerificationError, match=expected.get(field, f"'{field}'")):
        receipts.verify(bad)


LOG_TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "checkpoint-root": lambda log_: log_["checkpoint"].__setitem__("root", "00" * 32),
    "checkpoint-size": lambda log_: log_["checkpoint"].__setitem__(
        "size", log_["checkpoint"]["size"] + 1),
    "attestation-signature": lambda log_: log_["attestation"].__setitem__(
        "signature", "11" * 65),
    "entry-data": lambda log_: log_["entries"][0]["entry"]["data"].__setitem__("amount", 1),
    "entry-index": lambda log_: log_["entries"][1]["entry"].__setitem__("index", 0),
    "proof-truncated": lambda log_: log_["entries"][2].__setitem__(
        "proof", log_["entries"][2]["proof"][:-1]),
    "entry-removed": lambda log_: log_["entries"].pop(),
}


@pytest.mark.parametrize("tamper", sorted(LOG_TAMPERS))
def test_the_log_part_tampered_is_refused(issued: str, tamper: str) -> None:
    with pytest.raises(VerificationError):
        receipts.verify(rewrite(issued, lambda v: LOG_TAMPERS[tamper](v["receipt"]["log"])))


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.__setitem__("rsv", s["rsv"][:10] + ("0" if s["rsv"][10] != "0" else "1")
                             + s["rsv"][11:]), "signature"),
    (lambda s: s.__setitem__("rsv", "zz"), "signature is malformed"),
    (lambda s: s.__setitem__("address", "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"),
     "signature address"),
], ids=["rsv-bit-changed", "rsv-not-hex", "address-changed"])
def test_a_changed_signature_is_refused(issued: str, change: Callable[[dict[str, Any]], None],
                                        message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        receipts.verify(rewrite(issued, lambda v: change(v["signature"])))


def test_non_canonical_or_foreign_json_is_refused(issued: str) -> None:
    with pytest.raises(VerificationError, match="canonical"):
        receipts.verify(json.dumps(json.loads(issued), indent=1))
    with pytest.raises(VerificationError, match="not an Arbiter Desk receipt"):
        receipts.verify("{}")


def test_a_log_from_another_key_is_refused(issued: str, tmp_path: Path) -> None:
    other_signer = software_signer(OTHER_KEY)
    with open_store(tmp_path / "other.sqlite") as other:
        executed_case(other, other_signer)
        theirs = json.loads(receipts_room.issue_receipt(session_on(other, other_signer), 1,
                                                        T0 + 20))
    for part in ("checkpoint", "attestation"):
        def splice(v: dict[str, Any], part: str = part) -> None:
            v["receipt"]["log"][part] = theirs["receipt"]["log"][part]
        with pytest.raises(VerificationError):
            receipts.verify(rewrite(issued, splice))
    whole = rewrite(issued, lambda v: v["receipt"].__setitem__("log", theirs["receipt"]["log"]))
    with pytest.raises(VerificationError, match="'arbiter'"):
        receipts.verify(whole)


def test_receipts_are_refused_before_execution_binding_or_by_another_signer(
        fresh_store: Store, signer: Any) -> None:
    executed_case(fresh_store, signer)
    walk_case(fresh_store, 2, Step.RULING, arbiter=signer.address())
    with pytest.raises(PolicyError, match="no published, confirmed ruling"):
        receipts_room.issue_receipt(session_on(fresh_store, signer), 2, T0)
    with pytest.raises(PolicyError, match="not this invoice's arbiter"):
        receipts_room.issue_receipt(session_on(fresh_store, software_signer(OTHER_KEY)), 1, T0)


def test_the_log_key_binding_is_a_sip018_signature_by_the_arbiter(
        fresh_store: Store, signer: Any, tmp_path: Path) -> None:
    executed_case(fresh_store, signer)
    out = io.BytesIO()
    logs.write_jsonl(session_on(fresh_store), out, now=T0 + 30)
    lines = export.read_lines(out.getvalue())
    report = export.verify_jsonl(lines, arbiter=signer.address())
    assert report.arbiter == signer.address()
    with pytest.raises(VerificationError, match="bound to .*, not ST1SJ3"):
        export.verify_jsonl(lines, arbiter="ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5")
    with open_store(tmp_path / "other.sqlite") as other:
        receipts_room.bind_log_key(session_on(other, software_signer(OTHER_KEY)), now=T0)
        foreign = log.attestation(other)
    header = json.loads(lines[0])
    assert foreign is not None
    header["attestation"] = foreign.to_json()
    header["signature"] = log.private_key(fresh_store).sign(canonical_json(
        {k: v for k, v in header.items() if k != "signature"})).hex()
    with pytest.raises(VerificationError, match="line 1: the log key attestation binds another"):
        export.verify_jsonl([canonical_json(header), *lines[1:]])


def test_the_pdf_shows_the_receipts_facts(issued: str, tmp_path: Path) -> None:
    from arbiter_app.records import pdf

    out = tmp_path / "receipt.pdf"
    pdf.render(issued, out)
    assert out.read_bytes().startswith(b"%PDF")
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument(None)
    document.load(str(out))
    text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    body = json.loads(issued)["receipt"]
    flat = "".join(text.split())
    for value in (body["txid"], body["arbiter"], body["payer"], str(body["block_height"]),
                  body["rationale_hash"]):
        assert value in flat, f"{value} missing from the PDF"
    document.close()


def test_a_tampered_receipt_gets_no_pdf(issued: str, tmp_path: Path) -> None:
    from arbiter_app.records import pdf

    bad = rewrite(issued, lambda v: v["receipt"].__setitem__("amount", 1))
    with pytest.raises(VerificationError):
        pdf.render(bad, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_cli_receipt_verify_exit_codes(issued: str, tmp_path: Path, signer: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(issued)
    bad.write_text(rewrite(issued, lambda v: v["receipt"].__setitem__("txid", "00" * 32)))
    assert main(["receipt", "verify", str(good), "--arbiter", signer.address()]) == 0
    assert "ok: invoice 1, release" in capsys.readouterr().err
    assert main(["receipt", "verify", str(bad)]) == 1
    assert "'txid'" in capsys.readouterr().err
    assert main(["receipt", "pdf", str(good), "-o", str(tmp_path / "r.pdf")]) == 0
    with pytest.raises(SystemExit) as usage:
        main(["receipt", "verify"])
    assert usage.value.code == 2


def test_random_bit_flips_in_a_receipt_are_all_refused(issued: str) -> None:
    import random

    data = issued.encode()
    rng = random.Random(18)
    for _ in range(300):
        flipped = bytearray(data)
        position, bit = rng.randrange(len(data)), rng.randrange(8)
        flipped[position] ^= 1 << bit
        with pytest.raises(VerificationError):
            receipts.verify(bytes(flipped))
            pytest.fail(f"flip of bit {bit} at byte {position} went unnoticed")


def test_the_pdf_carries_the_rationale_text_and_a_qr_code_of_the_receipt_cid(
        issued: str, tmp_path: Path) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument

    from arbiter_app.records import pdf
    from tests.fixtures.store import RATIONALE

    out = tmp_path / "receipt.pdf"
    pdf.render(issued, out, rationale=RATIONALE)
    document = QPdfDocument(None)
    document.load(str(out))
    flat = "".join("".join(document.getAllText(p).text() for p in range(document.pageCount()))
                   .split())
    assert "".join(RATIONALE.split()) in flat
    assert pdf.receipt_cid(issued) in flat and pdf.receipt_cid(issued).startswith("bafkrei")
    assert not document.render(0, QSize(1240, 1754)).isNull()
    document.close()


def test_a_rationale_the_receipt_does_not_commit_to_gets_no_pdf(
        issued: str, tmp_path: Path) -> None:
    from arbiter_app.records import pdf

    with pytest.raises(VerificationError, match="not the one the receipt's rationale_sha256"):
        pdf.render(issued, tmp_path / "x.pdf", rationale="a different reasoning")
    assert not (tmp_path / "x.pdf").exists()


def test_receipt_export_writes_receipt_id_json_and_pdf_by_default(
        signer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from arbiter_app.records import pdf

    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        executed_case(store, signer)
        issued = receipts_room.issue_receipt(session_on(store, signer), 1, T0 + 20)
    monkeypatch.chdir(tmp_path)
    assert main(["receipt", "export", "1", "--pdf"]) == 0
    assert (tmp_path / "receipt-1.json").read_text() == issued
    assert (tmp_path / "receipt-1.pdf").read_bytes().startswith(b"%PDF")
    assert main(["case", "show", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["receipt"]["cid"] == pdf.receipt_cid(issued)


def test_a_receipt_names_its_escrow_contract_and_sla(issued: str) -> None:
    body = json.loads(issued)["receipt"]
    assert body["schema"] == "arbiter-desk-receipt/2"
    assert body["escrow_contract"] == config.Settings().escrow_contract
    sla = body["sla"]
    assert sla["due"] == sla["raised"] + 72 * 3600 and sla["met"] is (sla["ruled"] <= sla["due"])


@pytest.mark.parametrize(("change", "said"), [
    (lambda s: s.__setitem__("met", not s["met"]), "'sla.met' disagrees"),
    (lambda s: s.__setitem__("due", s["raised"] - 1), "'sla.due' is before"),
    (lambda s: s.pop("ruled"), "'sla' must hold raised, due, ruled and met"),
], ids=["met-flipped", "due-before-raised", "ruled-dropped"])
def test_an_sla_that_makes_no_sense_is_refused(issued: str, change: Any, said: str) -> None:
    bad = rewrite(issued, lambda v: change(v["receipt"]["sla"]))
    with pytest.raises(VerificationError, match=said):
        receipts.verify(bad)


def test_a_schema_1_receipt_still_verifies(issued: str, signer: Any) -> None:
    body = json.loads(issued)["receipt"]
    del body["escrow_contract"], body["sla"]
    body["schema"] = "arbiter-desk-receipt/1"
    domain, message = receipts.signed_message(body)
    old = receipts.signed_document(body, signer.address(),
                                   signer.sign_structured_message(domain, message))
    facts = receipts.verify(old, arbiter=signer.address())
    assert (facts.invoice_id, facts.escrow_contract) == (1, None)
    with pytest.raises(VerificationError, match="field"):
        receipts.verify(rewrite(old, lambda v: v["receipt"].__setitem__("sla", {})))
