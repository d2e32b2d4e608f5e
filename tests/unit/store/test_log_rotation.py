"""Rotating the decision-log key: the old key signs the handover to a new key the device
binds to the arbiter; old checkpoints keep verifying, in the store, in exports, which follow
the chain of keys, and in the case bundle of a receipt issued before; a forged or broken
chain is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from arbiter_app.cli import main
from arbiter_app.decisionlog.entry import canonical_json
from arbiter_app.errors import VerificationError
from arbiter_app.progress import run_to_end
from arbiter_app.records import export
from arbiter_app.records.bundle_car import BundleCar
from arbiter_app.records.bundle_verify import verify as verify_bundle
from arbiter_app.services import bundle, logkey, logs
from arbiter_app.store import log
from arbiter_app.store.db import Store, open_store
from tests.fixtures.bundle import ruled_case, session_for
from tests.fixtures.store import LOG_DEVICE, T0, fill, session_on, unlocked


def rotate(store: Store, at: int) -> None:
    logkey.rotate_key(session_on(store, LOG_DEVICE), now=at)


def export_lines(store: Store, invoice_id: int | None = None, at: int = T0 + 500
                 ) -> list[bytes]:
    out = io.BytesIO()
    logs.write_jsonl(session_on(store, LOG_DEVICE), out, invoice_id=invoice_id, now=at)
    return export.read_lines(out.getvalue())


@pytest.fixture
def rotated(fresh_store: Store) -> Store:
    """Ten entries and a checkpoint under the first key, a rotation, five more entries."""
    fill(fresh_store, 10)
    log.checkpoint(fresh_store, now=T0 + 10)
    rotate(fresh_store, T0 + 20)
    fill(fresh_store, 5)
    log.checkpoint(fresh_store, now=T0 + 30)
    return fresh_store


def test_rotation_hands_over_and_old_checkpoints_keep_verifying(rotated: Store) -> None:
    kept = log.checkpoints(rotated)
    assert [cp.size for cp in kept] == [10, 11, 16]
    first, second = kept[0].key, kept[2].key
    assert first != second and kept[1].key == second  # the new key signs over the handover
    assert [e.kind for e in log.entries(rotated)][10] == "log-key-rotated"
    (handover,) = log.handovers(rotated)
    assert (handover.old, handover.new, handover.size) == (first, second, 11)
    assert handover.attestation is not None and handover.attestation.address == \
        LOG_DEVICE.address()
    assert log.verify_log(rotated) == 16


@pytest.mark.parametrize("case", [None, 1], ids=["whole-log", "one-case"])
def test_an_export_after_rotation_follows_the_chain_of_keys(rotated: Store,
                                                            case: int | None) -> None:
    report = export.verify_jsonl(export_lines(rotated, case), arbiter=LOG_DEVICE.address())
    assert report.arbiter == LOG_DEVICE.address() and set(report.history) == {10, 11}
    assert report.chain.current == log.public_key(rotated)


def test_an_export_from_before_the_rotation_is_extended_by_one_after(fresh_store: Store) -> None:
    fill(fresh_store, 10)
    before = export_lines(fresh_store, at=T0 + 15)
    rotate(fresh_store, T0 + 20)
    fill(fresh_store, 3)
    after = export.verify_jsonl(export_lines(fresh_store), require_attestation=False)
    export.check_previous(after, export.verify_header(before[0]))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("size", 5, "not signed by its old key"),
    ("signature", "00" * 64, "not signed by its old key"),
], ids=["handover-size-moved", "handover-signature-forged"])
def test_a_changed_stored_handover_fails_the_audit(rotated: Store, field: str, value: object,
                                                   message: str) -> None:
    row = rotated.conn.execute("SELECT handover FROM log_keys WHERE handover IS NOT NULL"
                               ).fetchone()
    changed = {**json.loads(row[0]), field: value}
    with rotated.atomic():
        rotated.conn.execute("UPDATE log_keys SET handover = ? WHERE handover IS NOT NULL",
                             (json.dumps(changed),))
    with pytest.raises(VerificationError, match=message):
        log.verify_log(rotated)


def resign(lines: list[bytes], store: Store, header: dict[str, object]) -> list[bytes]:
    """The export with ``header`` signed by the store's current key (a forger holding it)."""
    header.pop("signature", None)
    header["signature"] = log.private_key(store).sign(canonical_json(header)).hex()
    return [canonical_json(header), *lines[1:]]


@pytest.mark.parametrize("attack", ["chain-dropped", "handover-size-moved",
                                    "handover-signature-forged"])
def test_a_forged_key_chain_in_an_export_is_refused(rotated: Store, attack: str) -> None:
    lines = export_lines(rotated)
    header = json.loads(lines[0])
    if attack == "chain-dropped":  # then old checkpoints name a key outside the chain
        header["keys"] = []
    elif attack == "handover-size-moved":
        header["keys"][0]["size"] = 3
    else:
        header["keys"][0]["signature"] = "00" * 64
    with pytest.raises(VerificationError, match="line 1:"):
        export.verify_jsonl(resign(lines, rotated, header), require_attestation=False)


def test_log_rotate_key_command_then_export_verifies_with_the_arbiter(
        log_device_settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(json.loads(log_device_settings.read_text()).get("data_dir") or
                tmp_path / "data")
    with unlocked(open_store(data / "cases.sqlite")) as store:
        fill(store, 4)
    assert main(["log", "rotate-key"]) == 0
    assert "rotated the decision-log key" in capsys.readouterr().err
    out = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["log", "verify", str(out), "--arbiter", LOG_DEVICE.address()]) == 0, \
        capsys.readouterr().err


def test_a_case_bundle_of_a_receipt_from_before_a_rotation_still_verifies(
        fresh_store: Store) -> None:
    arbiter = ruled_case(fresh_store)
    session = session_for(fresh_store, arbiter)
    before = run_to_end(bundle.build(session, 1))[1]
    logkey.rotate_key(session, now=T0 + 900)
    after = run_to_end(bundle.build(session, 1))[1]
    assert after == before  # the receipt's checkpoint, signed by the key it names
    facts = verify_bundle(BundleCar(io.BytesIO(after)), arbiter=arbiter.address())
    assert facts.receipt.ruling == "split"
