"""A closed, ruled case offers "Save case bundle…" on its step-6 page: it proposes
bundle-<invoice>.car, writes the verified bundle on the task runner, and confirms where it went
and the award it states; the page is rendered offscreen to a PNG (``ARBITER_SCREENSHOTS``
names a directory to keep it)."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from arbiter_app.case.models import Step
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.execution import ExecutionPage
from arbiter_app.records.bundle_verify import verify_file
from arbiter_app.store.db import Store
from tests.fixtures.bundle import ruled_case, session_for
from tests.fixtures.store import walk_case


def test_a_ruled_case_saves_its_bundle_and_confirms(qtbot: QtBot, fresh_store: Store,
                                                    tmp_path: Path) -> None:
    arbiter = ruled_case(fresh_store)
    pane = CasePane(session_for(fresh_store, arbiter))
    qtbot.addWidget(pane)
    pane.resize(1000, 700)
    pane.show_case(1)
    pane.steps.setCurrentRow(5)
    pane.show()
    qtbot.waitExposed(pane)
    page = pane.pages[Step.EXECUTION]
    assert isinstance(page, ExecutionPage)
    saver = page.bundle_save
    assert saver.isVisibleTo(page) and saver.button.text() == "Save case bundle…"
    assert saver.file_name() == "bundle-1.car"
    target = tmp_path / saver.file_name()
    saver.save(target)
    qtbot.waitUntil(lambda: saver.saved.text() != "", timeout=30_000)
    facts = verify_file(target, arbiter=arbiter.address())
    assert saver.saved.text().startswith(f"Saved the case bundle to {target} ({facts.root})")
    assert "Split 2.5 sBTC: 1.5 sBTC to" in saver.saved.text()
    assert target.stat().st_mode & 0o777 == 0o600
    folder = Path(os.environ.get("ARBITER_SCREENSHOTS", tmp_path))
    assert pane.grab().save(str(folder / "bundle-saved.png"))


def test_a_case_without_a_receipt_offers_no_bundle(qtbot: QtBot, fresh_store: Store) -> None:
    walk_case(fresh_store, 1, Step.RULING)
    pane = CasePane(session_for(fresh_store, None))  # type: ignore[arg-type]
    qtbot.addWidget(pane)
    pane.show_case(1)
    page = pane.pages[Step.EXECUTION]
    assert isinstance(page, ExecutionPage)
    assert not page.bundle_save.isVisibleTo(page)
