"""Step 4's off-chain documents (the dispute's reason, the invoice terms) as readable fields,
and the files a document names, each read verified for the viewer.

A document is shown as labelled fields, never as its JSON: the fields the two schemas define
get their own words (amounts in base units as sBTC, moments as UTC dates, the party by
role), and any other field is shown under its own name as escaped party text, its value
shortened, so a document can add fields without hiding them or breaking the page. The
bytes are verified against their CID before anything is read from them, and what is shown
is bounded by the document's size (at most :data:`MAX_FIELDS` fields).
"""

from __future__ import annotations

import datetime
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from arbiter_app.case import words
from arbiter_app.case.models import EvidenceFile
from arbiter_app.ipfs.fetch import VerifiedFile
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import evidence
from arbiter_app.services.evidence import DocumentMismatch
from arbiter_app.services.session import Session
from arbiter_app.text import display_name, party_text

MAX_FIELDS = 200
MAX_VALUE_CHARS = 2000
MAX_VIEW_BYTES = 64 * 1024 * 1024  # a file opened in the viewer

# The schemas' own fields, in the order they are shown, with their labels.
LABELS = {
    "title": "Title", "description": "Description", "invoice_id": "Invoice",
    "party": "Submitted by", "created_at": "Written", "payer_name": "Payer",
    "payee_name": "Payee", "payer": "Payer", "payee": "Payee", "due": "Due",
    "deadline": "Deadline", "amount": "Amount", "amount_sats": "Amount",
}
SHOWN_APART = ("schema", "milestones", "files", "ai_parse")
MILESTONE_ORDER = ("title", "description", "amount", "amount_sats", "due")


@dataclass(frozen=True)
class Field:
    """One line of a document as shown: a label and its value, both safe to show."""

    label: str
    value: str


@dataclass(frozen=True)
class ReadableDocument:
    """A verified document as fields, with the files it names.

    :param name: what the case calls it ("dispute reason", "invoice terms")
    :param cid: the CID it was verified against
    :param fields: its fields in words
    :param files: the files it names, openable in the viewer
    """

    name: str
    cid: str
    fields: tuple[Field, ...]
    files: tuple[EvidenceFile, ...]


def open_document(session: Session, name: str, cid: str, invoice_id: int,
                  token: CancelToken) -> Generator[Progress, None, ReadableDocument]:
    """Fetch ``cid`` verified and read it as fields.

    :param invoice_id: the case's invoice (a document naming another one is said so)
    :raises DocumentMismatch: it is not a JSON object, or names a file badly
    """
    yield Progress(f"reading the {name}", 0, None)
    got = yield from evidence.verified_bytes(session.fetcher, cid, token,
                                             evidence.MAX_DOCUMENT_BYTES)
    return readable(name, cid, got.read(), invoice_id)


def open_file(session: Session, file: EvidenceFile, token: CancelToken
              ) -> Generator[Progress, None, bytes]:
    """The verified bytes of a file a document names, checked against its listed size and
    type.

    :raises DocumentMismatch: the file is not what the document says
    """
    got: VerifiedFile = yield from evidence.verified_bytes(session.fetcher, file.cid, token,
                                                           MAX_VIEW_BYTES)
    evidence.check_file(file, got)
    return got.read()


def readable(name: str, cid: str, data: bytes, invoice_id: int) -> ReadableDocument:
    """A verified document's bytes as fields and named files.

    :param invoice_id: the case's invoice (a document naming another one is said so)
    :raises DocumentMismatch: not a JSON object, or a ``files`` entry that names no file
    """
    try:
        doc = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError) as e:
        raise DocumentMismatch(f"the {name} is not a JSON document ({e})") from e
    if not isinstance(doc, dict):
        raise DocumentMismatch(f"the {name} is not a JSON object")
    files = doc.get("files", [])
    if not isinstance(files, list) or len(files) > evidence.MAX_FILES:
        raise DocumentMismatch(f"the {name}'s files are not a list of at most "
                               f"{evidence.MAX_FILES}")
    fields = list(_fields(doc, invoice_id))[:MAX_FIELDS]
    return ReadableDocument(name, cid, tuple(fields),
                            tuple(evidence.file_entry(f) for f in files))


def _fields(doc: dict[str, Any], invoice_id: int) -> Iterator[Field]:
    known = [k for k in LABELS if k in doc]
    others = [k for k in doc if k not in LABELS and k not in SHOWN_APART]
    for key in known:
        value = _value(key, doc[key])
        if key == "invoice_id" and doc[key] != invoice_id:
            value += f" (NOT this case's invoice, {invoice_id})"
        yield Field(LABELS[key], value)
    for n, milestone in enumerate(_list(doc.get("milestones")), 1):
        yield Field(f"Milestone {n}", _milestone(milestone))
    if isinstance(doc.get("ai_parse"), dict):
        yield Field("Parsed by", _ai_parse(doc["ai_parse"]))
    for key in others:
        yield Field(display_name(key, 60), _value(key, doc[key]))
    if "files" in doc:
        yield Field("Files", f"{len(_list(doc['files']))} (listed below, each opens in the "
                             "viewer)")
    if "schema" in doc:
        yield Field("Schema", _value("schema", doc["schema"]))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _value(key: str, value: Any) -> str:
    """A field's value in words: amounts in sBTC, moments as dates, parties by role, the
    rest as escaped text."""
    if key.startswith("amount") and _base_units(value) is not None:
        return f"{words.sbtc(_base_units(value) or 0)} sBTC"
    if key in ("created_at", "due", "deadline") or key.endswith("_at"):
        moment = _moment(value)
        if moment:
            return moment
    if key == "party" and value in ("payer", "payee"):
        return f"The {value}"
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return party_text(value["name"], MAX_VALUE_CHARS)
    return _text(value)


def _base_units(value: Any) -> int | None:
    """A whole number of base units, as a JSON number or a string of digits."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    digits = str(value)
    return int(digits) if digits.isdigit() and len(digits) <= 30 else None


def _moment(value: Any) -> str:
    """A date-time (ISO 8601 text or Unix seconds) as ``2026-09-17 00:14 UTC``; empty when
    it is neither."""
    try:
        if isinstance(value, str) and len(value) <= 40:
            when = datetime.datetime.fromisoformat(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=datetime.UTC)
        elif isinstance(value, int) and not isinstance(value, bool):
            when = datetime.datetime.fromtimestamp(value, datetime.UTC)
        else:
            return ""
    except (ValueError, OverflowError, OSError):
        return ""
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _milestone(item: Any) -> str:
    """One milestone on one line: its title, description, amount in sBTC and due date."""
    if not isinstance(item, dict):
        return _text(item)
    parts = [_value(k, item[k]) for k in MILESTONE_ORDER if item.get(k) not in (None, "")]
    parts += [f"{display_name(k, 60)}: {_text(v)}" for k, v in item.items()
              if k not in MILESTONE_ORDER]
    return " — ".join(parts)[:MAX_VALUE_CHARS]


def _ai_parse(ai: dict[str, Any]) -> str:
    confidence = ai.get("confidence")
    said = f", confidence {confidence:.2f}" if isinstance(confidence, float | int) and \
        not isinstance(confidence, bool) else ""
    return f"{_text(ai.get('model', 'an unnamed model'))}{said}"


def _text(value: Any) -> str:
    """Any JSON value as escaped text, shortened: strings as they are, the rest as JSON."""
    try:
        text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
    except RecursionError:
        return "(nested too deeply to show)"
    shown = party_text(text[:MAX_VALUE_CHARS], MAX_VALUE_CHARS)
    return shown + ("…" if len(text) > MAX_VALUE_CHARS else "")
