"""Fetch and verify the off-chain documents of a case: the invoice terms and each evidence
manifest with its files (docs/ARCHITECTURE.md §5), through the verified IPFS fetcher.

Nothing is trusted before its CID is checked. A document that verifies but
says something false — a manifest for another invoice or party, a file whose size is not the
one listed — is a *mismatch* with the reason in plain words; a block no source delivers is
*unavailable*; when no IPFS source can even be reached (offline) the item stays *pending*,
to be fetched later. None of these stops the caller: the item is marked and the next one is
tried.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator
from typing import Any

from arbiter_app.case import words
from arbiter_app.case.models import (
    AiParse,
    EvidenceFile,
    EvidenceItem,
    EvidenceState,
    Party,
    TermsState,
    TermsSummary,
)
from arbiter_app.errors import (
    DecodeError,
    InputError,
    LimitExceeded,
    NetworkError,
    VerificationError,
)
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.errors import SourcesUnreachable
from arbiter_app.ipfs.fetch import Fetcher, VerifiedFile
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services.session import Session
from arbiter_app.store import cases, rows

TERMS_SCHEMA = "bitmind-invoice/1"
EVIDENCE_SCHEMA = "bitmind-evidence/1"
MAX_DOCUMENT_BYTES = 256 * 1024  # a JSON document larger than this is refused unread
MAX_FILES = 64


class DocumentMismatch(VerificationError):
    """A verified document whose content contradicts the chain or itself."""


def verified_bytes(
    fetcher: Fetcher, cid: str, cancel: CancelToken | None = None, limit: int | None = None
) -> Generator[Progress, None, VerifiedFile]:
    """Fetch ``cid`` through the verified fetcher; return its ``VerifiedFile``.

    :raises LimitExceeded: the file is larger than ``limit``
    """
    verified = yield from fetcher.fetch(CID.parse(cid), cancel=cancel)
    if limit is not None and verified.size > limit:
        raise LimitExceeded("document size", verified.size, limit)
    return verified


def content(verified: VerifiedFile) -> bytes:
    """The bytes of a ``VerifiedFile`` (held in memory or in the verified cache)."""
    return verified.read()


def json_document(data: bytes, schema: str) -> dict[str, Any]:
    """Parse a UTF-8 JSON object and check its ``schema``.

    :raises DocumentMismatch: not JSON, not an object, or another schema
    """
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise DocumentMismatch(f"the document is not UTF-8 JSON ({e.__class__.__name__})") from e
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        raise DocumentMismatch(f"the document is not a {schema} document")
    return doc


def _text(doc: dict[str, Any], key: str, limit: int = 20_000) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str):
        raise DocumentMismatch(f"the document's {key!r} is not text")
    return value[:limit]


def terms_summary(doc: dict[str, Any], cid: str) -> TermsSummary:
    """A verified ``bitmind-invoice/1`` document → :class:`TermsSummary`."""
    milestones = doc.get("milestones", [])
    if not isinstance(milestones, list):
        raise DocumentMismatch("the terms' milestones are not a list")
    lines = tuple(m if isinstance(m, str) else _milestone(m) for m in milestones[:100])
    ai = doc.get("ai_parse")
    ai_parse = None
    if isinstance(ai, dict):
        confidence = ai.get("confidence")
        if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
            raise DocumentMismatch("the terms' ai_parse.confidence is not a number")
        ai_parse = AiParse(str(ai.get("model", ""))[:200], float(confidence))
    return TermsSummary(
        state=TermsState.VERIFIED, cid=cid, title=_text(doc, "title", 500),
        description=_text(doc, "description"), milestones=lines,
        payer_name=_party_name(doc, "payer"), payee_name=_party_name(doc, "payee"),
        ai_parse=ai_parse,
    )


def _milestone(item: Any) -> str:
    if not isinstance(item, dict):
        raise DocumentMismatch("a milestone is neither text nor an object")
    parts = [_milestone_part(k, item.get(k))
             for k in ("title", "description", "amount", "amount_sats", "due") if item.get(k)]
    return " — ".join(parts)[:1000]


def _milestone_part(key: str, value: Any) -> str:
    """A milestone's field as shown: amounts (base units, as a number or digits) in sBTC."""
    if key.startswith("amount") and not isinstance(value, bool):
        digits = str(value)
        if isinstance(value, int | str) and digits.isdigit() and len(digits) <= 30:
            return f"{words.sbtc(int(digits))} sBTC"
    return str(value)


