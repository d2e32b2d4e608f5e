"""The suspicious-address list: each change logged; addresses checked (checksum and all);
shared lists in JSON and CSV round-trip, and a bad or oversized one is refused naming the
problem with nothing stored; a listed party raises the flag, named with its reason, and
step 5 refuses a ruling that does not confirm it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arbiter_app.case.models import ReviewFlag, Step
from arbiter_app.errors import PolicyError, UsageError
from arbiter_app.services import queries, steps, suspicious
from arbiter_app.services.session import Session
from arbiter_app.store import log
from arbiter_app.store.db import Store
from tests.fixtures.store import ARBITER, PAYEE, PAYER, T0, proposal, session_on, walk_case


@pytest.fixture
def session(fresh_store: Store) -> Iterator[Session]:
    yield session_on(fresh_store)


def flagged_entries(session: Session) -> list[dict[str, object]]:
    return [e.data for e in log.entries(session.store) if e.kind == "party-flagged"]


def test_flag_and_unflag_are_logged_and_a_lower_case_address_is_stored_canonical(
        session: Session) -> None:
    suspicious.flag(session, PAYER.lower(), "  reported   by two arbiters ", now=T0)
    assert suspicious.listed(session) == [suspicious.Suspicious(PAYER, "reported by two arbiters")]
    suspicious.unflag(session, PAYER, now=T0 + 1)
    assert suspicious.listed(session) == []
    assert [(d["address"], d["suspicious"]) for d in flagged_entries(session)] == [
        (PAYER, True), (PAYER, False)]


@pytest.mark.parametrize(("address", "reason", "words"), [
    (PAYER[:-1] + ("A" if PAYER[-1] != "A" else "B"), "x", "checksum"),
    ("not-an-address", "x", "is not a Stacks address"),
    (PAYER, "   ", "needs a reason"),
    (PAYER, "line\nbreak\x07", "printable text"),
])
def test_a_bad_address_or_reason_is_refused_and_nothing_is_logged(
        session: Session, address: str, reason: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        suspicious.flag(session, address, reason, now=T0)
    assert flagged_entries(session) == [] and suspicious.listed(session) == []


def test_unflagging_an_address_not_listed_is_refused(session: Session) -> None:
    with pytest.raises(UsageError, match="is not on the suspicious list"):
        suspicious.unflag(session, PAYEE, now=T0)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_shared_list_round_trips_through_its_file(
        session: Session, fresh_store: Store, tmp_path: Path, fmt: str) -> None:
    suspicious.flag(session, PAYER, "phishing, \"urgent\" invoices", now=T0)
    suspicious.flag(session, PAYEE, "reused evidence", now=T0)
    path = tmp_path / f"list.{fmt}"
    assert suspicious.export_file(session, path, None) == 2
    other = session_on(fresh_store)
    for entry in suspicious.listed(session):
        suspicious.unflag(other, entry.address, now=T0)
    assert suspicious.import_file(other, path, None, now=T0) == 2
    assert suspicious.import_file(other, path, None, now=T0) == 0  # nothing new
    assert {e.reason for e in suspicious.listed(other)} == {
        "phishing, \"urgent\" invoices", "reused evidence"}


@pytest.mark.parametrize(("data", "fmt", "words"), [
    (b'[{"address": "' + PAYER.encode() + b'", "reason": "ok"}, {"address": "SPX", '
     b'"reason": "bad"}]', "json", "entry 2 of the list"),
    (b'{"address": "x"}', "json", "must be an array"),
    (b"addr,why\n", "csv", "header line address,reason"),
    (b"address,reason\n" + PAYER.encode() + b",a,b\n", "csv", "3 fields"),
    (b"\xff\xfe", "csv", "not UTF-8"),
    (b"[" + b" " * suspicious.MAX_FILE_BYTES + b"]", "json", "at most"),
    (b"address,reason\n", "xml", "one of json, csv"),
])
def test_a_bad_shared_list_is_refused_whole(
        session: Session, data: bytes, fmt: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        suspicious.import_list(session, data, fmt, now=T0)
    assert suspicious.listed(session) == [] and flagged_entries(session) == []


def test_a_listed_party_raises_the_flag_and_step_5_demands_its_confirmation(
        fresh_store: Store, session: Session) -> None:
    walk_case(fresh_store, 1, Step.DOCUMENTS)
    suspicious.flag(session, PAYEE, "reported for fake delivery notes", now=T0)
    case = queries.load_case(session, 1)
    reasons = dict(queries.review_reasons(session, case))
    assert reasons[ReviewFlag.SUSPICIOUS_ADDRESS] == (
        f"A party is suspicious: the payee {PAYEE} is on your suspicious list "
        "(reported for fake delivery notes).")
    unconfirmed = proposal(1, confirmations=(ReviewFlag.FIRST_TIME_PAYER,))
    with pytest.raises(PolicyError, match="manual review for suspicious address is not confirmed"):
        steps.finalize_ruling(session, 1, unconfirmed, now=T0 + 9)
    assert case.invoice.arbiter == ARBITER
    steps.finalize_ruling(session, 1, proposal(1), now=T0 + 9)
