"""``arbiter-app disputes``: the rows follow the documented schema, the text table shows
each case, and both read what the store holds."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from arbiter_app.case.models import EvidenceState, InvoiceStatus
from arbiter_app.cli import main
from arbiter_app.services import listing
from arbiter_app.store import cases, rows
from arbiter_app.store.db import open_store
from tests.fixtures.store import T0, make_dispute, make_invoice


def seed(path: Path) -> None:
    with open_store(path) as store:
        cases.sync_dispute(store, make_invoice(7), make_dispute(7, evidence=3), now=T0)
        cases.mark_evidence_unavailable(store, 7, 1, reason="block withheld", now=T0)
        cases.sync_dispute(store, make_invoice(9, amount=5), make_dispute(9, evidence=0), now=T0)


def data_store() -> Path:
    return Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite"


def test_rows_follow_the_documented_schema(tmp_path: Path) -> None:
    seed(tmp_path / "c.sqlite")
    with open_store(tmp_path / "c.sqlite") as store:
        got = [listing.dispute_row(c, 72, T0 + 3600) for c in rows.list_cases(store)]
    assert [r["invoice_id"] for r in got] == [7, 9]
    for row in got:
        assert set(row) == set(listing.DISPUTES_SCHEMA)
    first = got[0]
    assert first["status"] == "DISPUTED" and first["amount"] == 250_000_000
    assert first["sla_remaining"] == 71 * 3600 and first["sla_due"] == T0 + 72 * 3600
    assert first["evidence"] == {"pending": 2, "verified": 0, "unavailable": 1, "mismatch": 0}
    assert first["steps_done"] == [] and first["current_step"] == 1
    assert first["transaction"] is None


def test_overdue_sla_is_negative(tmp_path: Path) -> None:
    seed(tmp_path / "c.sqlite")
    with open_store(tmp_path / "c.sqlite") as store:
        case = rows.load_case(store, 7)
    assert listing.dispute_row(case, 1, T0 + 7200)["sla_remaining"] == -3600


def test_cli_json_prints_the_store(capsys: pytest.CaptureFixture[str]) -> None:
    seed(data_store())
    assert main(["disputes", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["invoice_id"] for r in printed] == [7, 9]
    assert printed[0]["evidence"][EvidenceState.UNAVAILABLE.value] == 1


def test_cli_table_lists_each_case(capsys: pytest.CaptureFixture[str]) -> None:
    seed(data_store())
    assert main(["disputes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("invoice") and len(lines) == 3
    assert lines[1].split()[:3] == ["7", "DISPUTED", "2.50000000"]
    assert "1 unavail." in lines[1]


def test_cli_on_an_empty_store_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["disputes"]) == 0
    assert "arbiter-app sync" in capsys.readouterr().out


def test_cli_table_shows_a_case_closed_on_chain_as_closed_like_the_queue(
        capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(data_store()) as store:
        refunded = dataclasses.replace(make_invoice(4), status=InvoiceStatus.REFUNDED)
        cases.sync_dispute(store, refunded, make_dispute(4, evidence=0), now=T0)
        cases.sync_dispute(store, make_invoice(5), make_dispute(5, evidence=0), now=T0)
    assert main(["disputes"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["4"].split()[5:7] == ["closed", "closed"]
    assert "overdue" in lines["5"] and " 1 of 6 " in lines["5"]  # T0 is long past
