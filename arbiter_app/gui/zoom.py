"""Zoom arithmetic shared by the evidence viewer and the render child: at what size a page or
an image is shown, and at how many pixels the child may render it.

A zoom is a fit (the whole page in the view, or its width) or a percentage of the content's
natural size. For a PDF the natural size is in points and 100 % means 96 pixels per inch
(:data:`PDF_UNIT` pixels a point); for an image it is its pixel size (one pixel a pixel).

Both sides compute the same size from the same :class:`PageRequest`, so the child renders a
page at exactly the size the window shows it, unless the size passes the child's caps
(:data:`MAX_PAGE_SIDE`, :data:`MAX_PAGE_PIXELS`): then the page is rendered smaller and the
window scales the picture up. However far a party's page or the arbiter's zoom goes, one
rendered page costs at most ``MAX_PAGE_PIXELS × 4`` bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FIT_PAGE, FIT_WIDTH, PERCENT = "fit-page", "fit-width", "percent"
STEPS = (10, 25, 33, 50, 67, 75, 100, 125, 150, 200, 300, 400)  # percent, zooming in and out
PDF_UNIT = 96 / 72  # pixels per point at 100 %
MAX_SHOWN_SIDE = 32_768  # pixels a side on screen (painted, never allocated at this size)
MAX_PAGE_SIDE = 4_096  # pixels a side the child renders a page at
MAX_PAGE_PIXELS = 8 << 20  # and pixels in all: 32 MiB of ARGB a page
MAX_VIEW_SIDE = 16_384  # a view size outside 1 … this is refused
MAX_RATIO = 4.0  # device pixels per logical pixel
Size = tuple[float, float]


@dataclass(frozen=True)
class Zoom:
    """How content is fitted: ``mode`` is :data:`FIT_PAGE`, :data:`FIT_WIDTH` or
    :data:`PERCENT` (then ``percent`` of the natural size)."""

    mode: str = FIT_PAGE
    percent: float = 100.0

    def argument(self) -> str:
        """The zoom as one command-line word: the fit's name or the percentage."""
        return f"{self.percent:g}" if self.mode == PERCENT else self.mode

    @classmethod
    def parse(cls, word: str) -> Zoom:
        """The zoom written by :meth:`argument`.

        :raises ValueError: not a fit's name nor a percentage within :data:`STEPS`
        """
        if word in (FIT_PAGE, FIT_WIDTH):
            return cls(word)
        percent = float(word)
        if not STEPS[0] <= percent <= STEPS[-1]:
            raise ValueError(f"zoom {word} is outside {STEPS[0]}–{STEPS[-1]} %")
        return cls(PERCENT, percent)


@dataclass(frozen=True)
class PageRequest:
    """Which PDF page to render, at which zoom, for a view of ``view`` logical pixels on a
    screen of ``ratio`` device pixels per logical pixel."""

    index: int = 0
    zoom: Zoom = Zoom(FIT_WIDTH)
    view: tuple[int, int] = (1000, 1400)
    ratio: float = 1.0

    def arguments(self) -> list[str]:
        """The request as the render child's command-line words."""
        return [str(self.index), self.zoom.argument(), str(self.view[0]), str(self.view[1]),
                f"{self.ratio:g}"]

    @classmethod
    def parse(cls, words: list[str]) -> PageRequest:
        """The request written by :meth:`arguments`.

        :raises ValueError: a word is malformed or out of range
        """
        index, zoom, width, height, ratio = words
        view = (int(width), int(height))
        if int(index) < 0 or not all(1 <= side <= MAX_VIEW_SIDE for side in view):
            raise ValueError(f"page {index} or view {width} × {height} is out of range")
        if not 1.0 <= float(ratio) <= MAX_RATIO:
            raise ValueError(f"pixel ratio {ratio} is out of range")
        return cls(int(index), Zoom.parse(zoom), view, float(ratio))


def shown_size(natural: Size, zoom: Zoom, view: Size, unit: float,
               enlarge: bool = True) -> tuple[int, int]:
    """The logical pixels content of ``natural`` size fills at ``zoom`` in ``view``.

    :param unit: pixels per natural unit at 100 % (:data:`PDF_UNIT`, or 1 for an image)
    :param enlarge: whether a fit may show the content larger than 100 %
    """
    width, height = sane_size(natural)
    if zoom.mode == PERCENT:
        scale = unit * zoom.percent / 100
    else:
        scale = view[0] / width
        if zoom.mode == FIT_PAGE:
            scale = min(scale, view[1] / height)
        if not enlarge:
            scale = min(scale, unit)
    scale = min(scale, MAX_SHOWN_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def render_size(natural: Size, request: PageRequest) -> tuple[int, int]:
    """The device pixels the child renders a page of ``natural`` points at for ``request``:
    its shown size times the pixel ratio, within :data:`MAX_PAGE_SIDE` and
    :data:`MAX_PAGE_PIXELS`."""
    shown = shown_size(natural, request.zoom, request.view, PDF_UNIT)
    width, height = shown[0] * request.ratio, shown[1] * request.ratio
    scale = min(1.0, MAX_PAGE_SIDE / max(width, height),
                math.sqrt(MAX_PAGE_PIXELS / (width * height)))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def percent_shown(natural: Size, shown_width: int, unit: float) -> float:
    """The percentage of the natural size that ``shown_width`` pixels are."""
    return 100 * shown_width / (sane_size(natural)[0] * unit)


def next_step(percent: float, direction: int) -> float:
    """The zoom step after ``percent`` going in (``direction`` 1) or out (-1), kept within
    :data:`STEPS`."""
    if direction > 0:
        return next((s for s in STEPS if s > percent * 1.01), STEPS[-1])
    return next((s for s in reversed(STEPS) if s < percent * 0.99), STEPS[0])


def sane_size(natural: Size) -> Size:
    """``natural`` if both sides are positive and finite, else US Letter (612 × 792 points),
    as PDF readers assume for a broken page box."""
    width, height = natural
    if 0 < width < math.inf and 0 < height < math.inf:
        return width, height
    return 612.0, 792.0
