"""The PyInstaller bundle, built as ``make package`` builds it, run as a user would run it.

Each command runs the bundle's own executable on inputs made by the reference tools or by
the source tree (a stacks.js transaction, a CAR from the Node UnixFS importer, a decision log
and a receipt issued by a software signer, the emulated Ledger), and its answers are held to
what the source tree answers. The bundle is cached in ``build/bundle`` between runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arbiter_app import __version__, config
from arbiter_app.cli import main
from arbiter_app.services.receipts import issue_receipt
from arbiter_app.store.db import open_store
from tests.fixtures.ledger import EmulatorProcess
from tests.fixtures.store import LOG_DEVICE, session_on
from tests.fixtures.unixfs import SCRIPT as UNIXFS_SCRIPT
from tests.fixtures.unixfs import deterministic_bytes
from tests.package.bundle import REPO, Bundle, built_bundle
from tests.unit.records.test_receipt import executed_case
from tests.unit.stacks.test_cli_tx import SIGNED, VECTORS

pytestmark = pytest.mark.slow
SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return built_bundle()


def run(bundle: Bundle, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the bundle's executable with the test's config and data directories."""
    return subprocess.run([str(bundle.executable), *args], capture_output=True, text=True,
                          timeout=timeout, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})


def test_version(bundle: Bundle) -> None:
    done = run(bundle, "--version")
    assert (done.returncode, done.stdout) == (0, f"arbiter-app {__version__}\n")


def test_tx_decode_of_a_stacks_js_transaction_matches_the_source_tree(
        bundle: Bundle, capsys: pytest.CaptureFixture[str]) -> None:
    done = run(bundle, "tx", "decode", SIGNED)
    assert done.returncode == 0, done.stderr
    assert main(["tx", "decode", SIGNED]) == 0
    decoded = json.loads(done.stdout)
    assert decoded == json.loads(capsys.readouterr().out)
    assert decoded["txid"] == VECTORS["contract_call"]["txid"]
    assert decoded["signature_valid"] is True


@pytest.fixture
def reference_car(tmp_path: Path) -> tuple[Path, str]:
    """A 1 MiB + 1 byte file imported by the Node UnixFS importer (CIDv1, raw leaves)."""
    data = tmp_path / "evidence.bin"
    data.write_bytes(deterministic_bytes("bundle-smoke", 1024 * 1024 + 1))
    car = tmp_path / "evidence.car"
    job = {"input": str(data), "profile": "kubo-v1", "root_first": str(car),
           "root_last": str(tmp_path / "last.car"), "relabel_raw": False}
    done = subprocess.run(["node", str(UNIXFS_SCRIPT)], input=json.dumps({"jobs": [job]}),
                          capture_output=True, text=True, check=True, cwd=UNIXFS_SCRIPT.parent)
    return car, json.loads(done.stdout)["results"][0]["root"]


def test_evidence_verify_accepts_the_reference_car_and_refuses_a_flipped_byte(
        bundle: Bundle, reference_car: tuple[Path, str]) -> None:
    car, root = reference_car
    done = run(bundle, "evidence", "verify", str(car), "--cid", root, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cid"] == root
    tampered = car.with_name("tampered.car")
    body = bytearray(car.read_bytes())
    body[-100] ^= 1
    tampered.write_bytes(bytes(body))
    done = run(bundle, "evidence", "verify", str(tampered), "--cid", root)
    assert done.returncode == 1 and "Traceback" not in done.stderr


@pytest.fixture
def ruled(tmp_path: Path, log_device_settings: Path) -> Iterator[tuple[Path, Path, str]]:
    """A ruled case in the data directory: its exported log, its receipt, the arbiter (the
    settings' signer, which the export asks to unlock the log key)."""
    signer = LOG_DEVICE
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        executed_case(store, signer)
        receipt = tmp_path / "receipt.json"
        receipt.write_text(issue_receipt(session_on(store, signer), 1, 1_790_000_100))
    exported = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(exported)]) == 0
    yield exported, receipt, signer.address()


def test_log_verify_accepts_the_export_and_names_a_tampered_line(
        bundle: Bundle, ruled: tuple[Path, Path, str]) -> None:
    exported, _, arbiter = ruled
    done = run(bundle, "log", "verify", str(exported), "--arbiter", arbiter)
    assert done.returncode == 0, done.stderr
    lines = exported.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"kind":"', b'"kind":"x', 1)
    exported.write_bytes(b"".join(lines))
    done = run(bundle, "log", "verify", str(exported), "--arbiter", arbiter)
    assert done.returncode == 1 and "line 3:" in done.stderr


