"""The documents of a case: terms and manifests are checked against the chain's record of
them, and a document that verifies but says something false is a mismatch with its reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from arbiter_app.case.models import EvidenceItem, Party, TermsState
from arbiter_app.services import evidence as docs

PAYER = "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"
PAYEE = "ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG"


def manifest(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "bitmind-evidence/1", "invoice_id": 101, "party": "payer",
        "title": "Payer evidence", "description": "Defects.", "created_at": "2026-11-01T00:00:00Z",
        "files": [{"name": "chat.txt", "cid": "bafkreia", "media_type": "text/plain", "size": 12}],
    }
    doc.update(changes)
    return doc


ITEM = EvidenceItem(101, 0, Party.PAYER, PAYER, "bafyman")


def test_manifest_of_the_submitting_party_is_accepted() -> None:
    title, files = docs.manifest_files(manifest(), ITEM)
    assert title == "Payer evidence"
    assert [(f.name, f.cid, f.media_type, f.size) for f in files] == [
        ("chat.txt", "bafkreia", "text/plain", 12)]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"invoice_id": 102}, "for invoice 102"),
        ({"invoice_id": "101"}, "for invoice '101'"),
        ({"party": "payee"}, "claims party 'payee'"),
        ({"files": "chat.txt"}, "not a list"),
        ({"files": [{"name": "a", "cid": "b", "media_type": "c"}]}, "no valid size"),
        ({"files": [{"name": "a", "cid": "b", "media_type": "c", "size": True}]}, "no valid size"),
        ({"files": [{"name": "a", "cid": "", "media_type": "c", "size": 1}]}, "lacks"),
        ({"files": [["a", "b"]]}, "not an object"),
        ({"files": [{"name": "a", "cid": "b", "media_type": "c", "size": 1}] * 65}, "at most 64"),
        ({"title": 7}, "'title' is not text"),
    ],
    ids=["other-invoice", "invoice-as-text", "other-party", "files-not-list", "size-missing",
         "size-bool", "empty-cid", "file-not-object", "too-many-files", "title-not-text"],
)
def test_lying_or_malformed_manifest_is_a_mismatch(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(docs.DocumentMismatch, match=words):
        docs.manifest_files(manifest(**changes), ITEM)


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe not utf-8", b"{not json", b"[1, 2]", json.dumps({"schema": "other/1"}).encode(),
     json.dumps({"title": "no schema"}).encode()],
    ids=["not-utf8", "not-json", "array", "other-schema", "no-schema"],
)
def test_json_document_refuses_what_is_not_the_schema(data: bytes) -> None:
    with pytest.raises(docs.DocumentMismatch):
        docs.json_document(data, "bitmind-evidence/1")


def test_terms_summary_reads_the_seed_shape() -> None:
    doc = {"schema": "bitmind-invoice/1", "title": "Hardware batch", "description": "Fixed price.",
           "milestones": [{"title": "Design", "amount_sats": "100"}, "Delivery"],
           "payer_name": "payer_3", "payee_name": "payee_3",
           "ai_parse": {"model": "bitmind-parse-2", "confidence": 0.62}}
    terms = docs.terms_summary(doc, "bafkreiterms")
    assert terms.state is TermsState.VERIFIED and terms.cid == "bafkreiterms"
    assert terms.milestones == ("Design — 0.000001 sBTC", "Delivery")  # 100 base units
    assert (terms.payer_name, terms.payee_name) == ("payer_3", "payee_3")
    assert terms.ai_parse is not None and terms.ai_parse.confidence == 0.62


@pytest.mark.parametrize(
    "changes",
    [{"milestones": "all"}, {"ai_parse": {"model": "m", "confidence": "high"}},
     {"ai_parse": {"model": "m", "confidence": True}}, {"milestones": [7]}],
    ids=["milestones-not-list", "confidence-text", "confidence-bool", "milestone-number"],
)
def test_malformed_terms_are_a_mismatch(changes: dict[str, Any]) -> None:
    doc = {"schema": "bitmind-invoice/1", "title": "t", **changes}
    with pytest.raises(docs.DocumentMismatch):
        docs.terms_summary(doc, "bafkreiterms")


@pytest.mark.parametrize(
    ("address", "party"),
    [(PAYER, Party.PAYER), (PAYEE, Party.PAYEE), ("ST3OUTSIDER", None)],
    ids=["payer", "payee", "outsider"],
)
def test_party_of(address: str, party: Party | None) -> None:
    assert docs.party_of(address, PAYER, PAYEE) is party
