"""The zoom arithmetic the viewer and the render child share: fits, percentages, the steps,
the per-page render cap, and the render child's request words (refused when out of range)."""

from __future__ import annotations

import math

import pytest

from arbiter_app.gui.zoom import (
    FIT_PAGE,
    FIT_WIDTH,
    MAX_PAGE_PIXELS,
    MAX_PAGE_SIDE,
    MAX_SHOWN_SIDE,
    PDF_UNIT,
    PERCENT,
    STEPS,
    PageRequest,
    Zoom,
    next_step,
    render_size,
    shown_size,
)

A4 = (595.0, 842.0)


@pytest.mark.parametrize(("zoom", "view", "expected"), [
    (Zoom(FIT_WIDTH), (800, 600), (800, 1132)),
    (Zoom(FIT_PAGE), (800, 600), (424, 600)),
    (Zoom(FIT_PAGE), (300, 2000), (300, 425)),
    (Zoom(PERCENT, 100), (10, 10), (793, 1123)),
    (Zoom(PERCENT, 50), (10, 10), (397, 561)),
], ids=["fit-width", "fit-page-by-height", "fit-page-by-width", "100-percent-is-96-dpi",
        "50-percent"])
def test_a4_page_shown_size(zoom: Zoom, view: tuple[int, int],
                            expected: tuple[int, int]) -> None:
    assert shown_size(A4, zoom, view, PDF_UNIT) == expected


def test_a_fit_that_may_not_enlarge_stops_at_100_percent() -> None:
    assert shown_size((40, 30), Zoom(FIT_PAGE), (800, 600), 1.0, enlarge=False) == (40, 30)
    assert shown_size((4000, 3000), Zoom(FIT_PAGE), (800, 600), 1.0, enlarge=False) == (
        800, 600)


@pytest.mark.parametrize("natural", [(2.0**31, 2.0**31), (1.0, 2.0**31), (1e300, 1e300)],
                         ids=["2^31-points-square", "1-by-2^31-points", "1e300-points"])
def test_no_page_is_shown_larger_than_the_screen_cap_at_any_zoom(
        natural: tuple[float, float]) -> None:
    for zoom in (Zoom(FIT_WIDTH), Zoom(FIT_PAGE), Zoom(PERCENT, STEPS[-1])):
        width, height = shown_size(natural, zoom, (16_384, 16_384), PDF_UNIT)
        assert 1 <= width <= MAX_SHOWN_SIDE and 1 <= height <= MAX_SHOWN_SIDE


@pytest.mark.parametrize("natural", [(0.0, 792.0), (math.inf, 792.0), (612.0, math.nan),
                                     (-612.0, 792.0)],
                         ids=["zero-width", "infinite-width", "nan-height", "negative-width"])
def test_a_broken_page_box_is_shown_as_us_letter(natural: tuple[float, float]) -> None:
    assert shown_size(natural, Zoom(PERCENT, 100), (1, 1), 1.0) == (612, 792)


@pytest.mark.parametrize(("natural", "request_", "expected"), [
    (A4, PageRequest(zoom=Zoom(FIT_WIDTH), view=(800, 600)), (800, 1132)),
    (A4, PageRequest(zoom=Zoom(FIT_WIDTH), view=(800, 600), ratio=2.0), (1600, 2264)),
    (A4, PageRequest(zoom=Zoom(PERCENT, 400)), (2434, 3445)),
    ((5000.0, 5000.0), PageRequest(zoom=Zoom(PERCENT, 400)), (2896, 2896)),
    ((1.0, 2.0**31), PageRequest(zoom=Zoom(FIT_WIDTH), view=(16_384, 16_384), ratio=4.0),
     (1, MAX_PAGE_SIDE)),
], ids=["a4-fit-width", "a4-fit-width-on-a-2x-screen", "a4-at-400-percent-capped-in-pixels",
        "poster-at-400-percent-capped", "sliver-capped-on-its-long-side"])
def test_render_size_is_the_shown_size_within_the_page_caps(
        natural: tuple[float, float], request_: PageRequest,
        expected: tuple[int, int]) -> None:
    width, height = render_size(natural, request_)
    assert (width, height) == expected
    assert max(width, height) <= MAX_PAGE_SIDE and width * height <= MAX_PAGE_PIXELS


@pytest.mark.parametrize(("percent", "direction", "expected"), [
    (100, 1, 125), (100, -1, 75), (107.3, 1, 125), (107.3, -1, 100), (99.5, 1, 125),
    (400, 1, 400), (10, -1, 10), (3, 1, 10), (900, -1, 400),
], ids=["in-from-100", "out-from-100", "in-from-a-fit", "out-from-a-fit",
        "in-from-almost-100", "in-at-the-top", "out-at-the-bottom", "in-from-below-the-steps",
        "out-from-above-the-steps"])
def test_zoom_steps(percent: float, direction: int, expected: float) -> None:
    assert next_step(percent, direction) == expected


def test_a_request_round_trips_through_the_childs_words() -> None:
    request = PageRequest(41, Zoom(PERCENT, 150), (812, 590), 1.5)
    assert PageRequest.parse(request.arguments()) == request
    assert PageRequest.parse(PageRequest().arguments()) == PageRequest()


@pytest.mark.parametrize("words", [
    ["-1", "fit-width", "800", "600", "1"],
    ["0", "fit-everything", "800", "600", "1"],
    ["0", "1000", "800", "600", "1"],
    ["0", "nan", "800", "600", "1"],
    ["0", "fit-page", "0", "600", "1"],
    ["0", "fit-page", "800", "99999", "1"],
    ["0", "fit-page", "800", "600", "0.5"],
    ["0", "fit-page", "800", "600", "inf"],
    ["0", "fit-page", "800", "600"],
], ids=["negative-page", "unknown-fit", "zoom-above-the-steps", "zoom-nan", "view-zero-wide",
        "view-too-tall", "ratio-below-1", "ratio-infinite", "a-word-missing"])
def test_a_malformed_request_is_refused(words: list[str]) -> None:
    with pytest.raises(ValueError):
        PageRequest.parse(words)