def test_receipt_verify_and_pdf(bundle: Bundle, ruled: tuple[Path, Path, str],
                                tmp_path: Path) -> None:
    _, receipt, arbiter = ruled
    done = run(bundle, "receipt", "verify", str(receipt), "--arbiter", arbiter)
    assert done.returncode == 0 and "ok: invoice 1, release" in done.stderr, done.stderr
    pdf = tmp_path / "receipt.pdf"
    done = run(bundle, "receipt", "pdf", str(receipt), "-o", str(pdf))
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 1000


def test_ledger_address_from_the_emulator_matches_the_source_tree(
        bundle: Bundle, ledger: EmulatorProcess, capsys: pytest.CaptureFixture[str]) -> None:
    device = f"tcp:127.0.0.1:{ledger.port}"
    done = run(bundle, "ledger", "address", "--device", device, "--json")
    assert done.returncode == 0, done.stderr
    assert main(["ledger", "address", "--device", device, "--json"]) == 0
    assert json.loads(done.stdout) == json.loads(capsys.readouterr().out)


def test_gui_opens_its_main_window_offscreen_and_closes_on_sigterm(bundle: Bundle) -> None:
    """The window is up once ``gui.app.run`` has shown it and taken SIGTERM (seen in /proc);
    SIGTERM then closes it as the user would, and the process exits 0. Saved settings make
    it skip the first-run page."""
    config.save(config.Settings(network="testnet", data_dir=os.environ["ARBITER_APP_DATA"]))
    process = subprocess.Popen([str(bundle.executable), "gui"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    try:
        deadline = time.monotonic() + 60
        while not _catches_sigterm(process.pid):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the main window never came up"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert (Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite").exists()


def _catches_sigterm(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & SIGTERM_BIT)


@pytest.mark.parametrize("command", ["demo", "devnet"])
def test_devnet_commands_are_not_offered_and_say_where_to_run(bundle: Bundle,
                                                              command: str) -> None:
    assert command not in run(bundle, "--help").stdout.split()
    done = run(bundle, command, "--port", "1")
    assert done.returncode == 2
    assert "not part of this bundle" in done.stderr and "make demo" in done.stderr


def test_bundle_carries_the_qt_it_uses_and_no_test_tools(bundle: Bundle) -> None:
    from PyInstaller.depend.bindepend import get_imports

    internal = bundle.executable.parent / "_internal"
    qt_libs = {p.name.split(".")[0] for p in (internal / "PySide6" / "Qt" / "lib").iterdir()}
    assert {"libQt6Core", "libQt6Gui", "libQt6Widgets", "libQt6Svg", "libQt6Pdf"} <= qt_libs
    unused = {"libQt6Qml", "libQt6Quick", "libQt6WebEngineCore", "libQt6VirtualKeyboard",
              "libQt6OpenGL"}
    assert not qt_libs & unused
    shipped = {p.name for p in internal.rglob("*.so*")}
    missing = {(so.name, name) for so in internal.rglob("*.so*") if not so.is_symlink()
               for name, _ in get_imports(str(so))
               if name.startswith("libQt6") and name not in shipped}
    assert not missing, missing
    for tool in ("pytest", "_pytest", "hypothesis", "pygments", "PyInstaller"):
        assert not (internal / tool).exists(), tool


def test_install_desktop_from_the_bundle_points_the_entry_at_the_bundle(
        bundle: Bundle, tmp_path: Path) -> None:
    done = run(bundle, "install-desktop", "--prefix", str(tmp_path), "--no-udev")
    assert done.returncode == 0, done.stderr
    entry = (tmp_path / "applications" / "io.bitmind.ArbiterDesk.desktop").read_text()
    assert f"Exec={bundle.executable} gui\n" in entry
    assert (tmp_path / "icons/hicolor/256x256/apps/io.bitmind.ArbiterDesk.png").is_file()


def test_evidence_render_child_runs_from_the_bundle(bundle: Bundle,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The viewer starts its render child as ``sys.executable -m …``; in the bundle that is
    the bundle's executable, which must render the PDF as the source tree's child does."""
    from arbiter_app.gui.render_process import Rendering, render

    pdf = (REPO / "resources" / "devnet" / "seed" / "statement-of-work.pdf").read_bytes()

    def rendered() -> Rendering:
        steps = render("pdf", pdf)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                result: Rendering = done.value
                return result

    expected = rendered()
    monkeypatch.setattr(sys, "executable", str(bundle.executable))
    bundled = rendered()
    assert bundled.refusal == "" and bundled.page_count == expected.page_count >= 1
    assert bundled.pages == expected.pages
