"""``make screenshots``: every window and dialog rendered offscreen into docs/screenshots/.

The window opens on a store of 60 cases written by the test fixtures (one in ten refunded on
chain); each picture is the widget's own rendering (``grab``), as the arbiter would see it
at 1400×860. Run it after changing a screen, and look at every picture.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication, QWidget

from arbiter_app import config
from arbiter_app.case.models import Award, Decision, EvidenceFile, Step
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.documents import DocumentsPage
from arbiter_app.gui.views.evidence import REFUSED, EvidenceViewer, ShownFile
from arbiter_app.gui.views.review import FinalReviewDialog
from arbiter_app.gui.views.ruling import RulingPage
from arbiter_app.gui.views.settings import SettingsDialog
from arbiter_app.gui.zoom import FIT_PAGE, PERCENT, Zoom
from arbiter_app.services import suspicious
from arbiter_app.services.alerts import governance_alerts
from arbiter_app.services.documents import readable
from arbiter_app.services.ruling import RulingPreview
from arbiter_app.services.session import Session
from arbiter_app.stacks import escrow, fees
from arbiter_app.stacks import transaction as txn
from arbiter_app.store.db import open_store
from arbiter_app.store.governance import GovernanceRecord, mark_sync_start, record_governance
from arbiter_app.wallet.signer import Confirmation
from arbiter_app.wallet.software import SoftwareSigner
from tests.fixtures.marked_pdf import marked_pdf
from tests.fixtures.queue_store import seed_queue
from tests.fixtures.store import T0, make_invoice

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CASES = 60
CONTRACT = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
KEY = bytes.fromhex("753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6")


def settle(until: Callable[[], bool] = lambda: True, seconds: float = 15.0) -> None:
    """Turn the event loop until ``until()`` holds (or ``seconds`` pass), then a little more."""
    end = time.monotonic() + seconds
    while not until() and time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        QApplication.processEvents()


def save(widget: QWidget, name: str) -> None:
    settle()
    widget.grab().save(str(OUT / f"{name}.png"))
    print(f"docs/screenshots/{name}.png")


def sample_png(width: int = 480, height: int = 320) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#f5f0e6"))
    painter = QPainter(image)
    painter.setPen(QColor("#1b5e20"))
    painter.drawRect(20, 20, width - 40, height - 40)
    for x in range(60, width - 60, 120):  # a grid, so that a zoom is visible
        painter.drawLine(x, 40, x, height - 40)
    font = painter.font()
    font.setPixelSize(max(12, height // 24))
    painter.setFont(font)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "Delivered parcel, photo 1")
    painter.end()
    return _png(image)


def _png(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def report_pdf(pages: int) -> bytes:
    """A delivery report of ``pages`` A4 pages, each titled with its number."""
    folder = Path(tempfile.mkdtemp(prefix="screenshots-pdf-"))
    writer = QPdfWriter(str(folder / "report.pdf"))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(72)
    painter = QPainter(writer)
    for n in range(1, pages + 1):
        if n > 1:
            writer.newPage()
        font = painter.font()
        font.setPointSize(20)
        painter.setFont(font)
        painter.drawText(60, 90, f"Delivery report, page {n} of {pages}")
        font.setPointSize(11)
        painter.setFont(font)
        for line in range(24):
            painter.drawText(60, 140 + 22 * line,
                             f"{n}.{line + 1}  Parcel 44{n:02d}-{line:02d} handed over and "
                             "signed for by the payee's courier.")
    painter.end()
    return (folder / "report.pdf").read_bytes()


def open_viewer(window: MainWindow, name: str, media_type: str, data: bytes) -> EvidenceViewer:
    shown = ShownFile(EvidenceFile(name, "bafy" + "a" * 55, media_type, len(data)), data)
    viewer = EvidenceViewer(f"Evidence #0: {name}", [shown], window)
    viewer.show()
    settle(lambda: bool(viewer.shown_files) or viewer.kind == REFUSED)
    return viewer


def viewers(window: MainWindow) -> None:
    samples = {
        "text": ("delivery-note.txt", "text/plain",
                 b"Delivery note\n\nParcel 4411 handed to the payee on 2026-09-14 at 10:20.\n"
                 b"Signed: courier 17.\n"),
        "image": ("parcel.png", "image/png", sample_png(1600, 1100)),
        "pdf": ("report.pdf", "application/pdf", report_pdf(12)),
    }
    for kind, (name, media_type, data) in samples.items():
        viewer = open_viewer(window, name, media_type, data)
        settle(lambda v=viewer: not v.pdf.rendering)  # type: ignore[misc]
        settle(lambda: not Task._running)  # the smooth copy of a shrunk image
        save(viewer, f"viewer-{kind}")
        viewer.close()


def documents_read(window: MainWindow) -> None:
    """Step 4 with the dispute reason read: its fields and the file it names."""
    page = window.case_pane.pages[Step.DOCUMENTS]
    assert isinstance(page, DocumentsPage) and page.case is not None
    case = page.case
    doc = {"schema": "bitmind-evidence/1", "invoice_id": case.invoice.id, "party": "payer",
           "title": "Milestone 2 not delivered",
           "description": "The build milestone was due on 2026-09-10; nothing was delivered "
                          "and the payee stopped answering.",
           "created_at": "2026-09-17T00:14:05Z", "contact": "ops@acme.example",
           "files": [{"name": "statement-payer.txt", "cid": "bafkrei" + "a" * 52,
                      "media_type": "text/plain", "size": 1834}]}
    page.on_opened(readable("dispute reason", case.dispute.reason_cid,
                            json.dumps(doc).encode(), case.invoice.id))


def ruling_typed(window: MainWindow) -> None:
    """Step 5 half done: a decision, a rationale too short yet, one item cited."""
    page = window.case_pane.pages[Step.RULING]
    assert isinstance(page, RulingPage)
    page.refund.setChecked(True)
    page.rationale.setPlainText("The payer's statement and the delivery note agree that the "
                                "build milestone was never delivered.")
    next(iter(page.cited.values())).setChecked(True)


def image_zoom(window: MainWindow) -> None:
    """The photo at 200 %, scrolled to its middle."""
    viewer = open_viewer(window, "parcel.png", "image/png", sample_png(1600, 1100))
    viewer.image.area.set_zoom(Zoom(PERCENT, 200))
    settle(lambda: not Task._running)
    save(viewer, "viewer-image-zoom")
    viewer.close()


def pdf_paging(window: MainWindow) -> None:
    """Page 3 of 12 fitted to the window, page 4 while it renders, and a page the render
    child could not show (a flate bomb) with the pages around it still reachable."""
    viewer = open_viewer(window, "report.pdf", "application/pdf", report_pdf(12))
    pdf = viewer.pdf
    pdf.zoom_bar.fits[FIT_PAGE].trigger()
    pdf.go(2)
    settle(lambda: not pdf.rendering)
    save(viewer, "viewer-pdf-page")
    pdf.next.trigger()
    viewer.grab().save(str(OUT / "viewer-pdf-rendering.png"))  # before the page comes back
    print("docs/screenshots/viewer-pdf-rendering.png")
    viewer.close()
    viewer = open_viewer(window, "report.pdf", "application/pdf", marked_pdf(3, bomb_page=2))
    viewer.pdf.next.trigger()
    settle(lambda: not viewer.pdf.rendering, seconds=viewer.limits.deadline_seconds + 5)
    save(viewer, "viewer-pdf-page-refused")
    viewer.close()


def final_review(window: MainWindow) -> None:
    invoice = make_invoice(1000)
    public = SoftwareSigner.from_private_key(KEY, config.DEVNET).public_key()
    tx = escrow.resolve_dispute_call(config.DEVNET, CONTRACT, invoice,
                                     Award(invoice.amount, 0), bytes(32), bytes(32), public, 0,
                                     3000)
    described = {**txn.describe(tx), "network_name": "devnet"}
    preview = RulingPreview(1000, Decision.RELEASE, tx, json.dumps(described, sort_keys=True),
                            invoice.amount, invoice.payee, 3000, 0,
                            ("release 2.5 sBTC to " + invoice.payee + ", invoice 1000",
                             "the binding of your decision-log key to your address (asked "
                             "once)", "the ruling receipt for invoice 1000"),
                            fee_warning=fees.fee_warning(3000, 10_000))
    dialog = FinalReviewDialog(preview, window)
    dialog.show()
    save(dialog, "final-review")
    dialog.close()


def device_prompt(window: MainWindow) -> None:
    prompt = QtDevicePrompt(window)
    prompt.on_confirm(Confirmation(
        "release 2.5 sBTC to ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG, invoice 1",
        "review resolve-dispute-split on ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure "
        "(fee 3000 µSTX, nonce 7), then approve"))
    assert prompt.message is not None
    save(prompt.message, "device-prompt")
    prompt.on_finished()


def governance_and_suspicious(window: MainWindow, session: Session) -> None:
    """The governance view after a sync that brought a pause (shown as new), and the
    suspicious-address list with two entries."""
    admins = [make_invoice(1).payer, make_invoice(1).payee, make_invoice(1).arbiter]
    suspicious.flag(session, admins[0], "reported by two arbiters for fake delivery notes",
                    now=T0)
    suspicious.flag(session, admins[1], "address of a known phishing campaign", now=T0)
    mark_sync_start(session.store, now=T0)
    who = {"action-id": 2, "proposer": admins[0], "approvers": admins[:2]}
    record_governance(session.store, [
        GovernanceRecord("ab" * 32, 0, "admins-set", {"admins": admins}, 5, T0, admins[0]),
        GovernanceRecord("ac" * 32, 0, "action-proposed", {
            "action-id": 1, "action": "whitelist-token", "proposer": admins[0]}, 6, T0,
            admins[0]),
        GovernanceRecord("ad" * 32, 0, "action-approved", {
            "action-id": 1, "admin": admins[1]}, 7, T0, admins[1]),
        GovernanceRecord("ad" * 32, 1, "token-whitelisted", {"action-id": 1}, 7, T0,
                         admins[1]),
        GovernanceRecord("ae" * 32, 0, "pause-proposed", {
            "action-id": 2, "action": "pause", "proposer": admins[0]}, 200, T0, admins[0]),
        GovernanceRecord("af" * 32, 0, "pause-approved", {**who, "admin": admins[1]}, 210,
                         T0, admins[1]),
        GovernanceRecord("af" * 32, 1, "paused", {**who, "paused-until": 1210}, 210, T0,
                         admins[1]),
    ], now=T0)
    dialog = window.on_governance()
    dialog.resize(1100, 320)
    save(dialog, "governance")
    dialog.close()
    listing = window.on_suspicious()
    save(listing, "suspicious-addresses")
    listing.close()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    folder = Path(tempfile.mkdtemp(prefix="screenshots-"))
    store = open_store(folder / "cases.sqlite")
    seed_queue(store, CASES, latest=int(time.time()))
    store.close()
    session = Session(config.Settings(data_dir=str(folder), sync_every_minutes=0))
    window = MainWindow(session)
    window.resize(1400, 860)
    window.show()
    settle(lambda: window.queue_loaded)
    window.queue.select(window.model.case(0).invoice.id)
    save(window, "main-window")
    for step in Step:
        window.case_pane.show_step(step)
        {Step.DOCUMENTS: documents_read, Step.RULING: ruling_typed}.get(
            step, lambda _: None)(window)
        save(window, f"step-{int(step)}")
    window.queue.show_view("closed")
    window.queue.select(window.model.case(0).invoice.id)
    window.case_pane.show_step(Step.TERMS)
    save(window, "closed-case")
    window.queue.show_view("open")
    pause = GovernanceRecord("0x" + "cd" * 32, 0, "paused", {}, 210, T0, "ST1ADMIN")
    window.alerts.raise_alerts(governance_alerts([pause]))
    window.alerts.dock.show()
    save(window, "alerts")
    window.alerts.dock.hide()
    search = window.on_search()
    search.query.setText("delivery note 1003")
    search.search()
    settle(lambda: search.results.count() > 0)
    save(search, "search")
    search.close()
    governance_and_suspicious(window, session)
    settings = SettingsDialog(session.settings, folder / "settings.json", window)
    settings.show()
    save(settings, "settings")
    settings.close()
    viewers(window)
    image_zoom(window)
    pdf_paging(window)
    final_review(window)
    device_prompt(window)
    window.close()
    session.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
