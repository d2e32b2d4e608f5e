"""Hostile evidence against the viewer: every file of the corpus is shown or refused by the
render child within its limits, the window stays responsive, and a stopped render leaves no
process behind. Before the render child, the cyclic page trees hung the window forever, the
flate bomb took it to 2.1 GB, and the long line took minutes to lay out."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from arbiter_app.errors import Cancelled
from arbiter_app.gui import render_child as child
from arbiter_app.gui.render_process import LIMITS, UNSAFE, RenderLimits, read_frames, render
from arbiter_app.gui.views import evidence as viewer
from arbiter_app.progress import CancelToken
from tests.fixtures.hostile_documents import (
    CORPUS,
    Hostile,
    kids_contain_their_own_node,
    one_line_of_two_million_characters,
)
from tests.gui.test_viewer import open_viewer, shown

# Resident memory beyond the data limit: code and files mapped read-only (libraries, fonts).
MAPPED_ALLOWANCE = 128 << 20
# A render that can never end is stopped at this deadline in the tests, to keep them short.
HANG_LIMITS = RenderLimits(deadline_seconds=4.0, cpu_seconds=3)


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.attack for h in CORPUS])
def test_hostile_document_is_shown_or_refused_within_the_limits(
        qtbot: QtBot, hostile: Hostile) -> None:
    limits = HANG_LIMITS if hostile.hangs else LIMITS
    dialog = open_viewer(qtbot, "t", shown("evidence.pdf", hostile.build()), limits=limits)
    assert dialog.rendering is not None
    if hostile.shown is not None:
        assert (dialog.kind != viewer.REFUSED) is hostile.shown, dialog.refusal
    assert (dialog.kind == viewer.REFUSED) is bool(dialog.refusal)
    if dialog.rendering is not None:
        assert dialog.rendering.peak_rss <= limits.memory_bytes + MAPPED_ALLOWANCE
    if hostile.hangs:
        assert dialog.refusal.startswith(UNSAFE)
    assert hostile.why in dialog.refusal


def test_one_line_of_two_million_characters_is_shown_in_bounded_lines(qtbot: QtBot) -> None:
    data = one_line_of_two_million_characters()
    dialog = open_viewer(qtbot, "t", shown("log.txt", data))
    lines = dialog.text.toPlainText().split("\n")
    assert max(len(line) for line in lines) <= child.LINE_CHARS + len(child.CONTINUED)
    assert "".join(line.removesuffix(child.CONTINUED) for line in lines) == data.decode()
    assert "broken into pieces" in dialog.info.text()


def test_cyclic_page_tree_is_stopped_at_the_deadline(qtbot: QtBot) -> None:
    limits = RenderLimits(deadline_seconds=2.0, cpu_seconds=60)
    dialog = open_viewer(qtbot, "t", shown("trap.pdf", kids_contain_their_own_node()),
                         limits=limits)
    assert dialog.refusal == f"{UNSAFE}showing it took longer than 2 s, so it was stopped."


def test_cyclic_page_tree_is_stopped_at_the_processor_limit(qtbot: QtBot) -> None:
    limits = RenderLimits(deadline_seconds=600.0, cpu_seconds=1)
    dialog = open_viewer(qtbot, "t", shown("trap.pdf", kids_contain_their_own_node()),
                         limits=limits)
    assert dialog.refusal == f"{UNSAFE}it needed more than 1 s of processor time."


def children() -> set[int]:
    """The live children of this process (Linux ``/proc``)."""
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        pids.update(int(p) for p in (task / "children").read_text().split())
    return pids


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_cancelled_render_kills_its_child() -> None:
    token = CancelToken()
    before = children()
    operation = render("pdf", kids_contain_their_own_node(), limits=LIMITS, cancel=token)
    next(operation)
    token.cancel()
    with pytest.raises(Cancelled):
        next(operation)
    assert children() <= before


def test_closing_the_viewer_mid_render_kills_its_child(qtbot: QtBot) -> None:
    before = children()
    dialog = viewer.EvidenceViewer("t", [shown("trap.pdf", kids_contain_their_own_node())])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(children() - before), timeout=10_000)
    dialog.close()
    qtbot.waitUntil(lambda: not children() - before, timeout=10_000)
    assert dialog.kind == viewer.RENDERING and not dialog.shown_files


def frames(*parts: tuple[bytes, bytes]) -> bytes:
    return b"".join(child.frame(tag, payload) for tag, payload in parts)


def page(width: int, height: int, pixels: int, natural: tuple[float, float] = (612, 792),
         ) -> tuple[bytes, bytes]:
    return child.PAGE, child.PAGE_HEADER.pack(0, width, height, *natural) + bytes(pixels)


PAGE_2X1 = page(2, 1, 8)


@pytest.mark.parametrize("out", [
    frames((child.NOTE, b"x")),
    frames(page(2, 1, 7), (child.DONE, b"")),
    frames(page(65536, 1, 4 * 65536), (child.DONE, b"")),
    frames(page(2, 1, 8, (float("inf"), 792)), (child.DONE, b"")),
    frames(page(2, 1, 8, (612, float("nan"))), (child.DONE, b"")),
    frames(page(2, 1, 8, (0, 792)), (child.DONE, b"")),
    frames((child.PAGE, child.PAGE_HEADER.pack(0, 2, 1, 612, 792)[:-1]), (child.DONE, b"")),
    frames((b"EXEC", b"rm -rf"), (child.DONE, b"")),
    frames(PAGE_2X1, (child.DONE, b""))[:-3],
], ids=["no-done-frame", "pixels-short-of-size", "page-wider-than-allowed",
        "natural-width-infinite", "natural-height-nan", "natural-width-zero",
        "page-header-cut-short", "unknown-tag", "truncated-frame"])
def test_a_malformed_child_answer_is_refused(out: bytes) -> None:
    got = read_frames(out, 0.0, 0)
    assert got.refusal == f"{UNSAFE}the renderer's answer was malformed."


def test_a_well_formed_child_answer_is_read() -> None:
    got = read_frames(frames((child.DOCU, b"\0\0\0\3"), PAGE_2X1, (child.DONE, b"")), 1.0, 5)
    assert (got.refusal, got.page_count, got.pages[0].width, got.pages[0].height) == (
        "", 3, 2, 1)
