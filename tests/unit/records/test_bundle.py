"""Case bundles: built from a real ruled case (real documents, a real signed transaction, an
issued receipt), they verify offline and state the award; the same case gives the same bundle;
``bundle export`` and ``bundle verify`` follow the verifiers' exit codes, ``-o -`` included;
and a bundle verifies on a machine with no store at all."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arbiter_app.case.models import Decision, Step
from arbiter_app.cli import main
from arbiter_app.errors import PolicyError, VerificationError
from arbiter_app.progress import run_to_end
from arbiter_app.records import receipt as receipts
from arbiter_app.records.bundle_car import BundleCar
from arbiter_app.records.bundle_verify import verify, verify_file
from arbiter_app.services import bundle
from arbiter_app.store import execution
from arbiter_app.store.db import Store, open_store
from tests.fixtures.bundle import ARBITER_KEY, receipt_body, ruled_case, session_for, signer
from tests.fixtures.store import PAYEE, PAYER, keystore_for, walk_case
from tests.unit.test_docs import documented_keys

AMOUNT = 250_000_000


def made(store: Store, invoice_id: int = 1, **kwargs: object) -> tuple[str, bytes]:
    arbiter = ruled_case(store, invoice_id, **kwargs)  # type: ignore[arg-type]
    _, data = run_to_end(bundle.build(session_for(store, arbiter), invoice_id))
    return arbiter.address(), data


@pytest.mark.parametrize(("decision", "share", "payee", "payer"), [
    (Decision.RELEASE, None, AMOUNT, 0),
    (Decision.REFUND, None, 0, AMOUNT),
    (Decision.SPLIT, 150_000_000, 150_000_000, 100_000_000),
], ids=["release-all-to-payee", "refund-all-to-payer", "split-60-40"])
def test_bundle_verifies_offline_and_states_the_award(
        fresh_store: Store, decision: Decision, share: int | None, payee: int,
        payer: int) -> None:
    arbiter, data = made(fresh_store, decision=decision, payee_amount=share)
    facts = verify(BundleCar(io.BytesIO(data)), arbiter=arbiter)
    assert (facts.award["payee"]["amount"], facts.award["payer"]["amount"]) == (payee, payer)
    assert facts.award["payee"]["address"] == PAYEE and facts.award["payer"]["address"] == PAYER
    assert facts.award["ruling"] == decision.value and facts.receipt.ruling == decision.value
    assert facts.award["text"].startswith(decision.value.capitalize())
    assert facts.evidence == 2 and facts.documents == 3  # terms + two manifests


def test_the_same_case_gives_the_same_bundle(fresh_store: Store) -> None:
    arbiter = ruled_case(fresh_store)
    session = session_for(fresh_store, arbiter)
    first = run_to_end(bundle.build(session, 1))
    assert run_to_end(bundle.build(session, 1)) == first


def test_an_arbiter_other_than_the_signer_is_refused(fresh_store: Store) -> None:
    _, data = made(fresh_store)
    with pytest.raises(VerificationError, match="the receipt: .*not the invoice's arbiter"):
        verify(BundleCar(io.BytesIO(data)), arbiter=PAYER)


def test_a_case_without_a_receipt_has_no_bundle(fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.RULING)
    with pytest.raises(PolicyError, match="has no receipt yet"):
        run_to_end(bundle.build(session_for(fresh_store, signer()), 1))


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A settings file over a store with a ruled case, and the arbiter's address."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    store = open_store(data_dir / "cases.sqlite")
    arbiter = ruled_case(store).address()
    store.close()
    settings = tmp_path / "settings.json"
    key = keystore_for(tmp_path / "arbiter.keystore", ARBITER_KEY, monkeypatch)
    settings.write_text(json.dumps({"data_dir": str(data_dir),  # the arbiter unlocks the log
                                    "ipfs_gateways": ["http://127.0.0.1:9"],
                                    "signer": "software", "keystore": key}))
    settings.chmod(0o600)
    monkeypatch.setenv("ARBITER_APP_CONFIG", str(settings))
    yield tmp_path, arbiter


def test_export_then_verify_with_the_arbiter_exits_0_with_json(
        exported: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    folder, arbiter = exported
    out = folder / "bundle-1.car"
    assert main(["bundle", "export", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["bundle", "verify", str(out), "--arbiter", arbiter, "--json"]) == 0
    printed = capsys.readouterr()
    facts = json.loads(printed.out)
    assert (facts["payee_amount"], facts["payer_amount"]) == (150_000_000, 100_000_000)
    assert facts["invoice_id"] == 1 and facts["online"] is False
    assert set(facts) == documented_keys("bundle verify")
    assert "ok: bundle " in printed.err and "Split 2.5 sBTC" in printed.err


def test_verify_without_arbiter_says_not_verified_and_exits_1(
        exported: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    folder, arbiter = exported
    out = folder / "b.car"
    assert main(["bundle", "export", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["bundle", "verify", str(out), "--json"]) == 1
    printed = capsys.readouterr()
    assert printed.out == "" and f"NOT VERIFIED: the bundle is intact and signed by {arbiter}" \
        in printed.err


def test_export_to_standard_output_writes_the_same_bytes(
        exported: tuple[Path, str], capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    folder, _ = exported
    assert main(["bundle", "export", "1", "-o", str(folder / "f.car")]) == 0
    capsysbinary.readouterr()
    assert main(["bundle", "export", "1", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out == (folder / "f.car").read_bytes()


def test_export_of_an_unknown_case_exits_1(exported: tuple[Path, str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bundle", "export", "99", "-o", "-"]) == 1
    assert "invoice 99 has no receipt yet" in capsys.readouterr().err


def test_verifies_on_a_machine_with_no_store(exported: tuple[Path, str],
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    """A fresh HOME, no settings file, no data directory: only the bundle file."""
    folder, arbiter = exported
    out = folder / "bundle-1.car"
    assert main(["bundle", "export", "1", "-o", str(out)]) == 0
    home = tmp_path_factory.mktemp("fresh-home")
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_CONFIG_HOME": str(home / "c"),
           "XDG_DATA_HOME": str(home / "d"), "XDG_STATE_HOME": str(home / "s")}
    done = subprocess.run([sys.executable, "-m", "arbiter_app", "bundle", "verify", str(out),
                           "--arbiter", arbiter], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "every block, signature and proof verified" in done.stderr
    assert not list(home.rglob("cases.sqlite"))  # nothing made a store


def test_verify_file_reads_from_disk(fresh_store: Store, tmp_path: Path) -> None:
    arbiter, data = made(fresh_store)
    (tmp_path / "x.car").write_bytes(data)
    assert verify_file(tmp_path / "x.car", arbiter=arbiter).blocks == 9



def test_publishing_after_the_receipt_never_fails_the_ruling(
        fresh_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """No publication target here: publishing refuses, publishing after the receipt logs it."""
    session = session_for(fresh_store, ruled_case(fresh_store))
    with pytest.raises(PolicyError, match="no publication target is configured"):
        bundle.publish(session, 1)
    bundle.publish_quietly(session, 1, 0)
    assert "the case bundle of invoice 1 is not yet published: no publication target" in \
        caplog.text


def test_a_case_whose_receipt_is_of_the_first_schema_bundles_and_verifies(
        fresh_store: Store) -> None:
    """Receipts issued before schema /2 name no escrow contract: the index says null."""
    arbiter = ruled_case(fresh_store, decision=Decision.RELEASE, payee_amount=None)
    body = {k: v for k, v in receipt_body(fresh_store).items()
            if k not in ("escrow_contract", "sla")}
    body["schema"] = receipts.SCHEMA_V1
    domain, message = receipts.signed_message(body)
    rsv = arbiter.sign_structured_message(domain, message)
    document = receipts.signed_document(body, arbiter.address(), rsv)
    execution.save_receipt(fresh_store, 1, document, receipt_sha256="00" * 32, now=0)
    _, data = run_to_end(bundle.build(session_for(fresh_store, arbiter), 1))
    facts = verify(BundleCar(io.BytesIO(data)), arbiter=arbiter.address())
    assert facts.receipt.escrow_contract is None and facts.award["payee"]["amount"] == AMOUNT
