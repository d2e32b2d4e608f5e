"""Run the render child for one file, within its limits, and read back what it rendered.

:func:`render` is a progress generator for the task runner (it never runs on the GUI
thread). It starts :mod:`arbiter_app.gui.render_child` in its own process group, feeds it
the verified bytes, and reads its frames until the child ends, the wall-clock deadline
passes, the output exceeds its cap, or the user cancels; in every case but a clean end the
whole group is killed. The outcome is always a :class:`Rendering`: the content to show, or a
refusal that says why in plain words, with the time and the child's peak memory.
"""

from __future__ import annotations

import logging
import math
import os
import selectors
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from arbiter_app.gui import render_child as child
from arbiter_app.gui.zoom import PageRequest
from arbiter_app.progress import CancelToken, Progress

log = logging.getLogger(__name__)
UNSAFE = "This file could not be shown safely: "
CHUNK = 1 << 16
# One image of MAX_IMAGE_SIDE² pixels (more than one PDF page may have), and notes.
MAX_OUTPUT = (child.MAX_IMAGE_SIDE**2 * 4) + (1 << 20)


@dataclass(frozen=True)
class RenderLimits:
    """What one render may cost before it is stopped.

    :param memory_bytes: the child's writable memory (``RLIMIT_DATA``)
    :param cpu_seconds: its processor time (``RLIMIT_CPU``)
    :param deadline_seconds: wall-clock time from start to the last frame
    """

    memory_bytes: int = 512 << 20
    cpu_seconds: int = 8
    deadline_seconds: float = 15.0


LIMITS = RenderLimits()
FIRST_PAGE = PageRequest()  # fitted to the width of a 1000-pixel view


@dataclass(frozen=True)
class Page:
    """One rendered page or image: premultiplied ARGB32 pixels, rows packed, and the
    content's natural size (points for a PDF page, decoded pixels for an image)."""

    index: int
    width: int
    height: int
    natural: tuple[float, float]
    pixels: bytes


@dataclass(frozen=True)
class Rendering:
    """What the child made of one file, or why it is not shown.

    :param refusal: empty when the content is shown; else the sentence for the user
    :param text: the text to show (text files)
    :param pages: the rendered page (PDFs) or the one image
    :param page_count: the PDF's page count (also with a refusal, when the PDF opened and
        only the page asked for broke a limit)
    :param notes: sentences on how the content is shown (lines broken, image scaled)
    :param seconds: wall-clock time of the render
    :param peak_rss: the child's peak resident memory in bytes
    """

    refusal: str = ""
    text: str | None = None
    pages: tuple[Page, ...] = ()
    page_count: int = 0
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    peak_rss: int = 0


@dataclass
class _Run:
    """What happened to one child: its output and how it ended."""

    out: bytearray
    err: bytearray
    stopped: str = ""  # why the parent killed it, if it did
    status: int = 0
    peak_rss: int = 0


def render(kind: str, data: bytes, request: PageRequest = FIRST_PAGE,
           limits: RenderLimits = LIMITS,
           cancel: CancelToken | None = None) -> Generator[Progress, None, Rendering]:
    """Render ``data`` as ``kind`` (text, image, pdf) in a limited child process.

    :param request: for a PDF, the page to render and the zoom and view it is shown at
    :raises Cancelled: the user cancelled (the child is killed)
    """
    yield Progress("rendering the file in a separate, limited process", 0, None)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", child.__name__, kind, *request.arguments(),
         str(limits.memory_bytes), str(limits.cpu_seconds)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)
    run = _Run(bytearray(), bytearray())
    try:
        _exchange(process, data, run, started + limits.deadline_seconds, cancel, limits)
    except BaseException:
        run.stopped = "the render was abandoned"  # cancelled: kill the child at once
        raise
    finally:
        _reap(process, run, started + limits.deadline_seconds, limits)
    seconds = time.monotonic() - started
    refusal = _refusal(run, limits)
    if refusal:
        if run.err:
            log.warning("render child for a %s file: %s", kind, run.err[-2000:].decode(
                "ascii", errors="replace"))
        return Rendering(refusal=refusal, page_count=announced_pages(bytes(run.out)),
                         seconds=seconds, peak_rss=run.peak_rss)
    return read_frames(bytes(run.out), seconds, run.peak_rss)


def _exchange(process: subprocess.Popen[bytes], data: bytes, run: _Run, deadline: float,
              cancel: CancelToken | None, limits: RenderLimits) -> None:
    """Write stdin and read stdout and stderr until the child closes stdout or must stop."""
    assert process.stdin and process.stdout and process.stderr
    with selectors.DefaultSelector() as selector:
        os.set_blocking(process.stdin.fileno(), False)
        selector.register(process.stdin, selectors.EVENT_WRITE)
        selector.register(process.stdout, selectors.EVENT_READ, run.out)
        selector.register(process.stderr, selectors.EVENT_READ, run.err)
        sent = 0
        while _reading(selector, process):
            run.peak_rss = max(run.peak_rss, resident_peak(process.pid))
            if cancel is not None:
                cancel.check()
            if time.monotonic() > deadline:
                run.stopped = f"showing it took longer than {limits.deadline_seconds:g} s"
                return
            for key, _ in selector.select(timeout=0.05):
                if key.fileobj is process.stdin:
                    sent = _send(selector, process, data, sent)
                else:
                    _receive(selector, key)
            if len(run.out) > MAX_OUTPUT:
                run.stopped = f"its rendering grew beyond {MAX_OUTPUT >> 20} MiB"
                return