def _party_name(doc: dict[str, Any], party: str) -> str:
    for key in (f"{party}_name", party):
        value = doc.get(key)
        if isinstance(value, str):
            return value[:200]
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return str(value["name"])[:200]
    return ""


def fetch_terms(
    fetcher: Fetcher, metadata_hash: str | None, cancel: CancelToken | None = None
) -> Generator[Progress, None, tuple[TermsSummary, str]]:
    """Fetch and verify the terms named by an invoice's metadata hash (a single raw block, so
    the CID is CIDv1(raw, sha2-256, hash); docs/ARCHITECTURE.md §5).

    :returns: the summary and, when it could not be verified, the reason
    """
    if metadata_hash is None:
        return TermsSummary(state=TermsState.ABSENT), ""
    cid = str(CID.raw_sha256(bytes.fromhex(metadata_hash)))
    try:
        verified = yield from verified_bytes(fetcher, cid, cancel, MAX_DOCUMENT_BYTES)
        return terms_summary(json_document(content(verified), TERMS_SCHEMA), cid), ""
    except (VerificationError, DecodeError, InputError) as e:
        return TermsSummary(state=TermsState.MISMATCH, cid=cid), str(e)
    except NetworkError as e:
        return TermsSummary(state=TermsState.PENDING, cid=cid), f"unavailable: {e}"


def manifest_files(doc: dict[str, Any], item: EvidenceItem) -> tuple[str, tuple[EvidenceFile, ...]]:
    """Check a verified manifest against the chain's record of its submission.

    :raises DocumentMismatch: it names another invoice or party, or lists bad files
    """
    if doc.get("invoice_id") != item.invoice_id:
        raise DocumentMismatch(
            f"the manifest is for invoice {doc.get('invoice_id')!r}, not {item.invoice_id}")
    if doc.get("party") != item.party.value:
        raise DocumentMismatch(
            f"the manifest claims party {doc.get('party')!r} but was submitted by the "
            f"{item.party.value}")
    files = doc.get("files", [])
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise DocumentMismatch(f"the manifest's files are not a list of at most {MAX_FILES}")
    return _text(doc, "title", 500), tuple(file_entry(f) for f in files)


def file_entry(entry: Any) -> EvidenceFile:
    """One entry of a manifest's ``files`` list, checked (a name, a CID, a media type and a
    size).

    :raises DocumentMismatch: an entry that is not an object or lacks one of them
    """
    if not isinstance(entry, dict):
        raise DocumentMismatch("a manifest file entry is not an object")
    size = entry.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise DocumentMismatch("a manifest file has no valid size")
    fields = [entry.get(k) for k in ("name", "cid", "media_type")]
    if not all(isinstance(f, str) and f for f in fields):
        raise DocumentMismatch("a manifest file lacks a name, CID or media type")
    return EvidenceFile(str(fields[0])[:255], str(fields[1]), str(fields[2])[:100], size)


