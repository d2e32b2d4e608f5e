"""The settings dialog and the first-run page, offscreen: nothing is saved until every field
decodes as settings (the error names the key), the first-run page reads the emulated Ledger's
address and needs it shown on the device and confirmed, and each save is logged as
``settings-changed``. ``arbiter-app gui`` without a settings file opens the first-run page."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.first_run import FirstRunPage
from arbiter_app.gui.views.settings import SettingsDialog
from arbiter_app.store import log
from arbiter_app.store.db import open_store

SHOTS = Path(os.environ.get("ARBITER_SCREENSHOTS", "/tmp/arbiter-shots"))


def logged_keys(settings: config.Settings) -> list[str]:
    with open_store(Path(settings.data_dir) / "cases.sqlite") as store:
        return [json.loads(e.body)["data"]["key"] for e in log.entries(store)
                if e.kind == "settings-changed"]


def shot(widget: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_first_run_page_connects_the_ledger_confirms_the_address_and_saves(
        qtbot: QtBot, ledger: Any, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    page = FirstRunPage(path)
    qtbot.addWidget(page)
    page.resize(760, 640)
    form = page.form
    form.ledger.setText(ledger.ledger)
    form.ipfs_gateways.setPlainText("https://trustless-gateway.link\n")
    page.on_save()
    assert "connect the Ledger" in page.problem.text() and not path.exists()
    page.connect_button.click()
    qtbot.waitUntil(lambda: page.address == ledger.arbiter_address, timeout=30_000)
    assert not page.confirmed.isEnabled()  # only once the device has shown it
    page.show_button.click()
    qtbot.waitUntil(lambda: page.confirmed.isEnabled() and not Task._running, timeout=30_000)
    assert ledger.arbiter_address in page.address_label.text()
    assert "shown on the device" in page.address_label.text()
    page.confirmed.setChecked(True)
    page.show()
    shot(page, "first-run.png")
    page.on_save()
    assert page.result() == page.DialogCode.Accepted
    saved = config.load(path)
    assert (saved.ledger, saved.ipfs_gateways) == (ledger.ledger,
                                                  ("https://trustless-gateway.link",))
    assert {"ledger", "ipfs_gateways"} <= set(logged_keys(saved))


def test_first_run_page_names_a_bad_field_and_saves_nothing(
        qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    page = FirstRunPage(path)
    qtbot.addWidget(page)
    page.form.ledger.setText("usb")
    page.connect_button.click()
    assert page.problem.text() == "settings: setting 'ledger': expected 'hid' or 'tcp:HOST:PORT'"
    assert not Task._running and not path.exists()


def test_settings_dialog_validates_before_saving_then_logs_the_change(
        qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    before = config.Settings(data_dir=str(tmp_path / "data"))
    config.save(before, path)
    original = path.read_bytes()
    dialog = SettingsDialog(before, path)
    qtbot.addWidget(dialog)
    dialog.form.stacks_api.setText("ftp://api.example")
    dialog.form.ipfs_gateways.setPlainText("https://ipfs.io\nnot a url")
    dialog.on_save()
    assert dialog.problem.text() == ("settings: setting 'stacks_api': expected an http:// or "
                                     "https:// URL")
    assert path.read_bytes() == original and dialog.saved is None
    dialog.form.network.setCurrentText("testnet")  # a hand-typed URL is kept
    assert dialog.form.stacks_api.text() == "ftp://api.example"
    dialog.form.stacks_api.setText("https://api.testnet.hiro.so")
    dialog.on_save()
    assert "'ipfs_gateways[1]'" in dialog.problem.text()
    dialog.form.ipfs_gateways.setPlainText("https://ipfs.io")
    dialog.form.sla_hours.setValue(48)
    dialog.form.api_key.setText("secret-key-value")
    dialog.show()
    shot(dialog, "settings-dialog.png")
    dialog.on_save()
    saved = config.load(path)
    assert (saved.network, saved.sla_hours, saved.api_key) == ("testnet", 48, "secret-key-value")
    assert set(logged_keys(saved)) == {"network", "stacks_api", "ipfs_gateways", "sla_hours",
                                       "api_key"}


def test_gui_without_settings_opens_the_first_run_page_and_cancel_saves_nothing(
        qtbot: QtBot, tmp_path: Path) -> None:
    from arbiter_app.cli import main

    path = tmp_path / "none" / "settings.json"
    seen: list[str] = []

    def cancel_the_page() -> None:
        pages = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, FirstRunPage) and w.isVisible()]
        if not pages:
            QTimer.singleShot(50, cancel_the_page)
            return
        seen.append(pages[0].windowTitle())
        pages[0].reject()

    QTimer.singleShot(0, cancel_the_page)
    assert main(["--config", str(path), "gui"]) == 0
    assert seen == ["Welcome to Arbiter Desk"] and not path.exists()


def test_saving_the_settings_dialog_reopens_the_window_on_the_new_settings(
        qtbot: QtBot, tmp_path: Path) -> None:
    from arbiter_app.cli import main
    from arbiter_app.gui.main_window import MainWindow

    path = tmp_path / "settings.json"
    config.save(config.Settings(data_dir=str(tmp_path / "data")), path)
    seen: list[int] = []

    def step() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible() and not w.restart_requested]
        if not windows or Task._running:
            QTimer.singleShot(50, step)
            return
        window = windows[0]
        seen.append(window.session.settings.sla_hours)
        if len(seen) == 1:
            window.on_settings()
            assert window.settings_dialog is not None
            window.settings_dialog.form.sla_hours.setValue(24)
            window.settings_dialog.on_save()
            QTimer.singleShot(50, step)
        else:
            window.close()

    QTimer.singleShot(0, step)
    assert main(["--config", str(path), "gui"]) == 0
    assert seen == [72, 24]
    assert "sla_hours" in logged_keys(config.load(path))