def _reading(selector: selectors.BaseSelector, process: subprocess.Popen[bytes]) -> bool:
    return any(key.fileobj is process.stdout for key in selector.get_map().values())


def _send(selector: selectors.BaseSelector, process: subprocess.Popen[bytes], data: bytes,
          sent: int) -> int:
    assert process.stdin
    try:
        sent += os.write(process.stdin.fileno(), data[sent : sent + CHUNK])
    except BrokenPipeError:
        sent = len(data)  # the child stopped reading; how it ended will say why
    if sent >= len(data):
        selector.unregister(process.stdin)
        process.stdin.close()
    return sent


def _receive(selector: selectors.BaseSelector, key: selectors.SelectorKey) -> None:
    chunk = os.read(key.fd, CHUNK)
    if chunk:
        key.data.extend(chunk)
    else:
        selector.unregister(key.fileobj)


def _reap(process: subprocess.Popen[bytes], run: _Run, deadline: float,
          limits: RenderLimits) -> None:
    """Wait for the child until the deadline, kill its group if it is still there, and
    collect its exit status and peak memory."""
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if run.stopped or time.monotonic() > deadline:
            run.stopped = run.stopped or (
                f"showing it took longer than {limits.deadline_seconds:g} s")
            run.peak_rss = max(run.peak_rss, resident_peak(process.pid))
            os.killpg(process.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.01)
    process.returncode = os.waitstatus_to_exitcode(status)
    run.status = process.returncode
    # ru_maxrss also counts the parent's pages the child had before exec: only a fallback.
    run.peak_rss = run.peak_rss or usage.ru_maxrss * 1024
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def resident_peak(pid: int) -> int:
    """The peak resident memory of process ``pid`` since its exec (Linux ``VmHWM``), in
    bytes; 0 where it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _refusal(run: _Run, limits: RenderLimits) -> str:
    """The sentence for a child that did not end cleanly, or ``""``."""
    memory = f"{limits.memory_bytes >> 20} MiB"
    if run.stopped:
        return f"{UNSAFE}{run.stopped}, so it was stopped."
    if run.status == -signal.SIGXCPU or (run.status == -signal.SIGKILL):
        return f"{UNSAFE}it needed more than {limits.cpu_seconds} s of processor time."
    if run.status == child.OUT_OF_MEMORY or (
            run.status < 0 and run.peak_rss >= limits.memory_bytes * 0.75):
        return f"{UNSAFE}it needed more than the {memory} of memory allowed."
    if run.status < 0:
        return (f"{UNSAFE}the renderer stopped on signal "
                f"{signal.Signals(-run.status).name}.")
    if run.status != 0:
        return f"{UNSAFE}the renderer failed (exit status {run.status})."
    return ""


def announced_pages(out: bytes) -> int:
    """The page count a stopped child wrote before it was stopped (it opened the PDF, then a
    page broke a limit), or 0."""
    at = 0
    while at + 8 <= len(out):
        tag, size = out[at : at + 4], struct.unpack(">I", out[at + 4 : at + 8])[0]
        if tag == child.DOCU and size == 4 and at + 12 <= len(out):
            return int(struct.unpack(">I", out[at + 8 : at + 12])[0])
        if tag != child.NOTE:
            return 0
        at += 8 + size
    return 0


def read_frames(out: bytes, seconds: float, peak_rss: int) -> Rendering:
    """Read the frames of a child that ended cleanly; anything malformed is refused."""
    text: str | None = None
    pages: list[Page] = []
    notes: list[str] = []
    page_count = 0
    at = 0
    while at + 8 <= len(out):
        tag, size = out[at : at + 4], struct.unpack(">I", out[at + 4 : at + 8])[0]
        payload = out[at + 8 : at + 8 + size]
        at += 8 + size
        if len(payload) != size:
            break
        if tag == child.DONE:
            return Rendering(text=text, pages=tuple(pages), page_count=page_count,
                             notes=tuple(notes), seconds=seconds, peak_rss=peak_rss)
        if tag == child.FAIL:
            return Rendering(refusal=payload.decode("utf-8", errors="replace"),
                             seconds=seconds, peak_rss=peak_rss)
        if tag == child.NOTE:
            notes.append(payload.decode("utf-8", errors="replace"))
        elif tag == child.BODY:
            text = payload.decode("utf-8", errors="replace")
        elif tag == child.DOCU and size == 4:
            page_count = struct.unpack(">I", payload)[0]
        elif tag == child.PAGE and _page(payload) is not None:
            pages.append(_page(payload))  # type: ignore[arg-type]
        else:
            break
    return Rendering(refusal=f"{UNSAFE}the renderer's answer was malformed.",
                     seconds=seconds, peak_rss=peak_rss)


def _page(payload: bytes) -> Page | None:
    """A ``PAGE`` payload whose pixel count matches its dimensions and whose natural size
    is positive and finite, or ``None``."""
    header = child.PAGE_HEADER
    if len(payload) < header.size:
        return None
    index, width, height, *natural = header.unpack(payload[: header.size])
    if not (0 < width <= child.MAX_IMAGE_SIDE and 0 < height <= child.MAX_IMAGE_SIDE):
        return None
    if not all(0 < side < math.inf for side in natural):
        return None
    if len(payload) - header.size != width * height * 4:
        return None
    return Page(index, width, height, (natural[0], natural[1]), payload[header.size :])