def verify_item(
    fetcher: Fetcher, item: EvidenceItem, cancel: CancelToken | None = None
) -> Generator[Progress, None, EvidenceItem]:
    """Fetch the manifest and every file of ``item``; return it with its state and reason
    (still pending, with why, when no IPFS source can be reached)."""
    try:
        yield Progress(f"evidence {item.invoice_id}/{item.index}: manifest", 0, None)
        verified = yield from verified_bytes(fetcher, item.manifest_cid, cancel, MAX_DOCUMENT_BYTES)
        title, files = manifest_files(json_document(content(verified), EVIDENCE_SCHEMA), item)
        item = dataclasses.replace(item, title=title, files=files)
        for n, f in enumerate(files, 1):
            yield Progress(f"evidence {item.invoice_id}/{item.index}: {f.name}", n, len(files))
            got = yield from verified_bytes(fetcher, f.cid, cancel)
            check_file(f, got)
    except SourcesUnreachable as e:
        return _marked(item, EvidenceState.PENDING, f"no IPFS source can be reached: {e}")
    except NetworkError as e:
        return _marked(item, EvidenceState.UNAVAILABLE, f"not available from IPFS: {e}")
    except (VerificationError, DecodeError, InputError) as e:
        return _marked(item, EvidenceState.MISMATCH, str(e))
    return _marked(item, EvidenceState.VERIFIED, "")


def check_file(declared: EvidenceFile, got: VerifiedFile) -> None:
    """The verified file must be what the manifest says: its size, and its type when the
    bytes name one (a ``.pdf`` that is a PNG is a lie, docs/reliability.md §4 T4.6)."""
    if got.size != declared.size:
        raise DocumentMismatch(
            f"file {declared.name!r} is {got.size} bytes, but the manifest says {declared.size}")
    sniffed = str(getattr(got, "media_type", "") or "application/octet-stream")
    textual = sniffed.startswith("text/plain") and declared.media_type.startswith("text/")
    if sniffed not in ("application/octet-stream", declared.media_type) and not textual:
        raise DocumentMismatch(
            f"file {declared.name!r} is {sniffed}, but the manifest says {declared.media_type}")


def _marked(item: EvidenceItem, state: EvidenceState, reason: str) -> EvidenceItem:
    return dataclasses.replace(item, state=state, reason=reason)


def party_of(address: str, payer: str, payee: str) -> Party | None:
    """Which side ``address`` is on, or ``None`` for an outsider."""
    if address == payer:
        return Party.PAYER
    if address == payee:
        return Party.PAYEE
    return None


def check_item(
    session: Session, invoice_id: int, index: int, cancel: CancelToken | None = None
) -> Generator[Progress, None, EvidenceItem]:
    """Verify an evidence item again (from the cache when it is there) before it is shown.

    An item that cannot be had now is recorded as unavailable (or mismatched) with why. A
    verified item is returned unrecorded: :func:`record_opened` records the opening once
    the viewer has put its content on screen. Offline (no IPFS source reachable) nothing is
    recorded: the item is returned pending, with why.

    :param session: the :class:`~arbiter_app.services.session.Session`
    :returns: the verified or pending item, or the item as stored afterwards
    """
    case = rows.load_case(session.store, invoice_id)
    item = next((e for e in case.dispute.evidence if e.index == index), None)
    if item is None:
        raise InputError(f"invoice {invoice_id} has no evidence #{index}")
    checked = yield from verify_item(session.fetcher, item, cancel)
    if checked.state in (EvidenceState.VERIFIED, EvidenceState.PENDING):
        return checked
    return cases.mark_evidence_unavailable(
        session.store, invoice_id, index, reason=checked.reason,
        mismatch=checked.state is EvidenceState.MISMATCH, now=session.now(), read=checked)


def record_opened(session: Session, item: EvidenceItem) -> EvidenceItem:
    """Record that the arbiter saw the content of the verified ``item`` (``evidence-opened``).

    :returns: the item as stored afterwards
    """
    return cases.open_evidence(session.store, item.invoice_id, item.index, title=item.title,
                               files=item.files, now=session.now())


def open_item(
    session: Session, invoice_id: int, index: int, cancel: CancelToken | None = None
) -> Generator[Progress, None, EvidenceItem]:
    """Verify an item again and record its opening at once, for a caller that presents the
    item by its verified file list (the command line) rather than in the viewer.

    :returns: the item as stored afterwards
    """
    checked = yield from check_item(session, invoice_id, index, cancel)
    if checked.state is EvidenceState.VERIFIED:
        return record_opened(session, checked)
    return checked
