"""The evidence viewer: renderer chosen by content, markup shown as text, bombs refused,
PDFs rendered by QtPdf in the render child, hostile names escaped, and ``shown`` emitted only
for content on screen."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from arbiter_app.case.models import EvidenceFile
from arbiter_app.gui.render_process import LIMITS, RenderLimits
from arbiter_app.gui.views import evidence as viewer
from arbiter_app.gui.views.evidence import EvidenceViewer, ShownFile
from tests.fixtures.hostile_documents import kids_contain_their_own_node

HOSTILE_HTML = (b"<html><body><img src='http://127.0.0.1:9/canary.png'>"
                b"<a href='http://127.0.0.1:9/x'>click</a><b>bold</b></body></html>")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body)))


def png_bomb(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose IHDR announces ``width`` × ``height`` (a bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(bytes(4096))) + png_chunk(b"IEND", b""))


def small_png() -> bytes:
    image = QImage(40, 30, QImage.Format.Format_ARGB32)
    image.fill(QColor("#f7931a"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def one_page_pdf(path: Path) -> bytes:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(200, 400, "Delivery report: milestone 2 accepted")
    painter.end()
    return path.read_bytes()


def shown(name: str, data: bytes, media_type: str = "application/octet-stream") -> ShownFile:
    return ShownFile(EvidenceFile(name, "bafkreitest", media_type, len(data)), data)


def rendered(qtbot: QtBot, dialog: EvidenceViewer) -> EvidenceViewer:
    """Wait until the render child answered (or was stopped at its deadline)."""
    qtbot.waitUntil(lambda: dialog.kind != viewer.RENDERING,
                    timeout=int(dialog.limits.deadline_seconds * 1000) + 10_000)
    return dialog


def open_viewer(qtbot: QtBot, title: str, *files: ShownFile,
                limits: RenderLimits = LIMITS) -> EvidenceViewer:
    dialog = EvidenceViewer(title, list(files), limits=limits)
    qtbot.addWidget(dialog)
    return rendered(qtbot, dialog)


@pytest.mark.parametrize(
    ("name", "declared"),
    [("report.pdf", "application/pdf"), ("note.txt", "text/plain"), ("page.html", "text/html")],
    ids=["html-named-pdf", "html-named-txt", "html-as-html"],
)
def test_html_is_shown_as_its_source_text_whatever_its_name(
        qtbot: QtBot, name: str, declared: str) -> None:
    dialog = open_viewer(qtbot, "t", shown(name, HOSTILE_HTML, declared))
    assert dialog.kind == viewer.TEXT
    assert dialog.text.toPlainText() == HOSTILE_HTML.decode()
    assert "text/html" in dialog.info.text()


@pytest.mark.parametrize(
    ("width", "height", "why"),
    [(100_000, 100_000, "too large"), (40_000, 10, "too large"),
     (16_000, 16_000, "could not be decoded safely")],
    ids=["gigapixel-header", "side-over-limit", "over-allocation-limit"],
)
def test_an_oversized_image_is_refused(qtbot: QtBot, width: int, height: int, why: str) -> None:
    dialog = open_viewer(qtbot, "t", shown("photo.png", png_bomb(width, height), "image/png"))
    assert dialog.kind == viewer.REFUSED
    assert why in dialog.refusal


def test_a_small_image_is_decoded_with_the_allocation_limit(qtbot: QtBot) -> None:
    dialog = open_viewer(qtbot, "t", shown("dashboard.png", small_png(), "image/png"))
    assert dialog.kind == viewer.IMAGE
    assert dialog.image.area.picture.image.width() == 40


def test_a_pdf_is_rendered_by_qtpdf_at_the_width_of_the_view(
        qtbot: QtBot, tmp_path: Path) -> None:
    data = one_page_pdf(tmp_path / "report.pdf")
    dialog = open_viewer(qtbot, "t", shown("report.txt", data, "text/plain"))
    assert dialog.kind == viewer.PDF
    assert dialog.rendering is not None and dialog.rendering.page_count == 1
    view_width = dialog.pdf.area.view()[0]
    assert [(p.index, p.width) for p in dialog.rendering.pages] == [(0, view_width)]
    assert dialog.rendering.pages[0].natural == pytest.approx((595, 842), abs=1)


def test_unknown_binary_content_is_described_not_opened(qtbot: QtBot) -> None:
    dialog = open_viewer(qtbot, "t", shown("invoice.pdf", b"MZ\x90\x00" + bytes(64)))
    assert dialog.kind == viewer.REFUSED
    assert "application/x-msdownload" in dialog.refusal


def test_hostile_title_and_name_render_literally_with_bidi_escaped(qtbot: QtBot) -> None:
    title = "<b>Urgent</b> <a href='http://127.0.0.1:9/'>pay</a> \u202egnp.exe"
    dialog = open_viewer(qtbot, title, shown("report\u202efdp.exe", b"plain words"))
    dialog.show()
    assert dialog.title.textFormat() is Qt.TextFormat.PlainText
    assert dialog.title.text().startswith("<b>Urgent</b> <a href=")
    assert "\\u202e" in dialog.title.text() and "\u202e" not in dialog.title.text()
    assert "\\u202e" in dialog.info.text()
    for label in dialog.findChildren(QLabel):
        assert label.textFormat() is Qt.TextFormat.PlainText
    assert not dialog.title.openExternalLinks()


def test_switching_files_mid_render_shows_the_file_selected_last(
        qtbot: QtBot, tmp_path: Path) -> None:
    data = one_page_pdf(tmp_path / "a.pdf")
    dialog = EvidenceViewer("t", [shown("a.pdf", data), shown("b.txt", b"text")])
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(1)  # while a.pdf is still rendering
    rendered(qtbot, dialog)
    assert dialog.kind == viewer.TEXT and dialog.text.toPlainText() == "text"
    dialog.list.setCurrentRow(0)
    rendered(qtbot, dialog)
    assert dialog.kind == viewer.PDF


def test_shown_is_emitted_for_content_on_screen_and_never_for_a_refusal(
        qtbot: QtBot, tmp_path: Path) -> None:
    good = shown("report.pdf", one_page_pdf(tmp_path / "r.pdf"))
    cyclic = shown("trap.pdf", kids_contain_their_own_node())
    dialog = EvidenceViewer("t", [cyclic, good], limits=RenderLimits(deadline_seconds=3))
    qtbot.addWidget(dialog)
    emitted: list[ShownFile] = []
    dialog.shown.connect(emitted.append)
    rendered(qtbot, dialog)
    assert dialog.kind == viewer.REFUSED and emitted == []
    assert dialog.refusal.startswith("This file could not be shown safely")
    dialog.list.setCurrentRow(1)
    rendered(qtbot, dialog)
    assert dialog.kind == viewer.PDF and emitted == [good]


def test_an_image_wider_than_the_view_limit_is_shown_scaled_down(qtbot: QtBot) -> None:
    image = QImage(6000, 30, QImage.Format.Format_ARGB32)
    image.fill(QColor("#f7931a"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    dialog = open_viewer(qtbot, "t", shown("wide.png", bytes(buffer.data().data()), "image/png"))
    assert dialog.kind == viewer.IMAGE
    assert dialog.image.area.picture.image.width() == 4096
    assert dialog.image.area.natural == (6000, 30)
    assert "shown scaled down from 6000 × 30 pixels" in dialog.info.text()
