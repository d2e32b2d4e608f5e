"""The render child: untrusted evidence bytes in on stdin, displayable pixels or text out.

The viewer never parses a party's file in its own process. It starts this module as
``python -m arbiter_app.gui.render_child KIND PAGE ZOOM VIEW_WIDTH VIEW_HEIGHT RATIO MEMORY
CPU`` (the middle five are a :class:`~arbiter_app.gui.zoom.PageRequest`), writes the verified
bytes to its stdin and reads frames back. Before it reads a byte, the child limits itself:
``RLIMIT_DATA`` bounds its writable memory (``RLIMIT_AS`` cannot be used: QtPdf's allocator
reserves tens of GiB of address space it never touches), ``RLIMIT_CPU`` its processor time,
and it may write no file and dump no core. The parent adds a wall-clock deadline and kills
the child's process group when it passes, so a cyclic page tree, a decompression bomb or a
quadratic layout costs at most those limits and is then refused.

What comes back is easy to check and cheap to show: raw premultiplied ARGB pixels of the one
PDF page asked for, at the size the window shows it but within the caps of
:func:`~arbiter_app.gui.zoom.render_size` whatever the zoom (or at most
:data:`MAX_IMAGE_SIDE` a side for an image), or plain text whose lines are broken every
:data:`LINE_CHARS` characters, because a text view lays out one long line in time quadratic
in its length.

Frames: a 4-byte tag, a 4-byte big-endian length, the payload. ``NOTE`` (a sentence about
how the content is shown), ``TEXT`` (UTF-8), ``DOCU`` (the PDF's page count, 4 bytes),
``PAGE`` (page index, width, height as 4-byte integers, the natural width and height as
8-byte floats: points for a PDF page, the decoded size for an image; then the pixels),
``FAIL`` (why the child refuses the file, UTF-8), and ``DONE`` last: output without it is
not a result.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader

from arbiter_app.gui.zoom import PageRequest, render_size, sane_size

if TYPE_CHECKING:
    from PySide6.QtPdf import QPdfDocument

TEXT, IMAGE, PDF = "text", "image", "pdf"
NOTE, BODY, DOCU, PAGE, FAIL, DONE = b"NOTE", b"TEXT", b"DOCU", b"PAGE", b"FAIL", b"DONE"
OUT_OF_MEMORY = 3  # exit status when Python itself could not allocate
MAX_TEXT_CHARS = 2_000_000
LINE_CHARS = 1_000
CONTINUED = "\u21a9"  # ↩ ends each piece of a broken line
IMAGE_ALLOCATION_MB = 128  # QImageReader refuses a decoded image larger than this
MAX_DECODED_SIDE = 16_384  # checked from the header, before anything is decoded
MAX_IMAGE_SIDE = 4_096  # a larger image is shown scaled down to this
PAGE_HEADER = struct.Struct(">IIIdd")  # index, width, height, natural width and height
Frame = tuple[bytes, bytes]


def frame(tag: bytes, payload: bytes) -> bytes:
    """One frame of the child's output."""
    return tag + struct.pack(">I", len(payload)) + payload


def limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    """Apply the child's resource limits to itself (POSIX; where absent, the deadline holds)."""
    try:
        import resource
    except ImportError:
        return
    resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def text_frames(data: bytes) -> Iterator[Frame]:
    """Decode as UTF-8 (bad bytes replaced) and break every line longer than LINE_CHARS."""
    text = data[: MAX_TEXT_CHARS * 4].decode("utf-8", errors="replace")[:MAX_TEXT_CHARS]
    lines = text.split("\n")
    long_lines = sum(1 for line in lines if len(line) > LINE_CHARS)
    if long_lines:
        yield NOTE, (f"{long_lines} line(s) longer than {LINE_CHARS:,} characters are shown "
                     f"broken into pieces, each piece ending in {CONTINUED}").encode()
    yield BODY, "\n".join(_pieces(line) for line in lines).encode()


def _pieces(line: str) -> str:
    if len(line) <= LINE_CHARS:
        return line
    cut = range(0, len(line), LINE_CHARS)
    return (CONTINUED + "\n").join(line[i : i + LINE_CHARS] for i in cut)


def image_frames(data: bytes) -> Iterator[Frame]:
    """Decode an image within the allocation limit, its size checked before decoding."""
    buffer = _buffer(data)  # the reader does not own its device: keep it alive here
    reader = QImageReader(buffer)
    reader.setAllocationLimit(IMAGE_ALLOCATION_MB)
    size = reader.size()
    width, height = size.width(), size.height()
    if not size.isValid() or max(width, height) > MAX_DECODED_SIDE:
        yield FAIL, (f"The image is too large to show safely ({width} × {height} pixels; at "
                     f"most {MAX_DECODED_SIDE} per side).").encode()
        return
    image = reader.read()
    if image.isNull():
        yield FAIL, f"The image could not be decoded safely: {reader.errorString()}.".encode()
        return
    if max(width, height) > MAX_IMAGE_SIDE:
        image = image.scaled(QSize(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE),
                             Qt.AspectRatioMode.KeepAspectRatio)
        yield NOTE, f"shown scaled down from {width} × {height} pixels".encode()
    yield PAGE, _pixels(0, image, (width, height))


def pdf_frames(data: bytes, request: PageRequest) -> Iterator[Frame]:
    """Open a PDF with QtPdf and render the page ``request`` names, if it has one."""
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    buffer = _buffer(data)  # QtPdf reads the device while it renders: keep it alive here
    document.load(buffer)
    if document.status() is not QPdfDocument.Status.Ready:
        yield FAIL, f"The PDF could not be read ({document.error().name}).".encode()
        return
    total = document.pageCount()
    yield DOCU, struct.pack(">I", total)
    if request.index < total:
        yield PAGE, _page(document, request)


def _page(document: QPdfDocument, request: PageRequest) -> bytes:
    points = document.pagePointSize(request.index)
    natural = sane_size((points.width(), points.height()))
    width, height = render_size(natural, request)
    return _pixels(request.index, document.render(request.index, QSize(width, height)), natural)


def _pixels(index: int, image: QImage, natural: tuple[float, float]) -> bytes:
    """A ``PAGE`` payload: index, width, height, natural size, then the rows (32-bit rows
    have no padding)."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    header = PAGE_HEADER.pack(index, image.width(), image.height(), *natural)
    return header + bytes(image.constBits())


def _buffer(data: bytes) -> QBuffer:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return buffer


def frames(kind: str, data: bytes, request: PageRequest) -> Iterator[Frame]:
    """The frames for one file of ``kind``; a Qt application exists only for images and PDFs."""
    if kind == TEXT:
        yield from text_frames(data)
        return
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display, no input methods
    app = QGuiApplication([sys.argv[0]])  # QtPdf and the image plugins need one
    yield from image_frames(data) if kind == IMAGE else pdf_frames(data, request)
    app.quit()


def main(argv: list[str], stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Limit this process, read stdin, write the frames; return the exit status."""
    kind, request = argv[0], PageRequest.parse(argv[1:6])
    limit_self(int(argv[6]), int(argv[7]))
    data = stdin.read()
    try:
        for tag, payload in frames(kind, data, request):
            stdout.write(frame(tag, payload))
            stdout.flush()  # the page count reaches the window even if a page then kills us
        stdout.write(frame(DONE, b""))
        stdout.flush()
    except MemoryError:
        return OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer))
