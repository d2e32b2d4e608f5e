"""``case``, ``rule``, ``execute``, ``receipt export`` and ``search`` refuse bad input with a
specific message and the documented exit status (1 refused or failed, 2 bad usage), and
change nothing they refuse; on a stored case they show, reopen and search what is there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arbiter_app.case.models import Step
from arbiter_app.cli import main
from arbiter_app.store import rows
from arbiter_app.store.db import Store, open_store
from tests.fixtures.store import PAYER, RATIONALE, cid_of, make_dispute, walk_case

REPO = Path(__file__).resolve().parents[3]
CASE = 7


@pytest.fixture
def store() -> Iterator[Store]:
    """The case store the CLI uses (``ARBITER_APP_DATA``), with case 7 through step 4."""
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as opened:
        walk_case(opened, CASE, Step.DOCUMENTS)
        yield opened


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as e:  # argparse's usage errors
        status = int(e.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def rationale_file(tmp_path: Path, text: str = RATIONALE) -> str:
    path = tmp_path / "rationale.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def evidence_cid(index: int = 0) -> str:
    return make_dispute(CASE).evidence[index].manifest_cid


@pytest.mark.parametrize(("argv", "status", "words"), [
    (["case", "show", "999"], 1, "the case store holds no dispute for invoice 999"),
    (["case", "step", "999", "1", "--declare-no-conflict"], 1, "no dispute for invoice 999"),
    (["rule", "999", "--release", "--rationale", str(REPO / "README.md")], 1,
     "no dispute for invoice 999"),
    (["receipt", "export", str(CASE), "-o", "-"], 1, "holds no receipt for invoice 7"),
    (["case", "step", str(CASE), "1", "--declare-no-conflict"], 1,
     "step 1 of invoice 7 is already completed"),
    (["case", "step", str(CASE), "5"], 2, "invalid choice: 5"),
    (["case", "step", str(CASE), "2", "--unavailable", "first"], 2, "ITEM=REASON"),
    (["case", "step", str(CASE), "3", "--declare-no-conflict"], 2,
     "--declare-no-conflict belongs to step 1"),
    (["case", "reopen", "999", "1"], 1, "no dispute for invoice 999"),
    (["rule", str(CASE), "--release", "--refund", "--rationale", "x"], 2, "not allowed with"),
    (["rule", str(CASE), "--release", "--rationale", "x", "--confirm", "vibes"], 2,
     "invalid choice: 'vibes'"),
    (["rule", str(CASE), "--release", "--rationale", "/nonexistent/r.txt"], 1,
     "cannot read the rationale /nonexistent/r.txt"),
], ids=["show-unknown-case", "step-unknown-case", "rule-unknown-case",
        "export-before-a-receipt", "step-already-done", "step-5-is-not-a-case-step",
        "unavailable-without-reason", "declaration-at-step-3", "reopen-unknown-case",
        "release-and-refund", "unknown-review-flag", "missing-rationale-file"])
def test_bad_input_is_refused_with_its_exit_status_and_message(
        store: Store, argv: list[str], status: int, words: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    got, _, err = run(argv, capsys)
    assert got == status and words in err


def test_a_step_out_of_order_names_the_step_to_do_first(
        capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as opened:
        walk_case(opened, CASE, Step.TERMS)
    status, _, err = run(["case", "step", str(CASE), "3"], capsys)
    assert status == 1
    assert "step 3 cannot be completed: complete step 2 of invoice 7 first" in err


@pytest.mark.parametrize(("text", "cite", "confirm", "words"), [
    ("Too short.", [evidence_cid()], ["first-time-payer"],
     "the rationale has 10 characters; at least 300 are needed"),
    (RATIONALE, [cid_of("not-evidence")], ["first-time-payer"],
     f"cited CIDs are not evidence of this case: {cid_of('not-evidence')}"),
    (RATIONALE, [], ["first-time-payer"], "the rationale cites no evidence item of this case"),
    (RATIONALE, [evidence_cid()], [], "the manual review for first time payer is not confirmed"),
], ids=["rationale-too-short", "cited-cid-not-evidence", "nothing-cited", "flag-not-confirmed"])
def test_rule_refuses_what_step_5_refuses_and_stores_no_ruling(
        store: Store, tmp_path: Path, text: str, cite: list[str], confirm: list[str],
        words: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["rule", str(CASE), "--release", "--rationale", rationale_file(tmp_path, text)]
    argv += [a for c in cite for a in ("--cite", c)]
    argv += [a for f in confirm for a in ("--confirm", f)]
    status, _, err = run(argv, capsys)
    assert status == 1 and words in err
    assert rows.load_ruling(store, CASE) is None


def test_rule_finalizes_then_case_show_and_search_find_it(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["rule", str(CASE), "--refund", "--rationale", rationale_file(tmp_path),
            "--cite", evidence_cid(), "--confirm", "first-time-payer"]
    assert run(argv, capsys)[0] == 0
    status, out, _ = run(["case", "show", str(CASE), "--json"], capsys)
    document = json.loads(out)
    assert status == 0 and document["ruling"]["decision"] == "refund"
    status, out, _ = run(["case", "show", str(CASE)], capsys)
    assert status == 0 and "invoice 7: DISPUTED" in out and "ruling: refund" in out
    assert document["current_step"] == 6 and document["flags"] == ["first-time-payer"]
    status, out, _ = run(["search", "milestone terms", "--json"], capsys)
    assert {(h["invoice_id"], h["where"]) for h in json.loads(out)} >= {(CASE, "rationale")}
    status, out, _ = run(["search", PAYER.lower(), "--json"], capsys)
    assert [(h["invoice_id"], h["where"]) for h in json.loads(out)] == [(CASE, "party")]
    assert run(["case", "reopen", str(CASE), "5"], capsys)[0] == 0
    assert rows.load_ruling(store, CASE) is None
    assert rows.load_draft(store, CASE) is not None  # the rationale went back to the editor


@pytest.mark.parametrize(("share", "status", "words"), [
    ("a lot", 2, "--split takes sBTC (0.3) or a percentage (60%)"),
    ("0.123456789", 2, "is not a whole number of base units"),
    ("100%", 1, "a split gives the payee more than 0 and less than the whole"),
    ("0", 1, "a split gives the payee more than 0 and less than the whole"),
], ids=["not-a-number", "finer-than-a-base-unit", "everything-to-the-payee", "nothing"])
def test_rule_refuses_a_split_that_is_no_split(
        store: Store, tmp_path: Path, share: str, status: int, words: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["rule", str(CASE), "--split", share, "--rationale", rationale_file(tmp_path),
            "--cite", evidence_cid(), "--confirm", "first-time-payer"]
    got, _, err = run(argv, capsys)
    assert got == status and words in err
    assert rows.load_ruling(store, CASE) is None


@pytest.mark.parametrize("share", ["60%", "0.12"], ids=["percent", "sbtc"])
def test_rule_finalizes_a_split_in_percent_or_sbtc(
        store: Store, tmp_path: Path, share: str, capsys: pytest.CaptureFixture[str]) -> None:
    amount = rows.load_case(store, CASE).invoice.amount
    expected = amount * 60 // 100 if share.endswith("%") else 12_000_000
    argv = ["rule", str(CASE), "--split", share, "--rationale", rationale_file(tmp_path),
            "--cite", evidence_cid(), "--confirm", "first-time-payer"]
    assert run(argv, capsys)[0] == 0
    ruling = rows.load_ruling(store, CASE)
    assert ruling is not None and ruling.decision.value == "split"
    assert ruling.payee_amount == expected
    status, out, _ = run(["case", "show", str(CASE), "--json"], capsys)
    assert json.loads(out)["ruling"]["payee_amount"] == expected


def test_execute_without_a_terminal_or_yes_refuses_before_anything(store: Store) -> None:
    done = subprocess.run([sys.executable, "-m", "arbiter_app", "execute", str(CASE)],
                          cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == ("arbiter-app: execute signs a transaction that moves funds: "
                                   "run it on a terminal to confirm, or pass --yes")
    assert rows.load_transaction(store, CASE) is None
