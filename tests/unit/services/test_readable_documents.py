"""Step 4's documents as readable fields: the schemas' fields in words (amounts in sBTC, dates,
the party by role), unknown fields shown as escaped text under their own names, the files a
reason names, and a document that is not a JSON object refused with a sentence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from arbiter_app.services.documents import MAX_FIELDS, DocumentMismatch, readable

CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def fields(doc: Any, invoice_id: int = 101) -> dict[str, str]:
    shown = readable("dispute reason", CID, json.dumps(doc).encode(), invoice_id)
    return {f.label: f.value for f in shown.fields}


def test_a_dispute_reason_reads_as_labelled_fields_with_its_files() -> None:
    doc = {"schema": "bitmind-evidence/1", "invoice_id": 101, "party": "payer",
           "title": "Dispute raised", "description": "Milestone 2 not delivered.",
           "created_at": "2026-09-17T00:14:05.000Z",
           "files": [{"name": "statement.txt", "cid": "bafkreia", "media_type": "text/plain",
                      "size": 120}]}
    shown = readable("dispute reason", CID, json.dumps(doc).encode(), 101)
    assert [(f.label, f.value) for f in shown.fields] == [
        ("Title", "Dispute raised"), ("Description", "Milestone 2 not delivered."),
        ("Invoice", "101"), ("Submitted by", "The payer"), ("Written", "2026-09-17 00:14 UTC"),
        ("Files", "1 (listed below, each opens in the viewer)"),
        ("Schema", "bitmind-evidence/1")]
    assert [(f.name, f.cid, f.size) for f in shown.files] == [("statement.txt", "bafkreia", 120)]


def test_terms_show_milestones_in_sbtc_and_the_parser_with_its_confidence() -> None:
    shown = fields({"schema": "bitmind-invoice/1", "title": "Website",
                    "milestones": [{"title": "Design", "amount_sats": "50000000"},
                                   {"title": "Delivery", "amount": 125_000_000,
                                    "due": 1_790_000_000, "penalty": "5%"},
                                   "Handover call"],
                    "payer_name": "Acme", "ai_parse": {"model": "parse-2",
                                                       "confidence": 0.934}})
    assert shown["Milestone 1"] == "Design — 0.5 sBTC"
    assert shown["Milestone 2"] == "Delivery — 1.25 sBTC — 2026-09-21 14:13 UTC — penalty: 5%"
    assert shown["Milestone 3"] == "Handover call"
    assert shown["Payer"] == "Acme"
    assert shown["Parsed by"] == "parse-2, confidence 0.93"


def test_unknown_fields_show_under_their_own_names_as_escaped_text_never_as_markup() -> None:
    shown = fields({"title": "ok", "note\u202e": "<b>pay</b> \u202egnp.exe",
                    "extra": {"nested": [1, 2]}})
    assert shown["note\\u202e"] == "<b>pay</b> \\u202egnp.exe"
    assert shown["extra"] == '{"nested":[1,2]}'


def test_a_reason_for_another_invoice_says_so() -> None:
    assert fields({"invoice_id": 7}, invoice_id=101)["Invoice"] == (
        "7 (NOT this case's invoice, 101)")


def test_what_is_shown_is_bounded_by_the_document() -> None:
    many = fields({f"k{n}": "v" * 5000 for n in range(MAX_FIELDS + 50)})
    assert len(many) == MAX_FIELDS and all(len(v) <= 2001 for v in many.values())


@pytest.mark.parametrize(("data", "words"), [
    (b"not json", "not a JSON document"),
    (b"[1, 2]", "not a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "not a JSON document"),
    (json.dumps({"files": "a.txt"}).encode(), "not a list"),
    (json.dumps({"files": [{"name": "a"}]}).encode(), "no valid size"),
], ids=["text", "array", "nested-100k", "files-not-list", "file-without-size"])
def test_a_document_that_cannot_be_read_as_fields_is_refused_with_a_sentence(
        data: bytes, words: str) -> None:
    with pytest.raises(DocumentMismatch, match=words):
        readable("dispute reason", CID, data, 101)
