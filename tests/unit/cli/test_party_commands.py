"""``party flag|unflag|list|import|export`` on the CLI's case store: each change logged, the
JSON keys as the README documents them, a bad address or list refused with exit 2 and
nothing stored, and a listed party's case refused at ``rule`` until the flag is confirmed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from arbiter_app.case.models import Step
from arbiter_app.cli import main
from arbiter_app.store import log
from arbiter_app.store.db import open_store
from tests.fixtures.store import PAYEE, PAYER, RATIONALE, make_dispute, walk_case


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as e:
        status = int(e.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def store_path() -> Path:
    return Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite"


def test_flag_list_export_unflag_import_round_trip(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["party", "flag", PAYER, "--reason", "reported twice"], capsys)[0] == 0
    assert run(["party", "flag", PAYEE, "--reason", "fake notes"], capsys)[0] == 0
    status, out, _ = run(["party", "list", "--json"], capsys)
    assert status == 0 and json.loads(out) == sorted(
        [{"address": PAYER, "reason": "reported twice"},
         {"address": PAYEE, "reason": "fake notes"}], key=lambda d: d["address"])
    shared = tmp_path / "shared.csv"
    assert run(["party", "export", "-o", str(shared)], capsys)[0] == 0
    assert shared.read_text().splitlines()[0] == "address,reason"
    assert run(["party", "unflag", PAYER], capsys)[0] == 0
    assert run(["party", "unflag", PAYEE], capsys)[0] == 0
    assert run(["party", "list"], capsys)[1] == "no address is listed as suspicious\n"
    status, out, _ = run(["party", "import", str(shared)], capsys)
    assert status == 0 and out.startswith("2 address(es)")
    with open_store(store_path()) as store:
        kinds = [e.data["suspicious"] for e in log.entries(store) if e.kind == "party-flagged"]
    assert kinds == [True, True, False, False, True, True]


@pytest.mark.parametrize(("argv", "words"), [
    (["party", "flag", "SP000", "--reason", "x"], "is not a Stacks address"),
    (["party", "flag", PAYER, "--reason", ""], "needs a reason"),
    (["party", "unflag", PAYER], "is not on the suspicious list"),
    (["party", "import", "list.txt"], "say --format json or csv"),
    (["party", "import", "missing.json"], "cannot read the list"),
])
def test_bad_party_commands_are_refused_and_store_nothing(
        argv: list[str], words: str, capsys: pytest.CaptureFixture[str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(argv, capsys)
    assert status in (1, 2) and words in err
    assert "Traceback" not in err
    assert json.loads(run(["party", "list", "--json"], capsys)[1]) == []


def test_rule_on_a_listed_payers_case_needs_the_suspicious_confirmation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(store_path()) as store:
        walk_case(store, 7, Step.DOCUMENTS)
    assert run(["party", "flag", PAYER, "--reason", "reported"], capsys)[0] == 0
    rationale = tmp_path / "r.txt"
    rationale.write_text(RATIONALE, encoding="utf-8")
    cite = make_dispute(7).evidence[0].manifest_cid
    base = ["rule", "7", "--release", "--rationale", str(rationale), "--cite", cite,
            "--confirm", "first-time-payer"]
    status, _, err = run(base, capsys)
    assert status == 1 and "manual review for suspicious address is not confirmed" in err
    status, _, err = run([*base, "--confirm", "suspicious-address"], capsys)
    assert status == 0, err
